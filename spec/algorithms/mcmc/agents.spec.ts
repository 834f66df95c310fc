import { strict as assert } from 'node:assert';
import * as path from 'node:path';
import { ConfigError, agentFromFiles, createAgent, evaluate, loadAgent, type Agent } from '../../../algorithms/index.ts';
import { FlowSAC } from '../../../algorithms/flow-sac.ts';
import { HMCSAC } from '../../../algorithms/hmc-sac.ts';
import { LangevinTD3 } from '../../../algorithms/langevin-td3.ts';
import { BanditEnv } from '../bandit-env.ts';
import { checkpointFingerprint, progressRows, tempDir } from '../helpers.ts';

/**
 * The one-step bandit of spec/algorithms/bandit-env.ts: s ~ U(−1, 1), reward −(a − a*(s))², a*(s) = s/2 + 1/2
 * on [−2, 2]; the optimum is 0 and a uniformly random policy scores about −1.6. Small networks, an update
 * every second step, and a short policy iteration keep each run to a few seconds: the chain's updates
 * are second order through K steps.
 */
const SMALL = { hiddenSizes: [16, 16], batchSize: 32, learningStarts: 100, bufferSize: 5000, trainFrequency: 2, learningRate: 1e-2, seed: 3 };

function checkNearOptimum(agent: Agent, env: BanditEnv, meanAbove: number, tolerance: number): void {
  const evaluation = evaluate((obs) => agent.predict(obs, { deterministic: true }), new BanditEnv(), { episodes: 100, seed: 123 });
  assert.ok(evaluation.mean > meanAbove, `mean return ${evaluation.mean} should be above ${meanAbove} (optimum 0, random ≈ −1.6)`);
  for (const s of [-0.75, -0.25, 0, 0.25, 0.75]) {
    const a = agent.predict([s], { deterministic: true })[0];
    assert.ok(Math.abs(a - env.optimum(s)) < tolerance, `action ${a} at s = ${s} should be within ${tolerance} of ${env.optimum(s)}`);
  }
}

describe('MCMC policies learn a one-step continuous bandit', () => {
  it('HMC-SAC (K = 2, gated) finds the optimal action', async () => {
    const env = new BanditEnv();
    const agent = new HMCSAC(env, { ...SMALL, leapfrogSteps: 2, priorUpdateInterval: 20 });
    await agent.learn({ totalSteps: 600 });
    checkNearOptimum(agent, env, -0.03, 0.25);
    assert.ok(agent.pid.beta >= agent.config.minimumBeta);
  });

  it('Langevin-TD3 (K = 2 coupling layers) finds the optimal action', async () => {
    const env = new BanditEnv();
    const agent = new LangevinTD3(env, { ...SMALL, flowLayers: 2, policyDelay: 1, priorUpdateInterval: 20 });
    await agent.learn({ totalSteps: 1000 });
    checkNearOptimum(agent, env, -0.03, 0.25);
  });

  it('flow-SAC (2 RealNVP layers) finds the optimal action', async () => {
    const env = new BanditEnv();
    const agent = new FlowSAC(env, { ...SMALL, flowLayers: 2, flowHiddenSizes: [16] });
    await agent.learn({ totalSteps: 600 });
    checkNearOptimum(agent, env, -0.02, 0.2);
  });
});

const TINY = { hiddenSizes: [8], batchSize: 16, learningStarts: 40, bufferSize: 1000, seed: 5 };

/** The agents with a policy iteration t (11): θ_t (`priorActor`) and β per iteration. */
type IteratingAgent = (HMCSAC | LangevinTD3) & { update(): Record<string, number> };
const iterating: [string, () => IteratingAgent][] = [
  ['HMC-SAC', () => new HMCSAC(new BanditEnv(), { ...TINY, leapfrogSteps: 2, gateHiddenSizes: [4], priorUpdateInterval: 5 })],
  ['Langevin-TD3 (policyDelay 2)', () => new LangevinTD3(new BanditEnv(), { ...TINY, flowLayers: 2, flowHiddenSizes: [4], priorUpdateInterval: 5 })],
];

describe('MCMC agents: the policy iteration (11) and the PID step per iteration (§4.1)', () => {
  for (const [name, build] of iterating) {
    it(`${name}: θ_t is the actor as it stood when the iteration began, frozen through it; β moves only when it closes, by (I + mean D̂ − ε)₊`, async () => {
      const agent = build();
      const { priorUpdateInterval: interval, distanceTarget, minimumBeta } = agent.config;
      const values = (m: { parameters(): { data: ArrayLike<number> }[] }): number[][] => m.parameters().map((p) => Array.from(p.data));
      const update = agent.update.bind(agent);
      let index = 0;
      let closed = 0;
      let distances: number[] = [];
      agent.update = () => {
        const [actorBefore, priorBefore, betaBefore, integralBefore] = [values(agent.actor), values(agent.priorActor), agent.pid.beta, agent.pid.integral];
        const metrics = update();
        if (index % interval === 0) assert.deepEqual(values(agent.priorActor), actorBefore, `update ${index}: θ_t refreshed from the actor`);
        else assert.deepEqual(values(agent.priorActor), priorBefore, `update ${index}: θ_t frozen within the iteration`);
        if (metrics.distance !== undefined) distances.push(metrics.distance);
        if ((index + 1) % interval === 0) {
          // Default gains K_P = 0, K_I = 1, K_D = 0: β = max(β_min, I) with I ← max(0, I + mean D̂ − ε).
          const meanDistance = distances.reduce((a, b) => a + b, 0) / distances.length;
          const expected = Math.max(minimumBeta, Math.max(0, integralBefore + meanDistance - distanceTarget));
          assert.ok(Math.abs(agent.pid.beta - expected) < 1e-12, `update ${index}: β ${agent.pid.beta} vs ${expected} from ${distances.length} minibatches`);
          assert.ok(agent.pid.beta !== betaBefore, `update ${index}: β should move when the iteration closes`);
          distances = [];
          closed++;
        } else {
          assert.equal(agent.pid.beta, betaBefore, `update ${index}: β moves only at the end of an iteration`);
        }
        index++;
        return metrics;
      };
      await agent.learn({ totalSteps: TINY.learningStarts + 4 * interval });
      assert.ok(closed >= 3, `${closed} iterations closed`);
    });
  }
});
const builds: [string, (seed: number) => Agent][] = [
  ['hmc-sac', (seed) => new HMCSAC(new BanditEnv(), { ...TINY, seed, leapfrogSteps: 2, gateHiddenSizes: [4], priorUpdateInterval: 7 })],
  ['langevin-td3', (seed) => new LangevinTD3(new BanditEnv(), { ...TINY, seed, flowLayers: 2, flowHiddenSizes: [4], priorUpdateInterval: 6 })],
  ['flow-sac', (seed) => new FlowSAC(new BanditEnv(), { ...TINY, seed, flowLayers: 2, flowHiddenSizes: [4] })],
];

for (const [name, build] of builds) {
  describe(`${name}: the common agent surface`, () => {
    it('is registered: createAgent builds it, and a bad value is a ConfigError naming the key and the value', () => {
      const agent = createAgent(name, new BanditEnv(), { ...TINY });
      assert.equal(agent.algorithm, name.toUpperCase());
      const bad: Record<string, Record<string, unknown>> = {
        'hmc-sac': { leapfrogSteps: 0 }, 'langevin-td3': { distanceSmoothing: -1 }, 'flow-sac': { flowLayers: 1.5 },
      };
      const [[key, value]] = Object.entries(bad[name]);
      assert.throws(() => createAgent(name, new BanditEnv(), { [key]: value }),
        (e: Error) => e instanceof ConfigError && e.message.includes(`'${key}'`) && e.message.includes(String(value)));
    });

    it('round-trips through checkpoint files and a directory with identical actions', async () => {
      const agent = build(3);
      await agent.learn({ totalSteps: 80 });
      const copy = agentFromFiles(agent.toCheckpoint(), new BanditEnv());
      for (const s of [-0.5, 0.25]) assert.deepEqual(Array.from(copy.predict([s])), Array.from(agent.predict([s])));
      const dir = path.join(tempDir(), 'checkpoint');
      agent.save(dir);
      assert.deepEqual(Array.from(loadAgent(dir, new BanditEnv(), { weightsOnly: true }).predict([0.1])), Array.from(agent.predict([0.1])));
    });

    it('resumes bit-identically: 150 steps straight equal 83, a reload from the checkpoint, and 67 more', async () => {
      const options = (runDir: string) => ({ runDir, checkpointEvery: 0, evalEvery: 0 });
      const straight = tempDir();
      await build(11).learn({ totalSteps: 150, ...options(straight) });
      const resumed = tempDir();
      await build(11).learn({ totalSteps: 83, ...options(resumed) });
      const reloaded = loadAgent(path.join(resumed, 'checkpoint'), new BanditEnv());
      assert.equal(reloaded.training.step, 83);
      await reloaded.learn({ totalSteps: 150, ...options(resumed) });
      assert.deepEqual(checkpointFingerprint(path.join(resumed, 'checkpoint')), checkpointFingerprint(path.join(straight, 'checkpoint')));
      assert.deepEqual(progressRows(resumed), progressRows(straight));
    });
  });
}
