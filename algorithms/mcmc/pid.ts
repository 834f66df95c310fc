/**
 * The PID controller of the KL (distance) multiplier β of MCMC policy optimization (seed 003, §4.1),
 * in the paper's un-smoothed textbook form:
 *
 *   Δ ← D̂ − ε_target,   ∂ ← D̂ − D̂_prev,   I ← max(0, I + Δ),   β ← max(β_min, K_P·Δ + K_I·I + K_D·∂)
 *
 * Choices the paper leaves open, made here:
 * - β is floored at `minimumBeta` > 0 instead of 0: β divides Q in the potential U = −(Q/β + log π),
 *   so β = 0 would make the chain's force infinite.
 * - The integral starts at `initialBeta / K_I` (rlpyt's `penalty_init`), so with K_P = K_D = 0 the
 *   first β is `initialBeta`; with K_I = 0 the integral starts at 0 and β starts at `initialBeta` until
 *   the first update.
 * - On the first update there is no D̂_prev: ∂ = 0.
 * - y_t is one value per policy iteration (§4.1: β is tuned "by the end of every policy optimization
 *   iteration"): the agents `record` D̂ of every minibatch and `closeIteration` runs the rule on their mean.
 * - The state is kept in float64 and checkpointed as a float64 tensor, so a resume is bit-identical.
 * - Optionally (`maximumError`, off by default) Δ is bounded above before it enters the rule, so one iteration's
 *   heavy-tailed D̂ cannot wind the integral up by orders of magnitude.
 * Default gains K_P = 0, K_I = 1, K_D = 0 are rlpyt's PID Lagrangian (Stooke et al. 2020).
 */
import { Tensor, dynamicScalar, noGrad, zeros, type DType, showValue } from '../../engine/index.ts';

export interface PIDGains {
  /** Target ε of the distance D̂ (nats for HMC-SAC, action units for Langevin-TD3). */
  distanceTarget: number;
  /** Proportional gain K_P. */
  proportionalGain: number;
  /** Integral gain K_I. */
  integralGain: number;
  /** Derivative gain K_D. */
  derivativeGain: number;
  /** β before the first update. */
  initialBeta: number;
  /** Lower bound of β (> 0). */
  minimumBeta: number;
  /**
   * Upper bound of one iteration's error Δ before it enters I and β (null or absent: unbounded, the paper's). A
   * single iteration whose mean D̂ is dominated by one state's runaway chain then moves β by at most K_I times this.
   */
  maximumError?: number | null;
}

/** The terms of one controller update, for logging. */
export interface PIDReading {
  readonly beta: number;
  readonly distance: number;
  /** The target ε the step steered D̂ towards (error = distance − target). */
  readonly target: number;
  readonly error: number;
  readonly integral: number;
  readonly derivative: number;
}

/**
 * A multiplier that changes between updates (β): a number, or a function returning its current value.
 * @example hmcPass(chain, { ...pass, beta: () => agent.pid.beta }) // re-read at every replay of a traced update
 */
export type LiveScalar = number | (() => number);

/**
 * `value` as an operand of `dtype` arithmetic: a number as it is (the op makes it a constant), a function
 * as a `dynamicScalar`, which a traced update re-reads at every replay. Both round the value to `dtype` the same way.
 */
export function scalarOperand(value: LiveScalar, dtype: DType): number | Tensor {
  return typeof value === 'number' ? value : dynamicScalar(value, dtype);
}

/** 1/value, computed in double precision before any rounding (as `1 / beta` of a number is). */
export function reciprocal(value: LiveScalar): LiveScalar {
  return typeof value === 'number' ? 1 / value : () => 1 / value();
}

/** Slots of the state tensor. */
const INTEGRAL = 0;
const PREVIOUS_DISTANCE = 1;
const BETA = 2;
const HAS_PREVIOUS = 3;
const RECORDED_SUM = 4;
const RECORDED_COUNT = 5;

/**
 * β tuned by PID control on a measured distance.
 * @example
 * const pid = new PIDController({ distanceTarget: 0.1, proportionalGain: 0, integralGain: 1, derivativeGain: 0, initialBeta: 1, minimumBeta: 1e-3 });
 * const { beta } = pid.update(measuredDistance);
 */
export class PIDController {
  /** [I, D̂_prev, β, has D̂_prev, Σ recorded D̂, recorded count] in float64: the whole state, for checkpoints. */
  readonly state: Tensor;

  constructor(readonly gains: Readonly<PIDGains>) {
    this.state = zeros([6], { dtype: 'float64' });
    this.state.data[INTEGRAL] = gains.integralGain > 0 ? gains.initialBeta / gains.integralGain : 0;
    this.state.data[BETA] = Math.max(gains.minimumBeta, gains.initialBeta);
  }

  get beta(): number {
    return this.state.data[BETA];
  }

  get integral(): number {
    return this.state.data[INTEGRAL];
  }

  /** 1 when `distance` lies within 10% of the target ε, else 0: averaged over a progress row, the fraction of updates on target. */
  onTarget(distance: number): number {
    return withinTenPercent(distance, this.gains.distanceTarget);
  }

  /** Adds one minibatch's D̂ to the mean the iteration's control step will use. */
  record(distance: number): void {
    noGrad(() => this.state.mutate_((d) => {
      d[RECORDED_SUM] += distance;
      d[RECORDED_COUNT] += 1;
    }));
  }

  /** The control step on the mean of the recorded D̂ (which is then cleared); null if nothing was recorded. */
  closeIteration(): PIDReading | null {
    const s = this.state.data;
    if (s[RECORDED_COUNT] === 0) return null;
    const distance = s[RECORDED_SUM] / s[RECORDED_COUNT];
    noGrad(() => this.state.mutate_((d) => {
      d[RECORDED_SUM] = 0;
      d[RECORDED_COUNT] = 0;
    }));
    return this.update(distance);
  }

  /** One control step on the distance D̂ measured this iteration; returns β for the next iteration and the terms. */
  update(distance: number): PIDReading {
    const g = this.gains;
    const s = this.state.data;
    const error = Math.min(distance - g.distanceTarget, g.maximumError ?? Infinity); // Δ, bounded when asked
    const derivative = s[HAS_PREVIOUS] === 1 ? distance - s[PREVIOUS_DISTANCE] : 0; // ∂
    const integral = Math.max(0, s[INTEGRAL] + error);                           // I ← (I + Δ)₊
    const beta = Math.max(g.minimumBeta, g.proportionalGain * error + g.integralGain * integral + g.derivativeGain * derivative);
    noGrad(() => this.state.mutate_((d) => {
      d[INTEGRAL] = integral;
      d[PREVIOUS_DISTANCE] = distance;
      d[BETA] = beta;
      d[HAS_PREVIOUS] = 1;
    }));
    return { beta, distance, target: g.distanceTarget, error, integral, derivative };
  }
}

/** Config-rule checks of the gains (a message naming the key, or undefined). */
export function pidChecks(c: Record<string, unknown>): string | undefined {
  const nonNegative = ['distanceTarget', 'proportionalGain', 'integralGain', 'derivativeGain'] as const;
  for (const key of nonNegative) {
    const v = c[key] as number;
    if (!(v >= 0)) return `'${key}' must be ≥ 0, got ${showValue(v)}`;
  }
  if (!((c.minimumBeta as number) > 0)) return `'minimumBeta' must be > 0, got ${showValue(c.minimumBeta)}`;
  if (c.maximumError !== null && c.maximumError !== undefined && !((c.maximumError as number) > 0)) {
    return `'maximumError' must be > 0 or null, got ${showValue(c.maximumError)}`;
  }
  if (!((c.initialBeta as number) >= (c.minimumBeta as number))) {
    return `'initialBeta' must be ≥ 'minimumBeta' (${showValue(c.minimumBeta)}), got ${showValue(c.initialBeta)}`;
  }
  return undefined;
}

function withinTenPercent(distance: number, target: number): number {
  return Math.abs(distance - target) <= 0.1 * target ? 1 : 0;
}

/**
 * The control step's terms as metrics (none when no step was taken). `pid_on_target` is 1 when the
 * iteration's mean D̂, the controller's own input, lies within 10% of the target: averaged over a
 * progress row, the fraction of iterations on target (`distance_on_target` counts single minibatches).
 */
export function pidMetrics(reading: PIDReading | null): Record<string, number> {
  if (!reading) return {};
  return {
    pid_error: reading.error, pid_integral: reading.integral, pid_derivative: reading.derivative,
    pid_on_target: withinTenPercent(reading.distance, reading.target),
  };
}
