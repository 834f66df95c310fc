/**
 * Agent checkpoints: the engine's checkpoint format (engine/io/checkpoint.ts: meta.json,
 * model.safetensors, optimizers.safetensors) plus what training adds — the algorithm, env id and
 * config, the runner's counters, the env's own state, and the replay buffer (replay.safetensors).
 *
 * Encoding and restoring work on in-memory files, so they run anywhere; the Node entry writes them
 * to a directory atomically (algorithms/node/checkpoint-dir.ts).
 */
import {
  CheckpointError, Tensor, decodeSafetensors, encodeCheckpoint, kernels, encodeSafetensors, modelTensors, prepareRestore, readCheckpointMeta,
  type CheckpointFiles, type CheckpointMetaBase, type Module, type Optimizer, showValue,
} from '../../engine/index.ts';
import type { ContinuousEnv } from './env.ts';
import type { Learner } from './learner.ts';
import type { ReplayBuffer, ReplayBufferState } from './replay-buffer.ts';
import type { RolloutBuffer, RolloutBufferState } from './rollout-buffer.ts';
import { checkpointedStreams, serializeTrainingState, type TrainingState } from './training-state.ts';

export { CheckpointError, type CheckpointFiles };

/** The trainable state of an agent, by name. */
export interface AgentParts {
  readonly modules: Readonly<Record<string, Module>>;
  /** Free tensors (e.g. SAC's log α). */
  readonly tensors: Readonly<Record<string, Tensor>>;
  readonly optimizers: Readonly<Record<string, Optimizer>>;
  /** The replay buffer of an off-policy learner. */
  readonly replay?: ReplayBuffer;
  /** The rollout in progress of an on-policy learner (a checkpoint may fall mid-rollout). */
  readonly rollout?: RolloutBuffer;
}

/** meta.json of an agent checkpoint. */
export interface AgentCheckpointMeta extends CheckpointMetaBase {
  readonly algorithm: string;
  readonly envId: string;
  /** The algorithm's resolved config. */
  readonly config: Record<string, unknown>;
  /** The runner's counters and episode bookkeeping (TrainingState, observation as a plain array). */
  readonly training: Record<string, unknown>;
  /** The training env's `getState()`, or null when the env has none. */
  readonly envState: unknown;
  readonly replay: { capacity: number; observationSize: number; actionSize: number; position: number; size: number } | null;
  /** The rollout buffer's shape and fill (its arrays are in rollout.safetensors); absent for off-policy learners. */
  readonly rollout?: RolloutMeta | null;
  /** The kernel set (and GEMM FMA mode) the state was computed with; absent in checkpoints of earlier releases. */
  readonly kernels?: KernelIdentity;
  readonly savedAt: string;
}

/** A save refused because a network value is NaN or ±Inf (the previous checkpoint stays in place). */
export class NonFiniteParameterError extends Error {
  override name = 'NonFiniteParameterError';
}

function assertFinite(tensors: Record<string, Tensor>): void {
  for (const [name, t] of Object.entries(tensors)) {
    const data = t.data;
    for (let i = 0; i < data.length; i++) {
      if (!Number.isFinite(data[i])) {
        throw new NonFiniteParameterError(`checkpoint: '${name}' holds ${data[i]} at flat index ${i}; refusing to overwrite the last good checkpoint`);
      }
    }
  }
}

function replayFile(buffer: ReplayBuffer): { meta: AgentCheckpointMeta['replay']; bytes: Uint8Array } {
  const s = buffer.getState();
  const t = (data: Float32Array, width: number): Tensor => new Tensor(data, [s.size, width]);
  return {
    meta: { capacity: s.capacity, observationSize: s.observationSize, actionSize: s.actionSize, position: s.position, size: s.size },
    bytes: encodeSafetensors({
      observations: t(s.observations, s.observationSize),
      actions: t(s.actions, s.actionSize),
      rewards: t(s.rewards, 1),
      nextObservations: t(s.nextObservations, s.observationSize),
      terminated: t(s.terminated, 1),
    }),
  };
}

type RolloutMeta = Omit<RolloutBufferState, RolloutArrayName>;
const ROLLOUT_ARRAYS = ['observations', 'actions', 'rewards', 'values', 'logProbs', 'terminations', 'truncations', 'advantages', 'returns'] as const;
type RolloutArrayName = (typeof ROLLOUT_ARRAYS)[number];

function rolloutFile(buffer: RolloutBuffer): { meta: RolloutMeta; bytes: Uint8Array } {
  const state = buffer.getState();
  const { observations: _o, actions: _a, rewards: _r, values: _v, logProbs: _l, terminations: _t, truncations: _u, advantages: _d, returns: _e, ...meta } = state;
  const tensors: Record<string, Tensor> = {};
  for (const name of ROLLOUT_ARRAYS) {
    const data = state[name];
    if (data.length > 0) tensors[name] = new Tensor(data instanceof Float64Array ? data : Float32Array.from(data), [data.length]);
  }
  return { meta, bytes: encodeSafetensors(tensors) };
}

function readRollout(files: Readonly<CheckpointFiles>, meta: AgentCheckpointMeta, where: string): RolloutBufferState {
  const rollout = meta.rollout;
  if (!rollout || typeof rollout !== 'object') throw new CheckpointError(`${where}: checkpoint holds no rollout buffer`);
  if (!Object.hasOwn(files, 'rollout.safetensors')) throw new CheckpointError(`${where}: checkpoint has no rollout.safetensors`);
  const stored = decodeSafetensors(files['rollout.safetensors']).tensors;
  const array = (name: RolloutArrayName, kind: 'f32' | 'f64'): Float32Array | Float64Array => {
    if (!Object.hasOwn(stored, name)) return kind === 'f64' ? new Float64Array(0) : new Float32Array(0);
    const data = stored[name].data;
    return kind === 'f64' ? Float64Array.from(data) : Float32Array.from(data);
  };
  return {
    ...rollout,
    observations: array('observations', 'f32') as Float32Array,
    actions: array('actions', 'f32') as Float32Array,
    rewards: array('rewards', 'f64') as Float64Array,
    values: array('values', 'f64') as Float64Array,
    logProbs: array('logProbs', 'f64') as Float64Array,
    terminations: array('terminations', 'f32') as Float32Array,
    truncations: array('truncations', 'f32') as Float32Array,
    advantages: array('advantages', 'f64') as Float64Array,
    returns: array('returns', 'f64') as Float64Array,
  };
}

/** Checks, for plain-JS callers, that `files` is a table of files as `toCheckpoint` returns it. */
export function checkFiles(owner: string, files: unknown): asserts files is Readonly<CheckpointFiles> {
  if (typeof files !== 'object' || files === null || Array.isArray(files)) {
    throw new TypeError(`${owner}: files must be checkpoint files ({ 'meta.json': Uint8Array, … }, as toCheckpoint returns them), got ${showValue(files)}`);
  }
}

/** Checks, for plain-JS callers, that `options` is a RestoreOptions object. */
export function checkRestoreOptions(owner: string, options: unknown): asserts options is RestoreOptions {
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new TypeError(`${owner}: options must be an object ({ weightsOnly?, allowKernelChange? }), got ${showValue(options)}`);
  }
  for (const key of ['weightsOnly', 'allowKernelChange'] as const) {
    const value = (options as RestoreOptions)[key];
    if (value !== undefined && typeof value !== 'boolean') throw new TypeError(`${owner}: options.${key} must be true or false, got ${showValue(value)}`);
  }
}

/** Checks that `where` (the name of the files in error messages) is a non-empty string. */
export function checkSource(owner: string, what: string, where: unknown): asserts where is string {
  if (typeof where !== 'string' || where === '') throw new TypeError(`${owner}: ${what} must be a non-empty string naming the files, got ${showValue(where)}`);
}

/** Checks that `learner` is an agent (something with `checkpointParts()`), for plain-JS callers. */
function checkLearner(owner: string, learner: unknown): asserts learner is Learner {
  if (typeof learner !== 'object' || learner === null || typeof (learner as Partial<Learner>).checkpointParts !== 'function') {
    throw new TypeError(`${owner}: learner must be an agent (with checkpointParts()), got ${showValue(learner)}`);
  }
}

/** Everything needed to resume `learner` exactly, as checkpoint files. Refuses non-finite weights. */
export function encodeAgentCheckpoint(learner: Learner): CheckpointFiles {
  checkLearner('encodeAgentCheckpoint', learner);
  const parts = learner.checkpointParts();
  assertFinite(modelTensors(parts.modules, parts.tensors));
  const replay = parts.replay ? replayFile(parts.replay) : null;
  const rollout = parts.rollout ? rolloutFile(parts.rollout) : null;
  const env = learner.env as { getState?(): unknown };
  return encodeCheckpoint({
    modules: parts.modules,
    tensors: parts.tensors,
    optimizers: parts.optimizers,
    streams: checkpointedStreams(learner.streams, learner.extraStreams()),
    meta: {
      algorithm: learner.algorithm,
      envId: learner.envId,
      config: { ...learner.config },
      training: serializeTrainingState(learner.training),
      envState: env.getState?.() ?? null,
      replay: replay?.meta ?? null,
      ...(rollout ? { rollout: rollout.meta } : {}),
      kernels: currentKernels(),
      savedAt: new Date().toISOString(),
    },
    modelMetadata: { format: 'varl-checkpoint', algorithm: learner.algorithm },
    files: { ...(replay ? { 'replay.safetensors': replay.bytes } : {}), ...(rollout ? { 'rollout.safetensors': rollout.bytes } : {}) },
  });
}

/** meta.json of an agent checkpoint, checked. */
export function readAgentMeta(files: Readonly<CheckpointFiles>, where = 'checkpoint'): AgentCheckpointMeta {
  checkFiles('readAgentMeta', files);
  checkSource('readAgentMeta', 'where', where);
  const meta = readCheckpointMeta<AgentCheckpointMeta>(files, where);
  if (typeof meta.algorithm !== 'string' || typeof meta.envId !== 'string') {
    throw new CheckpointError(`${where}: meta.json lacks the algorithm or env id`);
  }
  if (typeof meta.config !== 'object' || meta.config === null || Array.isArray(meta.config)) {
    throw new CheckpointError(`${where}: meta.json 'config' is not an object`);
  }
  if (typeof meta.training !== 'object' || meta.training === null) throw new CheckpointError(`${where}: meta.json 'training' is not an object`);
  return meta;
}

export interface RestoreOptions {
  /** Read only the networks and free tensors (evaluation, analysis); default false (resume exactly). */
  weightsOnly?: boolean;
  /**
   * Resume under another kernel set than the checkpoint was saved under (other rounding: training goes
   * on, but is no longer the run it would have been); default false refuses such a resume.
   */
  allowKernelChange?: boolean;
}

/** The files of a checkpoint that a shipped policy keeps (meta.json and the networks); `weightsOnly` loads need no others. */
export const POLICY_FILES = ['meta.json', 'model.safetensors'] as const;

/** The kernel set and GEMM mode a run computes with (different ones round differently). */
export interface KernelIdentity {
  readonly set: string;
  readonly fma: boolean;
  /**
   * Whether that FMA rounds once on the machine (relaxed SIMD lets it round once or twice, so two machines
   * with the same set and `fma` can differ); false without FMA; absent in records of earlier releases.
   */
  readonly fusedMultiplyAdd?: boolean;
}

export function currentKernels(): KernelIdentity {
  const active = kernels() as ReturnType<typeof kernels> & { fma?: boolean; fusedMultiplyAdd?: boolean };
  return { set: active.name, fma: active.fma === true, fusedMultiplyAdd: active.fusedMultiplyAdd === true };
}

/** Whether `value` is a kernel identity as meta.json and run.json store it. */
export function isKernelIdentity(value: unknown): value is KernelIdentity {
  if (typeof value !== 'object' || value === null) return false;
  const k = value as Record<string, unknown>;
  return typeof k.set === 'string' && typeof k.fma === 'boolean' && (k.fusedMultiplyAdd === undefined || typeof k.fusedMultiplyAdd === 'boolean');
}

/**
 * Whether two kernel identities compute alike: same set, same GEMM mode and, where both record it, the
 * same FMA rounding.
 */
export function sameKernels(a: KernelIdentity, b: KernelIdentity): boolean {
  checkKernelIdentity('sameKernels', 'a', a);
  checkKernelIdentity('sameKernels', 'b', b);
  const rounding = a.fusedMultiplyAdd === undefined || b.fusedMultiplyAdd === undefined || a.fusedMultiplyAdd === b.fusedMultiplyAdd;
  return a.set === b.set && a.fma === b.fma && rounding;
}

function checkKernelIdentity(owner: string, what: string, k: unknown): void {
  if (!isKernelIdentity(k)) throw new TypeError(`${owner}: ${what} must be a kernel identity { set: string, fma: boolean, fusedMultiplyAdd?: boolean }, got ${showValue(k)}`);
}

export function describeKernels(k: KernelIdentity): string {
  checkKernelIdentity('describeKernels', 'k', k);
  if (!k.fma) return k.set;
  if (k.fusedMultiplyAdd === undefined) return `${k.set} with FMA`;
  return `${k.set} with FMA ${k.fusedMultiplyAdd ? 'rounding once' : 'rounding twice'}`;
}

/** A full restore under other kernels than the checkpoint's is refused unless allowed (before anything is written). */
function checkResumeKernels(meta: AgentCheckpointMeta, allowed: boolean, where: string): void {
  const saved = meta.kernels as unknown;
  if (saved === undefined) return;
  if (!isKernelIdentity(saved)) {
    throw new CheckpointError(`${where}: meta.json 'kernels' must be { set: string, fma: boolean, fusedMultiplyAdd?: boolean }, got ${showValue(saved)}`);
  }
  const now = currentKernels();
  const k = saved;
  if (allowed || sameKernels(k, now)) return;
  throw new CheckpointError(`${where}: the checkpoint was saved under the ${describeKernels(k)} kernels and this process uses ${describeKernels(now)}, ` +
    'so the resumed run would not be bit-identical. Select the same kernels (VARL_KERNELS; FMA needs node --experimental-wasm-relaxed-simd), ' +
    'or pass { allowKernelChange: true } to resume anyway, or { weightsOnly: true } to load the networks only');
}

function readReplay(files: Readonly<CheckpointFiles>, meta: AgentCheckpointMeta, where: string): ReplayBufferState {
  const replay = meta.replay;
  if (!replay) throw new CheckpointError(`${where}: checkpoint holds no replay buffer`);
  if (!Object.hasOwn(files, 'replay.safetensors')) throw new CheckpointError(`${where}: checkpoint has no replay.safetensors`);
  const r = decodeSafetensors(files['replay.safetensors']).tensors;
  const field = (name: string): Float32Array => {
    if (!Object.hasOwn(r, name)) throw new CheckpointError(`${where}: replay.safetensors lacks '${name}'`);
    return r[name].data as Float32Array;
  };
  return {
    ...replay,
    observations: field('observations'),
    actions: field('actions'),
    rewards: field('rewards'),
    nextObservations: field('nextObservations'),
    terminated: field('terminated'),
  };
}

/**
 * Restores a checkpoint into `learner` (built with the same architecture). A checkpoint of another
 * algorithm, or one that does not fit, is refused before anything is written.
 */
export function restoreAgentCheckpoint(
  files: Readonly<CheckpointFiles>, learner: Learner, options: RestoreOptions = {}, where = 'checkpoint',
): AgentCheckpointMeta {
  checkFiles('restoreAgentCheckpoint', files);
  checkLearner('restoreAgentCheckpoint', learner);
  checkRestoreOptions('restoreAgentCheckpoint', options);
  checkSource('restoreAgentCheckpoint', 'where', where);
  const { weightsOnly = false, allowKernelChange = false } = options;
  const meta = readAgentMeta(files, where);
  if (meta.algorithm !== learner.algorithm) throw new CheckpointError(`${where}: checkpoint is for ${meta.algorithm}, not ${learner.algorithm}`);
  if (!weightsOnly) checkResumeKernels(meta, allowKernelChange, where);
  const parts = learner.checkpointParts();
  const prepared = withEnvHint(meta, learner, () => prepareRestore<AgentCheckpointMeta>(files, {
    modules: parts.modules,
    tensors: parts.tensors,
    ...(weightsOnly ? {} : { optimizers: parts.optimizers, streams: checkpointedStreams(learner.streams, learner.extraStreams()) }),
  }, where));
  const replay = !weightsOnly && parts.replay ? readReplay(files, meta, where) : null;
  if (replay && parts.replay) parts.replay.checkState(replay);
  const rollout = !weightsOnly && parts.rollout ? readRollout(files, meta, where) : null;
  if (rollout && parts.rollout) parts.rollout.checkState(rollout);
  const training = weightsOnly ? null : checkTrainingState(meta.training, learner.training, where);

  prepared.apply();
  if (replay && parts.replay) parts.replay.setState(replay);
  if (rollout && parts.rollout) parts.rollout.setState(rollout);
  if (training) restoreTrainingState(learner.training, training, learner.env, meta.envState);
  return meta;
}

/** Runs `read`; a CheckpointError it throws (a shape that does not fit, say) names both envs when they differ. */
function withEnvHint<T>(meta: AgentCheckpointMeta, learner: Learner, read: () => T): T {
  try {
    return read();
  } catch (error) {
    if (!(error instanceof CheckpointError) || meta.envId === learner.envId) throw error;
    throw new CheckpointError(`${error.message} (the checkpoint was saved on ${meta.envId}; this agent's env is ${learner.envId})`);
  }
}

type SavedTraining = Omit<TrainingState, 'observation'> & { observation: number[] };

function checkTrainingState(saved: Record<string, unknown>, state: TrainingState, where: string): SavedTraining {
  const s = saved as unknown as SavedTraining;
  const count = (name: keyof SavedTraining): void => {
    const v = s[name];
    if (!Number.isInteger(v) || (v as number) < 0) throw new CheckpointError(`${where}: training.${name} must be a non-negative integer, got ${showValue(v)}`);
  };
  count('step');
  count('episode');
  count('updates');
  count('episodeLength');
  for (const name of ['episodeReturn', 'wallSeconds'] as const) {
    if (typeof s[name] !== 'number' || !Number.isFinite(s[name])) throw new CheckpointError(`${where}: training.${name} must be a finite number, got ${showValue(s[name])}`);
  }
  if (typeof s.needsReset !== 'boolean') throw new CheckpointError(`${where}: training.needsReset must be true or false`);
  if (!s.needsReset && (!Array.isArray(s.observation) || s.observation.length !== state.observation.length || !s.observation.every(Number.isFinite))) {
    throw new CheckpointError(`${where}: training.observation must hold ${state.observation.length} finite numbers`);
  }
  return s;
}

/**
 * Puts counters back and the env where it was. Without an env state (an env lacking
 * getState/setState) the episode in progress cannot be continued: the next step starts a new
 * episode, and the resumed run is no longer step-for-step identical.
 */
function restoreTrainingState(state: TrainingState, s: SavedTraining, env: unknown, envState: unknown): void {
  state.step = s.step;
  state.episode = s.episode;
  state.updates = s.updates;
  state.episodeReturn = s.episodeReturn;
  state.episodeLength = s.episodeLength;
  state.lastEpisodeReturn = s.lastEpisodeReturn;
  state.wallSeconds = s.wallSeconds;
  state.lastEval = s.lastEval;
  state.needsReset = s.needsReset;
  state.lossSums = { ...(s.lossSums ?? {}) };
  state.lossCounts = { ...(s.lossCounts ?? {}) };
  state.observation.fill(0);
  if (!s.needsReset) state.observation.set(s.observation);
  const restorable = env as Pick<ContinuousEnv, 'setState'>;
  if (envState !== null && envState !== undefined && restorable.setState) restorable.setState(envState);
  else if (!s.needsReset) state.needsReset = true;
}
