/**
 * What the training runner itself keeps between steps: counters, the episode in progress, the
 * per-metric sums since the last progress row, and the run's independent random streams. All of it
 * goes into every checkpoint, so a resumed run continues exactly as the uninterrupted one would.
 */
import { Generator } from '../../engine/index.ts';
import type { EvalPoint } from './records.ts';
import { expectPositiveInteger } from './arguments.ts';

/** Counters and episode bookkeeping, saved in every checkpoint. */
export interface TrainingState {
  /** Env steps taken (over all envs of a vector env). */
  step: number;
  /** Episodes finished. */
  episode: number;
  /** Gradient updates done. */
  updates: number;
  /** Undiscounted return and length of the episode in progress (first env of a vector env). */
  episodeReturn: number;
  episodeLength: number;
  lastEpisodeReturn: number | null;
  /** The env must be reset before the next step (start of training, after an episode ended). */
  needsReset: boolean;
  /** The observation(s) the next action is taken in (valid when !needsReset); written in place. */
  readonly observation: Float32Array;
  /** Wall-clock seconds of `learn`, summed over resumed segments. */
  wallSeconds: number;
  lastEval: EvalPoint | null;
  /** Sum and count of each metric since the last progress row (saved, so rows continue across a resume). */
  lossSums: Record<string, number>;
  lossCounts: Record<string, number>;
}

export function initialTrainingState(observationLength: number): TrainingState {
  expectPositiveInteger('initialTrainingState', 'observationLength', observationLength);
  return {
    step: 0, episode: 0, updates: 0, episodeReturn: 0, episodeLength: 0, lastEpisodeReturn: null,
    needsReset: true, observation: new Float32Array(observationLength), wallSeconds: 0, lastEval: null,
    lossSums: {}, lossCounts: {},
  };
}

/** The training state as plain JSON (the observation as an array of numbers). */
export function serializeTrainingState(state: TrainingState): Record<string, unknown> {
  return { ...state, observation: Array.from(state.observation) };
}

/** Adds one update's metrics to the sums of the current progress row. */
export function accumulateMetrics(state: TrainingState, names: readonly string[], metrics: Readonly<Record<string, number>>): void {
  for (const name of names) {
    const value = metrics[name];
    if (value === undefined) continue;
    state.lossSums[name] = (state.lossSums[name] ?? 0) + value;
    state.lossCounts[name] = (state.lossCounts[name] ?? 0) + 1;
  }
}

/** The mean of each metric since the last row, and a fresh start for the next row. */
export function takeMetricMeans(state: TrainingState, names: readonly string[]): Record<string, number> {
  const means: Record<string, number> = {};
  for (const name of names) {
    if (state.lossCounts[name] > 0) means[name] = state.lossSums[name] / state.lossCounts[name];
  }
  state.lossSums = {};
  state.lossCounts = {};
  return means;
}

/** The independent random streams of a run, split from the root seed in a fixed order. */
export interface RandomStreams {
  /** Network initialisation (used once, at construction). */
  readonly init: Generator;
  /** Warm-up actions and exploration noise / policy samples while acting. */
  readonly exploration: Generator;
  /** Minibatch indices. */
  readonly minibatch: Generator;
  /** Noise inside updates: reparameterised policy samples (SAC), target smoothing (TD3). */
  readonly update: Generator;
}

export function createStreams(seed: number): RandomStreams {
  const root = new Generator(seed);
  return { init: root.split(), exploration: root.split(), minibatch: root.split(), update: root.split() };
}

/** The generators a checkpoint saves: the streams that move during training, plus any an algorithm owns. */
export function checkpointedStreams(streams: RandomStreams, extra: Readonly<Record<string, Generator>> = {}): Record<string, Generator> {
  return { exploration: streams.exploration, minibatch: streams.minibatch, update: streams.update, ...extra };
}
