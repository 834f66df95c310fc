/**
 * The options, errors and sub-env specs of `AsyncVectorEnv` (async-vector.ts), checked on the calling thread
 * before any worker starts.
 */
import { showValue } from '../../engine/errors.ts';
import { EnvError } from '../core/errors.ts';
import type { ResetOptions } from '../core/types.ts';
import type { AsyncAutoresetMode, SubEnvSpec } from './async-protocol.ts';
import type { WorkerTransport } from './async-transport.ts';

/** Something the vector env itself cannot do: use after close, a timed-out or vanished worker, a call out of order. */
export class AsyncVectorEnvError extends EnvError {}

/** A sub-env threw in its worker; `index` is the sub-env, `causeName` / `causeMessage` what it threw. */
export class SubEnvError extends AsyncVectorEnvError {
  constructor(
    envId: string,
    readonly index: number,
    readonly causeName: string,
    readonly causeMessage: string,
    readonly causeStack: string,
  ) {
    super(envId, `sub-env ${index} threw ${causeName}: ${causeMessage}`);
  }
}

export interface AsyncVectorEnvOptions<M extends AsyncAutoresetMode> {
  /** Number of sub-envs when one spec is given (default 1); must match the list's length when a list is given. */
  numEnvs?: number;
  /** Default `'NEXT_STEP'`, as `SyncVectorEnv` and Gymnasium 1.x. */
  autoresetMode?: M;
  /** Worker threads; default min(numEnvs, the machine's parallelism). Sub-envs are split into consecutive blocks. */
  workers?: number;
  /** How long the start-up, `step`, `reset` and the other calls wait for the workers, in ms (default: forever, as Gymnasium). */
  timeoutMs?: number;
  /**
   * Modules each worker imports before making its envs, e.g. one that calls `register()`: URLs, file paths
   * (relative ones from the current directory) or package names.
   */
  imports?: readonly (string | URL)[];
  /** How threads are started and awaited; default `node:worker_threads`. */
  transport?: WorkerTransport;
}

export interface AsyncVectorResetArgs {
  /** One base seed (sub-env i gets seed + i) or one seed per sub-env. */
  seed?: number | readonly number[];
  options?: ResetOptions;
  /** Gymnasium's `reset_mask`: reset only the sub-envs where it is true (their rows change, the others keep theirs). */
  resetMask?: ArrayLike<boolean | number>;
}

export interface CloseOptions {
  /** Stop the workers at once instead of closing each sub-env first (Gymnasium's `terminate=True`). */
  terminate?: boolean;
  /** How long a graceful close waits for the workers before terminating them, in ms (default 5000). */
  timeoutMs?: number;
}

/** A sub-env: an env id, or `{ id, maxEpisodeSteps?, envOptions? }`. */
export type SpecInput = string | SubEnvSpec;

export function kindOf(value: unknown): string {
  if (typeof value === 'function') return 'a function';
  if (value === null) return 'null';
  return Array.isArray(value) ? 'an array' : typeof value;
}

/** Normalises the sub-env specs, rejecting functions with the reason. */
export function subEnvSpecs(envs: unknown, numEnvs: number | undefined): SubEnvSpec[] {
  const closureHint =
    'sub-envs live in worker threads and functions (closures) cannot be sent to another thread; ' +
    "pass an env id with make() options, e.g. { id: 'Hopper-v5', envOptions: { ctrlCostWeight: 0.1 } }, or use SyncVectorEnv for env functions";
  const one = (entry: unknown, where: string): SubEnvSpec => {
    if (typeof entry === 'function') throw new TypeError(`AsyncVectorEnv: ${where} is a function: ${closureHint}`);
    if (typeof entry === 'string') return { id: entry };
    if (typeof entry !== 'object' || entry === null || typeof (entry as SubEnvSpec).id !== 'string') {
      throw new TypeError(`AsyncVectorEnv: ${where} must be an env id or { id, maxEpisodeSteps?, envOptions? }, got ${kindOf(entry)}`);
    }
    const { id, maxEpisodeSteps, envOptions } = entry as SubEnvSpec;
    for (const [key, value] of Object.entries(entry)) {
      if (typeof value === 'function') throw new TypeError(`AsyncVectorEnv: ${where}.${key} is a function: ${closureHint}`);
    }
    return { id, maxEpisodeSteps, envOptions };
  };
  if (!Array.isArray(envs)) {
    const count = numEnvs ?? 1;
    if (!Number.isInteger(count) || count < 1) throw new RangeError(`AsyncVectorEnv: numEnvs must be an integer ≥ 1, got ${showValue(numEnvs)}`);
    const spec = one(envs, 'the env');
    return Array.from({ length: count }, () => spec);
  }
  if (envs.length === 0) throw new RangeError('AsyncVectorEnv: needs at least one env');
  if (numEnvs !== undefined && numEnvs !== envs.length) {
    throw new RangeError(`AsyncVectorEnv: numEnvs is ${showValue(numEnvs)} but ${envs.length} env specs were given`);
  }
  return envs.map((entry: unknown, i) => one(entry, `env ${i}`));
}

/** The specifier a worker imports for an `imports` entry: paths become file URLs, since the worker lives elsewhere. */
export function moduleSpecifier(entry: string | URL): string {
  if (entry instanceof URL) return entry.href;
  if (typeof entry !== 'string') throw new TypeError(`AsyncVectorEnv: imports must be URLs or strings, got ${kindOf(entry)}`);
  if (!entry.startsWith('.') && !entry.startsWith('/')) return entry; // a URL or a package name
  return new URL(entry, `file://${process.cwd()}/`).href;
}
