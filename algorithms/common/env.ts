/**
 * What the algorithms need from an environment: the Gymnasium API with a bounded `Box` action
 * space. Declared structurally so any env that follows envs/ conventions fits, including test envs
 * written inline in specs.
 */
import { showValue } from '../../engine/index.ts';

export interface BoxLike {
  readonly shape: readonly number[];
  readonly low: ArrayLike<number>;
  readonly high: ArrayLike<number>;
}

export interface StepResult {
  readonly obs: ArrayLike<number>;
  readonly reward: number;
  /** A terminal state of the MDP: do not bootstrap past it. */
  readonly terminated: boolean;
  /** Ended for a reason outside the MDP (a time limit): bootstrap past it. */
  readonly truncated: boolean;
  readonly info?: unknown;
}

export interface ContinuousEnv {
  readonly observationSpace: { readonly shape: readonly number[] };
  readonly actionSpace: BoxLike;
  reset(options?: { seed?: number; options?: Record<string, unknown> }): { obs: ArrayLike<number>; info?: unknown };
  step(action: Float32Array): StepResult;
  /** Full state including the env's RNG (for mid-episode checkpoints); optional. */
  getState?(): unknown;
  setState?(state: unknown): void;
  close?(): void;
}

function isArrayLike(x: unknown): x is ArrayLike<number> {
  return typeof x === 'object' && x !== null && typeof (x as ArrayLike<number>).length === 'number';
}

/** Product of a shape's dimensions. */
export function flatSize(shape: readonly number[]): number {
  if (!Array.isArray(shape) || !shape.every((d) => Number.isInteger(d) && d >= 0)) {
    throw new TypeError(`flatSize: shape must be an array of non-negative integers, got ${showValue(shape)}`);
  }
  return shape.reduce((a, b) => a * b, 1);
}

/**
 * Checks that `env` is an env with a bounded Box action space (for plain-JS callers); `what` names the
 * argument in the message.
 */
export function checkEnv(owner: string, env: unknown, what = 'the first argument'): ContinuousEnv {
  const e = env as Partial<ContinuousEnv> | null | undefined;
  if (typeof e !== 'object' || e === null || typeof e.reset !== 'function' || typeof e.step !== 'function'
    || !e.observationSpace || !Array.isArray(e.observationSpace.shape) || !e.actionSpace || !Array.isArray(e.actionSpace.shape)
    || !isArrayLike(e.actionSpace.low) || !isArrayLike(e.actionSpace.high)) {
    throw new TypeError(`${owner}: ${what} must be an env with reset(), step(), observationSpace and a Box actionSpace, got ${showValue(e)}`);
  }
  return e as ContinuousEnv;
}

/**
 * Maps actions between the policy's [−1, 1] box and the env's [low, high] box (affine per
 * coordinate, as SB3's `scale_action` / `unscale_action`). Algorithms store and learn on the
 * [−1, 1] scale, so every hyperparameter in action units (noise 0.1, clip 0.5) is relative to the
 * half-width of the env's box, as in sfujim/TD3 (`max_action · 0.1`).
 */
export class ActionScaler {
  readonly size: number;
  /** Half-widths (high − low)/2, per coordinate. */
  readonly scale: Float64Array;
  /** Centres (high + low)/2, per coordinate. */
  readonly bias: Float64Array;

  constructor(space: BoxLike) {
    const box = space as Partial<BoxLike> | null | undefined;
    if (typeof box !== 'object' || box === null || !Array.isArray(box.shape) || !isArrayLike(box.low) || !isArrayLike(box.high)) {
      throw new TypeError(`ActionScaler: space must be a Box { shape, low, high }, got ${showValue(space)}`);
    }
    this.size = flatSize(space.shape);
    this.scale = new Float64Array(this.size);
    this.bias = new Float64Array(this.size);
    for (let i = 0; i < this.size; i++) {
      const low = space.low[i];
      const high = space.high[i];
      if (!Number.isFinite(low) || !Number.isFinite(high) || !(high > low)) {
        throw new RangeError(`ActionScaler: action box coordinate ${i} must be finite with low < high, got [${low}, ${high}]`);
      }
      this.scale[i] = (high - low) / 2;
      this.bias[i] = (high + low) / 2;
    }
  }

  /** out = bias + scale·a, with a in [−1, 1]. */
  toEnv(a: ArrayLike<number>, out: Float32Array): Float32Array {
    for (let i = 0; i < this.size; i++) out[i] = this.bias[i] + this.scale[i] * a[i];
    return out;
  }

  /** Inverse of `toEnv`. */
  fromEnv(a: ArrayLike<number>, out: Float32Array): Float32Array {
    for (let i = 0; i < this.size; i++) out[i] = (a[i] - this.bias[i]) / this.scale[i];
    return out;
  }
}
