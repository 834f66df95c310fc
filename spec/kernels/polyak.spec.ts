/**
 * The fused Polyak kernel gives the bits of the JavaScript loop it replaced
 * (keep·t + τ·s in double precision, rounded once), on every kernel configuration, for lengths
 * around the vector width, special values included.
 */
import assert from 'node:assert/strict';
import { Generator } from '../../engine/index.ts';
import { wasmConfigs } from './helpers.ts';

function loop(target: Float32Array, source: Float32Array, tau: number): void {
  const keep = 1 - tau;
  for (let i = 0; i < target.length; i++) target[i] = keep * target[i] + tau * source[i];
}

describe('polyak kernel', () => {
  for (const config of wasmConfigs()) {
    it(`${config.name}: bit-identical to the double-precision loop`, () => {
      const rng = new Generator(7);
      for (const n of [1, 2, 3, 4, 5, 7, 8, 15, 16, 17, 1000, 65_537]) {
        for (const tau of [0, 0.005, 0.3, 1]) {
          const target = config.kernels.allocate('float32', n) as Float32Array;
          const source = config.kernels.allocate('float32', n) as Float32Array;
          rng.fillNormal(target, 0, 3);
          rng.fillNormal(source, 0, 3);
          if (n > 8) target.set([Infinity, -0, NaN, 1e-45, -3.4e38], 0);
          if (n > 8) source.set([1, 0, 2, -1e-45, -3.4e38], 0);
          const expected = target.slice();
          loop(expected, source, tau);
          config.kernels.polyak(target, source, tau);
          assert.deepEqual(new Uint32Array(target.buffer, target.byteOffset, n).filter((_, i) => !Number.isNaN(expected[i])),
            new Uint32Array(expected.buffer).filter((_, i) => !Number.isNaN(expected[i])), `n ${n}, τ ${tau}`);
          for (let i = 0; i < n; i++) if (Number.isNaN(expected[i])) assert.ok(Number.isNaN(target[i]));
        }
      }
    });
  }
});
