/**
 * The analyses of the IAPO paper (§5), as functions over a trained agent:
 *
 * - `amortizationGap`: from the amortized λ, gradient ascent directly on (μ, log σ) until J stops
 *   improving; the gap J* − J(λ) per state (util/analysis/analyze_inf.py `estimate_amortization_gap`).
 * - `inferenceTrace`: J(λ_k) for k = 0..K' (K' may exceed the trained K).
 * - `multipleEstimates`: inference from several initial estimates, and the distinct modes it finds.
 * - `newObjectiveTransfer`: J of a different objective (Q̂ plus an action-space penalty) reached by
 *   the direct model, the iterative model and plain gradient ascent, without retraining.
 *
 * All J values are Monte-Carlo estimates with common random numbers: one fixed set of noise ε per
 * state, shared by every λ compared, so differences are not swamped by sampling noise.
 */
import { Generator, Tensor, exp, mul, noGrad, square, sub, sum } from '../../engine/index.ts';
import { Adam } from '../../engine/optim/index.ts';
import type { ContinuousEnv } from '../common/env.ts';
import type { IAPO } from '../iapo.ts';
import { runInference } from './inference.ts';
import { meanInterval } from '../common/stats.ts';
import type { ActionValue } from '../common/action-value.ts';
import { drawNoise, estimateObjective, softClampLogScale, type PolicyNoise, type PolicyParams } from './objective.ts';

/** Mean, sample std and the half-width of a 95% Student-t interval of the mean. */
export interface Summary {
  readonly mean: number;
  readonly std: number;
  readonly ci95: number;
  readonly n: number;
}

/** `meanInterval`'s 95% figures under the names the analyses print; the std of one value is 0. */
export function summarize(values: ArrayLike<number>): Summary {
  const { n, mean, sd, halfWidth } = meanInterval(Array.from(values));
  return { mean, std: n === 1 ? 0 : sd, ci95: halfWidth, n };
}

/** The objective of an agent as used by the analyses: value function, temperature, log-scale bounds. */
export interface ObjectiveContext {
  readonly actionValue: ActionValue;
  readonly alpha: number;
  /** Per-dimension soft-clamp bounds of log σ (the policy's learned ones). */
  readonly minLogScale: Tensor;
  readonly maxLogScale: Tensor;
}

/** The agent's training objective: target critics with the training pessimism, its α and its bounds. */
export function agentObjective(agent: IAPO, actionValue?: ActionValue): ObjectiveContext {
  return {
    actionValue: actionValue ?? agent.objectiveValue(agent.pessimism),
    alpha: agent.currentAlpha(),
    minLogScale: agent.inference.bounds.min.detach(),
    maxLogScale: agent.inference.bounds.max.detach(),
  };
}

/** J(s; λ) per state under fixed noise, without recording. */
export function objectiveWithNoise(context: ObjectiveContext, observations: Tensor, params: PolicyParams, noise: PolicyNoise): Float64Array {
  return noGrad(() => Float64Array.from(estimateObjective(context.actionValue, observations, params, noise, context.alpha).objective.data));
}

/** States visited by the agent's deterministic policy: `count` states spread evenly over `episodes` rollouts. */
export function collectStates(agent: IAPO, env: ContinuousEnv, count: number, { seed = 12345, episodes = 1 } = {}): Tensor {
  const visited: number[][] = [];
  for (let e = 0; e < episodes; e++) {
    let { obs } = env.reset({ seed: seed + e });
    for (;;) {
      visited.push(Array.from(obs));
      const step = env.step(agent.predict(obs, { deterministic: true }));
      obs = step.obs;
      if (step.terminated || step.truncated || visited.length > 100_000) break;
    }
  }
  const n = Math.min(count, visited.length);
  const size = visited[0].length;
  const data = new Float32Array(n * size);
  for (let i = 0; i < n; i++) data.set(visited[Math.floor((i * visited.length) / n)], i * size);
  return new Tensor(data, [n, size]);
}

/** The amortized estimate λ for each state (K iterations, or `iterations` for an iterative model). */
export function amortizedEstimate(agent: IAPO, observations: Tensor, generator: Generator, iterations?: number, actionValue?: ActionValue): PolicyParams {
  return agent.infer(observations, generator, { iterations, pessimism: agent.pessimism, actionValue });
}

/** Raw log-scale x with softclamp(x) = target (the inverse of the soft clamp, inside the bounds). */
function inverseSoftClamp(target: Float32Array | Float64Array, min: Tensor, max: Tensor, actionSize: number): Float32Array {
  const out = new Float32Array(target.length);
  for (let i = 0; i < target.length; i++) {
    const lo = min.data[i % actionSize];
    const hi = max.data[i % actionSize];
    const x2 = Math.min(Math.max(target[i], lo + 1e-6), hi - 1e-6);
    const x1 = lo + Math.log(Math.expm1(x2 - lo));
    out[i] = hi - Math.log(Math.expm1(Math.max(hi - x1, 1e-12)));
  }
  return out;
}

export interface GradientAscentOptions {
  generator: Generator;
  /** Samples per gradient step (default 100, as the reference's optimized agent). */
  gradientSamples?: number;
  /** Samples of the fixed evaluation noise (default 256). */
  evaluationSamples?: number;
  /** Adam step size on (μ, raw log σ) (default 1e-2; the reference's `evaluate_optimized_agent` uses 5e-3 for 50 steps). */
  learningRate?: number;
  /** Hard cap on gradient steps (default 2000). */
  maxSteps?: number;
  /** Steps between evaluations of the fixed-noise objective (default 10). */
  evaluateEvery?: number;
  /** Stop after this many evaluations without an improvement above `tolerance` in any state (default 10). */
  patience?: number;
  /** Improvement in J that counts (default 1e-6 × (1 + |J|): under common noise, J is smooth in λ). */
  tolerance?: number;
  /** Evaluation noise to use (default: drawn from the generator). */
  evaluationNoise?: PolicyNoise;
}

export interface GradientAscentResult {
  /** The best λ found per state (under the evaluation noise). */
  readonly params: PolicyParams;
  /** J(λ_start), J(λ_best) per state under the same evaluation noise. */
  readonly initial: Float64Array;
  readonly optimized: Float64Array;
  readonly steps: number;
  readonly evaluationNoise: PolicyNoise;
}

/**
 * Gradient ascent on J directly in (μ, log σ), per state (Adam is elementwise, so the states do not
 * interact), from `start` until the fixed-noise objective stops improving. log σ is optimised through
 * the same soft clamp as the policy's, so J is the same function of the same parameters.
 */
export function gradientAscent(context: ObjectiveContext, observations: Tensor, start: PolicyParams, options: GradientAscentOptions): GradientAscentResult {
  const {
    generator, gradientSamples = 100, evaluationSamples = 256, learningRate = 1e-2, maxSteps = 2000, evaluateEvery = 10, patience = 10,
  } = options;
  const [batch, actionSize] = start.mean.shape;
  const evaluationNoise = options.evaluationNoise ?? drawNoise(generator, evaluationSamples, batch, actionSize);
  const mean = new Tensor(Float32Array.from(start.mean.data), [batch, actionSize]).requiresGrad_();
  const raw = new Tensor(inverseSoftClamp(start.logScale.data, context.minLogScale, context.maxLogScale, actionSize), [batch, actionSize]).requiresGrad_();
  const current = (): PolicyParams => ({ mean, logScale: softClampLogScale(raw, context.minLogScale, context.maxLogScale) });
  const snapshot = (): PolicyParams => noGrad(() => {
    const p = current();
    return { mean: new Tensor(Float32Array.from(p.mean.data), p.mean.shape), logScale: new Tensor(Float32Array.from(p.logScale.data), p.logScale.shape) };
  });
  const initial = objectiveWithNoise(context, observations, start, evaluationNoise);
  const best = Float64Array.from(initial);
  const bestMean = Float32Array.from(start.mean.data);
  const bestLogScale = Float32Array.from(start.logScale.data);
  const optimizer = new Adam([mean, raw], { lr: learningRate });
  let stale = 0;
  let steps = 0;
  while (steps < maxSteps && stale < patience) {
    for (let i = 0; i < evaluateEvery && steps < maxSteps; i++, steps++) {
      optimizer.zeroGrad();
      const { objective } = estimateObjective(context.actionValue, observations, current(), drawNoise(generator, gradientSamples, batch, actionSize), context.alpha);
      objective.neg().sum().backward();
      optimizer.step();
    }
    const p = snapshot();
    const j = objectiveWithNoise(context, observations, p, evaluationNoise);
    let improved = false;
    for (let b = 0; b < batch; b++) {
      const tolerance = options.tolerance ?? 1e-6 * (1 + Math.abs(best[b]));
      if (j[b] > best[b]) {
        if (j[b] > best[b] + tolerance) improved = true;
        best[b] = j[b];
        for (let d = 0; d < actionSize; d++) {
          bestMean[b * actionSize + d] = p.mean.data[b * actionSize + d];
          bestLogScale[b * actionSize + d] = p.logScale.data[b * actionSize + d];
        }
      }
    }
    stale = improved ? 0 : stale + 1;
  }
  return {
    params: { mean: new Tensor(bestMean, [batch, actionSize]), logScale: new Tensor(bestLogScale, [batch, actionSize]) },
    initial, optimized: best, steps, evaluationNoise,
  };
}

export interface GapResult {
  /** J* − J(λ) per state (≥ 0 up to Monte-Carlo error: the best λ includes the start). */
  readonly gaps: Float64Array;
  readonly initial: Float64Array;
  readonly optimized: Float64Array;
  readonly summary: Summary;
  readonly steps: number;
}

/**
 * The amortization gap J* − J(λ) per state, J* from `gradientAscent` started at λ.
 * @example
 * const lambda = amortizedEstimate(agent, states, rng);
 * amortizationGap(agentObjective(agent), states, lambda, { generator: rng }).summary // { mean, std, ci95, n }
 */
export function amortizationGap(context: ObjectiveContext, observations: Tensor, params: PolicyParams, options: GradientAscentOptions): GapResult {
  const result = gradientAscent(context, observations, params, options);
  const gaps = result.optimized.map((v, i) => v - result.initial[i]);
  return { gaps, initial: result.initial, optimized: result.optimized, summary: summarize(gaps), steps: result.steps };
}

export interface TraceResult {
  /** objective[k][b] = J(s_b; λ_k), k = 0..iterations. */
  readonly objective: Float64Array[];
  /** Mean over states per k. */
  readonly mean: number[];
  /** Mean over states of J(λ_k) − J(λ_{k−1}), k = 1..iterations. */
  readonly increments: number[];
}

/**
 * J(λ_k) for k = 0..`iterations` of the iterative model (any number, also beyond the trained K),
 * each λ_k evaluated under the same fixed noise. A direct model gives the single value J(f(s)).
 */
export function inferenceTrace(
  agent: IAPO, observations: Tensor, { iterations, generator, evaluationSamples = 256, actionValue }:
  { iterations: number; generator: Generator; evaluationSamples?: number; actionValue?: ActionValue },
): TraceResult {
  const context = agentObjective(agent, actionValue);
  const [batch] = observations.shape;
  const noise = drawNoise(generator, evaluationSamples, batch, agent.actionSize);
  const objective: Float64Array[] = [];
  runInference(agent.inference, observations, {
    actionValue: context.actionValue, alpha: context.alpha, samples: agent.config.actionSamples, iterations, generator,
    scalarTransform: agent.config.scalarGradientTransform,
    inputNormalization: agent.config.inputNormalization,
    onEstimate: (_k, params) => objective.push(objectiveWithNoise(context, observations, params, noise)),
  });
  const mean = objective.map((j) => summarize(j).mean);
  return { objective, mean, increments: mean.slice(1).map((m, k) => m - mean[k]) };
}

export interface ModesResult {
  /** Initial means (pre-tanh) tried, [M][A]. */
  readonly initialMeans: number[][];
  /** Final deterministic actions tanh(μ_K) from each initial estimate, [M][A]. */
  readonly finalActions: number[][];
  /** J of each final estimate (fixed noise). */
  readonly finalObjective: number[];
  /** Trajectories of tanh(μ_k) per initial estimate, [M][K+1][A]. */
  readonly trajectories: number[][][];
  /** Distinct modes: cluster centres of the final actions (greedy, radius `modeRadius`), with their counts and best J. */
  readonly modes: { action: number[]; count: number; objective: number }[];
  /** The direct model's action (if a direct agent was given). */
  readonly directAction?: number[];
  /**
   * Control: plain gradient ascent on J from the same initial estimates. If it finds several modes
   * and the inference model one, the landscape is multimodal and the model collapses it; if both find
   * one, the learned Q̂ itself is unimodal at this state.
   */
  readonly ascentModes: { action: number[]; count: number; objective: number }[];
}

/** Initial estimates: μ₀ on a ring of radius `radius` in pre-tanh space (2-D: `count` directions), and the origin. */
export function ringOfInitialMeans(actionSize: number, count: number, radius: number): number[][] {
  const out: number[][] = [new Array<number>(actionSize).fill(0)];
  for (let i = 0; i < count; i++) {
    const angle = (2 * Math.PI * (i + 0.5)) / count;
    const m = new Array<number>(actionSize).fill(0);
    m[0] = radius * Math.cos(angle);
    if (actionSize > 1) m[1] = radius * Math.sin(angle);
    else m[0] = radius * (i % 2 === 0 ? 1 : -1) * (1 + Math.floor(i / 2));
    out.push(m);
  }
  return out;
}

/**
 * Runs the iterative model at one state from each of `initialMeans` (σ₀ = 0.5) and groups the final
 * actions into modes: an action joins the first mode within `modeRadius` (Euclidean, action units).
 */
export function multipleEstimates(
  agent: IAPO, observation: ArrayLike<number>, initialMeans: number[][],
  { iterations, generator, modeRadius = 0.25, evaluationSamples = 256, actionValue }:
  { iterations: number; generator: Generator; modeRadius?: number; evaluationSamples?: number; actionValue?: ActionValue },
): ModesResult {
  const m = initialMeans.length;
  const A = agent.actionSize;
  const S = agent.observationSize;
  const states = new Tensor(new Float32Array(m * S).map((_, i) => observation[i % S]), [m, S]);
  const trajectories: number[][][] = initialMeans.map(() => []);
  const context = agentObjective(agent, actionValue);
  const result = runInference(agent.inference, states, {
    actionValue: context.actionValue, alpha: context.alpha, samples: agent.config.actionSamples, iterations, generator,
    scalarTransform: agent.config.scalarGradientTransform,
    inputNormalization: agent.config.inputNormalization,
    initial: { mean: initialMeans.flat(), logScale: new Array<number>(m * A).fill(Math.log(0.5)) },
    onEstimate: (_k, p) => {
      for (let i = 0; i < m; i++) trajectories[i].push(Array.from(p.mean.data.subarray(i * A, (i + 1) * A), Math.tanh));
    },
  });
  const finalActions = initialMeans.map((_, i) => Array.from(result.params.mean.data.subarray(i * A, (i + 1) * A), Math.tanh));
  const noise = drawNoise(generator, evaluationSamples, 1, A);
  const sharedNoise = { epsilon: tile(noise.epsilon, m), baseLogDensity: tile(noise.baseLogDensity, m) };
  const finalObjective = Array.from(objectiveWithNoise(context, states, result.params, sharedNoise));
  const start = {
    mean: new Tensor(Float32Array.from(initialMeans.flat()), [m, A]),
    logScale: new Tensor(new Float32Array(m * A).fill(Math.log(0.5)), [m, A]),
  };
  const ascent = gradientAscent(context, states, start, { generator, evaluationNoise: sharedNoise });
  const ascentActions = initialMeans.map((_, i) => Array.from(ascent.params.mean.data.subarray(i * A, (i + 1) * A), Math.tanh));
  return {
    initialMeans, finalActions, finalObjective, trajectories,
    modes: groupModes(finalActions, finalObjective, modeRadius),
    ascentModes: groupModes(ascentActions, Array.from(ascent.optimized), modeRadius),
  };
}

/** Greedy clustering: an action joins the first mode within `radius`, else starts a new one. */
function groupModes(actions: number[][], objective: number[], radius: number): { action: number[]; count: number; objective: number }[] {
  const modes: { action: number[]; count: number; objective: number }[] = [];
  actions.forEach((action, i) => {
    const mode = modes.find((md) => Math.hypot(...md.action.map((v, d) => v - action[d])) < radius);
    if (mode) {
      mode.count++;
      mode.objective = Math.max(mode.objective, objective[i]);
    } else {
      modes.push({ action: [...action], count: 1, objective: objective[i] });
    }
  });
  return modes;
}

/** [N, 1, A] noise repeated for `m` states → [N, m, A]. */
function tile(t: Tensor, m: number): Tensor {
  const [n, , a] = t.shape;
  const out = new Float32Array(n * m * a);
  for (let i = 0; i < n; i++) for (let b = 0; b < m; b++) out.set(t.data.subarray(i * a, (i + 1) * a), (i * m + b) * a);
  return new Tensor(out, [n, m, a]);
}

/**
 * A new objective for the analysis: Q̂(s, a) minus a Gaussian bump of height `weight(s)` centred on
 * `centres(s)` (width `radius`): the action the agent prefers under the old objective becomes costly.
 */
export function penalizedValue(base: ActionValue, centres: Tensor, weights: Tensor, radius: number): ActionValue {
  return (observations, actions) => {
    const distance2 = sum(square(sub(actions, centres)), -1); // [N, B]
    return sub(base(observations, actions), mul(weights, exp(mul(distance2, -1 / (2 * radius * radius)))));
  };
}

/**
 * The new objective the analyses use: Q̂ minus a bump of width `radius` on the action the agent prefers
 * (tanh μ of `lambda`), as high as the spread (max − min) of Q̂ over `samples` uniform random actions at
 * each state, so the penalty matters on every env's reward scale.
 */
export function penaltyOnPreferredAction(
  agent: IAPO, states: Tensor, lambda: PolicyParams, generator: Generator, { radius = 0.3, samples = 64 }: { radius?: number; samples?: number } = {},
): ActionValue {
  const [B] = states.shape;
  const A = agent.actionSize;
  const actions = new Tensor(new Float32Array(samples * B * A).map(() => 2 * generator.uniform() - 1), [samples, B, A]);
  const values = agent.objectiveValue()(states, actions).data;
  const spread = new Float32Array(B);
  for (let b = 0; b < B; b++) {
    let lo = Infinity;
    let hi = -Infinity;
    for (let i = 0; i < samples; i++) {
      lo = Math.min(lo, values[i * B + b]);
      hi = Math.max(hi, values[i * B + b]);
    }
    spread[b] = hi - lo;
  }
  const centres = new Tensor(Float32Array.from(lambda.mean.data, Math.tanh), lambda.mean.shape);
  return penalizedValue(agent.objectiveValue(), centres, new Tensor(spread, [B]), radius);
}

export interface TransferResult {
  /** Mean over states of J_new reached by each optimizer (fixed noise). */
  readonly amortized: Summary;
  readonly iterative?: Summary;
  readonly gradientAscent: Summary;
  /** J_new of the old amortized λ (what a model that ignores the new objective gets). */
  readonly perState: { amortized: Float64Array; iterative?: Float64Array; gradientAscent: Float64Array };
  readonly gradientSteps: number;
}

/**
 * Swaps in `newValue` at test time. The direct model cannot see it (its λ is f(s)); the iterative
 * model receives ∇_λ of the new J at every iteration; gradient ascent optimises the new J directly
 * from the amortized λ. Reports J_new reached by each.
 */
export function newObjectiveTransfer(
  agent: IAPO, observations: Tensor, newValue: ActionValue,
  { iterations, generator, ascent = {} }: { iterations?: number; generator: Generator; ascent?: Partial<GradientAscentOptions> },
): TransferResult {
  const context = agentObjective(agent, newValue);
  const [batch] = observations.shape;
  const noise = drawNoise(generator, ascent.evaluationSamples ?? 256, batch, agent.actionSize);
  const oldParams = amortizedEstimate(agent, observations, generator, iterations);
  const amortized = objectiveWithNoise(context, observations, oldParams, noise);
  let iterative: Float64Array | undefined;
  if (agent.inference.kind === 'iterative') {
    const newParams = amortizedEstimate(agent, observations, generator, iterations, newValue);
    iterative = objectiveWithNoise(context, observations, newParams, noise);
  }
  const ga = gradientAscent(context, observations, oldParams, { ...ascent, generator, evaluationNoise: noise });
  return {
    amortized: summarize(amortized),
    iterative: iterative && summarize(iterative),
    gradientAscent: summarize(ga.optimized),
    perState: { amortized, iterative, gradientAscent: ga.optimized },
    gradientSteps: ga.steps,
  };
}
