/**
 * `Box`: a (possibly unbounded) box in R^n, mirroring `gymnasium.spaces.Box`.
 * Bounds are stored in the space's dtype, so float32 bounds are rounded exactly like NumPy's `astype(float32)`.
 */
import { showValue } from '../../engine/errors.ts';
import type { Rng } from './rng.ts';
import { formatShape, formatValues } from './errors.ts';

export type Dtype = 'float32' | 'float64';
export type FloatArray = Float32Array | Float64Array;

export interface BoxInit {
  /** Scalar (broadcast to `shape`) or one value per coordinate; may be -Infinity. */
  low: number | ArrayLike<number>;
  /** Scalar (broadcast to `shape`) or one value per coordinate; may be Infinity. */
  high: number | ArrayLike<number>;
  /** Required when both bounds are scalars; otherwise defaults to `[low.length]`. */
  shape?: readonly number[];
  /** Explicit, as in Gymnasium (which rejects `dtype=None`). */
  dtype: Dtype;
}

/** The init of `new Box(init)` as the constructor reads it; a TypeError or RangeError names the first bad field. */
function checkInit(init: unknown): asserts init is BoxInit {
  if (typeof init !== 'object' || init === null) {
    throw new TypeError(`Box: the argument must be { low, high, shape?, dtype }, got ${showValue(init)}`);
  }
  const { low, high, shape, dtype } = init as Record<string, unknown>;
  for (const [name, bound] of [['low', low], ['high', high]] as const) {
    if (typeof bound !== 'number' && (typeof bound !== 'object' || bound === null || typeof (bound as ArrayLike<unknown>).length !== 'number')) {
      throw new TypeError(`Box: ${name} must be a number or one number per coordinate, got ${showValue(bound)}`);
    }
  }
  if (shape !== undefined && !Array.isArray(shape)) throw new TypeError(`Box: shape must be an array of dimensions, got ${showValue(shape)}`);
  if (dtype !== 'float32' && dtype !== 'float64') throw new RangeError(`Box: dtype must be 'float32' or 'float64', got ${showValue(dtype)}`);
}

function allocate(dtype: Dtype, size: number): FloatArray {
  return dtype === 'float32' ? new Float32Array(size) : new Float64Array(size);
}

export class Box {
  readonly low: FloatArray;
  readonly high: FloatArray;
  readonly shape: readonly number[];
  readonly dtype: Dtype;
  /** Number of coordinates (product of `shape`). */
  readonly size: number;

  /**
   * @example new Box({ low: -2, high: 2, shape: [1], dtype: 'float32' })  // Pendulum's torque
   */
  constructor(init: BoxInit) {
    checkInit(init);
    const { low, high, shape, dtype } = init;
    const inferred = typeof low !== 'number' ? low.length : typeof high !== 'number' ? high.length : undefined;
    const resolvedShape = shape ?? (inferred === undefined ? undefined : [inferred]);
    if (resolvedShape === undefined) throw new RangeError('Box: `shape` is required when low and high are scalars');
    if (!resolvedShape.every((d) => Number.isInteger(d) && d >= 0)) {
      throw new RangeError(`Box: shape must be non-negative integers, got ${formatShape(resolvedShape)}`);
    }
    this.shape = Object.freeze([...resolvedShape]);
    this.dtype = dtype;
    this.size = resolvedShape.reduce((a, b) => a * b, 1);
    this.low = Box.fill('low', low, this.size, dtype);
    this.high = Box.fill('high', high, this.size, dtype);
    for (let i = 0; i < this.size; i++) {
      if (!(this.low[i]! <= this.high[i]!)) {
        throw new RangeError(`Box: low[${i}] = ${this.low[i]} must be ≤ high[${i}] = ${this.high[i]}`);
      }
    }
  }

  private static fill(name: string, bound: number | ArrayLike<number>, size: number, dtype: Dtype): FloatArray {
    const out = allocate(dtype, size);
    if (typeof bound === 'number') {
      out.fill(bound);
    } else {
      if (bound.length !== size) {
        throw new RangeError(`Box: ${name} has ${bound.length} values, shape needs ${size}`);
      }
      for (let i = 0; i < size; i++) out[i] = bound[i]!;
    }
    for (let i = 0; i < size; i++) {
      if (Number.isNaN(out[i])) throw new RangeError(`Box: ${name}[${i}] is NaN`);
    }
    return out;
  }

  /** True when every coordinate has finite bounds on both sides. */
  isBounded(): boolean {
    for (let i = 0; i < this.size; i++) {
      if (!Number.isFinite(this.low[i]!) || !Number.isFinite(this.high[i]!)) return false;
    }
    return true;
  }

  /**
   * A random point, drawn per coordinate as Gymnasium does: uniform on [a, b], `a + Exp(1)` on [a, ∞),
   * `b − Exp(1)` on (−∞, b], `N(0, 1)` when unbounded. Writes into `out` when given (no allocation).
   */
  sample(rng: Rng, out?: FloatArray): FloatArray {
    if (typeof rng !== 'object' || rng === null || typeof rng.uniform !== 'function') throw new TypeError(`Box.sample: rng must be an Rng, got ${showValue(rng)}`);
    const result = out ?? allocate(this.dtype, this.size);
    for (let i = 0; i < this.size; i++) {
      const low = this.low[i]!;
      const high = this.high[i]!;
      const belowBounded = Number.isFinite(low);
      const aboveBounded = Number.isFinite(high);
      if (belowBounded && aboveBounded) result[i] = rng.uniform(low, high);
      else if (belowBounded) result[i] = low + rng.exponential();
      else if (aboveBounded) result[i] = high - rng.exponential();
      else result[i] = rng.normal();
    }
    return result;
  }

  /**
   * Gymnasium's `contains`: the dtype must cast safely (a Float64Array is not in a float32 Box; plain
   * number arrays are converted like Python lists), the length must match, and low ≤ x ≤ high (NaN fails).
   */
  contains(x: ArrayLike<number>): boolean {
    if (typeof x !== 'object' || x === null) return false; // as Gymnasium, whose np.asarray(x) then fails the shape test
    if (this.dtype === 'float32' && x instanceof Float64Array) return false;
    if (x.length !== this.size) return false;
    const round = this.dtype === 'float32' && !(x instanceof Float32Array) ? Math.fround : (v: number) => v;
    for (let i = 0; i < this.size; i++) {
      const value = round(x[i]!);
      if (!(value >= this.low[i]! && value <= this.high[i]!)) return false;
    }
    return true;
  }

  /** e.g. `Box([-2], [2], [1], float32)`. */
  toString(): string {
    return `Box(${formatValues(this.low)}, ${formatValues(this.high)}, ${formatShape(this.shape)}, ${this.dtype})`;
  }
}
