/**
 * Save and load of a whole off-policy learner: its trainable parts (networks, free tensors,
 * optimizers), the replay buffer, the loop's counters, the random streams and the env's state.
 * The algorithm files name their parts; everything else is the same for every algorithm.
 */
import type { Generator, GeneratorState } from '../../engine/index.ts';
import { readAgentCheckpoint, writeAgentCheckpoint, type AgentParts } from './checkpoint.ts';
import { restoreStreams, restoreTrainingState, serializeTrainingState, streamStates, type OffPolicyLearner } from './off-policy.ts';

/** Generators an algorithm owns beyond the loop's four streams (IAPO's evaluation stream), by name. */
export type ExtraStreams = Readonly<Record<string, Generator>>;

export interface LoadOptions {
  /** Read only the networks and free tensors (evaluation, analysis); default false (resume exactly). */
  weightsOnly?: boolean;
}

/** Writes everything needed to resume exactly into `dir` (atomically; see writeAgentCheckpoint). */
export function saveLearner(dir: string, learner: OffPolicyLearner, parts: AgentParts, extraStreams: ExtraStreams = {}): void {
  const streams: Record<string, GeneratorState> = streamStates(learner.streams);
  for (const [name, generator] of Object.entries(extraStreams)) streams[name] = generator.getState();
  writeAgentCheckpoint(dir, parts, learner.buffer, {
    algorithm: learner.algorithm,
    envId: learner.envId,
    config: { ...learner.config },
    training: serializeTrainingState(learner.training),
    streams,
    envState: learner.env.getState?.() ?? null,
  });
}

/**
 * Restores a checkpoint written by `saveLearner` into `learner` (built with the same architecture).
 * A checkpoint of another algorithm is refused before anything is read into the learner.
 */
export function loadLearner(
  dir: string, learner: OffPolicyLearner, parts: AgentParts, { weightsOnly = false }: LoadOptions = {}, extraStreams: ExtraStreams = {},
): void {
  const meta = readAgentCheckpoint(dir, parts, weightsOnly ? null : learner.buffer, { optimizers: !weightsOnly, algorithm: learner.algorithm });
  if (weightsOnly) return;
  restoreStreams(learner.streams, meta.streams);
  for (const [name, generator] of Object.entries(extraStreams)) {
    const state = meta.streams[name] as GeneratorState | undefined;
    if (state) generator.setState(state);
  }
  restoreTrainingState(learner.training, meta.training, learner.env, meta.envState);
}
