import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { Generator, Tensor, noGrad } from '../../engine/index.ts';
import { Normalizer, PPO, RunningMeanStd, type ContinuousEnv, type ProgressRecord, type StepResult } from '../../algorithms/index.ts';
import { BanditEnv } from './bandit-env.ts';

/** A 1-D walk whose episodes are cut by a time limit every `limit` steps (truncated, never terminated). */
class TruncatedWalk implements ContinuousEnv {
  readonly observationSpace = { shape: [1] };
  readonly actionSpace = { shape: [1], low: Float32Array.of(-1), high: Float32Array.of(1) };
  private position = 0;
  private steps = 0;
  constructor(private readonly limit: number) {}
  reset(): { obs: Float32Array } {
    this.position = 0;
    this.steps = 0;
    return { obs: Float32Array.of(0) };
  }
  step(action: Float32Array): StepResult {
    this.position += action[0];
    this.steps++;
    return { obs: Float32Array.of(this.position), reward: 1, terminated: false, truncated: this.steps === this.limit };
  }
}

describe('on-policy details', () => {
  it('a truncated step stores r + γ·V(final observation); other steps store r', () => {
    const agent = new PPO(() => new TruncatedWalk(3), { numEnvs: 1, rolloutSteps: 6, batchSize: 6, gamma: 0.9 });
    const observations = new Float32Array(1);
    const action = new Float32Array(1);
    const env = agent.env;
    observations.set(env.reset({ seed: 0 }).obs);
    const finals: number[] = [];
    for (let t = 0; t < 6; t++) {
      agent.act(observations, action);
      const before = Float32Array.from(observations);
      const step = env.step(action);
      if (step.truncations[0]) finals.push(step.info.finalObs[0]);
      agent.observe({ observations: before, actions: action, rewards: step.rewards, terminations: step.terminations, truncations: step.truncations,
        finalObservations: step.info.finalObs, finalMask: step.info.finalObsMask });
      observations.set(step.obs);
    }
    const value = (x: number): number => noGrad(() => agent.value.forward(new Tensor(Float32Array.of(x), [1, 1])).item());
    const rewards = agent.rollout.rewards;
    assert.deepEqual([rewards[0], rewards[1], rewards[3], rewards[4]], [1, 1, 1, 1]);
    assert.ok(Math.abs(rewards[2] - (1 + 0.9 * value(finals[0]))) < 1e-6, `${rewards[2]}`);
    assert.ok(Math.abs(rewards[5] - (1 + 0.9 * value(finals[1]))) < 1e-6, `${rewards[5]}`);
  });

  it('running mean and variance merge batches exactly as the statistics of all values seen (Chan et al.)', () => {
    fc.assert(fc.property(fc.array(fc.integer({ min: 1, max: 20 }), { minLength: 1, maxLength: 6 }), fc.integer({ min: 0, max: 2 ** 31 }), (sizes, seed) => {
      const rng = new Generator(seed);
      const stats = new RunningMeanStd(2);
      const all: number[][] = [];
      for (const rows of sizes) {
        const batch = Array.from({ length: rows * 2 }, () => 3 + 2 * rng.normal());
        stats.update(batch, rows);
        for (let r = 0; r < rows; r++) all.push([batch[2 * r], batch[2 * r + 1]]);
      }
      // Prior: count 1e-4 at mean 0, variance 1.
      const prior = 1e-4;
      const n = all.length + prior;
      for (let i = 0; i < 2; i++) {
        const sum = all.reduce((s, v) => s + v[i], 0);
        const mean = sum / n;
        const m2 = all.reduce((s, v) => s + (v[i] - mean) ** 2, 0) + prior * (1 + mean ** 2);
        assert.ok(Math.abs(stats.mean.data[i] - mean) < 1e-9 * Math.max(1, Math.abs(mean)));
        assert.ok(Math.abs(stats.variance.data[i] - m2 / n) < 1e-8 * Math.max(1, m2 / n));
      }
    }), { numRuns: 50 });
  });

  it('rewards are divided by the running std of the discounted return, which restarts after an episode ends', () => {
    const normalizer = new Normalizer(1, 1, { observations: true, rewards: true, clip: 1e6, gamma: 0.5 });
    const out = new Float64Array(1);
    const returns: number[] = [];
    const rewards = [1, 2, 3, 4];
    const done = [false, true, false, false];
    let g = 0;
    const stats = new RunningMeanStd(1);
    rewards.forEach((r, t) => {
      g = g * 0.5 + r;
      stats.update([g], 1);
      normalizer.rewards([r], () => done[t], out);
      returns.push(out[0]);
      assert.ok(Math.abs(out[0] - r / Math.sqrt(stats.variance.data[0] + 1e-8)) < 1e-12, `step ${t}`);
      if (done[t]) g = 0;
    });
    const obs = normalizer.observations([5], 1, new Float32Array(1), true);
    assert.ok(Math.abs(obs[0] - Math.fround((5 - normalizer.observationStats.mean.data[0]) / Math.sqrt(normalizer.observationStats.variance.data[0] + 1e-8))) < 1e-6);
    assert.equal(normalizer.observations([1e12], 1, new Float32Array(1), false)[0], 1e6, 'clipped');
  });

  it('PPO anneals the learning rate linearly to 0 and stops its epochs early past 1.5 × targetKl', async () => {
    const rates: number[] = [];
    const epochs: number[] = [];
    const agent = new PPO(() => new BanditEnv(), { numEnvs: 4, rolloutSteps: 8, batchSize: 8, epochs: 20, learningRate: 1e-2, learningRateSchedule: 'linear', targetKl: 1e-4 });
    const record = (_: unknown, r: ProgressRecord): void => {
      if (r.metrics.learning_rate !== undefined) rates.push(r.metrics.learning_rate);
      if (r.metrics.epochs_run !== undefined) epochs.push(r.metrics.epochs_run);
    };
    await agent.learn({ totalSteps: 320, callbacks: [{ onRecord: record }] });
    assert.equal(rates.length, 10);
    rates.forEach((rate, i) => assert.ok(Math.abs(rate - 1e-2 * (1 - (32 * (i + 1)) / 320)) < 1e-12, `iteration ${i}: ${rate}`));
    assert.ok(epochs.some((e) => e < 20), `epochs run: ${epochs.join(', ')}`);
  });
});
