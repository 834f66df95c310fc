/**
 * The off-policy agents act through a traced step (algorithms/common/traced-acting.ts): explored and
 * deterministic actions replayed from a recording are those of eager acting bit for bit, including the
 * MCMC chains (their random draws and the live β), interleaved with updates that change the weights,
 * and after a checkpoint is restored into the agent.
 */
import { strict as assert } from 'node:assert';
import { setTracing } from '../../engine/index.ts';
import { make } from '../../envs/index.ts';
import { FlowSAC, HMCSAC, LangevinTD3, SAC, TD3 } from '../../algorithms/index.ts';
import type { TracedActing } from '../../algorithms/common/traced-acting.ts';
import { TINY, restoresTracing } from './helpers.ts';

interface ActingAgent {
  readonly acting: TracedActing;
  readonly actionSize: number;
  exploreAction(obs: Float32Array, out: Float32Array): void;
  predict(obs: ArrayLike<number>, options?: { deterministic?: boolean }): Float32Array;
  store(obs: Float32Array, action: Float32Array, reward: number, nextObs: ArrayLike<number>, terminated: boolean): void;
  update(): Record<string, number>;
  toCheckpoint(): Record<string, Uint8Array>;
  fromCheckpoint(files: Record<string, Uint8Array>): unknown;
}

const SMALL = { ...TINY, batchSize: 8, learningStarts: 0, seed: 4 };
const AGENTS: Record<string, () => ActingAgent> = {
  sac: () => new SAC(make('Pendulum-v1'), SMALL),
  td3: () => new TD3(make('Pendulum-v1'), SMALL),
  'hmc-sac': () => new HMCSAC(make('Pendulum-v1'), { ...SMALL, leapfrogSteps: 2, priorUpdateInterval: 2 }),
  'langevin-td3': () => new LangevinTD3(make('Pendulum-v1'), { ...SMALL, flowLayers: 2, priorUpdateInterval: 2 }),
  'flow-sac': () => new FlowSAC(make('Pendulum-v1'), SMALL),
};

/** Every action the agent takes over a fixed script of acting calls and updates, as float32 bits. */
function script(agent: ActingAgent): number[] {
  const bits: number[] = [];
  const keep = (a: Float32Array): void => void bits.push(...new Uint32Array(Float32Array.from(a).buffer));
  const out = new Float32Array(agent.actionSize);
  for (let i = 0; i < 24; i++) {
    const obs = Float32Array.from([Math.cos(i), Math.sin(i), 0.3 * i - 3]);
    agent.exploreAction(obs, out);
    keep(out);
    agent.store(obs, out, -i / 10, Float32Array.from([Math.cos(i + 1), Math.sin(i + 1), 0]), false);
    keep(agent.predict(obs));
    if (i % 3 === 0) keep(agent.predict(obs, { deterministic: false }));
    if (i >= 8 && i % 4 === 0) agent.update();
    if (i === 16) agent.fromCheckpoint(agent.toCheckpoint());
  }
  return bits;
}

describe('off-policy acting: the traced step acts as eager acting, bit for bit', function () {
  this.timeout(120_000);
  restoresTracing();

  for (const [name, build] of Object.entries(AGENTS)) {
    it(`${name}: explored, deterministic and sampled actions`, () => {
      setTracing(false);
      const eager = script(build());
      setTracing(true);
      const agent = build();
      const traced = script(agent);
      assert.equal(traced.length, eager.length);
      assert.deepEqual(traced, eager);
      const kinds = agent.acting.step.stats().map((s) => [s.key, s.state]).sort();
      const expected = name === 'td3' || name === 'langevin-td3' ? [['deterministic', 'replaying']] : [['deterministic', 'replaying'], ['explore', 'replaying']];
      assert.deepEqual(kinds, expected);
    });
  }

  it('refuses an observation of the wrong size, naming both sizes, a string, or an entry that is not a finite number, naming it', () => {
    const agent = AGENTS['hmc-sac']();
    assert.throws(() => agent.predict([1, 2]), /expected an observation of 3 values, got 2/);
    assert.throws(() => agent.exploreAction(new Float32Array(4), new Float32Array(1)), /expected an observation of 3 values, got 4/);
    assert.throws(() => agent.predict([0.5, NaN, 1]), /observation\[1\] must be a finite number, got NaN/);
    assert.throws(() => agent.predict('abc' as never), /^TypeError: HMC-SAC\.predict: the observation must be an array of 3 numbers, got "abc"$/);
    assert.throws(() => agent.predict([0, 0, -Infinity]), /observation\[2\] must be a finite number, got -Infinity/);
  });
});
