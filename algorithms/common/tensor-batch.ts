/**
 * A replay minibatch that lives in engine tensors: sampling writes straight into their storage and
 * bumps their versions (so a graph recorded on the previous batch cannot be backpropagated by
 * mistake), with no allocation per update.
 *
 * @example
 * const batch = new TensorBatch(256, observationSize, actionSize);
 * batch.sample((b) => buffer.sample(generator, b));
 * critic.forward(batch.observations, batch.actions);
 */
import { Tensor, zeros } from '../../engine/index.ts';
import { createBatch, type Batch } from './replay-buffer.ts';

export interface TensorBatchOptions {
  /**
   * 'separate': observations [B, obs] and nextObservations [B, obs] are tensors of their own.
   * 'stacked': one `states` tensor [2B, obs], rows 0..B−1 = s and B..2B−1 = s' (one forward pass over both),
   * with `observations` and `nextObservations` as views of its halves.
   */
  readonly layout?: 'separate' | 'stacked';
  /** Shape of the actions tensor (default [B, act]); must hold B·act values. */
  readonly actionShape?: readonly number[];
}

export class TensorBatch {
  readonly size: number;
  readonly observations: Tensor;
  readonly nextObservations: Tensor;
  /** [2B, obs] with layout 'stacked'; null otherwise. */
  readonly states: Tensor | null;
  readonly actions: Tensor;
  readonly rewards: Tensor;
  /** 1 − terminated per row. */
  readonly notTerminated: Tensor;
  /** The same storage as plain arrays, for samplers and per-row arithmetic. */
  readonly arrays: Batch;

  constructor(size: number, observationSize: number, actionSize: number, { layout = 'separate', actionShape }: TensorBatchOptions = {}) {
    for (const [name, value] of [['size', size], ['observationSize', observationSize], ['actionSize', actionSize]] as const) {
      if (!Number.isInteger(value) || value < 1) throw new RangeError(`TensorBatch: ${name} must be a positive integer, got ${value}`);
    }
    const shape = actionShape ?? [size, actionSize];
    if (shape.reduce((a, b) => a * b, 1) !== size * actionSize) {
      throw new RangeError(`TensorBatch: actionShape [${shape.join(', ')}] does not hold ${size} × ${actionSize} values`);
    }
    this.size = size;
    if (layout === 'stacked') {
      this.states = zeros([2 * size, observationSize]);
      const data = this.states.data as Float32Array;
      this.observations = new Tensor(data.subarray(0, size * observationSize), [size, observationSize]);
      this.nextObservations = new Tensor(data.subarray(size * observationSize), [size, observationSize]);
    } else {
      this.states = null;
      this.observations = zeros([size, observationSize]);
      this.nextObservations = zeros([size, observationSize]);
    }
    this.actions = zeros([...shape]);
    this.rewards = zeros([size]);
    this.notTerminated = zeros([size]);
    this.arrays = createBatch(size, observationSize, actionSize, {
      observations: this.observations.data as Float32Array,
      actions: this.actions.data as Float32Array,
      rewards: this.rewards.data as Float32Array,
      nextObservations: this.nextObservations.data as Float32Array,
      notTerminated: this.notTerminated.data as Float32Array,
    });
  }

  /** Fills the batch with `sampler` (e.g. `(b) => buffer.sample(generator, b)`) and marks every tensor as written. */
  sample(sampler: (batch: Batch) => void): this {
    sampler(this.arrays);
    for (const t of [this.states, this.observations, this.nextObservations, this.actions, this.rewards, this.notTerminated]) t?.mutate_(() => undefined);
    return this;
  }
}
