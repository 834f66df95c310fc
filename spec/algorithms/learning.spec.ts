import { strict as assert } from 'node:assert';
import { SAC, TD3, evaluate } from '../../algorithms/index.ts';
import { BanditEnv } from './bandit-env.ts';

/**
 * A one-step contextual bandit (spec/algorithms/bandit-env.ts): s ~ U(−1, 1), reward −(a − a*(s))²
 * with a*(s) = s/2 + 1/2 on the action box [−2, 2]. The optimal return is 0; a uniformly random
 * policy scores about −1.6. Both algorithms must find a*(s) within 1500 steps.
 */
const SMALL = { hiddenSizes: [32, 32], batchSize: 64, learningStarts: 200, learningRate: 3e-3, bufferSize: 5000 };

function checkOptimum(agent: SAC | TD3, env: BanditEnv): void {
  const evaluation = evaluate((obs) => agent.predict(obs, { deterministic: true }), new BanditEnv(), { episodes: 100, seed: 123 });
  assert.ok(evaluation.mean > -0.01, `mean return ${evaluation.mean} should be within 0.01 of the optimum 0`);
  for (const s of [-0.75, -0.25, 0, 0.25, 0.75]) {
    const a = agent.predict([s], { deterministic: true })[0];
    assert.ok(Math.abs(a - env.optimum(s)) < 0.1, `action ${a} at s = ${s} should be near the optimum ${env.optimum(s)}`);
  }
}

describe('learning a one-step continuous bandit', () => {
  it('SAC finds the optimal action', async () => {
    const env = new BanditEnv();
    const sac = new SAC(env, { ...SMALL, seed: 3 });
    await sac.learn({ totalSteps: 1500 });
    checkOptimum(sac, env);
    // The learned temperature drops from 1 as the policy sharpens towards H̄ = −1.
    assert.ok(sac.currentAlpha() < 0.5, `α = ${sac.currentAlpha()}`);
  });

  it('TD3 finds the optimal action', async () => {
    const env = new BanditEnv();
    const td3 = new TD3(env, { ...SMALL, seed: 3 });
    await td3.learn({ totalSteps: 1500 });
    checkOptimum(td3, env);
  });
});
