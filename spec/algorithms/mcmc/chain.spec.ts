import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { Generator, Tensor, neg, noGrad, tensor } from '../../../engine/index.ts';
import { hmcPotentialGradient } from '../../../algorithms/hmc-sac.ts';
import { LeapfrogChain } from '../../../algorithms/mcmc/leapfrog.ts';
import { logAbsDet, numericalJacobian, randomTensor, randomizeParameters, smoothCritic } from './numeric.ts';

const STATE_SIZE = 2;

/** A random float64 chain (random gate networks and step sizes), critic, prior, state and β. */
function randomSetup(seed: number, actionSize: number, batch: number, gradient: 'gated' | 'explicit' = 'gated') {
  const g = new Generator(seed);
  const critic = smoothCritic(STATE_SIZE, actionSize, g);
  const chain = new LeapfrogChain({
    stateSize: STATE_SIZE, actionSize, gradient, gateHiddenSizes: [5, 5], maxStepSize: 0.5, initialStepSize: 0.2, generator: g, dtype: 'float64',
  });
  randomizeParameters(chain, g, 0.5);
  const state = randomTensor([batch, STATE_SIZE], g);
  const prior = { mean: randomTensor([batch, actionSize], g), logStd: randomTensor([batch, actionSize], g, 0.3) };
  const beta = 0.5 + g.uniform();
  const potential = hmcPotentialGradient((a) => critic.value(state, a), prior, beta);
  return { g, chain, state, potential };
}

/** The chain as a map (a, ρ) ∈ R^{2A} → (a_K, ρ_K) for one state. */
function phaseMap(setup: ReturnType<typeof randomSetup>, actionSize: number, steps: number): (x: Float64Array) => Float64Array {
  return (x) => noGrad(() => {
    const position = tensor(x.slice(0, actionSize), { shape: [1, actionSize], dtype: 'float64' });
    const momentum = tensor(x.slice(actionSize), { shape: [1, actionSize], dtype: 'float64' });
    const end = setup.chain.run(setup.state, { position, momentum }, setup.potential, steps);
    return Float64Array.of(...end.position.data, ...end.momentum.data);
  });
}

describe('HMC-SAC leapfrog chain (eq. 13, 18–19)', () => {
  it('one gated leapfrog step and K steps preserve volume: log|det J| = 0 to 1e-10 (float64 finite differences)', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 2 ** 31 - 1 }), fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 4 }), (seed, actionSize, steps) => {
      const setup = randomSetup(seed, actionSize, 1);
      const x = new Float64Array(2 * actionSize);
      setup.g.fillNormal(x);
      for (const k of [1, steps]) {
        const jacobian = numericalJacobian(phaseMap(setup, actionSize, k), x);
        const logDet = logAbsDet(jacobian);
        assert.ok(Math.abs(logDet) < 1e-10, `log|det J| = ${logDet} after ${k} step(s), |A| = ${actionSize}`);
      }
    }), { numRuns: 12 });
  });

  it('the Jacobian check is sharp: scaling the momentum by 1.01 each step is detected', () => {
    const setup = randomSetup(3, 2, 1);
    const map = phaseMap(setup, 2, 1);
    const scaled = (x: Float64Array): Float64Array => {
      const y = map(x);
      for (let i = 2; i < 4; i++) y[i] *= 1.01;
      return y;
    };
    assert.ok(Math.abs(logAbsDet(numericalJacobian(scaled, Float64Array.of(0.1, -0.2, 0.3, 0.4))) - 2 * Math.log(1.01)) < 1e-10);
  });

  it('a step is reversible: negating ρ′ and stepping again gives (a, −ρ) to 1e-12, for one step and for K', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 2 ** 31 - 1 }), fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 5 }),
      fc.constantFrom<'gated' | 'explicit'>('gated', 'explicit'), (seed, actionSize, steps, gradient) => {
        const setup = randomSetup(seed, actionSize, 4, gradient);
        const position = randomTensor([4, actionSize], setup.g);
        const momentum = randomTensor([4, actionSize], setup.g);
        noGrad(() => {
          for (const k of [1, steps]) {
            const forward = setup.chain.run(setup.state, { position, momentum }, setup.potential, k);
            const back = setup.chain.run(setup.state, { position: forward.position, momentum: neg(forward.momentum) }, setup.potential, k);
            const close = (a: Tensor, b: Float64Array | Tensor, what: string): void => {
              const other = b instanceof Tensor ? b.data : b;
              a.data.forEach((v, i) => assert.ok(Math.abs(v - other[i]) < 1e-12, `${what}[${i}]: ${v} vs ${other[i]} after ${k} step(s)`));
            };
            close(back.position, position, 'a');
            close(back.momentum, neg(momentum), 'ρ');
          }
        });
      }), { numRuns: 20 });
  });

  it('step sizes start at initialStepSize and stay positive and at most maxStepSize wherever Adam takes their logits', () => {
    const chain = new LeapfrogChain({ stateSize: 1, actionSize: 3, gradient: 'explicit', gateHiddenSizes: [4], maxStepSize: 0.5, initialStepSize: 0.05, generator: new Generator(0) });
    noGrad(() => chain.stepSizes().data.forEach((e) => assert.ok(Math.abs(e - 0.05) < 1e-7)));
    const [logit] = chain.parameters();
    for (const r of [-60, -20, -3, 0, 3, 20, 60]) {
      logit.mutate_((d) => d.fill(r));
      noGrad(() => chain.stepSizes().data.forEach((e) => assert.ok(e > 0 && e <= 0.5, `logit ${r}: ε = ${e}`)));
    }
  });
});
