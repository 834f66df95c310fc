/**
 * Constructor options of the MuJoCo envs: Gymnasium's keyword arguments in camelCase, all numeric so they pass
 * through `make(id, { envOptions })`.
 *
 * - `'number'`: a finite number (weights, noise scales).
 * - `'flag'`: Gymnasium's booleans as 0 or 1 (`true` / `false` are accepted and stored as 1 / 0).
 * - `'bound'`: one end of a Gymnasium range tuple, split into `…Min` / `…Max` keys; may be ±Infinity
 *   (Hopper's `healthy_z_range` is `(0.7, inf)`).
 * - `'count'`: an integer ≥ 1 (`frameSkip`).
 * - `'index'`: an integer ≥ 0 (Ant's `mainBody`).
 */
import { EnvConfigError } from '../core/errors.ts';

export type OptionKind = 'number' | 'flag' | 'bound' | 'count' | 'index';

/** Each option's default value and kind. */
export type OptionTable<C> = { readonly [K in keyof C]: readonly [defaultValue: number, kind: OptionKind] };

function checkValue(envId: string, key: string, kind: OptionKind, value: unknown): number {
  const fail = (expected: string): never => {
    throw new EnvConfigError(envId, `option '${key}' must be ${expected}, got ${typeof value === 'string' ? JSON.stringify(value) : String(value)}`);
  };
  if (kind === 'flag') {
    if (value === true || value === 1) return 1;
    if (value === false || value === 0) return 0;
    return fail('0 or 1 (or a boolean)');
  }
  if (typeof value !== 'number' || Number.isNaN(value)) return fail(kind === 'bound' ? 'a number (±Infinity allowed)' : 'a finite number');
  if (kind === 'bound') return value;
  if (!Number.isFinite(value)) return fail('a finite number');
  if (kind === 'count' && !(Number.isInteger(value) && value >= 1)) return fail('an integer ≥ 1');
  if (kind === 'index' && !(Number.isInteger(value) && value >= 0)) return fail('an integer ≥ 0');
  return value;
}

/**
 * Defaults of `table` overridden by `overrides`; unknown keys and ill-typed values throw `EnvConfigError`
 * naming the option, the value and the expected kind.
 * @example resolveOptions('Hopper-v5', HOPPER_OPTIONS, { healthyZMin: 0.5, terminateWhenUnhealthy: 0 })
 */
export function resolveOptions<C extends { [K in keyof C]: number }>(envId: string, table: OptionTable<C>, overrides: Partial<C> | undefined): Readonly<C> {
  const resolved: Record<string, number> = {};
  for (const [key, [value]] of Object.entries(table) as [string, readonly [number, OptionKind]][]) resolved[key] = value;
  if (overrides !== undefined && (overrides === null || typeof overrides !== 'object')) {
    throw new EnvConfigError(envId, `options must be an object, got ${String(overrides)}`);
  }
  for (const [key, value] of Object.entries(overrides ?? {})) {
    const entry = (table as Record<string, readonly [number, OptionKind]>)[key];
    if (entry === undefined) {
      throw new EnvConfigError(envId, `unknown option '${key}'; known options: ${Object.keys(table).join(', ')}`);
    }
    resolved[key] = checkValue(envId, key, entry[1], value);
  }
  return Object.freeze(resolved) as Readonly<C>;
}
