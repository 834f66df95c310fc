/**
 * Running an inference model on a batch of states (Marino et al. 2021, §3 and Algorithm 1).
 *
 * Iterative: λ₀ = (μ = 0, σ = 0.5); for k = 0..K−1, draw N reparameterised actions, estimate
 * J(s; λ_k), backpropagate Σ_b −J to get the per-example gradients ∇_μ, ∇_{log σ} (the objective
 * is a sum of per-state terms, so the batch gradient is per-example), and apply one gated update.
 * Direct: λ = f_φ(s) (one "iteration").
 *
 * In training mode every λ_k (k ≥ 1) is a function of φ through one gated step only (the inputs
 * and the previous estimate are detached), and the same backward call that gives ∇_{λ_k} for the
 * next input also accumulates ∇_φ of −J(λ_k) into the inference model's gradients: one-step
 * truncated backprop, summed over iterations and states (the caller divides by K·B).
 */
import { Generator, Tensor, full, hostCall, mul, noGrad, scalar, tensor, zeros } from '../../engine/index.ts';
import type { ActionValue } from '../common/action-value.ts';
import { estimateObjective, drawNoise, type ObjectiveEstimate, type PolicyParams } from './objective.ts';
import { IterativeInference, type InferenceModel, DirectInference } from './networks.ts';

/** λ₀ of the reference code: μ = 0, σ = 0.5. */
export const INITIAL_MEAN = 0;
export const INITIAL_LOG_SCALE = Math.log(0.5);

/**
 * How gradient blocks are fed when |A| = 1, where per-example standardisation across action
 * dimensions is undefined (the reference code then feeds raw values, and all its tasks have |A| > 1):
 * 'none' feeds the raw gradient (reference), 'signedLog' feeds sign(g)·log(1 + |g|).
 */
export type ScalarGradientTransform = 'none' | 'signedLog';

/**
 * How the λ and gradient blocks are normalised. 'layer' is the reference's per-example standardisation
 * across action dimensions (|A| > 1). It keeps only the pattern across dimensions, not the scale: at
 * |A| = 2 every standardised block is ±(1/√2, −1/√2). 'signedLog' keeps the scale at any |A|: λ raw,
 * gradients sign(g)·log(1 + |g|) (what 'layer' with the signedLog scalar transform does at |A| = 1).
 */
export type InputNormalization = 'layer' | 'signedLog';

/**
 * Writes one row per state: [s, μ̂, log σ̂, ĝ_μ, ĝ_{log σ}] (params_and_grads with normalize=True,
 * norm_type='layer'). p_logσ = log(σ + 10⁻⁶); g = ∂L/∂λ for the *negative* objective L = −J, and
 * g_logσ = (∂L/∂σ)·σ = ∂L/∂(log σ). When |A| > 1 each of the four blocks is standardised per example
 * across the action dimensions, (x − mean)/(std + 10⁻⁷) with the unbiased std; the state is raw.
 * @example
 * // S = 1, A = 2: state 0.3, μ = (1, 3), log σ = (0, 0), ∇_μ L = (−2, 2), ∇_logσ L = (0.5, 0.5)
 * buildInferenceInputs(...) // → [0.3, −0.7071, 0.7071, 0, 0, −0.7071, 0.7071, 0, 0]
 */
export function buildInferenceInputs(
  observations: ArrayLike<number>, mean: ArrayLike<number>, logScale: ArrayLike<number>,
  gradMean: ArrayLike<number>, gradLogScale: ArrayLike<number>,
  stateSize: number, actionSize: number, scalarTransform: ScalarGradientTransform, out: Float32Array,
  normalization: InputNormalization = 'layer',
): Float32Array {
  const width = stateSize + 4 * actionSize;
  const batch = out.length / width;
  const block = new Float64Array(actionSize);
  for (let b = 0; b < batch; b++) {
    const row = b * width;
    for (let j = 0; j < stateSize; j++) out[row + j] = observations[b * stateSize + j];
    for (let part = 0; part < 4; part++) {
      const source = part === 0 ? mean : part === 1 ? logScale : part === 2 ? gradMean : gradLogScale;
      for (let d = 0; d < actionSize; d++) {
        const x = source[b * actionSize + d];
        block[d] = part === 1 ? Math.log(Math.exp(x) + 1e-6) : x;
      }
      const offset = row + stateSize + part * actionSize;
      if (normalization === 'signedLog') {
        for (let d = 0; d < actionSize; d++) out[offset + d] = part >= 2 ? Math.sign(block[d]) * Math.log1p(Math.abs(block[d])) : block[d];
      } else if (actionSize > 1) {
        let m = 0;
        for (let d = 0; d < actionSize; d++) m += block[d];
        m /= actionSize;
        let v = 0;
        for (let d = 0; d < actionSize; d++) v += (block[d] - m) ** 2;
        const sd = Math.sqrt(v / (actionSize - 1)) + 1e-7;
        for (let d = 0; d < actionSize; d++) out[offset + d] = (block[d] - m) / sd;
      } else if (part >= 2 && scalarTransform === 'signedLog') {
        out[offset] = Math.sign(block[0]) * Math.log1p(Math.abs(block[0]));
      } else {
        out[offset] = block[0];
      }
    }
  }
  return out;
}

export interface InferenceOptions {
  /** The value to maximise, Q̂(s, a). */
  actionValue: ActionValue;
  /** Temperature α of the KL term (a number, or a scalar tensor such as a traced update's `dynamicScalar`). */
  alpha: number | Tensor;
  /** Action samples N per iteration. */
  samples: number;
  /** Iterations K of the iterative model (ignored by the direct model, which has one). */
  iterations: number;
  generator: Generator;
  scalarTransform?: ScalarGradientTransform;
  /** Default 'layer' (reference). */
  inputNormalization?: InputNormalization;
  /**
   * Record φ-gradients: −J(λ_k) of every iteration k ≥ 1 is backpropagated into the model's
   * parameters, summed over states; the final iteration's terms are multiplied by `finalWeights[b]`
   * (default 1). The final estimate is then always evaluated and returned.
   */
  train?: { finalWeights?: Float32Array };
  /** Evaluate J(λ_K) when not training (acting does not need it). */
  evaluateFinal?: boolean;
  /** Initial estimate λ₀ (row-major [B, A] each); default μ = 0, σ = 0.5. */
  initial?: { mean: ArrayLike<number>; logScale: ArrayLike<number> };
  /** Called with λ_k (detached) before each update and with λ_K at the end. */
  onEstimate?: (k: number, params: PolicyParams) => void;
}

export interface InferenceResult {
  /** λ_K, detached. */
  readonly params: PolicyParams;
  /** The estimate of J(λ_K) used for training (present when training or `evaluateFinal`). */
  readonly final?: ObjectiveEstimate;
  /** Batch mean of the J estimate at each evaluated iterate λ₀ … λ_K (iterative) or λ (direct). */
  readonly objectiveTrace: number[];
  /** The same means as float64 scalar tensors, which a traced update recomputes at every replay. */
  readonly objectiveMeans: Tensor[];
}

/** The batch mean of `t`, summed in float64 as a JavaScript loop, into a float64 scalar tensor (a host call when traced). */
function batchMean(t: Tensor): Tensor {
  const out = scalar(0, 'float64');
  const [values, target] = [t.data, out.data];
  hostCall('batchMean', () => {
    let s = 0;
    for (let i = 0; i < values.length; i++) s += values[i];
    target[0] = s / values.length;
  }, { reads: [values], writes: [target] });
  return out;
}

function constantParams(batch: number, actionSize: number, initial?: InferenceOptions['initial']): PolicyParams {
  const shape = [batch, actionSize];
  if (initial) {
    return {
      mean: tensor(Float32Array.from(initial.mean), { shape }),
      logScale: tensor(Float32Array.from(initial.logScale), { shape }),
    };
  }
  return { mean: full(shape, INITIAL_MEAN), logScale: full(shape, INITIAL_LOG_SCALE) };
}

const detachParams = (p: PolicyParams): PolicyParams => ({ mean: p.mean.detach(), logScale: p.logScale.detach() });

function asLeaves(p: PolicyParams): PolicyParams {
  return { mean: p.mean.detach().requiresGrad_(), logScale: p.logScale.detach().requiresGrad_() };
}

/**
 * Runs the inference model on `observations` [B, S].
 * @example
 * const { params } = runInference(model, obs, { actionValue, alpha, samples: 10, iterations: 5, generator });
 * tanh(params.mean) // the deterministic action
 */
export function runInference(model: InferenceModel, observations: Tensor, options: InferenceOptions): InferenceResult {
  const batch = observations.shape[0];
  const { actionSize, stateSize } = model;
  const { actionValue, alpha, samples, generator, train } = options;
  const objectiveMeans: Tensor[] = [];
  const result = (params: PolicyParams, final?: ObjectiveEstimate): InferenceResult => ({
    params, ...(final ? { final } : {}), objectiveMeans, objectiveTrace: objectiveMeans.map((m) => m.data[0]),
  });
  const estimate = (params: PolicyParams): ObjectiveEstimate =>
    estimateObjective(actionValue, observations, params, drawNoise(generator, samples, batch, actionSize), alpha);
  const finalLoss = (est: ObjectiveEstimate): Tensor => {
    const weights = train?.finalWeights;
    return weights ? mul(est.objective, new Tensor(weights, [batch])).neg().sum() : est.objective.neg().sum();
  };

  if (model instanceof DirectInference) {
    if (!train) {
      const params = noGrad(() => model.forward(observations));
      options.onEstimate?.(0, params);
      if (!options.evaluateFinal) return result(params);
      const final = noGrad(() => estimate(params));
      objectiveMeans.push(batchMean(final.objective));
      return result(params, final);
    }
    const params = model.forward(observations);
    const final = estimate(params);
    objectiveMeans.push(batchMean(final.objective));
    finalLoss(final).backward();
    options.onEstimate?.(0, detachParams(params));
    return result(detachParams(params), final);
  }

  if (!(model instanceof IterativeInference)) throw new TypeError('runInference: unknown inference model');
  const iterations = options.iterations;
  const scalarTransform = options.scalarTransform ?? 'signedLog';
  let params = asLeaves(constantParams(batch, actionSize, options.initial));
  for (let k = 0; k < iterations; k++) {
    options.onEstimate?.(k, detachParams(params));
    const est = estimate(params);
    objectiveMeans.push(batchMean(est.objective));
    // ∇ of L = Σ_b −J_b: per-example ∇_λ for the next input, and (k ≥ 1, training) ∇_φ into the model.
    est.objective.neg().sum().backward();
    const gradMean = params.mean.grad;
    const gradLogScale = params.logScale.grad;
    if (!gradMean || !gradLogScale) throw new Error('runInference: no gradient reached λ');
    // A fresh array per iteration: step k's graph keeps its inputs for the backward at k + 1.
    // The arrays are bound here, not read through `params` (reassigned below) when a traced step replays the fill.
    const [states, means, logScales] = [observations.data, params.mean.data, params.logScale.data];
    const normalization = options.inputNormalization ?? 'layer';
    const inputTensor = zeros([batch, model.inputSize]).mutate_((inputs) => buildInferenceInputs(
      states, means, logScales, gradMean.data, gradLogScale.data,
      stateSize, actionSize, scalarTransform, inputs as Float32Array, normalization,
    ));
    const previous = detachParams(params);
    if (train) {
      const next = model.step(inputTensor, previous);
      params = { mean: next.mean.retainGrad(), logScale: next.logScale.retainGrad() };
    } else {
      params = asLeaves(noGrad(() => model.step(inputTensor, previous)));
    }
  }
  options.onEstimate?.(iterations, detachParams(params));
  if (!train && !options.evaluateFinal) return result(detachParams(params));
  const final = train ? estimate(params) : noGrad(() => estimate(params));
  objectiveMeans.push(batchMean(final.objective));
  if (train) finalLoss(final).backward();
  return result(detachParams(params), final);
}
