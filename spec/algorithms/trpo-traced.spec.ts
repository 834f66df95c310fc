/**
 * TRPO's value regression step is traced and replayed (engine/trace), one schedule per minibatch
 * size, and so is the acting step of a point policy; the trust-region step itself stays eager. A
 * replayed run is the eager run bit for bit: every progress row and the final checkpoint agree, for
 * the point policy and for the parameter posterior (which acts eagerly).
 */
import { strict as assert } from 'node:assert';
import { setTracing, type CheckpointFiles } from '../../engine/index.ts';
import { make } from '../../envs/index.ts';
import { TRPO, type TRPOConfig } from '../../algorithms/trpo.ts';
import { learnedRecords, restoresTracing, withoutClock } from './helpers.ts';

/** 2 envs × 64 steps = 128 transitions in value minibatches of 48, 48 and 32: two schedules. */
const TINY: Partial<TRPOConfig> = { numEnvs: 2, rolloutSteps: 64, batchSize: 48, criticUpdates: 3, hiddenSizes: [16, 16], seed: 5 };
const TOTAL_STEPS = 640; // 5 rollouts

interface Run {
  readonly rows: string[];
  readonly files: CheckpointFiles;
  readonly value: [string, string][];
  readonly acting: [string, string][];
}

async function run(config: Partial<TRPOConfig>, traced: boolean): Promise<Run> {
  setTracing(traced);
  const agent = new TRPO(() => make('Pendulum-v1'), { ...TINY, ...config });
  const rows = await learnedRecords(agent, TOTAL_STEPS);
  const states = (f: { stats(): { key: string; state: string }[] }): [string, string][] => f.stats().map((s) => [s.key, s.state]);
  return { rows, files: agent.toCheckpoint(), value: states(agent.valueStep).sort(), acting: states(agent.actingStep) };
}

describe('TRPO: traced value steps and acting are the eager ones, bit for bit', function () {
  this.timeout(120_000);
  restoresTracing();

  for (const [name, config] of [['point policy', {}], ['parameter posterior', { posterior: 'parameter' }]] as const) {
    it(`${name}: the same progress rows and checkpoint`, async () => {
      const eager = await run(config, false);
      const traced = await run(config, true);
      assert.deepEqual([eager.value, eager.acting], [[], []]);
      assert.deepEqual(traced.value, [['32', 'replaying'], ['48', 'replaying']]);
      assert.deepEqual(traced.acting, name === 'point policy' ? [['', 'replaying']] : []);
      assert.equal(traced.rows.length, eager.rows.length);
      assert.deepEqual(traced.rows, eager.rows);
      assert.deepEqual(withoutClock(traced.files), withoutClock(eager.files));
    });
  }
});
