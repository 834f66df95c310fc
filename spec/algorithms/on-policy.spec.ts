import { strict as assert } from 'node:assert';
import { learn, type TrainingRun } from '../../algorithms/index.ts';
import { BanditEnv } from './bandit-env.ts';
import { ToyReinforce, VectorBandit } from './reinforce-toy.ts';

describe('on-policy runner', () => {
  it('trains REINFORCE on a vector bandit to its known optimum a*(s) = 0.5·s + 0.5', async () => {
    const agent = new ToyReinforce(new VectorBandit(8), { seed: 1, rolloutSteps: 4 });
    const result = await learn(agent, { totalSteps: 32 * 400, evalEnv: new BanditEnv(), evalEvery: 32 * 100, evalEpisodes: 50 });
    const { slope, offset } = agent.line();
    assert.equal(result.updates, 400, 'one training iteration per rollout of 4 × 8 steps');
    assert.ok(Math.abs(slope - 0.5) < 0.1, `slope ${slope}`);
    assert.ok(Math.abs(offset - 0.5) < 0.05, `offset ${offset}`);
    assert.ok(result.lastEval !== null && result.lastEval.mean > -0.01, `final evaluation ${result.lastEval?.mean}`);
  });

  it('counts E env steps and E episodes per vector step, evaluates at crossings, trains after every rollout', async () => {
    const agent = new ToyReinforce(new VectorBandit(3), { seed: 2, rolloutSteps: 5 });
    const steps: number[] = [];
    const evaluations: number[] = [];
    const rows: number[] = [];
    const result = await learn(agent, {
      totalSteps: 60, evalEnv: new BanditEnv(), evalEvery: 10, evalEpisodes: 2,
      callbacks: [{
        onStep: (run: TrainingRun) => void steps.push(run.step),
        onEvaluation: (run) => void evaluations.push(run.step),
        onRecord: (_run, record) => void rows.push(record.step),
      }],
    });
    assert.deepEqual(steps, Array.from({ length: 20 }, (_, i) => 3 * (i + 1)));
    assert.deepEqual(evaluations, [12, 21, 30, 42, 51, 60]);
    assert.equal(result.episode, 60);
    assert.equal(result.updates, 4);
    assert.deepEqual(rows, steps, 'env 0 ends an episode every step, so every step is a row');
  });

  it('is deterministic under a seed', async () => {
    const run = async (): Promise<{ slope: number; offset: number }> => {
      const agent = new ToyReinforce(new VectorBandit(4), { seed: 5, rolloutSteps: 2 });
      await learn(agent, { totalSteps: 400 });
      return agent.line();
    };
    assert.deepEqual(await run(), await run());
  });
});
