/**
 * The natural-gradient step of TRPO (Schulman et al. 2015, "Trust Region Policy Optimization",
 * Appendix C): solve F s = g by conjugate gradient, where F v is the Hessian-vector product of the
 * mean KL between the old and the current policy taken through the engine (second-order autodiff,
 * no explicit Fisher matrix), scale s to the trust region, and backtrack until the KL constraint
 * holds and the surrogate improves.
 */
import {
  Tensor, TracedFunction, ValueError, concat, expectFunction, expectObject, expectTensor, expectTensors, gradients, mul, noGrad, ones,
  parametersToVector, reshape, sum, vectorToParameters, zeros, showValue,
} from '../../engine/index.ts';

/** Argument checks for plain-JS callers, as the engine's ops make them (ValueError naming the function and the argument). */
function expectNumber(op: string, what: string, x: unknown, min: number, integer = false): void {
  if (typeof x !== 'number' || !Number.isFinite(x) || x < min || (integer && !Number.isInteger(x))) {
    throw new ValueError(`${op}: ${what} must be ${integer ? 'an integer' : 'a finite number'} ≥ ${min}, got ${showValue(x)}`);
  }
}

function expectParameters(op: string, params: unknown): asserts params is readonly Tensor[] {
  expectTensors(op, 'params', params);
  if (params.length === 0) throw new ValueError(`${op}: params must hold at least one Tensor, got []`);
}

/**
 * Solves A x = b for symmetric positive-definite A given only x ↦ A x (Hestenes–Stiefel), from
 * x = 0, for at most `maxSteps` iterations or until rᵀr < `tolerance`.
 * @example conjugateGradient((v) => matVec(A, v), b, 10)
 */
export function conjugateGradient(
  matrixVector: (v: Float64Array) => Float64Array, b: Float64Array, maxSteps: number, tolerance = 1e-10,
): Float64Array {
  expectFunction('conjugateGradient', 'matrixVector', matrixVector);
  if (!(b instanceof Float64Array)) throw new ValueError(`conjugateGradient: b must be a Float64Array, got ${showValue(b)}`);
  expectNumber('conjugateGradient', 'maxSteps', maxSteps, 0, true);
  expectNumber('conjugateGradient', 'tolerance', tolerance, 0);
  const x = new Float64Array(b.length);
  const r = Float64Array.from(b);
  const p = Float64Array.from(b);
  let rr = dot(r, r);
  for (let step = 0; step < maxSteps && rr >= tolerance; step++) {
    const Ap = matrixVector(p);
    const alpha = rr / dot(p, Ap);
    for (let i = 0; i < x.length; i++) {
      x[i] += alpha * p[i];
      r[i] -= alpha * Ap[i];
    }
    const next = dot(r, r);
    const beta = next / rr;
    for (let i = 0; i < p.length; i++) p[i] = r[i] + beta * p[i];
    rr = next;
  }
  return x;
}

export function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

/** The gradient of `output` with respect to `params` as one flat vector (zeros where it does not depend on one). */
export function flatGradient(output: Tensor, params: readonly Tensor[], createGraph = false): Tensor {
  const grads = gradients([output], [ones([], { dtype: output.dtype })], params, createGraph);
  return concat(grads.map((g, i) => reshape(g ?? params[i].mul(0), [params[i].size])), 0);
}

/**
 * v ↦ (H + damping·I) v with H the Hessian of `meanKl` at the current parameters (the Fisher
 * information of the policy there, since the KL and its gradient vanish at the old policy): one
 * backward pass builds ∇KL with its graph, each product differentiates ∇KL·v once more.
 */
export function fisherVectorProduct(meanKl: Tensor, params: readonly Tensor[], damping: number): (v: Float64Array) => Float64Array {
  expectTensor('fisherVectorProduct', 'meanKl', meanKl);
  expectParameters('fisherVectorProduct', params);
  expectNumber('fisherVectorProduct', 'damping', damping, 0);
  const klGradient = flatGradient(meanKl, params, true);
  // Every product differentiates the same graph, so conjugate gradient's calls replay one traced schedule.
  const vector = zeros([klGradient.size], { dtype: klGradient.dtype });
  const product = new TracedFunction('fisherVectorProduct', () => flatGradient(sum(mul(klGradient, vector)), params), {
    inputs: () => [vector, klGradient, ...params],
  });
  return (v) => {
    vector.mutate_((data) => data.set(v));
    return Float64Array.from(product.call().data, (hv, i) => hv + damping * v[i]);
  };
}

/** `values` as a vector of the parameters' dtype, written into them in order (engine's vectorToParameters). */
function setFlat(params: readonly Tensor[], values: Float64Array): void {
  const data = params[0].dtype === 'float64' ? values : Float32Array.from(values);
  vectorToParameters(new Tensor(data, [values.length]), params);
}

export interface TrustRegionOptions {
  /** δ: the largest mean KL a step may reach. */
  readonly maxKl: number;
  readonly cgSteps: number;
  readonly damping: number;
  /** Step fraction kept per backtracking step (SB3-contrib: 0.8). */
  readonly shrink: number;
  readonly maxBacktracks: number;
}

export interface TrustRegionResult {
  /** The step was taken (false: the parameters are unchanged). */
  readonly accepted: boolean;
  /** Backtracking steps tried before acceptance (maxBacktracks when none passed). */
  readonly backtracks: number;
  readonly kl: number;
  readonly improvement: number;
  readonly stepNorm: number;
}

/**
 * One trust-region step on `params`: `surrogate()` (to maximise) and `meanKl()` (against the
 * frozen old policy) are re-evaluated at every candidate. Line search as SB3-contrib's TRPO: accept
 * the first β·shrinkⁱ·s with KL ≤ δ and a surrogate above the old one, else restore the old parameters.
 */
export function trustRegionStep(
  params: readonly Tensor[], surrogate: () => Tensor, meanKl: () => Tensor, options: TrustRegionOptions,
): TrustRegionResult {
  expectParameters('trustRegionStep', params);
  expectFunction('trustRegionStep', 'surrogate', surrogate);
  expectFunction('trustRegionStep', 'meanKl', meanKl);
  expectObject('trustRegionStep', 'options', options);
  expectNumber('trustRegionStep', 'options.maxKl', options.maxKl, 0);
  expectNumber('trustRegionStep', 'options.cgSteps', options.cgSteps, 0, true);
  expectNumber('trustRegionStep', 'options.damping', options.damping, 0);
  expectNumber('trustRegionStep', 'options.shrink', options.shrink, 0);
  expectNumber('trustRegionStep', 'options.maxBacktracks', options.maxBacktracks, 0, true);
  const objective = surrogate();
  const g = Float64Array.from(flatGradient(objective, params).data);
  const before = objective.item();
  const fvp = fisherVectorProduct(meanKl(), params, options.damping);
  const s = conjugateGradient(fvp, g, options.cgSteps);
  const sFs = dot(s, fvp(s));
  const old = Float64Array.from(noGrad(() => parametersToVector(params)).data);
  if (!(sFs > 0) || !Number.isFinite(sFs)) return { accepted: false, backtracks: 0, kl: 0, improvement: 0, stepNorm: 0 };
  const scale = Math.sqrt((2 * options.maxKl) / sFs);
  const candidate = new Float64Array(old.length);
  let fraction = 1;
  for (let i = 0; i < options.maxBacktracks; i++, fraction *= options.shrink) {
    for (let j = 0; j < old.length; j++) candidate[j] = old[j] + fraction * scale * s[j];
    setFlat(params, candidate);
    const { kl, value } = noGrad(() => ({ kl: meanKl().item(), value: surrogate().item() }));
    if (kl <= options.maxKl && value > before) {
      return { accepted: true, backtracks: i, kl, improvement: value - before, stepNorm: fraction * scale * Math.sqrt(dot(s, s)) };
    }
  }
  setFlat(params, old);
  return { accepted: false, backtracks: options.maxBacktracks, kl: 0, improvement: 0, stepNorm: 0 };
}
