/**
 * What `AsyncVectorEnv` (async-vector-env.ts) and its workers (async-worker.ts) agree on: the layout of the
 * shared buffers, the control words that carry a command and its completion, and the messages that carry
 * everything that is not a number per sub-env (reset arguments, infos, errors, states).
 *
 * One command at a time per worker:
 * 1. the vector env writes the inputs (actions into shared memory, other arguments as one posted message),
 *    stores the command code and increments `REQUEST`, then `Atomics.notify`s it;
 * 2. the worker, blocked in `Atomics.wait` on `REQUEST`, runs the command for its sub-envs, writes the outputs
 *    into shared memory, posts at most one reply message (setting `HAS_REPLY`), stores `STATUS`, copies
 *    `REQUEST` into `DONE` and notifies `DONE`;
 * 3. the vector env, waiting on `DONE`, reads the outputs and takes the reply message without going through
 *    the event loop.
 * The atomic store of `REQUEST` (and of `DONE`) orders the plain writes to shared memory before it, so each
 * side reads the other's complete data.
 */
import type { Dtype } from '../core/spaces.ts';
import type { EnvOptions } from '../registry.ts';
import type { Info, JsonValue, ResetOptions } from '../core/types.ts';

/** Autoreset modes of Gymnasium 1.x's `AutoresetMode`; see async-vector.ts. */
export type AsyncAutoresetMode = 'NEXT_STEP' | 'SAME_STEP' | 'DISABLED';

/** One sub-env, as `make(id, { maxEpisodeSteps, envOptions })` builds it inside a worker. */
export interface SubEnvSpec {
  readonly id: string;
  /** Overrides the registered time limit; `null` disables TimeLimit. */
  readonly maxEpisodeSteps?: number | null;
  /** Numeric constructor options, as for `make`. */
  readonly envOptions?: EnvOptions;
}

/** Command codes stored in the `COMMAND` control word. */
export const Command = {
  step: 1,
  reset: 2,
  getState: 3,
  setState: 4,
  call: 5,
  getAttr: 6,
  setAttr: 7,
  close: 8,
  /** The first command: the message holds a `DataAttach`. */
  attach: 9,
} as const;
export type CommandCode = (typeof Command)[keyof typeof Command];

/** Indices into a worker's control block (Int32Array). */
export const REQUEST = 0;
export const COMMAND = 1;
export const DONE = 2;
export const STATUS = 3;
export const HAS_REPLY = 4;
/** 16 words = 64 bytes per worker, so two workers' control words never share a cache line. */
export const CONTROL_WORDS = 16;

export const STATUS_OK = 0;
/** A sub-env threw; the reply message holds a `WorkerError`. */
export const STATUS_ERROR = 1;
/** The worker thread is exiting; set from its `exit` handler. */
export const STATUS_DEAD = 2;

/** Byte offsets of the batched arrays inside the one shared data buffer. */
export interface DataLayout {
  readonly numEnvs: number;
  readonly obsSize: number;
  readonly actionSize: number;
  readonly byteLength: number;
  readonly actions: number;
  readonly rewards: number;
  readonly obs: number;
  readonly finalObs: number;
  readonly terminations: number;
  readonly truncations: number;
  readonly autoreset: number;
  readonly finalObsMask: number;
}

export function dataLayout(numEnvs: number, obsSize: number, actionSize: number): DataLayout {
  let offset = 0;
  const take = (bytes: number): number => {
    const at = offset;
    offset += Math.ceil(bytes / 8) * 8; // keep every region 8-byte aligned
    return at;
  };
  const regions = {
    actions: take(numEnvs * actionSize * 8),
    rewards: take(numEnvs * 8),
    obs: take(numEnvs * obsSize * 4),
    finalObs: take(numEnvs * obsSize * 4),
    terminations: take(numEnvs),
    truncations: take(numEnvs),
    autoreset: take(numEnvs),
    finalObsMask: take(numEnvs),
  };
  return { numEnvs, obsSize, actionSize, ...regions, byteLength: offset };
}

/** Typed views of the shared data buffer; identical on both sides. */
export interface DataViews {
  /** Float64, as `SyncVectorEnv` copies actions into Float64Arrays before `env.step`. */
  readonly actions: Float64Array;
  readonly rewards: Float64Array;
  readonly obs: Float32Array;
  readonly finalObs: Float32Array;
  readonly terminations: Uint8Array;
  readonly truncations: Uint8Array;
  readonly autoreset: Uint8Array;
  readonly finalObsMask: Uint8Array;
}

export function dataViews(buffer: SharedArrayBuffer, layout: DataLayout): DataViews {
  const { numEnvs: n, obsSize, actionSize } = layout;
  return {
    actions: new Float64Array(buffer, layout.actions, n * actionSize),
    rewards: new Float64Array(buffer, layout.rewards, n),
    obs: new Float32Array(buffer, layout.obs, n * obsSize),
    finalObs: new Float32Array(buffer, layout.finalObs, n * obsSize),
    terminations: new Uint8Array(buffer, layout.terminations, n),
    truncations: new Uint8Array(buffer, layout.truncations, n),
    autoreset: new Uint8Array(buffer, layout.autoreset, n),
    finalObsMask: new Uint8Array(buffer, layout.finalObsMask, n),
  };
}

/** What a worker receives when it starts (structured-cloned; `port` is transferred). */
export interface WorkerInit {
  /** Index of the worker's first sub-env; it owns `specs.length` consecutive sub-envs. */
  readonly first: number;
  readonly specs: readonly SubEnvSpec[];
  readonly autoresetMode: AsyncAutoresetMode;
  /** Modules to import before making the envs (e.g. ones that `register()` custom ids). */
  readonly imports: readonly string[];
  readonly control: SharedArrayBuffer;
  /** Offset of this worker's control block, in Int32 words. */
  readonly controlOffset: number;
}

/** A space as it crosses threads. */
export interface SpaceDescription {
  readonly low: ArrayLike<number>;
  readonly high: ArrayLike<number>;
  readonly shape: readonly number[];
  readonly dtype: Dtype;
}

/** The worker's first message, on the start-up channel. */
export type StartupReport =
  | { readonly type: 'ready'; readonly spaces: readonly { readonly id: string; readonly observation: SpaceDescription; readonly action: SpaceDescription }[] }
  | { readonly type: 'failed'; readonly error: WorkerError };

/** The message of the `attach` command, sent once after `ready`: where the batched arrays live. */
export interface DataAttach {
  readonly data: SharedArrayBuffer;
  readonly layout: DataLayout;
}

/** An exception from a sub-env or the worker, as it crosses threads. */
export interface WorkerError {
  /** Global index of the sub-env that threw, or null for the worker itself. */
  readonly index: number | null;
  readonly name: string;
  readonly message: string;
  readonly stack: string;
}

/** Arguments of a reset, for the worker's sub-envs (index 0 = its first sub-env). */
export interface ResetRequest {
  readonly seeds: readonly (number | undefined)[];
  readonly options: ResetOptions | undefined;
  /** Which sub-envs to reset; all when null. */
  readonly mask: readonly boolean[] | null;
}

/**
 * Infos after a step or reset, for the worker's sub-envs; `null` stands for an empty info (so steps of envs
 * without diagnostics post no message at all). `finalInfos` only in SAME_STEP.
 */
export interface InfoReply {
  readonly infos: readonly (Info | null)[];
  readonly finalInfos: readonly (Info | null)[] | null;
}

export interface StateReply {
  readonly envs: readonly JsonValue[];
  readonly needsReset: readonly number[];
}

export interface SetStateRequest {
  readonly envs: readonly JsonValue[];
  readonly needsReset: readonly number[];
}

export interface CallRequest {
  readonly name: string;
  readonly args: readonly unknown[];
}

export interface SetAttrRequest {
  readonly name: string;
  readonly values: readonly unknown[];
}

/** A reply to step/reset/getState/call/getAttr, or an error. */
export type Reply =
  | { readonly type: 'infos'; readonly infos: InfoReply }
  | { readonly type: 'state'; readonly state: StateReply }
  | { readonly type: 'values'; readonly values: readonly unknown[] }
  | { readonly type: 'error'; readonly error: WorkerError; readonly infos: InfoReply | null };
