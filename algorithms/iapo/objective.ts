/**
 * The per-state policy objective of iterative amortized policy optimization (Marino et al. 2021, eq. 8 and 13):
 *
 *   J(s; λ) = (1/N) Σᵢ Q̂(s, aᵢ) − α·KL̂(π_λ(·|s) ‖ U(−1, 1)^|A|),   aᵢ = tanh(μ + σ⊙εᵢ), εᵢ ~ N(0, I)
 *
 * with the pessimistic twin-critic value Q̂ = mean(Q₁, Q₂) − β·std(Q₁, Q₂) and the Monte-Carlo KL
 * (the analytic KL of a TanhNormal to the uniform box has no closed form). Both the direct and the
 * iterative inference model optimise exactly this function; only how λ = (μ, log σ) is produced differs.
 *
 * Shapes are sample-major as in the reference code: states [B, S], λ blocks [B, A], actions [N, B, A].
 */
import {
  Generator, Tensor, add, clamp, exp, hostCall, log, mean, mul, softplus, square, sub, sum, tanh, zeros,
} from '../../engine/index.ts';
import type { ActionValue } from '../common/action-value.ts';

/** float32 machine epsilon: actions are clamped to [−1 + ε, 1 − ε] (torch's `clamp(tanh(u), −1+eps, 1−eps)`). */
export const FLOAT32_EPSILON = 1.1920928955078125e-7;
const HALF_LOG_TWO_PI = 0.5 * Math.log(2 * Math.PI);
const LOG_TWO = Math.log(2);

/** The Gaussian parameters λ = (μ, log σ) of a TanhNormal policy, one row per state ([B, A] each). */
export interface PolicyParams {
  readonly mean: Tensor;
  /** log σ after the soft clamp (the value σ = exp(logScale) is used as is). */
  readonly logScale: Tensor;
}

/**
 * The soft clamp of the raw log-scale into [minLogScale, maxLogScale] (PETS style, Chua et al. 2018; variational_rl's policy head):
 * x₁ = max − softplus(max − x), x₂ = min + softplus(x₁ − min). Differentiable in x and in both bounds.
 */
export function softClampLogScale(raw: Tensor, minLogScale: Tensor, maxLogScale: Tensor): Tensor {
  const belowMax = sub(maxLogScale, softplus(sub(maxLogScale, raw)));
  return add(minLogScale, softplus(sub(belowMax, minLogScale)));
}

/** Standard normal noise ε for N samples of a batch of B states with A action dimensions, plus its constant log-density part. */
export interface PolicyNoise {
  /** ε, [N, B, A]. */
  readonly epsilon: Tensor;
  /** −ε²/2 − ½·log 2π, [N, B, A]: the part of log N(u; μ, σ) that does not depend on λ. */
  readonly baseLogDensity: Tensor;
}

/** Draws `samples` × `batch` × `actionSize` standard normals from `generator`. */
export function drawNoise(generator: Generator, samples: number, batch: number, actionSize: number): PolicyNoise {
  // Allocated by the kernel set (inside the wasm heap when it is active), then filled in place.
  const shape = [samples, batch, actionSize];
  const epsilon = zeros(shape);
  const baseLogDensity = zeros(shape);
  const [eps, base] = [epsilon.data, baseLogDensity.data];
  hostCall('drawNoise', () => {
    for (let i = 0; i < eps.length; i++) {
      const e = generator.normal();
      eps[i] = e;
      base[i] = -0.5 * e * e - HALF_LOG_TWO_PI;
    }
  }, { writes: [eps, base] });
  return { epsilon, baseLogDensity };
}

/** Reparameterised TanhNormal samples and their log-densities. */
export interface PolicySamples {
  /** a = clamp(tanh(u), −1 + ε, 1 − ε), [N, B, A]. */
  readonly actions: Tensor;
  /** log π_λ(a | s) summed over action dimensions, [N, B]. */
  readonly logProb: Tensor;
}

/**
 * u = μ + σ⊙ε, a = tanh(u), log π(a) = Σ_d [log N(u_d; μ_d, σ_d) − log(1 − tanh(u_d)² + 10⁻⁶)] (Haarnoja et al. 2018, appendix C; the 10⁻⁶ as variational_rl).
 * log N(u; μ, σ) is written as −ε²/2 − log σ − ½ log 2π: equal in value and in its total derivative
 * with respect to (μ, σ), since u − μ = σε identically.
 */
export function samplePolicy(params: PolicyParams, noise: PolicyNoise): PolicySamples {
  const scale = exp(params.logScale);
  const preTanh = add(params.mean, mul(scale, noise.epsilon));
  const squashed = tanh(preTanh);
  const actions = clamp(squashed, -1 + FLOAT32_EPSILON, 1 - FLOAT32_EPSILON);
  const logDetJacobian = log(add(sub(1, square(squashed)), 1e-6));
  const logProb = sum(sub(sub(noise.baseLogDensity, params.logScale), logDetJacobian), -1);
  return { actions, logProb };
}

/** What `estimateObjective` returns, per state. */
export interface ObjectiveEstimate {
  /** J(s; λ), [B]. */
  readonly objective: Tensor;
  /** KL̂(π_λ ‖ U), [B]. */
  readonly kl: Tensor;
  /** Q̂(s, aᵢ), [N, B]. */
  readonly values: Tensor;
  readonly samples: PolicySamples;
}

/**
 * J(s; λ) = mean_i Q̂(s, aᵢ) − α·KL̂, with KL̂ = mean_i Σ_d [log π(a_{i,d}) + log 2] (log U = −log 2 per
 * dimension). α is a constant (a number, or a scalar tensor that does not require grad, e.g. a
 * `dynamicScalar` in a traced update): it is never differentiated through J (α enters as in SAC's soft objective).
 * @example
 * const { objective } = estimateObjective(twinCriticValue(q1, q2, 2.5), obs, params, drawNoise(rng, 10, B, A), alpha);
 * objective.neg().sum().backward(); // per-example ∇_μ J, ∇_{log σ} J land in params.mean.grad / params.logScale.grad
 */
export function estimateObjective(
  actionValue: ActionValue, observations: Tensor, params: PolicyParams, noise: PolicyNoise, alpha: number | Tensor,
): ObjectiveEstimate {
  const samples = samplePolicy(params, noise);
  const actionSize = params.mean.shape[1];
  const kl = add(mean(samples.logProb, 0), actionSize * LOG_TWO);
  const values = actionValue(observations, samples.actions);
  const objective = sub(mean(values, 0), mul(kl, alpha));
  return { objective, kl, values, samples };
}

/** The KL target |A|·(1 + ln 2): SAC's target entropy −|A| written as a KL to U(−1, 1)^|A| (Haarnoja et al. 2018, §5). */
export function targetKl(actionSize: number): number {
  return actionSize * (1 + LOG_TWO);
}
