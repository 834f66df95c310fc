/**
 * Every differentiable op, checked in float64 against central finite differences along random
 * directions and cotangents (bounds in gradcheck.ts): first and second order for all ops (second
 * order through the VJP as a function of inputs and cotangent, so even linear ops' VJP-of-VJP is
 * exercised), third order for tanh, sigmoid, softplus and exp.
 */
import fc from 'fast-check';
import * as E from '../../engine/index.ts';
import type { Tensor } from '../../engine/index.ts';
import { axesCaseArb, broadcastPairArb, seedArb, shapeArb, valuesIn, type Domain } from './arbitraries.ts';
import { checkGrads } from './gradcheck.ts';

const RUNS = 300;

interface UnaryCase {
  readonly op: (x: Tensor) => Tensor;
  readonly domain: Domain;
  readonly order?: number;
}

const unaryCases: Record<string, UnaryCase> = {
  neg: { op: E.neg, domain: 'any' },
  exp: { op: E.exp, domain: 'any', order: 3 },
  log: { op: E.log, domain: 'positive' },
  log1p: { op: E.log1p, domain: 'aboveMinusOne' },
  expm1: { op: E.expm1, domain: 'any' },
  sqrt: { op: E.sqrt, domain: 'positive' },
  abs: { op: E.abs, domain: 'awayFromZero' },
  square: { op: E.square, domain: 'any' },
  reciprocal: { op: E.reciprocal, domain: 'awayFromZero' },
  tanh: { op: E.tanh, domain: 'any', order: 3 },
  atanh: { op: E.atanh, domain: 'unit' },
  sigmoid: { op: E.sigmoid, domain: 'any', order: 3 },
  softplus: { op: E.softplus, domain: 'any', order: 3 },
  relu: { op: E.relu, domain: 'awayFromZero' },
  elu: { op: (x) => E.elu(x, 0.7), domain: 'awayFromZero' },
  clamp: { op: (x) => E.clamp(x, -0.1, 0.1), domain: 'awayFromZero' },
  'pow (scalar exponent)': { op: (x) => E.pow(x, 2.5), domain: 'positive' },
  sumTo: { op: (x) => E.sumTo(E.broadcastTo(x, [2, ...x.shape]), x.shape), domain: 'any' },
};

describe('gradients of unary ops (fast-check, float64)', () => {
  for (const [name, { op, domain, order = 2 }] of Object.entries(unaryCases)) {
    it(`${name}: order ${order}`, () => {
      fc.assert(
        fc.property(shapeArb(), seedArb, (shape, seed) => {
          checkGrads(op, [valuesIn(domain, shape, seed)], { order, seed });
        }),
        { numRuns: order > 2 ? RUNS / 2 : RUNS },
      );
    });
  }
});

interface BinaryCase {
  readonly op: (a: Tensor, b: Tensor) => Tensor;
  readonly domains: readonly [Domain, Domain];
}

const binaryCases: Record<string, BinaryCase> = {
  add: { op: E.add, domains: ['any', 'any'] },
  sub: { op: E.sub, domains: ['any', 'any'] },
  mul: { op: E.mul, domains: ['any', 'any'] },
  div: { op: E.div, domains: ['any', 'awayFromZero'] },
  pow: { op: E.pow, domains: ['positive', 'any'] },
  // a in [−2, −1.2] ∪ [1.2, 2] and b in [−1, 1]: never tied
  maximum: { op: (a, b) => E.maximum(E.add(a, E.sign(a)), E.mul(b, 0.5)), domains: ['awayFromZero', 'unit'] },
  minimum: { op: (a, b) => E.minimum(E.add(a, E.mul(E.sign(a), 1)), b), domains: ['awayFromZero', 'unit'] },
  'where (condition from a)': { op: (a, b) => E.where(E.greater(a, 0), E.mul(a, a), E.tanh(b)), domains: ['awayFromZero', 'any'] },
};

describe('gradients of binary ops with broadcasting (fast-check, float64)', () => {
  for (const [name, { op, domains }] of Object.entries(binaryCases)) {
    it(`${name}: order 2`, () => {
      fc.assert(
        fc.property(broadcastPairArb, seedArb, ([sa, sb], seed) => {
          checkGrads(op, [valuesIn(domains[0], sa, seed), valuesIn(domains[1], sb, seed + 1)], { seed });
        }),
        { numRuns: RUNS },
      );
    });
  }
});

describe('gradients of reductions over any axes (fast-check, float64)', () => {
  const reductions: Record<string, [(x: Tensor, axes: number[], keep: boolean) => Tensor, Domain]> = {
    sum: [(x, axes, keep) => E.sum(x, axes, keep), 'any'],
    mean: [(x, axes, keep) => E.mean(x, axes, keep), 'any'],
    variance: [(x, axes, keep) => E.variance(x, axes, { keepdims: keep, correction: 0 }), 'any'],
    std: [(x, axes, keep) => E.std(x, axes, { keepdims: keep, correction: 0 }), 'distinct'],
    max: [(x, axes, keep) => E.max(x, axes, keep), 'distinct'],
    min: [(x, axes, keep) => E.min(x, axes, keep), 'distinct'],
    logsumexp: [(x, axes, keep) => E.logsumexp(x, axes, keep), 'any'],
    softmax: [(x, axes) => E.softmax(x, axes[0]), 'any'],
    logSoftmax: [(x, axes) => E.logSoftmax(x, axes[0]), 'any'],
  };
  for (const [name, [op, domain]] of Object.entries(reductions)) {
    it(`${name}: order 2`, () => {
      fc.assert(
        fc.property(axesCaseArb, seedArb, ({ shape, axes, keepdims }, seed) => {
          // variance and std need two or more elements to be smooth
          if ((name === 'variance' || name === 'std') && axes.every((a) => shape.at(a) === 1)) return;
          checkGrads((x) => op(x, axes, keepdims), [valuesIn(domain, shape, seed)], { seed });
        }),
        { numRuns: RUNS },
      );
    });
  }
});

describe('gradients of matmul and linear (fast-check, float64)', () => {
  const batchedCase = fc.record({
    m: fc.integer({ min: 1, max: 5 }), k: fc.integer({ min: 1, max: 5 }), n: fc.integer({ min: 1, max: 5 }),
    batchA: fc.array(fc.integer({ min: 1, max: 3 }), { maxLength: 2 }),
    batchOnesB: fc.array(fc.boolean(), { maxLength: 2 }),
    transA: fc.boolean(), transB: fc.boolean(),
  });
  it('matmul with broadcast batch dims and all transpose layouts: order 2', () => {
    fc.assert(
      fc.property(batchedCase, seedArb, ({ m, k, n, batchA, batchOnesB, transA, transB }, seed) => {
        const batchB = batchA.slice(batchA.length - batchOnesB.length).map((d, i) => (batchOnesB[i] ? 1 : d));
        const a = valuesIn('any', [...batchA, ...(transA ? [k, m] : [m, k])], seed);
        const b = valuesIn('any', [...batchB, ...(transB ? [n, k] : [k, n])], seed + 1);
        checkGrads((x, y) => E.matmul(x, y, { transA, transB }), [a, b], { seed });
      }),
      { numRuns: RUNS },
    );
  });
  it('matmul with 1-D operands: order 2', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 5 }), fc.integer({ min: 1, max: 5 }), fc.boolean(), seedArb, (k, n, vectorFirst, seed) => {
        const v = valuesIn('any', [k], seed);
        const mtx = valuesIn('any', vectorFirst ? [k, n] : [n, k], seed + 1);
        checkGrads(vectorFirst ? (x, y) => E.matmul(x, y) : (y, x) => E.matmul(y, x), vectorFirst ? [v, mtx] : [mtx, v], { seed });
      }),
      { numRuns: RUNS },
    );
  });
  it('linear (x·Wᵀ + b) with extra leading dims: order 2', () => {
    fc.assert(
      fc.property(shapeArb(1, 3), fc.integer({ min: 1, max: 5 }), seedArb, (xShape, out, seed) => {
        const inFeatures = xShape[xShape.length - 1];
        const args = [valuesIn('any', xShape, seed), valuesIn('any', [out, inFeatures], seed + 1), valuesIn('any', [out], seed + 2)];
        checkGrads((x, w, b) => E.linear(x, w, b), args, { seed });
      }),
      { numRuns: RUNS },
    );
  });
});

describe('gradients of shape ops (fast-check, float64)', () => {
  it('reshape, unsqueeze, squeeze: order 2', () => {
    fc.assert(
      fc.property(shapeArb(), seedArb, (shape, seed) => {
        const size = shape.reduce((a, b) => a * b, 1);
        checkGrads((x) => E.squeeze(E.unsqueeze(E.reshape(x, [size]), 0)), [valuesIn('any', shape, seed)], { seed });
        checkGrads((x) => E.reshape(x, [-1, 1]), [valuesIn('any', shape, seed)], { seed });
      }),
      { numRuns: RUNS },
    );
  });
  it('permute and transpose: order 2', () => {
    const permCase = shapeArb(1, 4).chain((shape) =>
      fc.record({ shape: fc.constant(shape), perm: fc.shuffledSubarray(shape.map((_, i) => i), { minLength: shape.length, maxLength: shape.length }) }),
    );
    fc.assert(
      fc.property(permCase, seedArb, ({ shape, perm }, seed) => {
        checkGrads((x) => E.permute(x, perm), [valuesIn('any', shape, seed)], { seed });
        checkGrads((x) => E.transpose(x), [valuesIn('any', shape, seed)], { seed });
      }),
      { numRuns: RUNS },
    );
  });
  it('broadcastTo: order 2', () => {
    fc.assert(
      fc.property(broadcastPairArb, seedArb, ([sa, sb], seed) => {
        const target = E.broadcastTo(E.zeros(sa), E.zeros(sa).add(E.zeros(sb)).shape).shape;
        checkGrads((x) => E.broadcastTo(x, target), [valuesIn('any', sa, seed)], { seed });
      }),
      { numRuns: RUNS },
    );
  });
  it('slice with negative indices, clamped bounds and steps: order 2', () => {
    const sliceCase = shapeArb(1, 3).chain((shape) =>
      fc.record({
        shape: fc.constant(shape),
        starts: fc.tuple(...shape.map((d) => fc.integer({ min: -d, max: d - 1 }))),
        lengths: fc.tuple(...shape.map((d) => fc.integer({ min: 1, max: d + 1 }))),
        steps: fc.tuple(...shape.map(() => fc.integer({ min: 1, max: 2 }))),
      }),
    );
    fc.assert(
      fc.property(sliceCase, seedArb, ({ shape, starts, lengths, steps }, seed) => {
        const ends = starts.map((s, i) => (s < 0 ? s + shape[i] : s) + lengths[i]);
        checkGrads((x) => E.slice(x, starts, ends, steps), [valuesIn('any', shape, seed)], { seed });
      }),
      { numRuns: RUNS },
    );
  });
  it('concat, stack and split: order 2', () => {
    fc.assert(
      fc.property(shapeArb(1, 3), fc.integer({ min: 1, max: 3 }), seedArb, (shape, extra, seed) => {
        const axis = seed % shape.length;
        const other = shape.map((d, i) => (i === axis ? extra : d));
        const a = valuesIn('any', shape, seed);
        const b = valuesIn('any', other, seed + 1);
        checkGrads((x, y) => E.concat([x, E.tanh(y), x], axis), [a, b], { seed });
        checkGrads((x, y) => E.stack([x, E.mul(y, y)], -1), [a, valuesIn('any', shape, seed + 2)], { seed });
        checkGrads((x) => E.mul(E.split(x, [shape[axis], extra], axis)[1], 3), [E.concat([a, b], axis).detach()], { seed });
      }),
      { numRuns: RUNS },
    );
  });
  it('gather along any axis (repeated indices accumulate): order 2', () => {
    const gatherCase = shapeArb(1, 3).chain((shape) =>
      fc.record({
        shape: fc.constant(shape),
        axis: fc.integer({ min: 0, max: shape.length - 1 }),
        indexShape: fc.tuple(...shape.map((d) => fc.integer({ min: 1, max: d + 2 }))),
      }),
    );
    fc.assert(
      fc.property(gatherCase, seedArb, ({ shape, axis, indexShape }, seed) => {
        const idxShape = indexShape.map((d, i) => (i === axis ? d : Math.min(d, shape[i])));
        const rng = new E.Generator(seed);
        const index = E.tensor(Array.from({ length: idxShape.reduce((a, b) => a * b, 1) }, () => rng.integer(shape[axis])), { shape: idxShape });
        checkGrads((x) => E.square(E.gather(x, axis, index)), [valuesIn('any', shape, seed)], { seed });
      }),
      { numRuns: RUNS },
    );
  });
});
