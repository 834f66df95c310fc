/**
 * Helpers for the specs that call the library as plain JavaScript does: without the TypeScript types,
 * and expecting a named error of one class with one message.
 */
import { strict as assert } from 'node:assert';

export type ErrorClass = new (...args: never[]) => Error;

/** `f` with its parameter types erased, as a plain-JavaScript caller sees it. */
export const untyped = (f: unknown): ((...args: unknown[]) => unknown) => f as (...args: unknown[]) => unknown;

/** `new C(...args)` with the constructor's parameter types erased. */
export const construct = (C: unknown, ...args: unknown[]): unknown => new (C as new (...a: unknown[]) => unknown)(...args);

/** A string is the whole message, character for character; a RegExp is matched as it is. */
const asPattern = (message: RegExp | string): RegExp =>
  typeof message === 'string' ? new RegExp(`^${message.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`) : message;

function matches(error: unknown, type: ErrorClass, message: RegExp | string): true {
  assert.ok(error instanceof Error, `expected a ${type.name}, got ${String(error)}`);
  assert.equal(error.constructor.name, type.name, `expected a ${type.name}, got ${error.constructor.name}: ${error.message}`);
  assert.ok(error instanceof type, `expected a ${type.name} (of this package), got another class of that name: ${error.message}`);
  assert.match(error.message, asPattern(message));
  return true;
}

/** Asserts that `f` throws an error of exactly `type` (not a subclass) whose message matches `message`. */
export function refuses(f: () => unknown, type: ErrorClass, message: RegExp | string): void {
  assert.throws(f, (e: unknown) => matches(e, type, message));
}

/** `refuses` for a function that returns a promise: the promise must reject that way. */
export async function rejects(f: () => Promise<unknown>, type: ErrorClass, message: RegExp | string): Promise<void> {
  await assert.rejects(f, (e: unknown) => matches(e, type, message));
}
