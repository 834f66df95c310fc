/**
 * `ClipAction` (Gymnasium `wrappers/transform_action.py`): clips each coordinate to the wrapped env's
 * bounds before stepping. As in Gymnasium ≥ 1.0 the exposed action space is `Box(−∞, ∞)` of the same shape.
 * NaN and ±Infinity still throw (clipping would hide them).
 */
import { validateAction } from '../core/base-env.ts';
import { Box } from '../core/spaces.ts';
import type { Action, Env, StepResult } from '../core/types.ts';
import { Wrapper } from './wrapper.ts';

export class ClipAction extends Wrapper {
  private readonly unboundedSpace: Box;
  private readonly clipped: Float64Array;

  constructor(env: Env) {
    super(env);
    const inner = env.actionSpace;
    this.unboundedSpace = new Box({ low: -Infinity, high: Infinity, shape: inner.shape, dtype: inner.dtype });
    this.clipped = new Float64Array(inner.size);
  }

  override get actionSpace(): Box {
    return this.unboundedSpace;
  }

  override step(action: Action): StepResult {
    validateAction(this.id, this.unboundedSpace, action);
    const { low, high } = this.env.actionSpace;
    for (let i = 0; i < this.clipped.length; i++) this.clipped[i] = Math.min(Math.max(action[i]!, low[i]!), high[i]!);
    return this.env.step(this.clipped);
  }
}
