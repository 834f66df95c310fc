import { strict as assert } from 'node:assert';
import { IAPO, type IAPOConfig } from '../../algorithms/iapo.ts';
import { evaluate } from '../../algorithms/common/evaluate.ts';
import { BanditEnv } from '../algorithms/bandit-env.ts';

/**
 * The one-step contextual bandit of spec/algorithms (s ~ U(−1, 1), reward −(a − a*(s))², a*(s) = s/2 + 1/2
 * on the box [−2, 2]; optimum 0, random ≈ −1.6). Both inference models, through the same objective and
 * loop, must find a*(s).
 */
const SMALL: Partial<IAPOConfig> = {
  hiddenSizes: [32, 32], criticHiddenSizes: [32, 32], batchSize: 32, actionSamples: 4, inferenceIterations: 3,
  learningStarts: 200, learningRate: 3e-3, bufferSize: 5000, pessimism: 1,
};

function checkOptimum(agent: IAPO, env: BanditEnv): number {
  const evaluation = evaluate((obs) => agent.predict(obs, { deterministic: true }), new BanditEnv(), { episodes: 50, seed: 123 });
  assert.ok(evaluation.mean > -0.02, `mean return ${evaluation.mean} should be within 0.02 of the optimum 0`);
  for (const s of [-0.75, 0, 0.75]) {
    const a = agent.predict([s], { deterministic: true })[0];
    assert.ok(Math.abs(a - env.optimum(s)) < 0.15, `action ${a} at s = ${s} should be near the optimum ${env.optimum(s)}`);
  }
  return evaluation.mean;
}

describe('IAPO learns a one-step continuous bandit', function () {
  this.timeout(120_000);
  for (const inference of ['iterative', 'direct'] as const) {
    it(`${inference} inference finds the optimal action`, async () => {
      const env = new BanditEnv();
      const agent = new IAPO(env, { ...SMALL, inference, seed: 3 });
      await agent.learn({ totalSteps: 1200 });
      checkOptimum(agent, env);
      assert.ok(agent.currentAlpha() < 0.5, `α = ${agent.currentAlpha()} should fall as the policy sharpens`);
    });
  }
});
