/**
 * Elementwise results against scijs ndarray-ops, an independent implementation, on random inputs
 * and broadcast layouts (ndarray views with stride 0 stand in for broadcasting). Results must be
 * bit-identical in float64 and float32 alike: both sides round the same double-precision result.
 */
import assert from 'node:assert/strict';
import fc from 'fast-check';
import ndarray from 'ndarray';
import ops from 'ndarray-ops';
import * as E from '../../engine/index.ts';
import type { DType, FloatArray, Tensor } from '../../engine/index.ts';
import { broadcastPairArb, seedArb, shapeArb, valuesIn } from './arbitraries.ts';

type NdFloat = ndarray.NdArray<FloatArray>;

function asNd(t: Tensor): NdFloat {
  return ndarray(t.data, t.shape.length ? [...t.shape] : [1]);
}

/** An ndarray view of `t` broadcast to `shape` (stride 0 on broadcast axes). */
function broadcastNd(t: Tensor, shape: readonly number[]): NdFloat {
  const offset = shape.length - t.rank;
  const own = t.shape.map((_, i) => t.shape.slice(i + 1).reduce((a, b) => a * b, 1));
  const strides = shape.map((_, i) => (i < offset || t.shape[i - offset] === 1 ? 0 : own[i - offset]));
  return ndarray(t.data, shape.length ? [...shape] : [1], shape.length ? strides : [0]);
}

function allocate(dtype: DType, n: number): FloatArray {
  return dtype === 'float32' ? new Float32Array(n) : new Float64Array(n);
}

const unary: [string, (t: Tensor) => Tensor, (out: NdFloat, a: NdFloat) => void, 'any' | 'positive'][] = [
  ['abs', E.abs, ops.abs, 'any'],
  ['exp', E.exp, ops.exp, 'any'],
  ['log', E.log, ops.log, 'positive'],
  ['sqrt', E.sqrt, ops.sqrt, 'positive'],
  ['neg', E.neg, ops.neg, 'any'],
  ['reciprocal', E.reciprocal, ops.recip, 'positive'],
];

const binary: [string, (a: Tensor, b: Tensor) => Tensor, (out: NdFloat, a: NdFloat, b: NdFloat) => void][] = [
  ['add', E.add, ops.add],
  ['sub', E.sub, ops.sub],
  ['mul', E.mul, ops.mul],
  ['div', E.div, ops.div],
  ['maximum', E.maximum, ops.max],
  ['minimum', E.minimum, ops.min],
  ['pow', (a, b) => E.pow(E.abs(a), b), (out, a, b) => { ops.abs(a, a); ops.pow(out, a, b); }],
];

describe('elementwise ops agree with ndarray-ops (independent oracle)', () => {
  for (const dtype of ['float32', 'float64'] as const) {
    for (const [name, ours, theirs, domain] of unary) {
      it(`${name} (${dtype})`, () => {
        fc.assert(
          fc.property(shapeArb(), seedArb, (shape, seed) => {
            const x = E.cast(valuesIn(domain, shape, seed), dtype);
            const expected = allocate(dtype, x.size);
            theirs(ndarray(expected, x.rank ? [...x.shape] : [1]), asNd(x));
            assert.deepEqual(Array.from(ours(x).data), Array.from(expected));
          }),
          { numRuns: 200 },
        );
      });
    }
    for (const [name, ours, theirs] of binary) {
      it(`${name} with broadcasting (${dtype})`, () => {
        fc.assert(
          fc.property(broadcastPairArb, seedArb, ([sa, sb], seed) => {
            const a = E.cast(valuesIn('any', sa, seed), dtype);
            const b = E.cast(valuesIn('any', sb, seed + 1), dtype);
            const result = ours(a, b);
            const expected = allocate(dtype, result.size);
            const aCopy = E.tensor(a.toTypedArray(), { shape: a.shape });
            theirs(ndarray(expected, result.rank ? [...result.shape] : [1]), broadcastNd(aCopy, result.shape), broadcastNd(b, result.shape));
            assert.deepEqual(Array.from(result.data), Array.from(expected));
          }),
          { numRuns: 200 },
        );
      });
    }
  }
  it('sum over all elements agrees with ndarray-ops.sum (float64)', () => {
    fc.assert(
      fc.property(shapeArb(), seedArb, (shape, seed) => {
        const x = valuesIn('any', shape, seed);
        const expected = ops.sum(asNd(x));
        assert.ok(Math.abs(E.sum(x).item() - expected) <= 1e-12 * Math.max(1, Math.abs(expected)));
      }),
      { numRuns: 200 },
    );
  });
});
