/**
 * Gradient checking after HIPS autograd's `check_grads(order=k)`: compare reverse mode with central
 * finite differences along a random direction, projected on a random cotangent; for order k > 1,
 * check the VJP itself, as a function of both the inputs and the cotangent, to order k − 1. That
 * recursion exercises every VJP-of-a-VJP, including those of linear ops.
 *
 * Bound (float64): |reverse − numeric| ≤ atol + rtol·max(|reverse|, |numeric|, 1), rtol 1e-6 and atol
 * 1e-7 by default. The numeric derivative is a Richardson-extrapolated central difference with steps
 * 1e-5 and 5e-6: truncation error ~1e-21·|f⁽⁵⁾| instead of ~1e-11·|f'''|, so ill-conditioned but
 * correct cases (std of nearly equal values, at second order) pass; rounding error stays ~1e-11.
 */
import { Generator, Tensor, concat, reshape, vjp, noGrad, tensor } from '../../engine/index.ts';

export interface CheckOptions {
  order?: number;
  eps?: number;
  rtol?: number;
  atol?: number;
  seed?: number;
}

type Fn = (...xs: Tensor[]) => Tensor;

function randomLike(t: Tensor, rng: Generator): Tensor {
  const data = new Float64Array(t.size);
  rng.fillNormal(data);
  return tensor(data, { shape: t.shape, dtype: 'float64' });
}

function inner(a: Tensor, b: Tensor): number {
  let s = 0;
  for (let i = 0; i < a.size; i++) s += a.data[i] * b.data[i];
  return s;
}

function shifted(xs: readonly Tensor[], direction: readonly Tensor[], scale: number): Tensor[] {
  return xs.map((x, i) => {
    const data = new Float64Array(x.size);
    for (let j = 0; j < x.size; j++) data[j] = x.data[j] + scale * direction[i].data[j];
    return tensor(data, { shape: x.shape, dtype: 'float64' });
  });
}

export class GradCheckError extends Error {
  override name = 'GradCheckError';
}

/** Checks first-order reverse mode of `f` at `xs`; returns the relative error seen. */
export function checkVjp(f: Fn, xs: readonly Tensor[], options: CheckOptions = {}, label = 'order 1'): number {
  const { eps = 1e-5, rtol = 1e-6, atol = 1e-7, seed = 0 } = options;
  const rng = new Generator(seed);
  const [y, pullback] = vjp(f, ...xs);
  const u = randomLike(y, rng);
  const direction = xs.map((x) => randomLike(x, rng));
  const reverse = pullback(u).reduce((acc, g, i) => acc + inner(g, direction[i]), 0);
  const central = (h: number): number => {
    const plus = noGrad(() => f(...shifted(xs, direction, h)));
    const minus = noGrad(() => f(...shifted(xs, direction, -h)));
    return (inner(plus, u) - inner(minus, u)) / (2 * h);
  };
  // Richardson extrapolation of two central differences cancels the h² term of the truncation error.
  const numeric = (4 * central(eps / 2) - central(eps)) / 3;
  const scale = Math.max(Math.abs(reverse), Math.abs(numeric), 1);
  const error = Math.abs(reverse - numeric);
  if (!(error <= atol + rtol * scale)) {
    throw new GradCheckError(`${label}: reverse ${reverse} vs numeric ${numeric} (|Δ| = ${error.toExponential(2)})`);
  }
  return error / scale;
}

/** The VJP of f as a function of (inputs, cotangent), flattened into one vector. */
function vjpAsFunction(f: Fn, arity: number): Fn {
  return (...args: Tensor[]) => {
    const xs = args.slice(0, arity);
    const u = args[arity];
    const [, pullback] = vjp(f, ...xs);
    const grads = pullback(u);
    return concat(grads.map((g) => reshape(g, [-1])));
  };
}

/** Checks reverse mode of `f` at `xs` up to `order` (default 2). */
export function checkGrads(f: Fn, xs: readonly Tensor[], options: CheckOptions = {}): void {
  const { order = 2, seed = 0 } = options;
  let fn = f;
  let args = [...xs];
  for (let k = 1; k <= order; k++) {
    checkVjp(fn, args, { ...options, seed: seed + k }, `order ${k}`);
    if (k === order) break;
    const y = noGrad(() => fn(...args));
    const u = randomLike(y, new Generator(seed + 100 + k));
    fn = vjpAsFunction(fn, args.length);
    args = [...args, u];
  }
}
