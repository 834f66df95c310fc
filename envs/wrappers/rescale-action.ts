/**
 * `RescaleAction` (Gymnasium `wrappers/transform_action.py`, `rescale_box`): exposes `Box(minAction, maxAction)`
 * and maps affinely onto the wrapped env's `[low, high]`:
 *   a_env = (a − intercept) / gradient, gradient = (max − min)/(high − low), intercept = min − gradient·low,
 * so `minAction ↦ low` and `maxAction ↦ high`. Values outside the exposed box are mapped, not clipped
 * (the env then clips as its reference does). Arithmetic is float64 (Gymnasium keeps gradient/intercept in
 * the space's dtype; identical for power-of-two ratios such as [−1, 1] → [−2, 2]).
 */
import { showValue } from '../../engine/errors.ts';
import { validateAction } from '../core/base-env.ts';
import { EnvConfigError } from '../core/errors.ts';
import { Box } from '../core/spaces.ts';
import type { Action, Env, StepResult } from '../core/types.ts';
import { Wrapper } from './wrapper.ts';

export class RescaleAction extends Wrapper {
  private readonly exposedSpace: Box;
  private readonly gradient: Float64Array;
  private readonly intercept: Float64Array;
  private readonly mapped: Float64Array;

  /**
   * @param minAction scalar or one value per coordinate
   * @param maxAction scalar or one value per coordinate, each > the matching minAction
   * @example new RescaleAction(make('Pendulum-v1'), -1, 1)  // policy outputs in [−1, 1], torque in [−2, 2]
   */
  constructor(env: Env, minAction: number | ArrayLike<number>, maxAction: number | ArrayLike<number>) {
    super(env);
    for (const [name, bound] of [['minAction', minAction], ['maxAction', maxAction]] as const) {
      if (typeof bound !== 'number' && (typeof bound !== 'object' || bound === null || typeof bound.length !== 'number')) {
        throw new EnvConfigError(env.id, `RescaleAction: ${name} must be a number or one number per coordinate, got ${showValue(bound)}`);
      }
    }
    const inner = env.actionSpace;
    if (!inner.isBounded()) throw new EnvConfigError(env.id, `RescaleAction: the action space ${inner.toString()} must be bounded`);
    this.exposedSpace = new Box({ low: minAction, high: maxAction, shape: inner.shape, dtype: inner.dtype });
    const size = inner.size;
    this.gradient = new Float64Array(size);
    this.intercept = new Float64Array(size);
    this.mapped = new Float64Array(size);
    for (let i = 0; i < size; i++) {
      const min = this.exposedSpace.low[i]!;
      const max = this.exposedSpace.high[i]!;
      if (!(Number.isFinite(min) && Number.isFinite(max) && min < max)) {
        throw new EnvConfigError(env.id, `RescaleAction: need finite minAction < maxAction, got [${min}, ${max}] at coordinate ${i}`);
      }
      this.gradient[i] = (max - min) / (inner.high[i]! - inner.low[i]!);
      this.intercept[i] = this.gradient[i]! * -inner.low[i]! + min;
    }
  }

  override get actionSpace(): Box {
    return this.exposedSpace;
  }

  override step(action: Action): StepResult {
    validateAction(this.id, this.exposedSpace, action);
    for (let i = 0; i < this.mapped.length; i++) this.mapped[i] = (action[i]! - this.intercept[i]!) / this.gradient[i]!;
    return this.env.step(this.mapped);
  }
}
