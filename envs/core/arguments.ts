/**
 * Argument checks for plain-JavaScript callers, where JavaScript would otherwise fail later on a property of
 * undefined. Messages read `owner: what must be …, got …`. A TypeError is thrown when no env id is known
 * yet (as `Box` and the vector envs do); checks that know the env throw `EnvConfigError` at their call site.
 */
import { describeValue, showValue } from '../../engine/errors.ts';
import { EnvConfigError } from './errors.ts';
import type { Env } from './types.ts';

/**
 * Throws an EnvConfigError naming the first key of `args` that `call` does not take: a misspelt key
 * (`reset({ sed: 1 })`) would otherwise be ignored, silently.
 */
export function refuseUnknownArguments(label: string, call: string, args: object, accepted: readonly string[]): void {
  for (const key of Object.keys(args)) {
    if (!accepted.includes(key)) throw new EnvConfigError(label, `${call}: unknown argument '${key}'; ${call} takes { ${accepted.map((k) => `${k}?`).join(', ')} }`);
  }
}

/** True for a non-null, non-array object: an options bag or a reset/make argument. Not a type guard, so typed arguments keep their type. */
export function isRecord(x: unknown): boolean {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

/** What a non-env was: `undefined`, `"Pendulum-v1"`, `a Promise (await it first)`, `an Object without step()`. */
function notAnEnv(x: unknown): string | null {
  if (typeof x !== 'object' || x === null) return showValue(x);
  const members = x as Record<string, unknown>;
  if (typeof members.then === 'function') return `${describeValue(x)} (await it first)`;
  for (const method of ['reset', 'step'] as const) {
    if (typeof members[method] !== 'function') return `${describeValue(x)} without ${method}()`;
  }
  for (const space of ['observationSpace', 'actionSpace'] as const) {
    if (typeof members[space] !== 'object' || members[space] === null) return `${describeValue(x)} without ${space}`;
  }
  return null;
}

/**
 * Throws a TypeError unless `x` has what every env has (`reset`, `step` and both spaces).
 * @example expectEnv('TimeLimit', 'env', undefined)  // TimeLimit: env must be an env such as make('Pendulum-v1'), got undefined
 */
export function expectEnv(owner: string, what: string, x: unknown): asserts x is Env {
  const problem = notAnEnv(x);
  if (problem !== null) throw new TypeError(`${owner}: ${what} must be an env such as make('Pendulum-v1'), got ${problem}`);
}

/** Throws a TypeError unless `id` is a non-empty string. */
export function expectEnvId(owner: string, id: unknown): asserts id is string {
  if (typeof id !== 'string' || id === '') throw new TypeError(`${owner}: id must be an env id such as 'Pendulum-v1', got ${showValue(id)}`);
}
