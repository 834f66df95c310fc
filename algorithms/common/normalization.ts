/**
 * Running normalisation of observations and rewards for on-policy learners (SB3's `VecNormalize`):
 * observations become clip((o − mean)/√(var + ε), ±clip), rewards are divided by the running std of
 * the discounted return (not centred), each with a running mean/variance merged batch by batch
 * (Chan et al.'s parallel update). The statistics are module buffers (float64), so they are saved
 * and restored with the networks, and evaluation uses the frozen statistics of the checkpoint.
 */
import { Module, Tensor, zeros, showValue } from '../../engine/index.ts';
import { expectPositiveInteger } from './arguments.ts';

/** Running mean and variance of vectors, started at mean 0, var 1, count 1e-4 (SB3's epsilon). */
export class RunningMeanStd extends Module {
  readonly mean: Tensor;
  readonly variance: Tensor;
  /** [1] the weight of what was seen. */
  readonly count: Tensor;

  constructor(readonly size: number) {
    super();
    expectPositiveInteger('RunningMeanStd', 'size', size);
    this.mean = this.registerBuffer('mean', zeros([size], { dtype: 'float64' }));
    this.variance = this.registerBuffer('variance', zeros([size], { dtype: 'float64' }).mutate_((d) => d.fill(1)));
    this.count = this.registerBuffer('count', zeros([1], { dtype: 'float64' }).mutate_((d) => d.fill(1e-4)));
  }

  /** Merges a batch of `rows` vectors (row-major `values`) into the statistics. */
  update(values: ArrayLike<number>, rows: number): void {
    const n = this.size;
    const mean = this.mean.data;
    const variance = this.variance.data;
    const count = this.count.data[0];
    const total = count + rows;
    const batchMean = new Float64Array(n);
    const batchVariance = new Float64Array(n);
    for (let r = 0; r < rows; r++) for (let i = 0; i < n; i++) batchMean[i] += values[r * n + i] / rows;
    for (let r = 0; r < rows; r++) for (let i = 0; i < n; i++) batchVariance[i] += (values[r * n + i] - batchMean[i]) ** 2 / rows;
    const nextMean = new Float64Array(n);
    const nextVariance = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const delta = batchMean[i] - mean[i];
      nextMean[i] = mean[i] + (delta * rows) / total;
      nextVariance[i] = (variance[i] * count + batchVariance[i] * rows + (delta * delta * count * rows) / total) / total;
    }
    this.mean.mutate_((m) => m.set(nextMean));
    this.variance.mutate_((v) => v.set(nextVariance));
    this.count.mutate_((c) => (c[0] = total));
  }
}

export interface NormalizationOptions {
  readonly observations: boolean;
  readonly rewards: boolean;
  /** Bound of the normalised values (SB3: 10). */
  readonly clip: number;
  /** γ of the discounted return whose std scales rewards. */
  readonly gamma: number;
}

const EPSILON = 1e-8;

export class Normalizer extends Module {
  readonly observationStats: RunningMeanStd;
  readonly returnStats: RunningMeanStd;
  /** The discounted return in progress of each env, [E] (a buffer: resumes exactly). */
  readonly runningReturns: Tensor;

  constructor(observationSize: number, numEnvs: number, readonly options: NormalizationOptions) {
    super();
    expectPositiveInteger('Normalizer', 'observationSize', observationSize);
    expectPositiveInteger('Normalizer', 'numEnvs', numEnvs);
    if (typeof options !== 'object' || options === null) {
      throw new TypeError(`Normalizer: options must be an object { observations, rewards, clip, gamma }, got ${showValue(options)}`);
    }
    for (const flag of ['observations', 'rewards'] as const) {
      if (typeof options[flag] !== 'boolean') throw new TypeError(`Normalizer: options.${flag} must be a boolean, got ${showValue(options[flag])}`);
    }
    // Infinity is allowed (no clipping); a NaN bound makes every output NaN, a bound ≤ 0 a constant.
    if (typeof options.clip !== 'number' || !(options.clip > 0)) throw new RangeError(`Normalizer: options.clip must be a number > 0, got ${showValue(options.clip)}`);
    if (typeof options.gamma !== 'number' || !(options.gamma >= 0 && options.gamma <= 1)) {
      throw new RangeError(`Normalizer: options.gamma must be a number in [0, 1], got ${showValue(options.gamma)}`);
    }
    this.observationStats = this.registerModule('observationStats', new RunningMeanStd(observationSize));
    this.returnStats = this.registerModule('returnStats', new RunningMeanStd(1));
    this.runningReturns = this.registerBuffer('runningReturns', zeros([numEnvs], { dtype: 'float64' }));
  }

  /** Normalised copies of `rows` observations into `out` (statistics updated first when `update`). */
  observations(raw: ArrayLike<number>, rows: number, out: Float32Array, update: boolean): Float32Array {
    if (!this.options.observations) {
      for (let i = 0; i < rows * this.observationStats.size; i++) out[i] = raw[i];
      return out;
    }
    if (update) this.observationStats.update(raw, rows);
    const n = this.observationStats.size;
    const mean = this.observationStats.mean.data;
    const variance = this.observationStats.variance.data;
    const clip = this.options.clip;
    for (let r = 0; r < rows; r++) {
      for (let i = 0; i < n; i++) {
        const z = (raw[r * n + i] - mean[i]) / Math.sqrt(variance[i] + EPSILON);
        out[r * n + i] = Math.min(clip, Math.max(-clip, z));
      }
    }
    return out;
  }

  /** Scaled rewards of one vector step into `out`; `done[e]` ends env e's running return. */
  rewards(raw: ArrayLike<number>, done: (e: number) => boolean, out: Float64Array): Float64Array {
    const numEnvs = this.runningReturns.size;
    if (!this.options.rewards) {
      for (let e = 0; e < numEnvs; e++) out[e] = raw[e];
      return out;
    }
    const returns = this.runningReturns.data;
    this.runningReturns.mutate_((g) => {
      for (let e = 0; e < numEnvs; e++) g[e] = g[e] * this.options.gamma + raw[e];
    });
    this.returnStats.update(returns, numEnvs);
    const scale = Math.sqrt(this.returnStats.variance.data[0] + EPSILON);
    const clip = this.options.clip;
    this.runningReturns.mutate_((g) => {
      for (let e = 0; e < numEnvs; e++) {
        out[e] = Math.min(clip, Math.max(-clip, raw[e] / scale));
        if (done(e)) g[e] = 0;
      }
    });
    return out;
  }
}
