/**
 * Every primitive of the engine has a row here, keyed by `PrimitiveName`, so a primitive without
 * one does not compile. A differentiable primitive is checked in float64 against central finite
 * differences along random directions and cotangents (bounds in gradcheck.ts), to second order
 * (through the VJP as a function of inputs and cotangent, so even linear ops' VJP-of-VJP is
 * exercised) and to third order for exp, tanh, sigmoid and softplus. A piecewise-constant one
 * states why it has no gradient and is checked to pass none. Composites get the same checks.
 */
import assert from 'node:assert/strict';
import fc from 'fast-check';
import * as E from '../../engine/index.ts';
import type { NonDifferentiableName, PrimitiveName, Tensor } from '../../engine/index.ts';
import { primitives } from '../../engine/ops/primitives.ts';
import {
  axesCaseArb, broadcastPairArb, gatherArb, matmulArb, permutationArb, seedArb, shapeArb, sliceArb, valuesIn, type Domain,
} from './arbitraries.ts';
import { checkGrads, type CheckOptions } from './gradcheck.ts';

const RUNS = 300;

/** A function that applies the op, the inputs to check it at, and bounds when not the default. */
interface Check {
  readonly f: (...xs: Tensor[]) => Tensor;
  readonly xs: readonly Tensor[];
  readonly bounds?: Pick<CheckOptions, 'eps' | 'rtol' | 'atol'>;
}

/** A gradient check to `order` over random data. */
interface GradCase {
  readonly order: number;
  readonly run: (runs: number) => void;
}

/** A piecewise-constant primitive: why it has no gradient, and an op of x that applies it. */
interface NoGradient {
  readonly reason: string;
  readonly op: (x: Tensor) => Tensor;
}

function gradCase<T>(data: fc.Arbitrary<T>, build: (value: T, seed: number) => Check, order = 2): GradCase {
  return {
    order,
    run: (runs) =>
      fc.assert(
        fc.property(data, seedArb, (value, seed) => {
          const { f, xs, bounds } = build(value, seed);
          checkGrads(f, xs, { ...bounds, order, seed });
        }),
        { numRuns: runs },
      ),
  };
}

const unary = (op: (x: Tensor) => Tensor, domain: Domain, order = 2): GradCase =>
  gradCase(shapeArb(), (shape, seed) => ({ f: op, xs: [valuesIn(domain, shape, seed)] }), order);

/** Operands of broadcast-compatible shapes, in either order. */
const binary = (op: (a: Tensor, b: Tensor) => Tensor, [da, db]: readonly [Domain, Domain]): GradCase =>
  gradCase(broadcastPairArb, ([sa, sb], seed) => ({ f: op, xs: [valuesIn(da, sa, seed), valuesIn(db, sb, seed + 1)] }));

type Reduction = (x: Tensor, axes: readonly number[], keepdims: boolean) => Tensor;
const reduction = (op: Reduction, domain: Domain, data = axesCaseArb): GradCase =>
  gradCase(data, ({ shape, axes, keepdims }, seed) => ({ f: (x) => op(x, axes, keepdims), xs: [valuesIn(domain, shape, seed)] }));

const notDifferentiable = (reason: string, op: (x: Tensor) => Tensor): NoGradient => ({ reason, op });

const cases: { readonly [K in PrimitiveName]: K extends NonDifferentiableName ? NoGradient : GradCase } = {
  // ops/elementwise.ts: unary kernels
  neg: unary(E.neg, 'any'),
  exp: unary(E.exp, 'any', 3),
  log: unary(E.log, 'positive'),
  log1p: unary(E.log1p, 'aboveMinusOne'),
  expm1: unary(E.expm1, 'any'),
  sqrt: unary(E.sqrt, 'positive'),
  abs: unary(E.abs, 'awayFromZero'),
  square: unary(E.square, 'any'),
  reciprocal: unary(E.reciprocal, 'awayFromZero'),
  tanh: unary(E.tanh, 'any', 3),
  atanh: unary(E.atanh, 'unit'),
  sigmoid: unary(E.sigmoid, 'any', 3),
  softplus: unary(E.softplus, 'any', 3),
  relu: unary(E.relu, 'awayFromZero'),
  elu: unary((x) => E.elu(x, 0.7), 'awayFromZero'),
  sign: notDifferentiable('−1, 0 or 1: piecewise constant', E.sign),
  step: notDifferentiable('0 or 1: piecewise constant', E.step),
  isFinite: notDifferentiable('0 or 1: piecewise constant', E.isFinite),
  // ops/elementwise.ts: binary kernels, broadcasting
  add: binary(E.add, ['any', 'any']),
  sub: binary(E.sub, ['any', 'any']),
  mul: binary(E.mul, ['any', 'any']),
  div: binary(E.div, ['any', 'awayFromZero']),
  pow: binary(E.pow, ['positive', 'any']),
  // a moved to [−3, −1.2] ∪ [1.2, 3] and b in [−0.8, 0.8]: never tied
  maximum: binary((a, b) => E.maximum(E.add(a, E.sign(a)), b), ['awayFromZero', 'unit']),
  minimum: binary((a, b) => E.minimum(E.add(a, E.sign(a)), b), ['awayFromZero', 'unit']),
  // x away from the kink at 0: the mask is constant nearby, so ∂/∂x is 0 and ∂/∂g is the mask
  reluMask: binary(E.reluMask, ['any', 'awayFromZero']),
  greater: notDifferentiable('1 or 0: piecewise constant in both operands', (x) => E.greater(x, E.square(x))),
  greaterEqual: notDifferentiable('1 or 0: piecewise constant in both operands', (x) => E.greaterEqual(x, E.square(x))),
  less: notDifferentiable('1 or 0: piecewise constant in both operands', (x) => E.less(x, E.square(x))),
  lessEqual: notDifferentiable('1 or 0: piecewise constant in both operands', (x) => E.lessEqual(x, E.square(x))),
  equal: notDifferentiable('1 or 0: piecewise constant in both operands', (x) => E.equal(x, E.square(x))),
  // ops/elementwise.ts: the others
  where: binary((a, b) => E.where(E.greater(a, 0), E.mul(a, a), E.tanh(b)), ['awayFromZero', 'any']),
  clamp: unary((x) => E.clamp(x, -1, 1), 'awayFromOne'), // below, inside and above the interval
  identity: unary(E.identity, 'any'),
  // ops/reduce.ts: any set of axes, negative ones included, with and without keepdims
  sum: reduction(E.sum, 'any'),
  max: reduction(E.max, 'distinct'),
  min: reduction(E.min, 'distinct'),
  // ops/matmul.ts
  matmul: gradCase(matmulArb, ({ aShape, bShape, transA, transB }, seed) => ({
    f: (a, b) => E.matmul(a, b, { transA, transB }),
    xs: [valuesIn('any', aShape, seed), valuesIn('any', bShape, seed + 1)],
  })),
  // with relu fused in: pre-activations at least 0.1 from the kink, where finite differences hold
  linear: gradCase(fc.tuple(shapeArb(1, 3), fc.integer({ min: 1, max: 5 }), fc.boolean(), fc.boolean()), ([xShape, out, withBias, relu], seed) => {
    const x = valuesIn('any', xShape, seed);
    const w = valuesIn('any', [out, xShape[xShape.length - 1]], seed + 1);
    const b = valuesIn('any', [out], seed + 2);
    if (relu) fc.pre(Array.from(E.linear(x, w, withBias ? b : undefined).toTypedArray()).every((z) => Math.abs(z) >= 0.1));
    return withBias
      ? { f: (x, w, b) => E.linear(x, w, b, { relu }), xs: [x, w, b] }
      : { f: (x, w) => E.linear(x, w, undefined, { relu }), xs: [x, w] };
  }),
  // ops/shape.ts
  reshape: unary((x) => E.reshape(x, [-1, 1]), 'any'),
  permute: gradCase(permutationArb, ({ shape, perm }, seed) => ({ f: (x) => E.permute(x, perm), xs: [valuesIn('any', shape, seed)] })),
  broadcastTo: gradCase(broadcastPairArb, ([sa, sb], seed) => {
    const target = E.add(E.zeros(sa), E.zeros(sb)).shape;
    return { f: (x) => E.broadcastTo(x, target), xs: [valuesIn('any', sa, seed)] };
  }),
  slice: gradCase(sliceArb, ({ shape, starts, ends, steps }, seed) => ({
    f: (x) => E.slice(x, starts, ends, steps),
    xs: [valuesIn('any', shape, seed)],
  })),
  // the VJP of slice, reached as the pullback of slice applied to a cotangent u
  padSlice: gradCase(sliceArb, ({ shape, starts, ends, steps }, seed) => {
    const [y, pullback] = E.vjp((x) => E.slice(x, starts, ends, steps), valuesIn('any', shape, seed));
    return { f: (u) => pullback(u)[0], xs: [valuesIn('any', y.shape, seed + 1)] };
  }),
  concat: gradCase(fc.tuple(shapeArb(1, 3), fc.integer({ min: 1, max: 3 })), ([shape, extra], seed) => {
    const axis = seed % shape.length;
    const other = shape.map((d, i) => (i === axis ? extra : d));
    return { f: (x, y) => E.concat([x, E.tanh(y), x], axis), xs: [valuesIn('any', shape, seed), valuesIn('any', other, seed + 1)] };
  }),
  // repeated indices accumulate
  gather: gradCase(gatherArb, ({ shape, axis, indexShape }, seed) => {
    const index = randomIndex(indexShape, shape[axis], seed);
    return { f: (x) => E.square(E.gather(x, axis, index)), xs: [valuesIn('any', shape, seed)] };
  }),
  // the VJP of gather, reached as the pullback of gather applied to a cotangent u
  scatterAdd: gradCase(gatherArb, ({ shape, axis, indexShape }, seed) => {
    const index = randomIndex(indexShape, shape[axis], seed);
    const [, pullback] = E.vjp((x) => E.gather(x, axis, index), valuesIn('any', shape, seed));
    return { f: (u) => E.square(pullback(u)[0]), xs: [valuesIn('any', indexShape, seed + 1)] };
  }),
  // float64 → float32 → float64: linear, so a unit step has no truncation error, only the float32
  // rounding of the values (2⁻²⁴ relative each) that the looser rtol admits
  cast: gradCase(shapeArb(), (shape, seed) => ({
    f: (x) => E.cast(E.cast(x, 'float32'), 'float64'),
    xs: [valuesIn('any', shape, seed)],
    bounds: { eps: 1, rtol: 1e-5 },
  })),
};

function randomIndex(shape: readonly number[], size: number, seed: number): Tensor {
  const rng = new E.Generator(seed);
  return E.tensor(Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => rng.integer(size)), { shape });
}

/** Axes over which variance and std are smooth: at least one has two or more entries. */
const spreadAxesArb = axesCaseArb.filter(({ shape, axes }) => axes.some((a) => (shape.at(a) ?? 1) > 1));

const composites: Record<string, GradCase> = {
  'pow with a scalar exponent': unary((x) => E.pow(x, 2.5), 'positive'),
  sumTo: unary((x) => E.sumTo(E.broadcastTo(x, [2, ...x.shape]), x.shape), 'any'),
  'unsqueeze and squeeze': unary((x) => E.squeeze(E.unsqueeze(E.reshape(x, [x.size]), 0)), 'any'),
  transpose: gradCase(shapeArb(1, 4), (shape, seed) => ({ f: (x) => E.transpose(x), xs: [valuesIn('any', shape, seed)] })),
  stack: gradCase(shapeArb(1, 3), (shape, seed) => ({
    f: (x, y) => E.stack([x, E.mul(y, y)], -1),
    xs: [valuesIn('any', shape, seed), valuesIn('any', shape, seed + 1)],
  })),
  split: gradCase(fc.tuple(shapeArb(1, 3), fc.integer({ min: 1, max: 3 })), ([shape, extra], seed) => {
    const axis = seed % shape.length;
    const sizes = [shape[axis], extra];
    const x = valuesIn('any', shape.map((d, i) => (i === axis ? d + extra : d)), seed);
    return { f: (x) => E.mul(E.split(x, sizes, axis)[1], 3), xs: [x] };
  }),
  mean: reduction(E.mean, 'any'),
  variance: reduction((x, axes, keepdims) => E.variance(x, axes, { keepdims, correction: 0 }), 'any', spreadAxesArb),
  std: reduction((x, axes, keepdims) => E.std(x, axes, { keepdims, correction: 0 }), 'distinct', spreadAxesArb),
  logsumexp: reduction(E.logsumexp, 'any'),
  softmax: reduction((x, axes) => E.softmax(x, axes[0]), 'any'),
  logSoftmax: reduction((x, axes) => E.logSoftmax(x, axes[0]), 'any'),
  'matmul with 1-D operands': gradCase(fc.tuple(fc.integer({ min: 1, max: 5 }), fc.integer({ min: 1, max: 5 }), fc.boolean()), ([k, n, vectorFirst], seed) => {
    const v = valuesIn('any', [k], seed);
    const m = valuesIn('any', vectorFirst ? [k, n] : [n, k], seed + 1);
    return vectorFirst ? { f: (x, y) => E.matmul(x, y), xs: [v, m] } : { f: (y, x) => E.matmul(y, x), xs: [m, v] };
  }),
};

function isNoGradient(c: GradCase | NoGradient): c is NoGradient {
  return 'reason' in c;
}

describe('gradients of every primitive (fast-check, float64)', () => {
  for (const name of Object.keys(cases) as PrimitiveName[]) {
    const c: GradCase | NoGradient = cases[name];
    if (isNoGradient(c)) {
      it(`${name}: no gradient (${c.reason}); its result records no graph and acts as a constant`, () => {
        fc.assert(
          fc.property(shapeArb(), seedArb, (shape, seed) => {
            const x = valuesIn('any', shape, seed).requiresGrad_();
            const y = c.op(x);
            assert.equal(y.requiresGrad, false);
            assert.equal(y.node, null);
            // d/dx Σ x·op(x) = op(x) when op(x) carries no gradient
            const g = E.grad((z: Tensor) => E.sum(E.mul(z, c.op(z))))(x);
            assert.deepEqual(Array.from(g.data), Array.from(y.data));
          }),
          { numRuns: RUNS / 6 },
        );
      });
    } else {
      it(`${name}: order ${c.order}`, () => c.run(c.order > 2 ? RUNS / 2 : RUNS));
    }
  }
});

describe('gradients of composites (fast-check, float64)', () => {
  for (const [name, c] of Object.entries(composites)) {
    it(`${name}: order ${c.order}`, () => c.run(RUNS));
  }
});

describe('the primitive table (ops/primitives.ts)', () => {
  it('names each rule by its key, and lacks a VJP exactly where the cases above say there is no gradient', () => {
    assert.deepEqual(Object.keys(primitives).sort(), Object.keys(cases).sort());
    for (const name of Object.keys(primitives) as PrimitiveName[]) {
      assert.equal(primitives[name].name, name);
      assert.equal(primitives[name].vjp === null, isNoGradient(cases[name]), name);
    }
  });
});
