import { strict as assert } from 'node:assert';
import * as path from 'node:path';
import {
  ConfigError, PPO, REINFORCE, SVPG, TRPO, createAgent, loadAgent, type Agent, type PPOConfig, type REINFORCEConfig, type SVPGConfig, type TRPOConfig,
} from '../../algorithms/index.ts';
import { make, SyncVectorEnv } from '../../envs/index.ts';
import { BanditEnv } from './bandit-env.ts';
import { checkpointFingerprint, progressRows, tempDir } from './helpers.ts';

const bandit = (): BanditEnv => new BanditEnv();
const SMALL = { numEnvs: 8, rolloutSteps: 16, hiddenSizes: [16, 16] };

type Build = (seed: number) => Agent;
const variants: [string, Build][] = [
  ['REINFORCE', (seed) => new REINFORCE(bandit, { ...SMALL, seed, learningRate: 3e-3 } as Partial<REINFORCEConfig>)],
  ['PPO', (seed) => new PPO(bandit, { ...SMALL, seed, batchSize: 32, epochs: 4, learningRate: 3e-3 } as Partial<PPOConfig>)],
  ['TRPO', (seed) => new TRPO(bandit, { ...SMALL, seed, batchSize: 32, targetKl: 0.02 } as Partial<TRPOConfig>)],
  ['PPO posterior parameter', (seed) => new PPO(bandit, { ...SMALL, seed, batchSize: 32, epochs: 4, learningRate: 3e-3, posterior: 'parameter' } as Partial<PPOConfig>)],
  ['PPO posterior state', (seed) => new PPO(bandit, { ...SMALL, seed, batchSize: 32, epochs: 4, learningRate: 3e-3, posterior: 'state' } as Partial<PPOConfig>)],
  ['REINFORCE posterior parameter', (seed) => new REINFORCE(bandit, { ...SMALL, seed, learningRate: 1e-2, posterior: 'parameter' } as Partial<REINFORCEConfig>)],
  ['SVPG', (seed) => new SVPG(bandit, { ...SMALL, seed, particles: 4, learningRate: 1e-2, temperature: 0.1 } as Partial<SVPGConfig>)],
  ['TRPO posterior state', (seed) => new TRPO(bandit, { ...SMALL, seed, batchSize: 32, targetKl: 0.02, posterior: 'state', auxiliaryNetwork: false } as Partial<TRPOConfig>)],
];

/** Largest |π(s) − a*(s)| of the deterministic policy over a grid of contexts (a* = 0.5 s + 0.5 on [−2, 2]). */
function worstError(agent: Agent): number {
  const env = new BanditEnv();
  return Math.max(...[-0.9, -0.5, 0, 0.5, 0.9].map((s) => Math.abs(agent.predict(Float32Array.of(s))[0] - env.optimum(s))));
}

describe('on-policy algorithms learn a bandit with a known optimum a*(s) = 0.5·s + 0.5', () => {
  const budgets: Record<string, number> = {
    REINFORCE: 128 * 300, TRPO: 128 * 150, SVPG: 128 * 300, 'PPO posterior parameter': 128 * 50, 'REINFORCE posterior parameter': 128 * 150, 'TRPO posterior state': 128 * 100,
  };
  for (const [name, build] of variants) {
    it(name, async function () {
      this.timeout(120_000);
      const agent = build(1);
      const before = worstError(agent);
      await agent.learn({ totalSteps: budgets[name] ?? 128 * 100 });
      const after = worstError(agent);
      assert.ok(after < 0.2, `worst error ${after.toFixed(3)} after training (${before.toFixed(3)} before)`);
    });
  }
});

describe('on-policy determinism and exact resume', () => {
  async function run(build: Build, seed: number, steps: number): Promise<string> {
    const dir = tempDir();
    await build(seed).learn({ totalSteps: steps, runDir: dir, evalEnv: new BanditEnv(), evalEvery: 64, evalEpisodes: 2, checkpointEvery: 0 });
    return dir;
  }

  for (const [name, build] of variants.filter(([n]) => !n.startsWith('REINFORCE posterior'))) {
    it(`${name}: the same seed gives the same run; 384 steps equal 200 (mid-rollout) + reload + 184`, async function () {
      this.timeout(60_000);
      const straight = await run(build, 3, 384);
      const again = await run(build, 3, 384);
      assert.deepEqual(checkpointFingerprint(path.join(straight, 'checkpoint')), checkpointFingerprint(path.join(again, 'checkpoint')));

      const resumed = tempDir();
      const options = { runDir: resumed, evalEnv: new BanditEnv(), evalEvery: 64, evalEpisodes: 2, checkpointEvery: 0 };
      await build(3).learn({ totalSteps: 200, ...options });
      const reloaded = loadAgent(path.join(resumed, 'checkpoint'), bandit);
      assert.equal(reloaded.training.step, 200);
      await reloaded.learn({ totalSteps: 384, ...options });
      assert.deepEqual(checkpointFingerprint(path.join(resumed, 'checkpoint')), checkpointFingerprint(path.join(straight, 'checkpoint')));
      assert.deepEqual(progressRows(resumed), progressRows(straight));

      const other = await run(build, 4, 128);
      assert.notDeepEqual(checkpointFingerprint(path.join(other, 'checkpoint')).model, checkpointFingerprint(path.join(straight, 'checkpoint')).model);
    });
  }
});

describe('on-policy envs and configs', () => {
  it('take an env (numEnvs 1), a function making envs, or a SAME_STEP vector env', async () => {
    const single = new PPO(make('Pendulum-v1'), { rolloutSteps: 64, batchSize: 32, epochs: 1 });
    assert.equal(single.env.numEnvs, 1);
    const made = createAgent('ppo', () => make('Pendulum-v1'), { numEnvs: 3, rolloutSteps: 8, batchSize: 8, epochs: 1 });
    await made.learn({ totalSteps: 48 });
    assert.equal(made.training.step, 48);
    const vector = new SyncVectorEnv(Array.from({ length: 2 }, () => () => make('Pendulum-v1')), { autoresetMode: 'SAME_STEP' });
    const trpo = new TRPO(vector, { numEnvs: 2, rolloutSteps: 8, batchSize: 8, criticUpdates: 1 });
    await trpo.learn({ totalSteps: 32 });
    assert.equal(trpo.training.step, 32);
  });

  it('refuse what does not fit, naming it', () => {
    assert.throws(() => new PPO(make('Pendulum-v1'), { numEnvs: 4 }), /numEnvs is 4 but a single env was given; pass a function making envs/);
    const nextStep = new SyncVectorEnv([() => make('Pendulum-v1')], { autoresetMode: 'NEXT_STEP' });
    assert.throws(() => new PPO(nextStep, {}), /SAME_STEP autoreset, got NEXT_STEP/);
    const two = new SyncVectorEnv([() => make('Pendulum-v1'), () => make('Pendulum-v1')], { autoresetMode: 'SAME_STEP' });
    assert.throws(() => new PPO(two, {}), /the vector env has 2 envs, config numEnvs is 1/);
    assert.throws(() => new PPO(null as never, {}), /the first argument must be an env, a function making envs, or a SAME_STEP vector env, got null/);
    assert.throws(() => new PPO(() => 42 as never, { numEnvs: 2 }), /the env function must return an env/);
    assert.throws(() => new PPO(bandit, { numEnvs: 2, rolloutSteps: 4, batchSize: 64 }), (e: unknown) =>
      e instanceof ConfigError && /'batchSize' 64 exceeds the rollout of numEnvs × rolloutSteps = 8/.test(e.message));
    assert.throws(() => new PPO(bandit, { posterior: 'gaussian' as never }), /'posterior' must be one of "point", "parameter", "state"/);
    assert.throws(() => new TRPO(bandit, { targetKl: 0 }), /'targetKl' must be in/);
    assert.throws(() => new REINFORCE(bandit, { gaeLambda: 1.5 }), /'gaeLambda' must be in \[0, 1\]/);
    assert.throws(() => createAgent('sac', new SyncVectorEnv([() => make('Pendulum-v1')], { autoresetMode: 'SAME_STEP' })), /learns from one env, not a vector env/);
  });

  it('predict checks the observation and returns an action inside the box', () => {
    const agent = new PPO(make('Pendulum-v1'), { rolloutSteps: 64, batchSize: 32, initialLogStd: 1 });
    assert.throws(() => agent.predict([1, 2]), /PPO.predict: expected an observation of 3 values, got 2/);
    assert.throws(() => agent.predict([1, 2, undefined] as never), /PPO.predict: observation\[2\] must be a finite number, got undefined/);
    for (let i = 0; i < 20; i++) {
      const a = agent.predict([1, 0, 8], { deterministic: false });
      assert.ok(a[0] >= -2 && a[0] <= 2);
    }
  });

  for (const posterior of ['parameter', 'state'] as const) {
    it(`posterior ${posterior}: a stochastic predict draws θ or ξ afresh and leaves the rollout's samples alone`, () => {
      const agent = new PPO(bandit, { numEnvs: 2, rolloutSteps: 4, batchSize: 8, posterior, initialPosteriorStd: posterior === 'parameter' ? 0.02 : 0.5, initialLogStd: -5 });
      const noiseBefore = Array.from(agent.policy.namedBuffers().find(([name]) => name === 'noise')![1].data);
      const actions = Array.from({ length: 10 }, () => agent.predict([0.3], { deterministic: false })[0]);
      assert.ok(new Set(actions).size > 5, 'samples differ');
      assert.deepEqual(Array.from(agent.policy.namedBuffers().find(([name]) => name === 'noise')![1].data), noiseBefore);
      assert.equal(agent.predict([0.3])[0], agent.predict([0.3])[0], 'the mean action is deterministic');
    });
  }
});
