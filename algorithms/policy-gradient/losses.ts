/**
 * The surrogate objectives of the on-policy family, written once for every policy model:
 * REINFORCE's score-function loss (Williams 1992; seed 004 eq. 5), PPO's clipped surrogate
 * (Schulman et al. 2017, eq. 7), the importance-weighted surrogate TRPO maximises (Schulman et al.
 * 2015, eq. 14), the value regression with SB3's optional clipping, and the diagnostics SB3 logs.
 */
import {
  Tensor, abs, clamp, exp, greater, mean, minimum, mul, noGrad, square, sub,
} from '../../engine/index.ts';

/** −E[log π(a|s) · A]: its gradient is minus the policy gradient (eq. 5). */
export function reinforceLoss(logProbs: Tensor, advantages: Tensor): Tensor {
  return mean(mul(logProbs, advantages)).neg();
}

export interface ClippedSurrogate {
  /** −E[min(ρA, clip(ρ, 1 − ε, 1 + ε)A)] */
  readonly loss: Tensor;
  /** ρ = π(a|s) / π_old(a|s) per row. */
  readonly ratio: Tensor;
}

/** PPO's clipped surrogate (eq. 7), as a loss to minimise. */
export function clippedSurrogateLoss(logProbs: Tensor, oldLogProbs: Tensor, advantages: Tensor, clipRange: number): ClippedSurrogate {
  const ratio = exp(sub(logProbs, oldLogProbs));
  const unclipped = mul(ratio, advantages);
  const clipped = mul(clamp(ratio, 1 - clipRange, 1 + clipRange), advantages);
  return { loss: mean(minimum(unclipped, clipped)).neg(), ratio };
}

/** E[ρ A], the surrogate TRPO maximises (eq. 14; equal to the policy gradient at ρ = 1). */
export function importanceSurrogate(logProbs: Tensor, oldLogProbs: Tensor, advantages: Tensor): Tensor {
  return mean(mul(exp(sub(logProbs, oldLogProbs)), advantages));
}

/**
 * E[(R − V̂)²] with V̂ = V, or with `clipRange`, V̂ = V_old + clip(V − V_old, ±clipRange) (SB3's
 * `clip_range_vf`: the clipped prediction alone, not the max of the clipped and unclipped errors).
 */
export function valueLoss(values: Tensor, returns: Tensor, oldValues: Tensor, clipRange: number | null): Tensor {
  const predicted = clipRange === null ? values : oldValues.add(clamp(sub(values, oldValues), -clipRange, clipRange));
  return mean(square(sub(returns, predicted)));
}

/** The k3 estimator of KL(π_old ‖ π) from log ρ: E[(ρ − 1) − log ρ] (Schulman's, as SB3's `approx_kl`). */
export function approximateKl(logProbs: Tensor, oldLogProbs: Tensor): number {
  return noGrad(() => {
    const logRatio = sub(logProbs, oldLogProbs);
    return mean(sub(sub(exp(logRatio), 1), logRatio)).item();
  });
}

/** Fraction of rows whose ratio left [1 − ε, 1 + ε]. */
export function clipFraction(ratio: Tensor, clipRange: number): number {
  return noGrad(() => mean(greater(abs(sub(ratio, 1)), clipRange)).item());
}

/** 1 − Var[R − V]/Var[R]: how much of the returns' variance the value function explains (NaN when Var[R] = 0). */
export function explainedVariance(values: ArrayLike<number>, returns: ArrayLike<number>): number {
  const n = returns.length;
  let meanReturn = 0;
  let meanError = 0;
  for (let i = 0; i < n; i++) {
    meanReturn += returns[i] / n;
    meanError += (returns[i] - values[i]) / n;
  }
  let varReturn = 0;
  let varError = 0;
  for (let i = 0; i < n; i++) {
    varReturn += (returns[i] - meanReturn) ** 2;
    varError += (returns[i] - values[i] - meanError) ** 2;
  }
  return varReturn === 0 ? NaN : 1 - varError / varReturn;
}
