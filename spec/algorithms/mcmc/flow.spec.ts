import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { Generator, Normal, noGrad, tensor } from '../../../engine/index.ts';
import { CouplingFlow } from '../../../algorithms/flow-sac.ts';
import { alternatingMasks } from '../../../algorithms/mcmc/coupling.ts';
import { logAbsDet, numericalJacobian, randomTensor, randomizeParameters } from './numeric.ts';

const STATE_SIZE = 2;

describe('flow-SAC policy density (RealNVP couplings + tanh)', () => {
  it('log π(a|s) equals log N(u₀) − log|det ∂u_K/∂u₀| (numerical Jacobian) − Σ log(1 − tanh² u_K), from the sample path and by inversion', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 2 ** 31 - 1 }), fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 4 }), (seed, actionSize, layers) => {
      const g = new Generator(seed);
      const flow = new CouplingFlow(STATE_SIZE, actionSize, layers, [5], g, 'float64');
      randomizeParameters(flow, g, 0.5);
      const state = randomTensor([1, STATE_SIZE], g);
      const base = Normal.fromLogScale(randomTensor([1, actionSize], g, 0.5), randomTensor([1, actionSize], g, 0.3));
      noGrad(() => {
        const pi = flow.distribution(state, base);
        const { value, intermediates } = pi.rsample(g);
        const u0 = Float64Array.from(intermediates[0].data);
        // The couplings' Jacobian by finite differences of u₀ ↦ u_K; tanh's, exactly, in plain JS
        // (finite differences through a saturated tanh would lose the digits being checked).
        const couplings = pi.transforms.slice(0, -1);
        const map = (u: Float64Array): Float64Array =>
          Float64Array.from(couplings.reduce((v, t) => t.forward(v), tensor(u, { shape: [1, actionSize], dtype: 'float64' })).data);
        const uK = map(u0);
        const logSquashDerivative = Array.from(uK).reduce((acc, u) => acc + 2 * (Math.log(2) - u - Math.log1p(Math.exp(-2 * u))), 0);
        const expected = base.logProb(intermediates[0]).data[0] - logAbsDet(numericalJacobian(map, u0)) - logSquashDerivative;
        const fromPath = pi.logProb(value, intermediates).data[0];
        assert.ok(Math.abs(fromPath - expected) < 1e-9, `path: ${fromPath} vs ${expected}`);
        if (value.data.every((v) => Math.abs(v) < 0.99)) {
          const inverted = pi.logProb(value).data[0];
          assert.ok(Math.abs(inverted - expected) < 1e-6, `inverse: ${inverted} vs ${expected}`);
        }
      });
    }), { numRuns: 25 });
  });

  it('masks alternate halves (checkerboard), and are all zero for one action dimension', () => {
    assert.deepEqual(alternatingMasks(1, 3), [[0], [0], [0]]);
    assert.deepEqual(alternatingMasks(2, 3), [[1, 0], [0, 1], [1, 0]]);
    assert.deepEqual(alternatingMasks(3, 2), [[1, 0, 1], [0, 1, 0]]);
  });
});
