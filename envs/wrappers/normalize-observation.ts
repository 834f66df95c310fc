/**
 * `NormalizeObservation` (Gymnasium `wrappers/stateful_observation.py`) and its `RunningMeanStd`
 * (`wrappers/utils.py`): each observation first updates the running statistics (unless frozen), then is
 * returned as float32 (obs − mean)/sqrt(var + epsilon). Statistics start at mean 0, var 1, count 1e-4 and use
 * the parallel (Chan et al.) update, so a single sample is a batch of one with zero variance.
 */
import { showValue } from '../../engine/errors.ts';
import { EnvConfigError } from '../core/errors.ts';
import { EMPTY_INFO, type Action, type Env, type EnvState, type JsonValue, type MutableResetResult, type MutableStepResult, type ResetArgs, type ResetResult, type StepResult } from '../core/types.ts';
import { Box } from '../core/spaces.ts';
import { Wrapper, numberArrayField, numberField } from './wrapper.ts';

export class RunningMeanStd {
  readonly mean: Float64Array;
  readonly variance: Float64Array;
  count: number;

  /** @param initialCount Gymnasium's `epsilon=1e-4`: a tiny prior weight on mean 0, variance 1. */
  constructor(
    readonly size: number,
    initialCount = 1e-4,
  ) {
    if (!Number.isInteger(size) || size < 0) throw new RangeError(`RunningMeanStd: size must be an integer ≥ 0, got ${showValue(size)}`);
    if (typeof initialCount !== 'number' || !(initialCount >= 0 && initialCount < Infinity)) {
      throw new RangeError(`RunningMeanStd: initialCount must be a finite number ≥ 0, got ${showValue(initialCount)}`);
    }
    this.mean = new Float64Array(size);
    this.variance = new Float64Array(size).fill(1);
    this.count = initialCount;
  }

  /** Folds in one sample (a batch of one: batch mean = x, batch variance = 0). */
  update(x: ArrayLike<number>): void {
    const count = this.count;
    const total = count + 1;
    for (let i = 0; i < this.size; i++) {
      const delta = x[i]! - this.mean[i]!;
      // new_mean = mean + δ·n_b/n;  M2 = var·n_a + var_b·n_b + δ²·n_a·n_b/n  with n_b = 1, var_b = 0
      this.mean[i] = this.mean[i]! + delta / total;
      const m2 = this.variance[i]! * count + (delta * delta * count) / total;
      this.variance[i] = m2 / total;
    }
    this.count = total;
  }

  getState(): { mean: number[]; variance: number[]; count: number } {
    return { mean: Array.from(this.mean), variance: Array.from(this.variance), count: this.count };
  }
}

export class NormalizeObservation extends Wrapper {
  readonly stats: RunningMeanStd;
  /** Set to false to freeze the statistics (evaluation); Gymnasium's `update_running_mean`. */
  updateRunningMean = true;
  private readonly normalizedSpace: Box;
  private readonly normalized: Float32Array;
  private readonly stepResult: MutableStepResult;
  private readonly resetResult: MutableResetResult;

  constructor(
    env: Env,
    readonly epsilon = 1e-8,
  ) {
    super(env);
    if (typeof epsilon !== 'number' || !(epsilon >= 0 && epsilon < Infinity)) {
      throw new EnvConfigError(env.id, `NormalizeObservation: epsilon must be a finite number ≥ 0, got ${showValue(epsilon)}`);
    }
    const size = env.observationSpace.size;
    this.stats = new RunningMeanStd(size);
    this.normalizedSpace = new Box({ low: -Infinity, high: Infinity, shape: env.observationSpace.shape, dtype: 'float32' });
    this.normalized = new Float32Array(size);
    this.stepResult = { obs: this.normalized, reward: 0, terminated: false, truncated: false, info: EMPTY_INFO };
    this.resetResult = { obs: this.normalized, info: EMPTY_INFO };
  }

  override get observationSpace(): Box {
    return this.normalizedSpace;
  }

  private normalize(obs: Float32Array): void {
    if (this.updateRunningMean) this.stats.update(obs);
    const { mean, variance } = this.stats;
    for (let i = 0; i < this.normalized.length; i++) {
      this.normalized[i] = (obs[i]! - mean[i]!) / Math.sqrt(variance[i]! + this.epsilon);
    }
  }

  override reset(args?: ResetArgs): ResetResult {
    const inner = this.env.reset(args);
    this.normalize(inner.obs);
    this.resetResult.info = inner.info;
    return this.resetResult;
  }

  override step(action: Action): StepResult {
    const inner = this.env.step(action);
    this.normalize(inner.obs);
    const out = this.stepResult;
    out.reward = inner.reward;
    out.terminated = inner.terminated;
    out.truncated = inner.truncated;
    out.info = inner.info;
    return out;
  }

  protected override ownState(): Record<string, JsonValue> {
    return { ...this.stats.getState(), updateRunningMean: this.updateRunningMean };
  }

  protected override restoreOwnState(state: EnvState): void {
    const size = this.stats.size;
    this.stats.mean.set(numberArrayField(this.id, state, 'mean', size));
    this.stats.variance.set(numberArrayField(this.id, state, 'variance', size));
    this.stats.count = numberField(this.id, state, 'count');
    this.updateRunningMean = state.updateRunningMean !== false;
  }
}
