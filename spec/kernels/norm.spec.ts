/**
 * The kernels behind gradient-norm clipping: `sumOfSquares` gives the same bits on every kernel set
 * (the interface fixes its summation order), and `scale` gives the bits of the double-precision
 * JavaScript loop, for lengths around the vector width, special values included.
 */
import assert from 'node:assert/strict';
import { assertIdentical, data, jsKernels, place, placeOutput, wasmConfigs } from './helpers.ts';

const LENGTHS = [0, 1, 2, 3, 4, 5, 7, 8, 9, 15, 16, 17, 1000, 65_537];

/** Σ x² in the documented order, written out independently of the kernels. */
function documentedOrder(x: Float32Array): number {
  const n4 = x.length - (x.length % 4);
  const lanes = [0, 0, 0, 0];
  for (let i = 0; i < n4; i++) lanes[i % 4] += x[i] * x[i];
  let total = (lanes[0] + lanes[2]) + (lanes[1] + lanes[3]);
  for (let i = n4; i < x.length; i++) total += x[i] * x[i];
  return total;
}

describe('sumOfSquares and scale kernels', () => {
  it('js: sumOfSquares sums in the documented order; float64 input is accepted', () => {
    for (const n of LENGTHS) {
      const x = data(n, n + 1, { scale: 3 });
      assert.ok(Object.is(jsKernels.sumOfSquares(x), documentedOrder(x)), `n ${n}`);
    }
    assert.equal(jsKernels.sumOfSquares(new Float64Array([3, 4])), 25);
  });

  it('js: special values propagate (NaN, ∞) and float32 squares do not overflow', () => {
    assert.ok(Number.isNaN(jsKernels.sumOfSquares(new Float32Array([1, NaN, 2]))));
    assert.equal(jsKernels.sumOfSquares(new Float32Array([1, -Infinity])), Infinity);
    assert.equal(jsKernels.sumOfSquares(new Float32Array([3.4e38, 3.4e38])), 2 * Math.fround(3.4e38) ** 2);
  });

  for (const config of wasmConfigs()) {
    it(`${config.name}: sumOfSquares is bit-identical to the JS kernel`, () => {
      for (const n of LENGTHS) {
        for (const specials of [0, 0.05]) {
          const values = data(n, 17 * n + 3, { scale: 5, specials });
          const x = place(config, values, 0);
          assert.ok(Object.is(config.kernels.sumOfSquares(x), jsKernels.sumOfSquares(values)), `n ${n}, specials ${specials}`);
        }
      }
    });

    it(`${config.name}: scale is bit-identical to the double-precision loop`, () => {
      for (const n of LENGTHS) {
        for (const coefficient of [0, 1, 0.1, 1 / 3, -2.5e-7, 1e30]) {
          const values = data(n, 5 * n + 11, { scale: 5, specials: 0.05 });
          const x = place(config, values, 0);
          const out = placeOutput(config, n, 1);
          config.kernels.scale(x, coefficient, out);
          const expected = new Float32Array(n);
          for (let i = 0; i < n; i++) expected[i] = values[i] * coefficient;
          assertIdentical(out, expected, `${config.name} scale n ${n} c ${coefficient}`);
        }
      }
    });
  }
});
