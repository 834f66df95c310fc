/**
 * Env registry, as `gymnasium.make`: `make(id)` builds the env and wraps it in `TimeLimit` with the
 * registered episode length (`truncated`, never `terminated`). The built-in envs are registered on import;
 * the MuJoCo envs (`MUJOCO_ENV_IDS`) once `await loadMujocoEnvs()` has loaded their wasm runtime.
 */
import { showValue } from '../engine/errors.ts';
import { expectEnvId, isRecord } from './core/arguments.ts';
import { EnvConfigError } from './core/errors.ts';
import type { Env } from './core/types.ts';
import { TimeLimit } from './wrappers/time-limit.ts';
import { BUILTIN_SPECS } from './builtin.ts';
import { MUJOCO_ENV_IDS, MUJOCO_REWARD_THRESHOLDS, mujocoLoadHint } from './mujoco/ids.ts';

/** Numeric constructor options, e.g. `{ g: 9.81 }` for Pendulum-v1; unknown keys throw. */
export type EnvOptions = Readonly<Record<string, number>>;

export interface EnvSpec {
  readonly id: string;
  /** Builds the raw env (no wrappers). */
  readonly create: (options: EnvOptions) => Env;
  /** TimeLimit applied by `make`; null for none. */
  readonly maxEpisodeSteps: number | null;
  readonly rewardThreshold: number | null;
  /** What the env reproduces, e.g. `'gymnasium/envs/classic_control/pendulum.py'`. */
  readonly reference: string;
}

export interface MakeOptions {
  /** Overrides the registered time limit; `null` disables TimeLimit (Gymnasium's `max_episode_steps=-1`). */
  maxEpisodeSteps?: number | null;
  /** Forwarded to the env's constructor. */
  envOptions?: EnvOptions;
}

const specs = new Map<string, EnvSpec>();

/** Adds an env id; registering an id twice throws. */
export function register(spec: EnvSpec): void {
  if (!isRecord(spec)) throw new TypeError(`register: spec must be { id, create, maxEpisodeSteps, rewardThreshold, reference }, got ${showValue(spec)}`);
  const { id, create, maxEpisodeSteps, rewardThreshold, reference } = spec;
  if (typeof id !== 'string' || id === '') throw new TypeError(`register: spec.id must be a non-empty string, got ${showValue(id)}`);
  if (specs.has(id)) throw new EnvConfigError(id, 'register: id is already registered');
  const refuse = (field: string, expected: string, value: unknown): never => {
    throw new EnvConfigError(id, `register: ${field} must be ${expected}, got ${showValue(value)}`);
  };
  if (typeof create !== 'function') refuse('create', 'a function (options) => Env', create);
  if (maxEpisodeSteps !== null && !(Number.isInteger(maxEpisodeSteps) && maxEpisodeSteps > 0)) refuse('maxEpisodeSteps', 'null or an integer > 0', maxEpisodeSteps);
  if (rewardThreshold !== null && !(typeof rewardThreshold === 'number' && Number.isFinite(rewardThreshold))) refuse('rewardThreshold', 'null or a finite number', rewardThreshold);
  if (typeof reference !== 'string') refuse('reference', 'a string', reference);
  specs.set(spec.id, Object.freeze({ ...spec }));
}

/** All registered ids, in registration order. */
export function registeredIds(): string[] {
  return [...specs.keys()];
}

/** The registration of `id`; throws listing the known ids when missing. */
export function envSpec(id: string): EnvSpec {
  expectEnvId('envSpec', id);
  const spec = specs.get(id);
  if (spec === undefined && MUJOCO_ENV_IDS.includes(id)) throw new EnvConfigError(id, mujocoLoadHint(id));
  if (spec === undefined) throw new EnvConfigError(id, `not registered; known ids: ${registeredIds().join(', ')}`);
  return spec;
}

/** Gymnasium's `reward_threshold` of `id` (null: none), also for a MuJoCo env whose wasm module has not loaded yet. */
export function rewardThreshold(id: string): number | null {
  expectEnvId('rewardThreshold', id);
  if (!specs.has(id) && Object.hasOwn(MUJOCO_REWARD_THRESHOLDS, id)) return MUJOCO_REWARD_THRESHOLDS[id];
  return envSpec(id).rewardThreshold;
}

/**
 * Builds a registered env with its time limit.
 * @example const env = make('Pendulum-v1'); env.reset({ seed: 0 }); env.step([0.5]);
 * @example make('Pendulum-v1', { envOptions: { g: 9.81 }, maxEpisodeSteps: 500 })
 */
export function make(id: string, options: MakeOptions = {}): Env {
  expectEnvId('make', id);
  if (!isRecord(options)) throw new EnvConfigError(id, `make: options must be { maxEpisodeSteps?, envOptions? }, got ${showValue(options)}`);
  for (const [key, value] of Object.entries(options)) {
    // A sub-env spec of AsyncVectorEnv, { id, maxEpisodeSteps?, envOptions? }, passes whole: its id must be this one.
    if (key === 'id' && value === id) continue;
    if (key === 'id') throw new EnvConfigError(id, `make: options.id is ${showValue(value)}, not the id made`);
    // make(id, { maxSteps: 10 }) would otherwise keep the registered time limit, silently.
    if (key !== 'maxEpisodeSteps' && key !== 'envOptions') throw new EnvConfigError(id, `make: unknown option '${key}'; make takes { maxEpisodeSteps?, envOptions? }`);
  }
  const { maxEpisodeSteps, envOptions = {} } = options;
  const spec = envSpec(id);
  const env = spec.create(envOptions);
  const limit = maxEpisodeSteps === undefined ? spec.maxEpisodeSteps : maxEpisodeSteps;
  return limit === null ? env : new TimeLimit(env, limit);
}

for (const spec of BUILTIN_SPECS) register(spec);
