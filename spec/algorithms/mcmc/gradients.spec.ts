import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { Generator, MLP, Tensor, mean, noGrad, tanh } from '../../../engine/index.ts';
import { hmcPass } from '../../../algorithms/hmc-sac.ts';
import { langevinPass, langevinUtility } from '../../../algorithms/langevin-td3.ts';
import { LangevinFlow } from '../../../algorithms/mcmc/coupling.ts';
import { LeapfrogChain } from '../../../algorithms/mcmc/leapfrog.ts';
import {
  derivative, directional, randomTensor, randomizeParameters, shiftParameters, smoothCritic, smoothPolicy,
} from './numeric.ts';

const STATE_SIZE = 2;
const BATCH = 3;

/**
 * Checks ⟨∇J, v⟩ from reverse mode (second order through the chain) against a fourth-order central
 * difference of J along a random direction v, for each group of parameters.
 */
function checkGroups(objective: () => Tensor, groups: Record<string, Tensor[]>, g: Generator): void {
  for (const [name, parameters] of Object.entries(groups)) {
    for (const p of parameters) p.grad = null;
    objective().backward({ inputs: parameters });
    const grads = parameters.map((p) => p.grad);
    const directions = parameters.map((p) => {
      const d = new Float64Array(p.size);
      g.fillNormal(d);
      return d;
    });
    const reverse = directional(grads, directions);
    const numeric = derivative((t) => {
      shiftParameters(parameters, directions, t);
      const value = noGrad(() => objective().item());
      shiftParameters(parameters, directions, -t);
      return value;
    });
    const error = Math.abs(reverse - numeric) / Math.max(1, Math.abs(reverse), Math.abs(numeric));
    assert.ok(error < 1e-6, `${name}: reverse ${reverse} vs finite differences ${numeric} (relative error ${error})`);
    for (const p of parameters) p.grad = null;
  }
}

/** One fixed HMC pass's inputs in float64 (two action dimensions, a gated chain), from `seed`. */
function fixedPass(seed: number) {
  const g = new Generator(seed);
  const actionSize = 2;
  const critic = smoothCritic(STATE_SIZE, actionSize, g);
  const policy = smoothPolicy(STATE_SIZE, actionSize, g);
  const chain = new LeapfrogChain({
    stateSize: STATE_SIZE, actionSize, gradient: 'gated', gateHiddenSizes: [4], maxStepSize: 0.5, initialStepSize: 0.2, generator: g, dtype: 'float64',
  });
  const observations = randomTensor([BATCH, STATE_SIZE], g);
  const prior = { mean: randomTensor([BATCH, actionSize], g), logStd: randomTensor([BATCH, actionSize], g, 0.3) };
  const baseNoise = randomTensor([BATCH, actionSize], g);
  const initialMomentum = randomTensor([BATCH, actionSize], g);
  return { actionSize, critic, policy, chain, observations, prior, baseNoise, initialMomentum };
}

describe('gradients of the MCMC objectives through K steps (float64, against finite differences)', () => {
  it('(17), the HMC ELBO: w.r.t. the policy, the step sizes and the gate networks (U on the same Q or another; with and without the entropy bonus)', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 2 ** 31 - 1 }), fc.integer({ min: 1, max: 2 }), fc.integer({ min: 1, max: 3 }), fc.boolean(), fc.boolean(), (seed, actionSize, steps, separatePotential, bonus) => {
      const g = new Generator(seed);
      const critic = smoothCritic(STATE_SIZE, actionSize, g);
      const potentialCritic = smoothCritic(STATE_SIZE, actionSize, g);
      const policy = smoothPolicy(STATE_SIZE, actionSize, g);
      const chain = new LeapfrogChain({
        stateSize: STATE_SIZE, actionSize, gradient: 'gated', gateHiddenSizes: [4, 4], maxStepSize: 0.5, initialStepSize: 0.2, generator: g, dtype: 'float64',
      });
      randomizeParameters(chain, g, 0.5);
      const observations = randomTensor([BATCH, STATE_SIZE], g);
      const prior = { mean: randomTensor([BATCH, actionSize], g), logStd: randomTensor([BATCH, actionSize], g, 0.3) };
      const baseNoise = randomTensor([BATCH, actionSize], g);
      const initialMomentum = randomTensor([BATCH, actionSize], g);
      const beta = 0.5 + g.uniform();
      const entropyBonus = bonus ? 0.2 + g.uniform() : 0;
      const objective = (): Tensor => mean(hmcPass(chain, {
        observations, policy: policy.parameters(observations), prior, baseNoise, initialMomentum,
        value: (a) => critic.value(observations, a), beta, steps, entropyBonus,
        ...(separatePotential ? { potentialValue: (a: Tensor) => potentialCritic.value(observations, a) } : {}),
      }).elbo);
      const named = chain.namedParameters();
      checkGroups(objective, {
        policy: policy.net.parameters(),
        stepSizes: named.filter(([n]) => n === 'stepSizeLogit').map(([, p]) => p),
        gates: named.filter(([n]) => n !== 'stepSizeLogit').map(([, p]) => p),
      }, g);
    }), { numRuns: 10 });
  });

  it('the entropy bonus adds −η·log π_θ(tanh u₀) of the squashed policy to (17), and η = 0 is (17) as printed', () => {
    const { actionSize, critic, policy, chain, observations, prior, baseNoise, initialMomentum } = fixedPass(11);
    const elbo = (entropyBonus?: number): Float64Array => noGrad(() => hmcPass(chain, {
      observations, policy: policy.parameters(observations), prior, baseNoise, initialMomentum,
      value: (a) => critic.value(observations, a), beta: 0.8, steps: 2, ...(entropyBonus === undefined ? {} : { entropyBonus }),
    }).elbo.data as Float64Array);
    const printed = elbo();
    assert.deepEqual(elbo(0), printed);
    const eta = 0.7;
    const withBonus = elbo(eta);
    const { mean: mu, logStd } = noGrad(() => policy.parameters(observations));
    for (let b = 0; b < BATCH; b++) {
      let logDensity = 0; // log N(u₀; μ, σ) − Σ log(1 − tanh² u₀), by hand
      for (let i = 0; i < actionSize; i++) {
        const k = b * actionSize + i;
        const sigma = Math.exp(logStd.data[k]);
        const u = mu.data[k] + sigma * baseNoise.data[k];
        logDensity += -0.5 * baseNoise.data[k] ** 2 - logStd.data[k] - 0.5 * Math.log(2 * Math.PI) - Math.log(1 - Math.tanh(u) ** 2);
      }
      assert.ok(Math.abs(withBonus[b] - printed[b] + eta * logDensity) < 1e-12, `state ${b}: ${withBonus[b] - printed[b]} vs ${-eta * logDensity}`);
    }
  });

  it('D̂ per state is the log-ratio log N_θ(u₀) − log N_θt(u_K) plus ½(‖ρ_K‖² − ‖ρ₀‖²), each part by hand from the pass', () => {
    const { actionSize, critic, policy, chain, observations, prior, baseNoise, initialMomentum } = fixedPass(12);
    const result = noGrad(() => hmcPass(chain, {
      observations, policy: policy.parameters(observations), prior, baseNoise, initialMomentum,
      value: (a) => critic.value(observations, a), beta: 0.8, steps: 3,
    }));
    const { mean: mu, logStd } = noGrad(() => policy.parameters(observations));
    const logNormal = (x: number, m: number, s: number): number => -0.5 * ((x - m) / Math.exp(s)) ** 2 - s - 0.5 * Math.log(2 * Math.PI);
    for (let b = 0; b < BATCH; b++) {
      let logRatio = 0;
      let kinetic = 0;
      for (let i = 0; i < actionSize; i++) {
        const k = b * actionSize + i;
        logRatio += logNormal(result.start.data[k], mu.data[k], logStd.data[k]) - logNormal(result.end.position.data[k], prior.mean.data[k], prior.logStd.data[k]);
        kinetic += 0.5 * (result.end.momentum.data[k] ** 2 - initialMomentum.data[k] ** 2);
      }
      assert.ok(Math.abs(result.logRatio.data[b] - logRatio) < 1e-12, `state ${b}: log-ratio ${result.logRatio.data[b]} vs ${logRatio}`);
      assert.ok(Math.abs(result.distance.data[b] - logRatio - kinetic) < 1e-12, `state ${b}: D̂ ${result.distance.data[b]} vs ${logRatio + kinetic}`);
    }
  });

  it('the integrand of (17) and ℓ, the critic\'s log-density estimate, per state by hand from the pass', () => {
    const { actionSize, critic, policy, chain, observations, prior, baseNoise, initialMomentum } = fixedPass(13);
    const beta = 0.8;
    const result = noGrad(() => hmcPass(chain, {
      observations, policy: policy.parameters(observations), prior, baseNoise, initialMomentum,
      value: (a) => critic.value(observations, a), beta, steps: 3,
    }));
    const { mean: mu, logStd } = noGrad(() => policy.parameters(observations));
    const value = noGrad(() => critic.value(observations, tanh(result.end.position))).data;
    const logNormal = (x: number, m: number, s: number): number => -0.5 * ((x - m) / Math.exp(s)) ** 2 - s - 0.5 * Math.log(2 * Math.PI);
    const logSquashDerivative = (u: number): number => 2 * (Math.log(2) - u - Math.log1p(Math.exp(-2 * u))); // log(1 − tanh² u)
    for (let b = 0; b < BATCH; b++) {
      let [logPolicy, logPrior, endKinetic, startKinetic, logSquash] = [0, 0, 0, 0, 0];
      for (let i = 0; i < actionSize; i++) {
        const k = b * actionSize + i;
        const uK = result.end.position.data[k];
        logPolicy += logNormal(result.start.data[k], mu.data[k], logStd.data[k]);
        logPrior += logNormal(uK, prior.mean.data[k], prior.logStd.data[k]);
        endKinetic += 0.5 * result.end.momentum.data[k] ** 2;
        startKinetic += 0.5 * initialMomentum.data[k] ** 2;
        logSquash += logSquashDerivative(uK);
      }
      // (17): Q(s, a_K) − β·log(π_θ(a₀|s)/π_θt(a_K|s)) − (β/2)·ρ_Kᵀρ_K, the densities pre-tanh.
      const elbo = value[b] - beta * (logPolicy - logPrior) - beta * endKinetic;
      assert.ok(Math.abs(result.elbo.data[b] - elbo) < 1e-12, `state ${b}: (17) ${result.elbo.data[b]} vs ${elbo}`);
      // ℓ = log N_θ(u₀) − log|∂tanh/∂u|(u_K) + ½(‖ρ_K‖² − ‖ρ₀‖²): the squash's Jacobian at the chain's end, not its start.
      const logDensity = logPolicy - logSquash + endKinetic - startKinetic;
      assert.ok(Math.abs(result.logDensity.data[b] - logDensity) < 1e-12, `state ${b}: ℓ ${result.logDensity.data[b]} vs ${logDensity}`);
    }
  });

  it('the integrand of (10) and its distance, and the utility (6), per state by hand', () => {
    const g = new Generator(14);
    const actionSize = 2;
    const critic = smoothCritic(STATE_SIZE, actionSize, g);
    const flow = new LangevinFlow({
      stateSize: STATE_SIZE, actionSize, layers: 2, hiddenSizes: [4], maxStepSize: 0.5, initialStepSize: 0.2, initialNoiseLogScale: -1, generator: g, dtype: 'float64',
    });
    randomizeParameters(flow, g, 0.4);
    const observations = randomTensor([BATCH, STATE_SIZE], g);
    const start = randomTensor([BATCH, actionSize], g);
    const prior = noGrad(() => tanh(randomTensor([BATCH, actionSize], g)));
    const reference = noGrad(() => tanh(randomTensor([BATCH, actionSize], g)));
    const [beta, delta] = [0.7, 0.05];
    const pass = { observations, start, prior, penaltyReference: reference, value: (a: Tensor) => critic.value(observations, a), beta, distanceSmoothing: delta };
    const result = noGrad(() => langevinPass(flow, pass));
    const value = noGrad(() => critic.value(observations, result.action)).data;
    const startValue = noGrad(() => critic.value(observations, tanh(start))).data;
    const utility = noGrad(() => langevinUtility(pass)(start)).data;
    const smoothed = (x: Tensor, y: Tensor, b: number): number => {
      let squared = 0;
      for (let i = 0; i < actionSize; i++) squared += (x.data[b * actionSize + i] - y.data[b * actionSize + i]) ** 2;
      return Math.sqrt(squared + delta * delta) - delta;
    };
    const startAction = noGrad(() => tanh(start));
    for (let b = 0; b < BATCH; b++) {
      const distance = smoothed(result.action, reference, b);
      assert.ok(Math.abs(result.distance.data[b] - distance) < 1e-12, `state ${b}: d ${result.distance.data[b]} vs ${distance}`);
      // (10): Q(s, a_K) − β·d(a_K, reference)
      assert.ok(Math.abs(result.objective.data[b] - (value[b] - beta * distance)) < 1e-12, `state ${b}: (10) ${result.objective.data[b]} vs ${value[b] - beta * distance}`);
      // (6) in pre-tanh coordinates: U(z) = Q(s, tanh z)/β − d(tanh z, π_θt(s))
      const u = startValue[b] / beta - smoothed(startAction, prior, b);
      assert.ok(Math.abs(utility[b] - u) < 1e-12, `state ${b}: U ${utility[b]} vs ${u}`);
    }
  });

  it('(10), the Langevin-flow objective: w.r.t. the actor, the step sizes and the coupling networks', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 2 ** 31 - 1 }), fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 3 }), (seed, actionSize, layers) => {
      const g = new Generator(seed);
      const critic = smoothCritic(STATE_SIZE, actionSize, g);
      const actor = new MLP({ inputSize: STATE_SIZE, hiddenSizes: [5], outputSize: actionSize, activation: 'tanh', generator: g, dtype: 'float64' });
      randomizeParameters(actor, g, 0.6);
      const flow = new LangevinFlow({
        stateSize: STATE_SIZE, actionSize, layers, hiddenSizes: [4], maxStepSize: 0.5, initialStepSize: 0.2, initialNoiseLogScale: -1, generator: g, dtype: 'float64',
      });
      randomizeParameters(flow, g, 0.4);
      const observations = randomTensor([BATCH, STATE_SIZE], g);
      // The utility's prior is the frozen actor (fixed while θ moves); the penalty's is 'live', as the agent's default.
      const prior = noGrad(() => tanh(actor.forward(observations))).detach();
      const beta = 0.5 + g.uniform();
      const objective = (): Tensor => {
        const start = actor.forward(observations);
        return mean(langevinPass(flow, {
          observations, start, prior, penaltyReference: tanh(start), value: (a) => critic.value(observations, a), beta, distanceSmoothing: 0.05,
        }).objective);
      };
      const named = flow.namedParameters();
      checkGroups(objective, {
        actor: actor.parameters(),
        stepSizes: named.filter(([n]) => n === 'stepSizeLogit').map(([, p]) => p),
        couplings: named.filter(([n]) => n !== 'stepSizeLogit').map(([, p]) => p),
      }, g);
    }), { numRuns: 10 });
  });
});
