/**
 * Config resolution shared by the algorithms: defaults, then overrides (from code or a JSON file),
 * each override checked against the default's type so a typo or a wrong type fails before any work
 * is done, with a message naming the key.
 */
import { showValue } from '../../engine/index.ts';

export class ConfigError extends Error {
  override name = 'ConfigError';
}

type ConfigValue = number | boolean | string | readonly number[] | null;

/** Allowed values of string fields, and numeric ranges, by key. */
export interface ConfigRules {
  /** For string fields: the accepted values. */
  readonly choices?: Readonly<Record<string, readonly (string | number)[]>>;
  /** Keys whose value may also be `null` (e.g. optional overrides), or a string from `choices`. */
  readonly nullable?: readonly string[];
  /** Checks after types: return an error message, or undefined when fine. */
  readonly check?: (config: Record<string, unknown>) => string | undefined;
}

function typeName(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  return typeof v;
}

/**
 * Merges `overrides` over `defaults`. Every key must exist in `defaults`; numbers must be finite;
 * arrays are arrays of finite numbers; strings come from `rules.choices[key]` when given.
 * @example resolveConfig('SAC', SAC_DEFAULTS, { learningRate: 1e-3 }, SAC_RULES)
 */
export function resolveConfig<C extends object>(
  owner: string, defaults: C, overrides: unknown, rules: ConfigRules = {},
): C {
  if (typeof owner !== 'string') throw new TypeError(`resolveConfig: owner must be a string (the algorithm's name), got ${typeName(owner)}`);
  if (typeof defaults !== 'object' || defaults === null) throw new TypeError(`resolveConfig: ${owner}'s defaults must be an object, got ${typeName(defaults)}`);
  if (overrides === undefined || overrides === null) overrides = {};
  if (typeof overrides !== 'object' || Array.isArray(overrides)) {
    throw new ConfigError(`${owner} config must be an object, got ${typeName(overrides)}`);
  }
  const base = defaults as Record<string, ConfigValue>;
  const out: Record<string, ConfigValue> = { ...base };
  for (const [key, value] of Object.entries(overrides as Record<string, unknown>)) {
    if (!Object.hasOwn(base, key)) {
      throw new ConfigError(`${owner} config: unknown key '${key}'; known keys: ${Object.keys(base).join(', ')}`);
    }
    const expected = base[key];
    const choices = rules.choices?.[key];
    const fail = (what: string): never => {
      throw new ConfigError(`${owner} config: '${key}' ${what}, got ${showValue(value)}`);
    };
    if (value === null && (rules.nullable?.includes(key) ?? false)) {
      out[key] = null;
      continue;
    }
    if (choices) {
      if (!choices.includes(value as string | number)) fail(`must be one of ${choices.map((c) => JSON.stringify(c)).join(', ')}`);
    } else if (Array.isArray(expected)) {
      if (!Array.isArray(value) || !value.every((v) => typeof v === 'number' && Number.isFinite(v))) fail('must be an array of numbers');
    } else if (expected === null) {
      if (typeof value !== 'number' || !Number.isFinite(value)) fail('must be a finite number or null');
    } else if (typeof expected === 'number') {
      if (typeof value !== 'number' || !Number.isFinite(value)) fail('must be a finite number');
    } else if (typeof value !== typeof expected) {
      fail(`must be a ${typeof expected}`);
    }
    out[key] = Array.isArray(value) ? [...(value as number[])] : (value as ConfigValue);
  }
  const problem = rules.check?.(out);
  if (problem) throw new ConfigError(`${owner} config: ${problem}`);
  return out as C;
}

/** A message when `value` is not an integer ≥ `min`. */
export function integerAtLeast(config: Record<string, unknown>, key: string, min: number): string | undefined {
  const v = config[key];
  return Number.isInteger(v) && (v as number) >= min ? undefined : `'${key}' must be an integer ≥ ${min}, got ${showValue(v)}`;
}

/** A message when `value` is not in [lo, hi]. */
export function inRange(config: Record<string, unknown>, key: string, lo: number, hi: number): string | undefined {
  const v = config[key] as number;
  return v >= lo && v <= hi ? undefined : `'${key}' must be in [${lo}, ${hi}], got ${showValue(v)}`;
}

/** As `inRange`, for a key that may also be null (null: the key's fallback, e.g. a learning rate that defaults to `learningRate`). */
export function optionalInRange(config: Record<string, unknown>, key: string, lo: number, hi: number): string | undefined {
  return config[key] === null ? undefined : inRange(config, key, lo, hi);
}

/** Upper bounds that keep a config from asking for more than a machine has (checked before allocating). */
export const CONFIG_LIMITS = Object.freeze({
  /** Width of one hidden layer. */
  layerWidth: 16_384,
  /** Hidden layers per network. */
  layers: 64,
  /** Replay capacity in transitions. */
  bufferSize: 50_000_000,
  /** Minibatch size. */
  batchSize: 1_000_000,
  /** Gradient steps per round, inference iterations, samples per state and the like. */
  repetitions: 10_000,
});

/** A message unless `key` is a non-empty list of at most CONFIG_LIMITS.layers widths, each an integer in [1, layerWidth]. */
export function layerSizes(config: Record<string, unknown>, key: string): string | undefined {
  const v = config[key];
  const { layerWidth, layers } = CONFIG_LIMITS;
  return Array.isArray(v) && v.length > 0 && v.length <= layers && v.every((h) => Number.isInteger(h) && h >= 1 && h <= layerWidth)
    ? undefined
    : `'${key}' must be a list of 1 to ${layers} integers in [1, ${layerWidth}], got ${showValue(v)}`;
}

/** A message unless `key` is an integer in [min, max]. */
export function integerIn(config: Record<string, unknown>, key: string, min: number, max: number): string | undefined {
  const v = config[key];
  return Number.isInteger(v) && (v as number) >= min && (v as number) <= max ? undefined : `'${key}' must be an integer in [${min}, ${max}], got ${showValue(v)}`;
}

/** The loop fields every off-policy config shares, with their bounds. */
export function offPolicyChecks(c: Record<string, unknown>): string | undefined {
  const { bufferSize, batchSize, repetitions } = CONFIG_LIMITS;
  return integerIn(c, 'seed', 0, 2 ** 32 - 1) ?? integerIn(c, 'bufferSize', 1, bufferSize) ?? integerIn(c, 'batchSize', 1, batchSize)
    ?? integerAtLeast(c, 'learningStarts', 0) ?? integerIn(c, 'trainFrequency', 1, repetitions) ?? integerIn(c, 'gradientSteps', 1, repetitions);
}

/** What is wrong with a run's warm-up: it never updates, or it learns in less than half of its steps. */
export interface WarmUpProblem {
  readonly kind: 'never-updates' | 'learns-late';
  readonly reason: string;
}

/**
 * A run of `totalSteps` env steps with `config` that never updates, or whose off-policy warm-up takes more than
 * half of it (TD3's default 25k random steps under 30k leave 5k for learning): legal, but rarely meant. Null
 * when neither (RL Zoo's Pendulum presets warm up for exactly half). The check `varl train`, sweeps and tuning
 * warn with; `learn()` itself writes nothing to the console.
 * @example
 * const td3 = new TD3(make('Pendulum-v1'), { seed: 0 });
 * warmUpProblem(td3.config, 30_000)?.reason // 'learningStarts 25000 leaves 5000 of 30000 steps for learning (…)'
 */
export function warmUpProblem(config: Readonly<Record<string, unknown>>, totalSteps: number): WarmUpProblem | null {
  if (typeof config !== 'object' || config === null) throw new TypeError(`warmUpProblem: config must be an agent's config object, got ${showValue(config)}`);
  if (!Number.isSafeInteger(totalSteps) || totalSteps < 1) throw new RangeError(`warmUpProblem: totalSteps must be a positive integer, got ${showValue(totalSteps)}`);
  const { learningStarts, rolloutSteps, numEnvs } = config;
  if (typeof learningStarts === 'number' && learningStarts >= totalSteps) {
    return { kind: 'never-updates', reason: `learningStarts ${learningStarts} is not below ${totalSteps} steps, so it never updates (set learningStarts lower to learn)` };
  }
  if (typeof learningStarts === 'number' && learningStarts > totalSteps / 2) {
    return { kind: 'learns-late', reason: `learningStarts ${learningStarts} leaves ${totalSteps - learningStarts} of ${totalSteps} steps for learning (set learningStarts lower to learn sooner)` };
  }
  if (typeof rolloutSteps === 'number' && typeof numEnvs === 'number' && rolloutSteps * numEnvs > totalSteps) {
    return { kind: 'never-updates', reason: `a rollout of numEnvs × rolloutSteps = ${numEnvs * rolloutSteps} env steps is longer than ${totalSteps} steps, so it never updates (set rolloutSteps lower)` };
  }
  return null;
}
