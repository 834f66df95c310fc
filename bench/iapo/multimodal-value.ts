/**
 * A known multimodal objective for the study's multiple-estimates analysis on MultiGoal-v0
 * (bench/iapo-study.ts): the iterative inference model is run on it in place of its critics, to see
 * whether estimates from several initial λ₀ land on several modes (the "multiple policy estimates"
 * of Marino et al., 2021, "Iterative Amortized Policy Optimization", NeurIPS).
 */
import { Tensor, logsumexp, mul, square, sub, sum } from '../../engine/index.ts';
import type { ActionValue } from '../../algorithms/common/action-value.ts';

/** Unit-ish action directions towards MultiGoal's four goals (±5, 0), (0, ±5). */
export const FOUR_DIRECTIONS: readonly (readonly number[])[] = [[0.8, 0], [-0.8, 0], [0, 0.8], [0, -0.8]];
/** Depth 40·0.64 ≈ 26 between the modes, well above α·KL (α ≈ 1 on MultiGoal), so J itself stays four-modal. */
export const FOUR_MODE_CURVATURE = 40;

/**
 * A smooth maximum over `centres` of −c·‖a − centre‖², (1/τ)·logsumexp_g(−τ·c·‖a − g‖²). Each centre
 * is a separate mode of J when they are far apart.
 * @example multimodalValue(FOUR_DIRECTIONS, FOUR_MODE_CURVATURE, 1) // MultiGoal's four directions
 */
export function multimodalValue(centres: readonly (readonly number[])[], curvature = 4, temperature = 10): ActionValue {
  const g = new Tensor(Float32Array.from(centres.flat()), [centres.length, 1, 1, centres[0].length]);
  return (_observations, actions) => {
    const [n, b, a] = actions.shape;
    const d2 = sum(square(sub(actions.reshape([1, n, b, a]), g)), -1); // [G, N, B]
    return logsumexp(mul(d2, -temperature * curvature), 0).div(temperature);
  };
}
