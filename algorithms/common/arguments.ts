/** Argument checks shared by the algorithms' constructors and options, for plain-JavaScript callers. */
import { showValue } from '../../engine/index.ts';

/** Throws a RangeError `owner: what must be a positive integer, got …` unless `value` is an integer ≥ 1. */
export function expectPositiveInteger(owner: string, what: string, value: unknown): asserts value is number {
  if (!Number.isInteger(value) || (value as number) < 1) throw new RangeError(`${owner}: ${what} must be a positive integer, got ${showValue(value)}`);
}
