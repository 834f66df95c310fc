/**
 * Elementwise ops. Every kernel of kernels/types.ts is a primitive of the same name, and each has
 * one row here: its VJP, written with engine ops so that it can be differentiated again, or `null`
 * for the piecewise-constant ones. Binary ops broadcast with NumPy rules and promote float32 with
 * float64 to float64; a JS number takes the dtype of the tensor it meets.
 */
import { apply, type Primitive, type Vjp } from '../autograd/graph.ts';
import { ValueError, describeValue } from '../errors.ts';
import { kernels } from '../kernels/index.ts';
import { binaryKernelNames, unaryKernelNames, type BinaryKernel, type UnaryKernel } from '../kernels/types.ts';
import { broadcastShapes, broadcastStrides } from '../shape.ts';
import { Tensor, emptyTensor, expectTensor, full } from '../tensor.ts';
import { expectNumber } from '../arguments.ts';
import type { NonDifferentiableName, PrimitiveAttrs, PrimitiveRules, PrimitiveTable } from './primitives.ts';
import { cast } from './shape.ts';

export type TensorLike = Tensor | number;

/** A VJP, or `null` exactly for the piecewise-constant primitives. */
type VjpRow<K extends UnaryKernel | BinaryKernel, Rule> = K extends NonDifferentiableName ? null : Rule;

// ----- unary -----

/** VJP of a unary op from the cotangent g, input x, output y and the op's parameter (elu's alpha). */
type UnaryVjp<K extends UnaryKernel> = (g: Tensor, x: Tensor, y: Tensor, param: PrimitiveAttrs[K]) => Tensor;

const unaryVjps: { readonly [K in UnaryKernel]: VjpRow<K, UnaryVjp<K>> } = {
  neg: (g) => neg(g),
  exp: (g, _x, y) => mul(g, y),
  log: (g, x) => div(g, x),
  log1p: (g, x) => div(g, add(x, 1)),
  expm1: (g, _x, y) => mul(g, add(y, 1)),
  sqrt: (g, _x, y) => div(g, mul(y, 2)),
  abs: (g, x) => mul(g, sign(x)), // subgradient 0 at x = 0
  square: (g, x) => mul(g, mul(x, 2)),
  reciprocal: (g, _x, y) => neg(mul(g, square(y))),
  tanh: (g, _x, y) => mul(g, sub(1, square(y))),
  atanh: (g, x) => div(g, sub(1, square(x))),
  sigmoid: (g, _x, y) => mul(g, mul(y, sub(1, y))),
  softplus: (g, x) => mul(g, sigmoid(x)),
  relu: (g, x) => reluMask(g, x), // subgradient 0 at x = 0; NaN stays NaN (as PyTorch)
  elu: (g, x, y, alpha) => mul(g, where(step(x), 1, add(y, alpha))),
  sign: null,
  step: null,
  isFinite: null,
};

function unaryPrimitive<K extends UnaryKernel>(name: K): Primitive<K> {
  const rule = unaryVjps[name] as UnaryVjp<K> | null;
  const vjp: Vjp<PrimitiveAttrs[K]> | null = rule && ((g, [x], y, param) => [rule(g, x, y, param)]);
  return {
    name,
    shape: ([x]) => x,
    forward: ([x], param, shape) => {
      const out = emptyTensor(shape, x.dtype);
      kernels().unary(name, x.data, out.data, param ?? 0);
      return out;
    },
    vjp,
  };
}

const unaryPrimitives = Object.fromEntries(
  unaryKernelNames.map((name) => [name, unaryPrimitive(name)]),
) as PrimitiveTable<UnaryKernel>;

/** `x` is checked by apply ('tanh: its argument must be a Tensor, got undefined'). */
function unaryOp(name: Exclude<UnaryKernel, 'elu'>, x: Tensor): Tensor {
  return apply(unaryPrimitives[name], [x], undefined);
}

export const neg = (x: Tensor): Tensor => unaryOp('neg', x);
export const exp = (x: Tensor): Tensor => unaryOp('exp', x);
export const log = (x: Tensor): Tensor => unaryOp('log', x);
export const log1p = (x: Tensor): Tensor => unaryOp('log1p', x);
export const expm1 = (x: Tensor): Tensor => unaryOp('expm1', x);
export const sqrt = (x: Tensor): Tensor => unaryOp('sqrt', x);
export const abs = (x: Tensor): Tensor => unaryOp('abs', x);
export const square = (x: Tensor): Tensor => unaryOp('square', x);
export const reciprocal = (x: Tensor): Tensor => unaryOp('reciprocal', x);
export const tanh = (x: Tensor): Tensor => unaryOp('tanh', x);
export const atanh = (x: Tensor): Tensor => unaryOp('atanh', x);
export const sigmoid = (x: Tensor): Tensor => unaryOp('sigmoid', x);
/** log(1 + eˣ), computed without overflow. */
export const softplus = (x: Tensor): Tensor => unaryOp('softplus', x);
export const relu = (x: Tensor): Tensor => unaryOp('relu', x);
/** x for x > 0, alpha·(eˣ − 1) otherwise. */
export function elu(x: Tensor, alpha = 1): Tensor {
  expectTensor('elu', 'x', x);
  expectNumber('elu', 'alpha', alpha);
  return apply(unaryPrimitives.elu, [x], alpha);
}

/** −1, 0 or 1; not differentiable (no gradient flows through it). */
export const sign = (x: Tensor): Tensor => unaryOp('sign', x);
/** 1 where x > 0, else 0; not differentiable. */
export const step = (x: Tensor): Tensor => unaryOp('step', x);
/** 1 where x is finite, else 0; not differentiable. */
export const isFinite = (x: Tensor): Tensor => unaryOp('isFinite', x);

// ----- binary -----

type BinaryVjp = (g: Tensor, a: Tensor, b: Tensor, y: Tensor, needed: readonly boolean[]) => (Tensor | null)[];

/** Where a and b tie, maximum and minimum split the gradient equally between them. */
function tieSplitMask(winner: Tensor, tie: Tensor): Tensor {
  return add(winner, mul(tie, 0.5));
}

const binaryVjps: { readonly [K in BinaryKernel]: VjpRow<K, BinaryVjp> } = {
  add: (g) => [g, g],
  sub: (g) => [g, neg(g)],
  mul: (g, a, b, _y, needed) => [needed[0] ? mul(g, b) : null, needed[1] ? mul(g, a) : null],
  div: (g, _a, b, y, needed) => [needed[0] ? div(g, b) : null, needed[1] ? neg(mul(g, div(y, b))) : null],
  pow: (g, a, b, y, needed) => [
    needed[0] ? mul(g, mul(b, pow(a, sub(b, 1)))) : null,
    // d/db aᵇ = aᵇ·ln a, taken as 0 where a ≤ 0 (no real logarithm)
    needed[1] ? mul(g, where(greater(a, 0), mul(y, log(where(greater(a, 0), a, 1))), 0)) : null,
  ],
  maximum: (g, a, b) => {
    const mask = tieSplitMask(greater(a, b), equal(a, b));
    return [mul(g, mask), mul(g, sub(1, mask))];
  },
  minimum: (g, a, b) => {
    const mask = tieSplitMask(less(a, b), equal(a, b));
    return [mul(g, mask), mul(g, sub(1, mask))];
  },
  // linear in g with a piecewise-constant mask: no gradient reaches x
  reluMask: (g, _a, b, _y, needed) => [needed[0] ? reluMask(g, b) : null, null],
  greater: null,
  greaterEqual: null,
  less: null,
  lessEqual: null,
  equal: null,
};

function binaryPrimitive<K extends BinaryKernel>(name: K): Primitive<K> {
  const rule = binaryVjps[name] as BinaryVjp | null;
  return {
    name,
    shape: ([a, b]) => broadcastShapes(name, a, b),
    forward: ([a, b], _attrs, outShape) => {
      const out = emptyTensor(outShape, a.dtype);
      kernels().binary(name, a.data, b.data, out.data, {
        outShape,
        aStrides: broadcastStrides(a.shape, outShape),
        bStrides: broadcastStrides(b.shape, outShape),
      });
      return out;
    },
    vjp: rule && ((g, [a, b], y, _attrs, needed) => rule(g, a, b, y, needed)),
  };
}

const binaryPrimitives = Object.fromEntries(
  binaryKernelNames.map((name) => [name, binaryPrimitive(name)]),
) as PrimitiveTable<BinaryKernel>;


/** Both operands as tensors of one dtype: numbers take the other's dtype, float32 meets float64 as float64. */
function operands(name: string, a: TensorLike, b: TensorLike): [Tensor, Tensor] {
  // TensorLike is checked at compile time only; plain-JS callers reach here with anything
  for (const [which, x] of [['first', a], ['second', b]] as const) {
    if (typeof x !== 'number' && !(x instanceof Tensor)) {
      throw new ValueError(`${name}: the ${which} argument must be a Tensor or a number, got ${describeValue(x)}`);
    }
  }
  if (typeof a === 'number' && typeof b === 'number') return [full([], a), full([], b)];
  if (typeof a === 'number') a = full([], a, { dtype: (b as Tensor).dtype });
  if (typeof b === 'number') b = full([], b, { dtype: a.dtype });
  if (a.dtype !== b.dtype) {
    if (a.dtype === 'float32') a = cast(a, 'float64');
    else b = cast(b, 'float64');
  }
  return [a, b];
}

function binaryOp(name: BinaryKernel, a: TensorLike, b: TensorLike): Tensor {
  return apply(binaryPrimitives[name], operands(name, a, b), undefined);
}

export const add = (a: TensorLike, b: TensorLike): Tensor => binaryOp('add', a, b);
export const sub = (a: TensorLike, b: TensorLike): Tensor => binaryOp('sub', a, b);
export const mul = (a: TensorLike, b: TensorLike): Tensor => binaryOp('mul', a, b);
export const div = (a: TensorLike, b: TensorLike): Tensor => binaryOp('div', a, b);
/** aᵇ; the gradient with respect to b is taken as 0 where a ≤ 0. */
export const pow = (a: TensorLike, b: TensorLike): Tensor => binaryOp('pow', a, b);
/** Elementwise maximum; at ties each side receives half the gradient. */
export const maximum = (a: TensorLike, b: TensorLike): Tensor => binaryOp('maximum', a, b);
/** Elementwise minimum; at ties each side receives half the gradient. */
export const minimum = (a: TensorLike, b: TensorLike): Tensor => binaryOp('minimum', a, b);
/** g where x > 0, 0 elsewhere, NaN where x is NaN: ReLU's backward as one kernel (differentiable in g only). */
export const reluMask = (g: TensorLike, x: TensorLike): Tensor => binaryOp('reluMask', g, x);

/** Comparisons give 1 or 0 in the operands' dtype and are not differentiable. */
export const greater = (a: TensorLike, b: TensorLike): Tensor => binaryOp('greater', a, b);
export const greaterEqual = (a: TensorLike, b: TensorLike): Tensor => binaryOp('greaterEqual', a, b);
export const less = (a: TensorLike, b: TensorLike): Tensor => binaryOp('less', a, b);
export const lessEqual = (a: TensorLike, b: TensorLike): Tensor => binaryOp('lessEqual', a, b);
export const equal = (a: TensorLike, b: TensorLike): Tensor => binaryOp('equal', a, b);

// ----- where, clamp, identity -----

const wherePrimitive: PrimitiveRules<'where'> = {
  name: 'where',
  shape: ([cond, a, b]) => broadcastShapes('where', broadcastShapes('where', cond, a), b),
  forward: ([cond, a, b], _attrs, outShape) => {
    const out = emptyTensor(outShape, a.dtype);
    const strides = [cond, a, b].map((t) => broadcastStrides(t.shape, outShape)) as [number[], number[], number[]];
    kernels().where(cond.data, a.data, b.data, out.data, outShape, strides);
    return out;
  },
  vjp: (g, [cond], _y, _attrs, needed) => [
    null,
    needed[1] ? where(cond, g, 0) : null,
    needed[2] ? where(cond, 0, g) : null,
  ],
};

/** Elementwise `cond ≠ 0 ? a : b`, all three broadcast together; differentiable in a and b. */
export function where(cond: Tensor, a: TensorLike, b: TensorLike): Tensor {
  expectTensor('where', 'cond', cond);
  const [x, y] = operands('where', a, b);
  const c = cond.dtype === x.dtype ? cond : cast(cond, x.dtype);
  return apply(wherePrimitive, [c, x, y], undefined);
}

const clampPrimitive: PrimitiveRules<'clamp'> = {
  name: 'clamp',
  shape: ([x]) => x,
  forward: ([x], { min, max }, shape) => {
    const out = emptyTensor(shape, x.dtype);
    kernels().clamp(x.data, min, max, out.data);
    return out;
  },
  vjp: (g, [x], _y, { min, max }) => [mul(g, mul(greaterEqual(x, min), lessEqual(x, max)))],
};

/**
 * Limits x to [min, max]. Subgradient: 1 where min ≤ x ≤ max (bounds included, as in PyTorch),
 * 0 outside.
 */
export function clamp(x: Tensor, min: number, max: number): Tensor {
  expectTensor('clamp', 'x', x);
  expectNumber('clamp', 'min', min);
  expectNumber('clamp', 'max', max);
  if (!(min <= max)) throw new ValueError(`clamp: min ${min} must not exceed max ${max}`);
  return apply(clampPrimitive, [x], { min, max });
}

const identityPrimitive: PrimitiveRules<'identity'> = {
  name: 'identity',
  shape: ([x]) => x,
  forward: ([x], _attrs, shape) => new Tensor(x.data, shape),
  vjp: (g) => [g],
};

/** The same values as a new node of the graph (gradients stop at it when it is a target). */
export function identity(x: Tensor): Tensor {
  return apply(identityPrimitive, [x], undefined);
}

/** The rules of every elementwise primitive. */
export const elementwisePrimitives: PrimitiveTable<UnaryKernel | BinaryKernel | 'where' | 'clamp' | 'identity'> = {
  ...unaryPrimitives,
  ...binaryPrimitives,
  where: wherePrimitive,
  clamp: clampPrimitive,
  identity: identityPrimitive,
};
