/** Numerical helpers of the MCMC specs: float64 random networks, finite differences, log|det| by LU. */
import { Generator, MLP, Module, Tensor, concat, mul, reshape, sliceAxis, sub, tanh, tensor } from '../../../engine/index.ts';

/** Overwrites every parameter of `module` with N(0, scale²) draws (so zero-initialised heads are random too). */
export function randomizeParameters(module: Module, generator: Generator, scale = 0.5): void {
  for (const p of module.parameters()) p.mutate_((d) => generator.fillNormal(d, 0, scale));
}

/** A float64 [rows, columns] tensor of N(0, scale²) draws. */
export function randomTensor(shape: readonly number[], generator: Generator, scale = 1): Tensor {
  const data = new Float64Array(shape.reduce((a, b) => a * b, 1));
  generator.fillNormal(data, 0, scale);
  return tensor(data, { shape: [...shape], dtype: 'float64' });
}

/** A smooth float64 critic Q(s, a) = MLP_tanh([s, a]), [B]; smooth so finite differences are exact to high order. */
export function smoothCritic(stateSize: number, actionSize: number, generator: Generator): { net: MLP; value: (s: Tensor, a: Tensor) => Tensor } {
  const net = new MLP({ inputSize: stateSize + actionSize, hiddenSizes: [8], outputSize: 1, activation: 'tanh', generator, dtype: 'float64' });
  randomizeParameters(net, generator, 0.8);
  return { net, value: (s, a) => reshape(net.forward(concat([s, a], -1)), [s.shape[0]]) };
}

/**
 * The derivative of a scalar function of t at 0 by Richardson-extrapolated central differences
 * (fourth order): (8(f(h) − f(−h)) − (f(2h) − f(−2h)))/(12h).
 */
export function derivative(f: (t: number) => number, h = 1e-4): number {
  return (8 * (f(h) - f(-h)) - (f(2 * h) - f(-2 * h))) / (12 * h);
}

/** The Jacobian [m × n] of a map Rⁿ → Rᵐ by fourth-order central differences, column by column. */
export function numericalJacobian(map: (x: Float64Array) => Float64Array, x: Float64Array, h = 2.5e-4): number[][] {
  const n = x.length;
  const columns: Float64Array[] = [];
  for (let j = 0; j < n; j++) {
    const at = (t: number): Float64Array => {
      const shifted = Float64Array.from(x);
      shifted[j] += t;
      return map(shifted);
    };
    const [p1, m1, p2, m2] = [at(h), at(-h), at(2 * h), at(-2 * h)];
    columns.push(p1.map((_, i) => (8 * (p1[i] - m1[i]) - (p2[i] - m2[i])) / (12 * h)));
  }
  const m = columns[0].length;
  return Array.from({ length: m }, (_, i) => columns.map((c) => c[i]));
}

/** log|det A| by LU with partial pivoting (A square). */
export function logAbsDet(matrix: readonly (readonly number[])[]): number {
  const a = matrix.map((row) => [...row]);
  const n = a.length;
  let logDet = 0;
  for (let k = 0; k < n; k++) {
    let pivot = k;
    for (let i = k + 1; i < n; i++) if (Math.abs(a[i][k]) > Math.abs(a[pivot][k])) pivot = i;
    [a[k], a[pivot]] = [a[pivot], a[k]];
    const p = a[k][k];
    logDet += Math.log(Math.abs(p));
    for (let i = k + 1; i < n; i++) {
      const factor = a[i][k] / p;
      for (let j = k; j < n; j++) a[i][j] -= factor * a[k][j];
    }
  }
  return logDet;
}

/** Σ_p ⟨grad_p, direction_p⟩ over parameter tensors. */
export function directional(grads: readonly (Tensor | null)[], directions: readonly Float64Array[]): number {
  return grads.reduce((acc, g, i) => {
    if (!g) return acc;
    let s = 0;
    for (let j = 0; j < g.size; j++) s += g.data[j] * directions[i][j];
    return acc + s;
  }, 0);
}

/** Moves every parameter by t·direction in place (restore with −t). */
export function shiftParameters(parameters: readonly Tensor[], directions: readonly Float64Array[], t: number): void {
  parameters.forEach((p, i) => p.mutate_((d) => {
    for (let j = 0; j < d.length; j++) d[j] += t * directions[i][j];
  }));
}

/** A float64 Gaussian policy head for specs: μ and log σ = ½·tanh(·) − 0.3 from one tanh MLP of s. */
export function smoothPolicy(stateSize: number, actionSize: number, generator: Generator): { net: MLP; parameters: (s: Tensor) => { mean: Tensor; logStd: Tensor } } {
  const net = new MLP({ inputSize: stateSize, hiddenSizes: [6], outputSize: 2 * actionSize, activation: 'tanh', generator, dtype: 'float64' });
  randomizeParameters(net, generator, 0.6);
  return {
    net,
    parameters: (s) => {
      const out = net.forward(s);
      return { mean: sliceAxis(out, -1, 0, actionSize), logStd: sub(mul(tanh(sliceAxis(out, -1, actionSize, 2 * actionSize)), 0.5), 0.3) };
    },
  };
}
