/**
 * JAX-style function transforms over the recording autodiff. They compose to any order:
 * `grad(grad(f))`, `hvp`, `jvp` of a `grad`, and gradients of objectives that contain gradients.
 *
 * Each call differentiates with respect to fresh copies of the chosen arguments. When an argument
 * is itself tracked by an enclosing transform or training loop, the copy stays connected to it, so
 * the result can be differentiated again from outside; otherwise no backward graph is kept.
 */
import { GradientError, ValueError, describeValue, expectFunction, formatShape } from '../errors.ts';
import { expectIntegerOrList } from '../arguments.ts';
import { identity, mul, sum } from '../ops/index.ts';
import { Tensor, expectTensor, expectTensors, ones, zerosLike } from '../tensor.ts';
import { gradients } from './backward.ts';
import { isGradEnabled, withGradMode } from './graph.ts';

type Fn<Args extends unknown[]> = (...args: Args) => Tensor;

function asList(argnums: number | readonly number[]): number[] {
  return typeof argnums === 'number' ? [argnums] : [...argnums];
}

/** Replaces the differentiated arguments by fresh tracked copies; returns the new arguments and the copies. */
function track(name: string, args: readonly unknown[], argnums: readonly number[]): { args: unknown[]; targets: Tensor[] } {
  const outer = isGradEnabled();
  const copy = [...args];
  const targets = argnums.map((i) => {
    const x = args[i];
    if (!(x instanceof Tensor)) expectTensor(name, `argument ${i}`, x);
    const tracked = outer && x.requiresGrad ? withGradMode(true, () => identity(x)) : x.detach().requiresGrad_();
    copy[i] = tracked;
    return tracked;
  });
  return { args: copy, targets };
}

function gradsOrZeros(grads: readonly (Tensor | null)[], targets: readonly Tensor[]): Tensor[] {
  return grads.map((g, i) => g ?? zerosLike(targets[i]));
}

function assertResult(name: string, y: unknown): asserts y is Tensor {
  if (!(y instanceof Tensor)) throw new ValueError(`${name}: the function must return a Tensor, got ${describeValue(y)}`);
}

function assertScalar(name: string, y: unknown): Tensor {
  assertResult(name, y);
  if (y.size !== 1) throw new GradientError(`${name}: the function must return a scalar, got shape ${formatShape(y.shape)}`);
  return y;
}

/** Runs `f` while recording, and keeps the result connected only if an enclosing computation tracks it. */
function evaluate<Args extends unknown[]>(f: Fn<Args>, args: unknown[]): Tensor {
  return withGradMode(true, () => f(...(args as Args)));
}

export function valueAndGrad<Args extends unknown[]>(f: Fn<Args>, argnums?: number): (...args: Args) => [Tensor, Tensor];
export function valueAndGrad<Args extends unknown[]>(f: Fn<Args>, argnums: readonly number[]): (...args: Args) => [Tensor, Tensor[]];
/**
 * `f`'s value and its gradient with respect to argument `argnums` (or a list of them).
 * @example const [loss, dw] = valueAndGrad((w: Tensor) => w.square().sum())(w)
 */
export function valueAndGrad<Args extends unknown[]>(
  f: Fn<Args>, argnums: number | readonly number[] = 0,
): (...args: Args) => [Tensor, Tensor | Tensor[]] {
  return differentiate('valueAndGrad', f, argnums);
}

/** valueAndGrad, with its errors named after the transform called (`grad` or `valueAndGrad`). */
function differentiate<Args extends unknown[]>(
  name: string, f: Fn<Args>, argnums: number | readonly number[],
): (...args: Args) => [Tensor, Tensor | Tensor[]] {
  expectFunction(name, 'f', f);
  expectIntegerOrList(name, 'argnums', argnums);
  return (...args: Args) => {
    const outer = isGradEnabled();
    const { args: tracked, targets } = track(name, args, asList(argnums));
    const y = assertScalar(name, evaluate(f, tracked));
    const seed = ones(y.shape, { dtype: y.dtype });
    const grads = gradsOrZeros(withGradMode(outer, () => gradients([y], [seed], targets, 'auto')), targets);
    const keep = outer && grads.some((g) => g.requiresGrad);
    const value = keep ? y : y.detach();
    return [value, typeof argnums === 'number' ? grads[0] : grads];
  };
}

export function grad<Args extends unknown[]>(f: Fn<Args>, argnums?: number): (...args: Args) => Tensor;
export function grad<Args extends unknown[]>(f: Fn<Args>, argnums: readonly number[]): (...args: Args) => Tensor[];
/**
 * The gradient of a scalar function with respect to argument `argnums` (default 0). Compose freely:
 * @example const d2 = grad(grad((x: Tensor) => x.tanh().sum()))(x) // tanh'' = −2·tanh·(1 − tanh²)
 */
export function grad<Args extends unknown[]>(f: Fn<Args>, argnums: number | readonly number[] = 0): (...args: Args) => Tensor | Tensor[] {
  const vg = differentiate('grad', f, argnums);
  return (...args: Args) => vg(...args)[1];
}

/**
 * Reverse mode for a function of several tensors with a tensor output: returns the value and a
 * function mapping an output cotangent to the cotangents of every input (zeros where unused).
 */
export function vjp(f: (...xs: Tensor[]) => Tensor, ...xs: Tensor[]): [Tensor, (cotangent: Tensor) => Tensor[]] {
  expectFunction('vjp', 'f', f);
  expectTensors('vjp', 'xs', xs);
  const outer = isGradEnabled();
  const { args, targets } = track('vjp', xs, xs.map((_, i) => i));
  const y = evaluate(f, args);
  assertResult('vjp', y);
  const pullback = (cotangent: Tensor): Tensor[] => {
    expectTensor('vjp', 'cotangent', cotangent);
    return gradsOrZeros(withGradMode(outer, () => gradients([y], [cotangent], targets, 'auto')), targets);
  };
  return [outer ? y : y.detach(), pullback];
}

/**
 * Forward mode by the double-VJP construction: the pullback u ↦ Jᵀu is linear in u, so its VJP
 * with cotangent t is J·t. Returns f(xs) and J·tangents.
 */
export function jvp(f: (...xs: Tensor[]) => Tensor, xs: readonly Tensor[], tangents: readonly Tensor[]): [Tensor, Tensor] {
  expectFunction('jvp', 'f', f);
  expectTensors('jvp', 'xs', xs);
  expectTensors('jvp', 'tangents', tangents);
  if (xs.length !== tangents.length) {
    throw new ValueError(`jvp: ${xs.length} inputs but ${tangents.length} tangents`);
  }
  tangents.forEach((t, i) => {
    if (t.shape.join() !== xs[i].shape.join()) {
      throw new ValueError(`jvp: tangent ${i} has shape ${formatShape(t.shape)}, input has ${formatShape(xs[i].shape)}`);
    }
  });
  const outer = isGradEnabled();
  const { args, targets } = track('jvp', xs, xs.map((_, i) => i));
  const y = evaluate(f, args);
  assertResult('jvp', y);
  const u = zerosLike(y).requiresGrad_();
  const pulled = withGradMode(true, () => gradients([y], [u], targets, true));
  const result = withGradMode(outer, () => {
    const inner = withGradMode(true, () =>
      pulled.reduce<Tensor | null>((acc, g, i) => {
        if (!g) return acc;
        const term = sum(mul(g, tangents[i]));
        return acc ? acc.add(term) : term;
      }, null),
    );
    if (!inner) return null;
    return gradients([inner], [ones([], { dtype: inner.dtype })], [u], 'auto', targets)[0];
  });
  return [outer ? y : y.detach(), result ?? zerosLike(y)];
}

/**
 * Hessian-vector product H(x)·v of a scalar function, by reverse over reverse:
 * the gradient of ⟨∇f(x), v⟩ with respect to x.
 */
export function hvp(f: (x: Tensor) => Tensor, x: Tensor, v: Tensor): Tensor {
  expectFunction('hvp', 'f', f);
  expectTensor('hvp', 'x', x);
  expectTensor('hvp', 'v', v);
  if (x.shape.join() !== v.shape.join()) {
    throw new ValueError(`hvp: v has shape ${formatShape(v.shape)}, x has ${formatShape(x.shape)}`);
  }
  const gradF = grad(f);
  return grad((y: Tensor) => sum(mul(gradF(y), v)))(x);
}
