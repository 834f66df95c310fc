/**
 * The MCMC agents' updates are traced and replayed (engine/trace) by default, and a replayed run is
 * the eager run, bit for bit: a short Pendulum-v1 run with tracing off and one with tracing on give the
 * same losses at every update and the same checkpoint files. The configs refresh θ_t and move the
 * targets on different updates (copies that run around the traced step), and every schedule of the
 * step runs often enough to reach replay.
 */
import { strict as assert } from 'node:assert';
import { setTracing, type CheckpointFiles, type TraceStats } from '../../../engine/index.ts';
import { make } from '../../../envs/index.ts';
import { FlowSAC } from '../../../algorithms/flow-sac.ts';
import { HMCSAC } from '../../../algorithms/hmc-sac.ts';
import { LangevinTD3 } from '../../../algorithms/langevin-td3.ts';
import { restoresTracing, withoutClock } from '../helpers.ts';

/** Tiny networks; `learningStarts` 50 of 300 steps leaves 250 updates. */
const TINY = { hiddenSizes: [16, 16], batchSize: 32, learningStarts: 50, bufferSize: 1000, seed: 7 };
const TOTAL_STEPS = 300;

interface TracedAgent {
  readonly trainingStep: { stats(): TraceStats[] };
  update(): Record<string, number>;
  learn(options: { totalSteps: number }): Promise<unknown>;
  toCheckpoint(): CheckpointFiles;
}

interface Run {
  readonly losses: Record<string, number>[];
  readonly files: CheckpointFiles;
  readonly stats: TraceStats[];
}

/** Trains a fresh agent with tracing on or off; records the losses of every update and the final checkpoint. */
async function run(build: () => TracedAgent, traced: boolean): Promise<Run> {
  setTracing(traced);
  const agent = build();
  const losses: Record<string, number>[] = [];
  const update = agent.update.bind(agent);
  agent.update = () => {
    const metrics = update();
    losses.push({ ...metrics });
    return metrics;
  };
  await agent.learn({ totalSteps: TOTAL_STEPS });
  return { losses, files: agent.toCheckpoint(), stats: agent.trainingStep.stats() };
}

/** The float64 bit pattern of every loss, so that −0, NaN payloads and the last ulp all count. */
function lossBits(losses: readonly Record<string, number>[]): Record<string, string>[] {
  const view = new DataView(new ArrayBuffer(8));
  return losses.map((row) => Object.fromEntries(Object.entries(row).map(([name, value]) => {
    view.setFloat64(0, value);
    return [name, view.getBigUint64(0).toString(16)];
  })));
}

const cases: { name: string; build: () => TracedAgent; schedules: string[] }[] = [
  {
    // θ_t refreshed every 3 updates, targets moved every 2.
    name: 'HMC-SAC (K = 2, alternating θ and h steps)',
    build: () => new HMCSAC(make('Pendulum-v1'), {
      ...TINY, leapfrogSteps: 2, gateHiddenSizes: [4], priorUpdateInterval: 3, targetUpdateInterval: 2,
    }),
    schedules: ['critic+actor+chain'],
  },
  {
    // The other branches: joint θ/h step, U on critic 1, learned α, SAC's next action in the critic target.
    name: 'HMC-SAC (joint update, chainCritic first, learned α, policy next action)',
    build: () => new HMCSAC(make('Pendulum-v1'), {
      ...TINY, leapfrogSteps: 2, gateHiddenSizes: [4], priorUpdateInterval: 5, chainUpdate: 'joint', chainCritic: 'first',
      learnAlpha: true, criticNextAction: 'policy',
    }),
    schedules: ['critic+actor+chain'],
  },
  {
    // policyDelay 2 and θ_t every 3 updates, so that refreshes fall on both schedules.
    name: 'Langevin-TD3 (K = 2 layers, alternating θ and h steps)',
    build: () => new LangevinTD3(make('Pendulum-v1'), { ...TINY, flowLayers: 2, flowHiddenSizes: [4], priorUpdateInterval: 3 }),
    schedules: ['critic', 'critic+actor'],
  },
  {
    name: 'Langevin-TD3 (joint update, frozen penalty prior, actor next action)',
    build: () => new LangevinTD3(make('Pendulum-v1'), {
      ...TINY, flowLayers: 2, flowHiddenSizes: [4], priorUpdateInterval: 4, policyDelay: 1, chainUpdate: 'joint',
      penaltyPrior: 'frozen', criticNextAction: 'actor',
    }),
    schedules: ['critic+actor'],
  },
  {
    name: 'flow-SAC (2 RealNVP layers, targets every second update)',
    build: () => new FlowSAC(make('Pendulum-v1'), { ...TINY, flowLayers: 2, flowHiddenSizes: [8], targetUpdateInterval: 2 }),
    schedules: ['critic+actor'],
  },
];

describe('MCMC agents: a traced and replayed update is the eager update, bit for bit (Pendulum-v1)', () => {
  restoresTracing();

  for (const { name, build, schedules } of cases) {
    it(`${name}: the same losses at every update and the same checkpoint, every schedule replaying`, async () => {
      const eager = await run(build, false);
      const traced = await run(build, true);
      assert.deepEqual(eager.stats, [], 'with tracing off nothing is recorded');
      assert.deepEqual(
        traced.stats.map((s) => [s.key, s.state]).sort(),
        schedules.map((key) => [key, 'replaying']).sort(),
        'each schedule reached replay',
      );
      assert.equal(traced.losses.length, TOTAL_STEPS - TINY.learningStarts + 1);
      assert.deepEqual(lossBits(traced.losses), lossBits(eager.losses));
      assert.deepEqual(withoutClock(traced.files), withoutClock(eager.files));
    });
  }
});
