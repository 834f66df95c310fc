import assert from 'node:assert/strict';
import { PendulumEnv } from '../../envs/classic/pendulum.ts';
import { MultiGoalEnv } from '../../envs/control/multi-goal.ts';
import type { EnvState } from '../../envs/core/types.ts';
import { make } from '../../envs/registry.ts';
import { ClipAction } from '../../envs/wrappers/clip-action.ts';
import { NormalizeObservation, RunningMeanStd } from '../../envs/wrappers/normalize-observation.ts';
import { RecordEpisodeStatistics } from '../../envs/wrappers/record-episode-statistics.ts';
import { RescaleAction } from '../../envs/wrappers/rescale-action.ts';
import { TimeLimit } from '../../envs/wrappers/time-limit.ts';
import { startAt } from './helpers.ts';

describe('TimeLimit', () => {
  it('truncates (never terminates) at maxEpisodeSteps, then refuses to step until reset', () => {
    const env = make('Pendulum-v1');
    assert.ok(env instanceof TimeLimit && env.maxEpisodeSteps === 200);
    env.reset({ seed: 0 });
    for (let t = 1; t < 200; t++) assert.equal(env.step([0]).truncated, false);
    const last = env.step([0]);
    assert.equal(last.truncated, true);
    assert.equal(last.terminated, false);
    assert.throws(() => env.step([0]), /Pendulum-v1: step\(\) called after the episode ended \(step 200 of 200\)/);
    env.reset();
    assert.equal(env.step([0]).truncated, false);
  });

  it('keeps terminated from the env, and both flags can be true together', () => {
    const env = new TimeLimit(new MultiGoalEnv(), 5);
    startAt(env, [0, 0]);
    for (let t = 0; t < 4; t++) env.step([1, 0]); // reaches x = 4 after 4 steps
    const last = env.step([0.5, 0]); // x = 4.5: within 1 of (5, 0) on step 5
    assert.equal(last.terminated, true);
    assert.equal(last.truncated, true);
  });

  it('rejects a non-positive or fractional limit', () => {
    assert.throws(() => new TimeLimit(new PendulumEnv(), 0), /Pendulum-v1: TimeLimit: maxEpisodeSteps must be an integer > 0, got 0/);
    assert.throws(() => new TimeLimit(new PendulumEnv(), 2.5), /got 2.5/);
  });
});

describe('RecordEpisodeStatistics', () => {
  it('reports { r, l, t } only on the last step, with the exact return and length', () => {
    const env = new RecordEpisodeStatistics(make('Pendulum-v1', { maxEpisodeSteps: 7 }));
    env.reset({ seed: 5 });
    let total = 0;
    for (let t = 1; t <= 7; t++) {
      const { reward, info, truncated } = env.step([0.3]);
      total += reward;
      if (t < 7) assert.equal(info.episode, undefined);
      else {
        assert.equal(truncated, true);
        assert.equal(info.episode!.r, total);
        assert.equal(info.episode!.l, 7);
        assert.ok(info.episode!.t >= 0 && info.episode!.t < 5);
      }
    }
    assert.deepEqual(env.returnQueue, [total]);
    assert.deepEqual(env.lengthQueue, [7]);
  });

  it('does not mutate the inner env info and bounds its queues by bufferLength', () => {
    const env = new RecordEpisodeStatistics(make('MultiGoal-v0', { maxEpisodeSteps: 2 }), 3);
    for (let episode = 0; episode < 5; episode++) {
      env.reset({ seed: episode });
      env.step([0, 0]);
      const { info } = env.step([0, 0]);
      assert.ok(info.episode !== undefined);
      assert.ok(!Object.isFrozen(info));
    }
    assert.equal(env.returnQueue.length, 3);
    assert.equal(env.lengthQueue.every((l) => l === 2), true);

    const shorter = new RecordEpisodeStatistics(make('MultiGoal-v0', { maxEpisodeSteps: 2 }), 2);
    shorter.setState(env.getState());
    assert.deepEqual(shorter.returnQueue, env.returnQueue.slice(1), 'a restored state keeps the newest bufferLength episodes');
    assert.equal(shorter.timeQueue.length, 2);
  });
});

describe('ClipAction', () => {
  it('exposes an unbounded space and clips before stepping', () => {
    const clipped = new ClipAction(new PendulumEnv());
    assert.equal(clipped.actionSpace.low[0], -Infinity);
    const raw = new PendulumEnv();
    startAt(clipped, [1, 0, 0]);
    startAt(raw, [1, 0, 0]);
    assert.deepEqual(Array.from(clipped.step([50]).obs), Array.from(raw.step([2]).obs));
    assert.throws(() => clipped.step([Infinity]), /Pendulum-v1: action\[0\] = Infinity is not finite/);
  });
});

describe('RescaleAction', () => {
  it('maps [−1, 1] affinely onto Pendulum’s [−2, 2]: −1 ↦ −2, 0 ↦ 0, 0.5 ↦ 1, 1 ↦ 2', () => {
    const scaled = new RescaleAction(new PendulumEnv(), -1, 1);
    assert.deepEqual(Array.from(scaled.actionSpace.high), [1]);
    for (const [policy, torque] of [[-1, -2], [0, 0], [0.5, 1], [1, 2]] as const) {
      const raw = new PendulumEnv();
      startAt(scaled, [0.7, 0.1, 0]);
      startAt(raw, [0.7, 0.1, 0]);
      const a = scaled.step([policy]);
      const b = raw.step([torque]);
      assert.deepEqual([Array.from(a.obs), a.reward], [Array.from(b.obs), b.reward]);
    }
  });

  it('maps per-coordinate bounds, e.g. [0, 10] × [−5, 5] onto MultiGoal’s [−1, 1]²', () => {
    const scaled = new RescaleAction(new MultiGoalEnv(), [0, -5], [10, 5]);
    startAt(scaled, [0, 0]);
    // (7.5, −2.5) ↦ (0.5, −0.5)
    assert.deepEqual(Array.from(scaled.step([7.5, -2.5]).obs), [0.5, -0.5]);
  });

  it('rejects min ≥ max', () => {
    assert.throws(() => new RescaleAction(new PendulumEnv(), 1, 1), /Pendulum-v1: RescaleAction: need finite minAction < maxAction, got \[1, 1\]/);
  });
});

describe('NormalizeObservation', () => {
  it('RunningMeanStd matches the batch mean/variance (with Gymnasium’s 1e-4 prior)', () => {
    const stats = new RunningMeanStd(1);
    const xs = [1, 4, -2, 8, 3];
    for (const x of xs) stats.update([x]);
    const mean = xs.reduce((a, b) => a + b) / xs.length;
    const variance = xs.reduce((a, b) => a + (b - mean) ** 2, 0) / xs.length;
    // Prior: mean 0, variance 1, weight 1e-4.
    const n = 1e-4 + xs.length;
    const expectedMean = (xs.length * mean) / n;
    const expectedVariance = (1e-4 * 1 + xs.length * variance + ((1e-4 * xs.length) / n) * mean * mean) / n;
    assert.ok(Math.abs(stats.mean[0]! - expectedMean) < 1e-12);
    assert.ok(Math.abs(stats.variance[0]! - expectedVariance) < 1e-12);
    assert.equal(stats.count, n);
  });

  it('returns float32 (obs − mean)/sqrt(var + 1e-8) using the stats updated with this obs', () => {
    const env = new NormalizeObservation(new PendulumEnv());
    const { obs } = env.reset({ seed: 1 });
    const raw = new PendulumEnv();
    const rawObs = raw.reset({ seed: 1 }).obs;
    for (let i = 0; i < 3; i++) {
      const expected = (rawObs[i]! - env.stats.mean[i]!) / Math.sqrt(env.stats.variance[i]! + 1e-8);
      assert.equal(obs[i], Math.fround(expected));
    }
    assert.equal(env.observationSpace.high[0], Infinity);
  });

  it('freezes with updateRunningMean = false and restores its statistics with setState', () => {
    const env = new NormalizeObservation(make('Pendulum-v1'));
    env.reset({ seed: 2 });
    for (let t = 0; t < 50; t++) env.step([1]);
    const checkpoint = JSON.parse(JSON.stringify(env.getState())) as EnvState;
    const countBefore = env.stats.count;

    env.updateRunningMean = false;
    for (let t = 0; t < 10; t++) env.step([1]);
    assert.equal(env.stats.count, countBefore, 'frozen statistics do not move');

    const continuation = () => Array.from({ length: 5 }, () => Array.from(env.step([-1]).obs));
    env.updateRunningMean = true;
    env.setState(checkpoint);
    const first = continuation();
    env.setState(checkpoint);
    assert.deepEqual(continuation(), first);
    assert.equal(env.stats.count, countBefore + 5);

    const fresh = new NormalizeObservation(make('Pendulum-v1'));
    fresh.setState(checkpoint);
    assert.deepEqual(Array.from(fresh.stats.mean), checkpoint.mean);
    assert.equal(fresh.stats.count, countBefore);
  });
});
