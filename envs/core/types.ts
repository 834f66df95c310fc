/**
 * The environment contract (Gymnasium 1.x semantics, TypeScript names).
 *
 * Buffer ownership: `reset()` and `step()` return objects owned by the env. The result object, its
 * `obs` Float32Array and its `info` object are reused and overwritten by the next `reset()`/`step()`
 * call on the same env. Copy (`obs.slice()`) anything you keep. This makes a step allocation-free.
 */
import type { Box } from './spaces.ts';

/** A JSON-serialisable value, so env states can be checkpointed with `JSON.stringify`. */
export type JsonValue = null | boolean | number | string | readonly JsonValue[] | { readonly [key: string]: JsonValue };

/** A checkpoint of everything that determines an env's future: RNG words, physics state, episode phase, wrapper counters. */
export type EnvState = { readonly [key: string]: JsonValue };

/** An action: one number per coordinate of `actionSpace` (Float32Array, Float64Array or number[]). */
export type Action = ArrayLike<number>;

/** Gymnasium's `info["episode"]`, set by `RecordEpisodeStatistics` on the step that ends an episode. */
export interface EpisodeStatistics {
  /** Undiscounted return. */
  r: number;
  /** Length in steps. */
  l: number;
  /** Wall-clock seconds since reset, rounded to microseconds. */
  t: number;
}

/** Per-step diagnostics. Reused by the env between calls, like `obs`. */
export interface Info {
  episode?: EpisodeStatistics;
  [key: string]: unknown;
}

/** Numeric reset options, e.g. Pendulum's `{ xInit, yInit }`; unknown keys throw. */
export type ResetOptions = Readonly<Record<string, number>>;

export interface ResetArgs {
  /** Integer ≥ 0. Reseeds the env's generator; omitted, the generator continues (seeded from entropy on first use). */
  seed?: number;
  options?: ResetOptions;
}

export interface ResetResult {
  readonly obs: Float32Array;
  readonly info: Info;
}

export interface StepResult {
  readonly obs: Float32Array;
  readonly reward: number;
  /** A terminal state of the MDP: do not bootstrap past it. */
  readonly terminated: boolean;
  /** Ended for a reason outside the MDP (time limit): bootstrap past it. */
  readonly truncated: boolean;
  readonly info: Info;
}

export interface EnvMetadata {
  readonly renderModes: readonly string[];
  readonly renderFps: number;
}

export interface Env {
  /** Registry id, e.g. `'Pendulum-v1'`; wrappers report the id of the env they wrap. */
  readonly id: string;
  readonly observationSpace: Box;
  readonly actionSpace: Box;
  readonly metadata: EnvMetadata;
  /** The innermost env, without wrappers. */
  readonly unwrapped: Env;
  reset(args?: ResetArgs): ResetResult;
  step(action: Action): StepResult;
  /** Idempotent. */
  close(): void;
  getState(): EnvState;
  setState(state: EnvState): void;
  /** An SVG document showing the current frame. */
  renderSvg(): string;
}

/** Internal mutable views of the result objects that implementations reuse. */
export interface MutableStepResult {
  obs: Float32Array;
  reward: number;
  terminated: boolean;
  truncated: boolean;
  info: Info;
}

export interface MutableResetResult {
  obs: Float32Array;
  info: Info;
}

/** Constructor options of an env that has none (any key is rejected at runtime). */
export type NoConfig = Readonly<Record<never, number>>;

/** The info object for envs that report nothing; frozen so nobody adds keys to a shared object. */
export const EMPTY_INFO: Info = Object.freeze({});
