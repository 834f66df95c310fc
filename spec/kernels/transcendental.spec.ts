/**
 * The wasm transcendental functions (engine/kernels/wasm/mathd.ts: evaluated in double precision,
 * rounded once) give the float32 value of the JS kernel — Math.* in double, then rounded — on a
 * sweep of the whole float32 line (every 4093rd bit pattern: all signs, subnormals, ±∞, NaNs) and a
 * dense grid of [−20, 20]. Measured with every 257th pattern (2²⁴ inputs): no difference in any op.
 * The stated tolerance is 0 ulp; a difference can only arise when the exact value lies within about
 * 1e-16 of a float32 rounding boundary.
 */
import assert from 'node:assert/strict';
import { unaryKernelNames } from '../../engine/kernels/types.ts';
import { jsKernels, ulpDistance, wasmConfigs } from './helpers.ts';

function sweepInputs(kernelsAllocate: (n: number) => Float32Array): Float32Array {
  const step = 4093;
  const lineCount = Math.floor(2 ** 32 / step);
  const gridCount = 1 << 18;
  const x = kernelsAllocate(lineCount + gridCount);
  const bits = new Uint32Array(x.buffer, x.byteOffset, lineCount);
  for (let i = 0; i < lineCount; i++) bits[i] = (i * step + 7) >>> 0;
  for (let i = 0; i < gridCount; i++) x[lineCount + i] = -20 + (40 * i) / gridCount;
  x.set([0, -0, Infinity, -Infinity, NaN, 1e-45, -1e-45, 88.72283, 88.72284, -103.97, -87.33655], 0);
  return x;
}

describe('wasm transcendental functions round like Math.* in double precision', () => {
  const config = wasmConfigs()[0];
  if (!config) {
    it.skip('(WebAssembly SIMD is not supported here)', () => {});
    return;
  }
  const k = config.kernels;
  const x = sweepInputs((n) => k.allocate('float32', n) as Float32Array);
  const reference = x.slice();

  for (const op of unaryKernelNames) {
    it(`${op}: 0 ulp over ${x.length} inputs, special values and signs of zero included`, () => {
      const expected = new Float32Array(x.length);
      jsKernels.unary(op, reference, expected, 1.5);
      const out = k.allocate('float32', x.length) as Float32Array;
      k.unary(op, x, out, 1.5);
      let worst = 0, worstAt = -1;
      for (let i = 0; i < x.length; i++) {
        if (Object.is(out[i], expected[i])) continue;
        const d = ulpDistance(out[i], expected[i]);
        if (d > worst || worstAt < 0) [worst, worstAt] = [Math.max(d, 1), i];
      }
      assert.equal(worstAt, -1, `${op}(${reference[worstAt]}) = ${out[worstAt]}, JS ${expected[worstAt]} (${worst} ulp)`);
    });
  }
});
