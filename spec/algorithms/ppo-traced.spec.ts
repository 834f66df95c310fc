/**
 * PPO's minibatch step is traced and replayed (engine/trace) by default, one schedule per batch
 * size, and so is the acting step of a point policy; a replayed run is the eager run bit for bit: every progress row and the final checkpoint
 * agree, with gradients that are clipped and that are not and an annealed learning rate (read live
 * on every replay). Runs that test the target KL or use a variational posterior stay eager, and
 * give the same numbers with tracing on.
 */
import { strict as assert } from 'node:assert';
import { setTracing, type CheckpointFiles } from '../../engine/index.ts';
import { make } from '../../envs/index.ts';
import { PPO, type PPOConfig } from '../../algorithms/ppo.ts';
import { learnedRecords, restoresTracing, withoutClock } from './helpers.ts';

/** 2 envs × 64 steps = 128 transitions in minibatches of 48, 48 and 32: two schedules. */
const TINY: Partial<PPOConfig> = {
  numEnvs: 2, rolloutSteps: 64, batchSize: 48, epochs: 3, hiddenSizes: [16, 16], learningRate: 3e-3, seed: 5,
  learningRateSchedule: 'linear', entropyCoefficient: 0.01, valueClipRange: 0.2,
};
const TOTAL_STEPS = 640; // 5 rollouts

interface Run {
  readonly rows: string[];
  readonly files: CheckpointFiles;
  readonly stats: [string, string][];
  readonly acting: [string, string][];
}

async function run(config: Partial<PPOConfig>, traced: boolean): Promise<Run> {
  setTracing(traced);
  const agent = new PPO(() => make('Pendulum-v1'), { ...TINY, ...config });
  const rows = await learnedRecords(agent, TOTAL_STEPS);
  return { rows, files: agent.toCheckpoint(), stats: agent.trainingStep.stats().map((s) => [s.key, s.state]),
    acting: agent.actingStep.stats().map((s) => [s.key, s.state]) };
}

describe('PPO: a traced and replayed minibatch step is the eager step, bit for bit', function () {
  this.timeout(120_000);
  restoresTracing();

  const cases: [string, Partial<PPOConfig>, boolean][] = [
    ['gradients always clipped (maxGradNorm 1e-3)', { maxGradNorm: 1e-3 }, true],
    ['gradients never clipped (maxGradNorm 1e3)', { maxGradNorm: 1e3 }, true],
    ['the state posterior with α annealed 0.1 → 0.01 (eager: rows gather their noise by index)', { posterior: 'state', posteriorTemperature: 0.1, finalPosteriorTemperature: 0.01 }, false],
    ['target KL (eager: the test stops before a step)', { targetKl: 0.01 }, false],
  ];
  for (const [name, config, replays] of cases) {
    it(`${name}: the same progress rows and checkpoint`, async () => {
      const eager = await run(config, false);
      const traced = await run(config, true);
      assert.deepEqual(eager.stats, []);
      assert.deepEqual(traced.stats.sort(), replays ? [['32', 'replaying'], ['48', 'replaying']] : []);
      assert.deepEqual(eager.acting, []);
      assert.deepEqual(traced.acting, config.posterior === 'state' ? [] : [['', 'replaying']]);
      assert.equal(traced.rows.length, eager.rows.length);
      assert.deepEqual(traced.rows, eager.rows);
      assert.deepEqual(withoutClock(traced.files), withoutClock(eager.files));
    });
  }
});
