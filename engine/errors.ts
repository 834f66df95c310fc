/** Error types of the engine. Messages name the op, the shapes and the offending value. */

/** Shapes that do not fit together: broadcasting, matmul dimensions, reshape sizes, axes. */
export class ShapeError extends Error {
  override name = 'ShapeError';
}

/** An argument of the right shape with a value the op cannot take (bad axis, index, dtype). */
export class ValueError extends Error {
  override name = 'ValueError';
}

/** Misuse of autodiff: backward on a non-scalar without a seed, a tensor changed after it was saved. */
export class GradientError extends Error {
  override name = 'GradientError';
}

/** Raised inside `withAnomalyCheck` by the first op whose result is not finite. */
export class AnomalyError extends Error {
  override name = 'AnomalyError';
}

/**
 * A traced step that replay cannot reproduce exactly: two recordings of the same key differ (a
 * value read into JavaScript, a branch on data, a random draw outside the engine), or a value is
 * read into JavaScript while recording.
 */
export class TraceError extends Error {
  override name = 'TraceError';
}

export function formatShape(shape: readonly number[]): string {
  return `[${shape.join(', ')}]`;
}

/** An environment variable the engine reads (VARL_KERNELS, VARL_WASM_*) set to a value it cannot use. */
export class EnvironmentError extends Error {
  override name = 'EnvironmentError';
}

/** What a value is, for error messages about arguments from untyped callers: 'the string "1"', 'the number 5', 'an Int32Array', 'undefined'. */
export function describeValue(x: unknown): string {
  if (x === null) return 'null';
  if (typeof x === 'string') return `the string ${JSON.stringify(x.length > 20 ? `${x.slice(0, 20)}…` : x)}`;
  if (typeof x === 'number' || typeof x === 'bigint') return `the ${typeof x} ${showValue(x)}`;
  if (typeof x === 'boolean') return String(x);
  if (typeof x === 'object') {
    const kind = String(Object.getPrototypeOf(x)?.constructor?.name ?? 'null-prototype object');
    // 'a Uint8Array' is said with a consonant
    return `${/^[AEIOU]/i.test(kind) && !/^U(int|se)/.test(kind) ? 'an' : 'a'} ${kind}`;
  }
  if (typeof x === 'function' || typeof x === 'symbol') return `a ${typeof x}`;
  return typeof x;
}

/**
 * A value as an error message shows it: JSON where JSON can say it, but NaN, ±Infinity, -0 and
 * bigints as themselves (JSON.stringify would print null or throw), undefined as undefined, and a
 * long text cut at `maxLength` characters. An instance of a class is named by its class (`a
 * Float32Array`, `a PendulumEnv`), never serialised: an env or an agent can hold megabytes.
 * @example showValue([1, NaN]) // '[1,NaN]'
 */
export function showValue(x: unknown, maxLength = 200): string {
  if (typeof x === 'number') return Object.is(x, -0) ? '-0' : String(x);
  if (typeof x === 'bigint') return `${x}n`;
  if (x === undefined) return 'undefined';
  if (typeof x === 'function' || typeof x === 'symbol') return `a ${typeof x}`;
  if (typeof x === 'object' && x !== null && !Array.isArray(x)) {
    const prototype: unknown = Object.getPrototypeOf(x);
    if (prototype !== Object.prototype && prototype !== null) return describeValue(x);
  }
  let text: string;
  try {
    // Non-JSON numbers travel as marked strings, then lose their quotes and marks.
    text = JSON.stringify(x, (_key, v: unknown) =>
      (typeof v === 'number' && (!Number.isFinite(v) || Object.is(v, -0))) || typeof v === 'bigint'
        ? `\u0000${typeof v === 'bigint' ? `${v}n` : Object.is(v, -0) ? '-0' : String(v)}\u0000` : v)
      .replace(/"\\u0000([^"]*)\\u0000"/g, '$1');
  } catch {
    return describeValue(x); // a cycle
  }
  return text.length > maxLength ? `${text.slice(0, maxLength)}…` : text;
}

/**
 * Argument checks for untyped callers: each throws a ValueError that names the op, the argument and
 * what it was given (`tanh: its argument must be a Tensor, got undefined`), where JavaScript would
 * fail later on a property of undefined. They cost one type test, so hot ops can afford them.
 */
export function expectFunction(op: string, what: string, x: unknown): asserts x is (...args: never[]) => unknown {
  if (typeof x !== 'function') throw new ValueError(`${op}: ${what} must be a function, got ${describeValue(x)}`);
}

/** `x` is a non-null object (options bags, modules, records). */
export function expectObject(op: string, what: string, x: unknown): asserts x is object {
  if (typeof x !== 'object' || x === null) throw new ValueError(`${op}: ${what} must be an object, got ${describeValue(x)}`);
}

/** `x` is an array. */
export function expectArray(op: string, what: string, x: unknown): asserts x is readonly unknown[] {
  if (!Array.isArray(x)) throw new ValueError(`${op}: ${what} must be an array, got ${describeValue(x)}`);
}
