/**
 * Checks of the non-tensor arguments of ops, layers and initializers (axes, shapes, flags, numbers,
 * dtypes) for untyped callers, in the style of errors.ts's expect… helpers: a ValueError naming the
 * op, the argument and what it was given. They test types only; the ops' own checks still refuse
 * values out of range (an axis beyond the rank, a size that does not fit) with the errors they
 * always gave. Not exported from the engine's entry.
 */
import { ValueError, describeValue, showValue } from './errors.ts';
import type { DType } from './kernels/types.ts';

/** A value as these messages show it: numbers and arrays as themselves, anything else described. */
function shown(x: unknown): string {
  return typeof x === 'number' || Array.isArray(x) ? showValue(x) : describeValue(x);
}

function isIntegerList(x: unknown): x is readonly number[] {
  return Array.isArray(x) && x.every((v) => Number.isInteger(v));
}

/** An axis (`sum(x, 1)`, `softmax(x, -1)`): an integer. */
export function expectInteger(op: string, what: string, x: unknown): asserts x is number {
  if (!Number.isInteger(x)) throw new ValueError(`${op}: ${what} must be an integer, got ${shown(x)}`);
}

/** An integer or an array of integers (split's sections, grad's argnums). */
export function expectIntegerOrList(op: string, what: string, x: unknown): asserts x is number | readonly number[] {
  if (!Number.isInteger(x) && !isIntegerList(x)) {
    throw new ValueError(`${op}: ${what} must be an integer or an array of integers, got ${shown(x)}`);
  }
}

/** A set of axes: undefined (all of them), an integer, or an array of integers. */
export function expectAxes(op: string, axes: unknown): asserts axes is number | readonly number[] | undefined {
  if (axes !== undefined) expectIntegerOrList(op, 'axes', axes);
}

/** A shape, a permutation or a list of sizes: an array of integers. */
export function expectIntegers(op: string, what: string, x: unknown): asserts x is readonly number[] {
  if (!isIntegerList(x)) throw new ValueError(`${op}: ${what} must be an array of integers, got ${shown(x)}`);
}

/** A flag (keepdims, transA, relu). */
export function expectBoolean(op: string, what: string, x: unknown): asserts x is boolean {
  if (typeof x !== 'boolean') throw new ValueError(`${op}: ${what} must be true or false, got ${shown(x)}`);
}

/** A scalar parameter (clamp's bounds, elu's alpha, a correction). */
export function expectNumber(op: string, what: string, x: unknown): asserts x is number {
  if (typeof x !== 'number') throw new ValueError(`${op}: ${what} must be a number, got ${describeValue(x)}`);
}

/** A dtype, as tensor() says it. */
export function expectDType(op: string, what: string, x: unknown): asserts x is DType {
  if (x !== 'float32' && x !== 'float64') throw new ValueError(`${op}: ${what} must be 'float32' or 'float64', got ${describeValue(x)}`);
}
