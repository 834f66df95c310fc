/**
 * Observation and reward normalisation as SB3's VecNormalize, checked against values computed here
 * in float64 from the definitions: running mean/variance with a prior of count 1e-4 at mean 0,
 * variance 1; observations centred and scaled, rewards only scaled by the std of the discounted
 * return; both clipped; the return restarted per env at termination or truncation; statistics
 * untouched by evaluation and carried by checkpoints.
 */
import { strict as assert } from 'node:assert';
import { Normalizer, PPO, type ContinuousEnv, type StepResult } from '../../algorithms/index.ts';

const PRIOR = 1e-4;
const EPSILON = 1e-8;

/** Mean and population variance of `values` merged with the prior (count 1e-4, mean 0, variance 1). */
function withPrior(values: number[]): { mean: number; variance: number } {
  const n = values.length + PRIOR;
  const mean = values.reduce((s, v) => s + v, 0) / n;
  // The prior contributes count·(var + (0 − mean)²) to the sum of squared deviations.
  const m2 = values.reduce((s, v) => s + (v - mean) ** 2, 0) + PRIOR * (1 + mean ** 2);
  return { mean, variance: m2 / n };
}

const close = (actual: number, expected: number, what: string): void =>
  assert.ok(Math.abs(actual - expected) <= 1e-9 * Math.max(1, Math.abs(expected)), `${what}: ${actual}, expected ${expected}`);

/** Constant observation `level`, reward 1 per step, truncated every `limit` steps, never terminated. */
class ConstantEnv implements ContinuousEnv {
  readonly observationSpace = { shape: [1] };
  readonly actionSpace = { shape: [1], low: Float32Array.of(-1), high: Float32Array.of(1) };
  constructor(private readonly level: number) {}
  reset(): { obs: Float32Array } {
    return { obs: Float32Array.of(this.level) };
  }
  step(): StepResult {
    return { obs: Float32Array.of(this.level), reward: 1, terminated: false, truncated: false };
  }
}

function ppo(): PPO {
  return new PPO(() => new ConstantEnv(3), { numEnvs: 2, rolloutSteps: 8, batchSize: 8, gamma: 0.5, normalizeObservations: true, normalizeRewards: true, seed: 1 });
}

/** One acting and observing step of `agent` with the given per-env rewards and episode ends. */
function step(agent: PPO, observations: Float32Array, rewards: number[], terminations: number[], truncations: number[]): void {
  const actions = new Float32Array(2);
  agent.act(observations, actions);
  const ended = terminations.map((t, e) => (t || truncations[e] ? 1 : 0));
  agent.observe({
    observations, actions, rewards, terminations, truncations,
    finalObservations: Float32Array.of(1e3, 1e3), finalMask: ended,
  });
}

describe('observation and reward normalisation (VecNormalize)', () => {
  describe('observations', () => {
    it('are centred and scaled by the statistics including the batch being normalised, and only an updating call moves them', () => {
      const normalizer = new Normalizer(2, 2, { observations: true, rewards: false, clip: 10, gamma: 0.99 });
      const batches = [[1, 10, 3, 20], [2, -5, 6, 0]];
      const seen: number[][] = [[], []];
      for (const batch of batches) {
        for (let r = 0; r < 2; r++) for (let i = 0; i < 2; i++) seen[i].push(batch[r * 2 + i]);
        const out = normalizer.observations(batch, 2, new Float32Array(4), true);
        for (let i = 0; i < 2; i++) {
          const { mean, variance } = withPrior(seen[i]);
          close(normalizer.observationStats.mean.data[i], mean, `mean ${i}`);
          close(normalizer.observationStats.variance.data[i], variance, `variance ${i}`);
          for (let r = 0; r < 2; r++) {
            assert.equal(out[r * 2 + i], Math.fround((batch[r * 2 + i] - mean) / Math.sqrt(variance + EPSILON)), `row ${r} feature ${i}`);
          }
        }
      }
      const before = Array.from(normalizer.observationStats.mean.data).concat(Array.from(normalizer.observationStats.variance.data));
      normalizer.observations([100, 100], 1, new Float32Array(2), false);
      assert.deepEqual(Array.from(normalizer.observationStats.mean.data).concat(Array.from(normalizer.observationStats.variance.data)), before);
      assert.equal(normalizer.observationStats.count.data[0], 4 + PRIOR);
    });

    it('are clipped to ±clip on both sides', () => {
      const normalizer = new Normalizer(1, 1, { observations: true, rewards: false, clip: 2.5, gamma: 0.99 });
      // Prior statistics (mean 0, variance 1): z = x / √(1 + 1e-8).
      const out = normalizer.observations([-7, -1, 1, 7], 4, new Float32Array(4), false);
      assert.deepEqual(Array.from(out), [-2.5, Math.fround(-1 / Math.sqrt(1 + EPSILON)), Math.fround(1 / Math.sqrt(1 + EPSILON)), 2.5]);
    });
  });

  describe('rewards', () => {
    it('each env keeps its own discounted return, restarted only where that env\'s episode ended', () => {
      const gamma = 0.9;
      const normalizer = new Normalizer(1, 3, { observations: false, rewards: true, clip: 1e9, gamma });
      const rewards = [[1, 2, 3], [4, 5, 6], [-1, 0.5, 2], [3, 3, 3]];
      const done = [[false, true, false], [true, false, false], [false, false, true], [false, false, false]];
      const returns = [0, 0, 0];
      const history: number[] = [];
      const out = new Float64Array(3);
      rewards.forEach((row, t) => {
        for (let e = 0; e < 3; e++) {
          returns[e] = returns[e] * gamma + row[e];
          history.push(returns[e]);
        }
        const { variance } = withPrior(history);
        normalizer.rewards(row, (e) => done[t][e], out);
        for (let e = 0; e < 3; e++) close(out[e], row[e] / Math.sqrt(variance + EPSILON), `step ${t} env ${e}`);
        for (let e = 0; e < 3; e++) if (done[t][e]) returns[e] = 0;
        assert.deepEqual(Array.from(normalizer.runningReturns.data), returns, `returns after step ${t}`);
      });
    });

    it('are clipped to ±clip after scaling', () => {
      const normalizer = new Normalizer(1, 2, { observations: false, rewards: true, clip: 0.5, gamma: 0.99 });
      const out = normalizer.rewards([100, -100], () => false, new Float64Array(2));
      assert.deepEqual(Array.from(out), [0.5, -0.5]);
    });
  });

  it('options that would make every output NaN or a constant are refused at construction', () => {
    const base = { observations: true, rewards: true, clip: 10, gamma: 0.99 };
    const refused: [Record<string, unknown>, RegExp][] = [
      [{ ...base, clip: undefined }, /^Normalizer: options\.clip must be a number > 0, got undefined$/],
      [{ ...base, clip: NaN }, /^Normalizer: options\.clip must be a number > 0, got NaN$/],
      [{ ...base, clip: 0 }, /^Normalizer: options\.clip must be a number > 0, got 0$/],
      [{ ...base, gamma: 1.5 }, /^Normalizer: options\.gamma must be a number in \[0, 1\], got 1\.5$/],
      [{ ...base, gamma: undefined }, /^Normalizer: options\.gamma must be a number in \[0, 1\], got undefined$/],
      [{ ...base, rewards: 'yes' }, /^Normalizer: options\.rewards must be a boolean, got "yes"$/],
    ];
    for (const [options, message] of refused) {
      assert.throws(() => new Normalizer(1, 1, options as never), (e: Error) => message.test(e.message), String(message));
    }
    const unclipped = new Normalizer(1, 1, { ...base, clip: Infinity });
    assert.equal(unclipped.observations([1e6], 1, new Float32Array(1), false)[0], Math.fround(1e6 / Math.sqrt(1 + EPSILON)));
  });

  describe('in an on-policy agent', () => {
    it('a truncation restarts the env\'s running return like a termination does', () => {
      const agent = ppo();
      const observations = Float32Array.of(3, 3);
      step(agent, observations, [1, 1], [0, 0], [0, 0]);
      assert.deepEqual(Array.from(agent.normalizer.runningReturns.data), [1, 1]);
      step(agent, observations, [1, 1], [0, 1], [1, 0]);
      assert.deepEqual(Array.from(agent.normalizer.runningReturns.data), [0, 0]);
    });

    it('final observations of ended episodes and predict leave the statistics as they were', () => {
      const agent = ppo();
      const observations = Float32Array.of(3, 3);
      step(agent, observations, [1, 1], [0, 0], [0, 0]);
      // The finals (1e3) are normalised with the current statistics but not merged into them.
      step(agent, observations, [1, 1], [0, 0], [1, 1]);
      const { mean, variance } = withPrior([3, 3, 3, 3]);
      close(agent.normalizer.observationStats.mean.data[0], mean, 'mean after acting');
      close(agent.normalizer.observationStats.variance.data[0], variance, 'variance after acting');
      for (let i = 0; i < 5; i++) agent.predict([50 * i], { deterministic: true });
      close(agent.normalizer.observationStats.mean.data[0], mean, 'mean after predict');
      assert.equal(agent.normalizer.observationStats.count.data[0], 4 + PRIOR);
    });

    it('checkpoints carry the statistics and the running returns, so a restored agent acts the same', () => {
      const agent = ppo();
      step(agent, Float32Array.of(3, 3), [1, 2], [0, 0], [0, 0]);
      step(agent, Float32Array.of(3, 3), [4, 8], [0, 0], [0, 0]);
      const restored = ppo().fromCheckpoint(agent.toCheckpoint());
      for (const key of ['observationStats.mean', 'observationStats.variance', 'observationStats.count', 'returnStats.mean', 'returnStats.variance', 'returnStats.count', 'runningReturns']) {
        const saved = agent.normalizer.stateDict()[key].data;
        assert.deepEqual(Array.from(restored.normalizer.stateDict()[key].data), Array.from(saved), key);
      }
      assert.notEqual(restored.normalizer.observationStats.count.data[0], PRIOR, 'the statistics moved before saving');
      assert.deepEqual(restored.predict([5], { deterministic: true }), agent.predict([5], { deterministic: true }));
    });
  });
});
