/**
 * Gymnasium 1.x semantics of the wrappers and of SyncVectorEnv's autoreset, checked on a scripted env whose
 * observations, rewards, ends and infos are known in advance, so every expected value is written by hand.
 */
import assert from 'node:assert/strict';
import { PendulumEnv } from '../../envs/classic/pendulum.ts';
import { Box } from '../../envs/core/spaces.ts';
import type { Action, Env, EnvState, Info, ResetArgs, ResetResult, StepResult } from '../../envs/core/types.ts';
import { make } from '../../envs/registry.ts';
import { SyncVectorEnv, type AutoresetMode } from '../../envs/vector/sync-vector-env.ts';
import { ClipAction } from '../../envs/wrappers/clip-action.ts';
import { NormalizeObservation } from '../../envs/wrappers/normalize-observation.ts';
import { RecordEpisodeStatistics } from '../../envs/wrappers/record-episode-statistics.ts';
import { TimeLimit } from '../../envs/wrappers/time-limit.ts';

/**
 * A one-dimensional env: reset observes `resetObs`; step t (1-based) observes t, rewards `rewards[t − 1]`
 * (0 beyond the list) and terminates at step `terminateAt`. Like the built-in envs it reuses one info object,
 * `{ phase: 'reset' }` after reset and `{ phase: 'step', t }` after a step (its observations are fresh arrays), and it
 * keeps the last action it was given, unclipped.
 */
class ScriptedEnv implements Env {
  readonly id = 'Scripted-v0';
  readonly observationSpace = new Box({ low: -100, high: 100, shape: [1], dtype: 'float32' });
  readonly actionSpace = new Box({ low: [-1, 0], high: [1, 2], dtype: 'float32' });
  readonly metadata = { renderModes: [], renderFps: 0 };
  lastAction: number[] = [];
  resets = 0;
  private t = 0;
  private readonly info: Info = {};

  constructor(
    private readonly rewards: readonly number[] = [],
    private readonly terminateAt = Infinity,
    private readonly resetObs = 0,
  ) {}

  get unwrapped(): Env {
    return this;
  }
  reset(_args?: ResetArgs): ResetResult {
    this.t = 0;
    this.resets += 1;
    for (const key of Object.keys(this.info)) delete this.info[key];
    this.info.phase = 'reset';
    return { obs: Float32Array.of(this.resetObs), info: this.info };
  }
  step(action: Action): StepResult {
    this.lastAction = Array.from(action);
    this.t += 1;
    this.info.phase = 'step';
    this.info.t = this.t;
    return { obs: Float32Array.of(this.t), reward: this.rewards[this.t - 1] ?? 0, terminated: this.t >= this.terminateAt, truncated: false, info: this.info };
  }
  close(): void {}
  getState(): EnvState {
    return { t: this.t };
  }
  setState(state: EnvState): void {
    this.t = state.t as number;
  }
  renderSvg(): string {
    return '<svg xmlns="http://www.w3.org/2000/svg"/>';
  }
}

describe('TimeLimit semantics', () => {
  it('keeps a truncation signalled by the wrapped env before its own limit', () => {
    const env = new TimeLimit(new TimeLimit(new ScriptedEnv(), 3), 10);
    env.reset();
    assert.deepEqual([env.step([0, 0]).truncated, env.step([0, 0]).truncated], [false, false]);
    const third = env.step([0, 0]);
    assert.deepEqual([third.terminated, third.truncated], [false, true]);
  });

  it('refuses to step after a termination, as after a truncation', () => {
    const env = new TimeLimit(new ScriptedEnv([], 2), 100);
    env.reset();
    env.step([0, 0]);
    assert.deepEqual([env.step([0, 0]).terminated, env.elapsed], [true, 2]);
    assert.throws(() => env.step([0, 0]), /Scripted-v0: step\(\) called after the episode ended \(step 2 of 100\)/);
  });
});

describe('RecordEpisodeStatistics semantics', () => {
  it('restarts the return and length at every reset', () => {
    const env = new RecordEpisodeStatistics(new TimeLimit(new ScriptedEnv([1, 10, 100]), 2));
    env.reset();
    env.step([0, 0]);
    assert.deepEqual([env.step([0, 0]).info.episode!.r, env.returnQueue], [11, [11]]);
    env.reset();
    env.step([0, 0]);
    const { info } = env.step([0, 0]);
    assert.deepEqual([info.episode!.r, info.episode!.l], [11, 2]);
    assert.deepEqual(env.returnQueue, [11, 11]);
  });

  it('times each episode from its own reset, in seconds', () => {
    const realNow = performance.now;
    let clockMs = 1000;
    performance.now = () => clockMs;
    try {
      const env = new RecordEpisodeStatistics(new TimeLimit(new ScriptedEnv(), 1));
      env.reset();
      clockMs = 1500;
      assert.equal(env.step([0, 0]).info.episode!.t, 0.5);
      clockMs = 4000;
      env.reset();
      clockMs = 4000.25;
      assert.equal(env.step([0, 0]).info.episode!.t, 0.00025);
      assert.deepEqual(env.timeQueue, [0.5, 0.00025]);
    } finally {
      performance.now = realNow;
    }
  });

  it('reports an episode that ends by termination alone', () => {
    const env = new RecordEpisodeStatistics(new TimeLimit(new ScriptedEnv([0.5, 0.25], 2), 100));
    env.reset();
    assert.equal(env.step([0, 0]).info.episode, undefined);
    const last = env.step([0, 0]);
    assert.deepEqual([last.terminated, last.truncated], [true, false]);
    assert.deepEqual([last.info.episode!.r, last.info.episode!.l], [0.75, 2]);
    assert.equal(last.info.phase, 'step', 'the inner info is kept next to episode');
  });

  it('restores the return and length in progress with setState', () => {
    const env = new RecordEpisodeStatistics(new TimeLimit(new ScriptedEnv([1, 2, 4, 8]), 4));
    env.reset();
    env.step([0, 0]);
    env.step([0, 0]);
    const checkpoint = JSON.parse(JSON.stringify(env.getState())) as EnvState;
    const fresh = new RecordEpisodeStatistics(new TimeLimit(new ScriptedEnv([1, 2, 4, 8]), 4));
    fresh.reset();
    fresh.setState(checkpoint);
    fresh.step([0, 0]);
    const { episode } = fresh.step([0, 0]).info;
    assert.deepEqual([episode!.r, episode!.l], [1 + 2 + 4 + 8, 4]);
  });
});

describe('ClipAction semantics', () => {
  it('passes each coordinate clipped to the wrapped bounds [−1, 1] × [0, 2]', () => {
    const inner = new ScriptedEnv();
    const env = new ClipAction(inner);
    env.reset();
    for (const [action, clipped] of [[[-5, -5], [-1, 0]], [[5, 5], [1, 2]], [[0.25, 1.5], [0.25, 1.5]], [[-1, 2], [-1, 2]]]) {
      env.step(action!);
      assert.deepEqual(inner.lastAction, clipped);
    }
  });
});

describe('NormalizeObservation semantics', () => {
  // Running statistics from mean 0, var 1, count 1e-4; one sample x gives
  //   mean = x/(1 + 1e-4), var = (1e-4 + x²·1e-4/(1 + 1e-4))/(1 + 1e-4).
  it('updates the statistics with the reset observation, then normalises it with them', () => {
    const env = new NormalizeObservation(new ScriptedEnv([], Infinity, 2));
    const { obs } = env.reset();
    const count = 1 + 1e-4;
    const mean = 2 / count;
    const variance = (1e-4 + (4 * 1e-4) / count) / count;
    assert.equal(env.stats.count, count);
    assert.ok(Math.abs(env.stats.mean[0]! - mean) < 1e-15);
    assert.ok(Math.abs(env.stats.variance[0]! - variance) < 1e-15);
    assert.equal(obs[0], Math.fround((2 - mean) / Math.sqrt(variance + 1e-8)));
  });

  it('adds epsilon to the variance inside the square root', () => {
    const env = new NormalizeObservation(new ScriptedEnv([], Infinity, 2), 1);
    env.updateRunningMean = false; // mean 0, var 1: obs / √(1 + 1)
    assert.equal(env.reset().obs[0], Math.fround(2 / Math.SQRT2));
    assert.equal(env.step([0, 0]).obs[0], Math.fround(1 / Math.SQRT2));
  });

  it('restores a frozen state as frozen', () => {
    const env = new NormalizeObservation(new ScriptedEnv());
    env.reset();
    env.updateRunningMean = false;
    const checkpoint = JSON.parse(JSON.stringify(env.getState())) as EnvState;
    const fresh = new NormalizeObservation(new ScriptedEnv());
    fresh.setState(checkpoint);
    assert.equal(fresh.updateRunningMean, false);
  });
});

/** Sub-env i is a ScriptedEnv with rewards [1, 2, 3, …] cut at 2 + i steps by TimeLimit, with episode statistics. */
function scriptedVector(mode: AutoresetMode, numEnvs = 2): { vec: SyncVectorEnv; inner: ScriptedEnv[] } {
  const inner = Array.from({ length: numEnvs }, () => new ScriptedEnv([1, 2, 3, 4, 5]));
  const vec = new SyncVectorEnv(inner.map((env, i) => () => new RecordEpisodeStatistics(new TimeLimit(env, 2 + i))), { autoresetMode: mode });
  return { vec, inner };
}

describe('SyncVectorEnv NEXT_STEP semantics', () => {
  it('clears autoreset on the call after the reset call, and reports the reset info', () => {
    const { vec } = scriptedVector('NEXT_STEP');
    vec.reset();
    const actions = [0, 0, 0, 0];
    vec.step(actions);
    const ending = vec.step(actions); // sub-env 0 (limit 2) ends
    assert.deepEqual([ending.obs[0], ending.truncations[0], ending.info.envInfos[0]!.episode!.r], [2, 1, 3]);
    const resetCall = vec.step(actions);
    assert.deepEqual([resetCall.info.autoreset[0], resetCall.obs[0], resetCall.rewards[0]], [1, 0, 0]);
    assert.equal(resetCall.info.envInfos[0]!.phase, 'reset');
    const next = vec.step(actions);
    assert.deepEqual([next.info.autoreset[0], next.obs[0], next.rewards[0]], [0, 1, 1]);
  });

  it('counts only the stepped rewards in the episode return, never the reward-0 reset call', () => {
    const { vec } = scriptedVector('NEXT_STEP', 1);
    vec.reset();
    const returns: number[] = [];
    for (let t = 0; t < 9; t++) {
      const episode = vec.step([0, 0]).info.envInfos[0]!.episode;
      if (episode !== undefined) returns.push(episode.r, episode.l);
    }
    // Calls 2, 5 and 8 end an episode of rewards 1 + 2; calls 3, 6 and 9 reset.
    assert.deepEqual(returns, [3, 2, 3, 2, 3, 2]);
  });

  it('reset() cancels a pending autoreset: the next call steps with the given action', () => {
    const { vec, inner } = scriptedVector('NEXT_STEP', 1);
    vec.reset();
    vec.step([0, 0]);
    vec.step([0, 0]); // ends
    vec.reset();
    const resetsBefore = inner[0]!.resets;
    const next = vec.step([0.5, 1.5]);
    assert.deepEqual([next.info.autoreset[0], next.obs[0], next.rewards[0]], [0, 1, 1]);
    assert.deepEqual(inner[0]!.lastAction, [0.5, 1.5]);
    assert.equal(inner[0]!.resets, resetsBefore);
  });

  it('does not step a sub-env on its reset call: its action is ignored', () => {
    const inner = new ScriptedEnv([], 1);
    const vec = new SyncVectorEnv([() => inner]);
    vec.reset();
    assert.equal(vec.step([0.25, 0.5]).terminations[0], 1);
    const resetCall = vec.step([-0.75, 1]);
    assert.deepEqual([resetCall.info.autoreset[0], resetCall.obs[0]], [1, 0]);
    assert.deepEqual(inner.lastAction, [0.25, 0.5]);
  });

  it('stores each sub-env reset info', () => {
    const { vec } = scriptedVector('NEXT_STEP');
    const { infos } = vec.reset();
    assert.deepEqual(infos.map((info) => info.phase), ['reset', 'reset']);
  });

  it('seeds sub-env i with seeds[i] when given one seed per sub-env', () => {
    const vec = new SyncVectorEnv([() => new PendulumEnv(), () => new PendulumEnv()]);
    const { obs } = vec.reset({ seed: [7, 3] });
    const expected = [7, 3].flatMap((seed) => Array.from(new PendulumEnv().reset({ seed }).obs));
    assert.deepEqual(Array.from(obs), expected);
  });

  it('passes reset options to every sub-env', () => {
    const vec = new SyncVectorEnv([() => make('Pendulum-v1'), () => new PendulumEnv()]);
    const { obs } = vec.reset({ seed: 3, options: { xInit: 0, yInit: 0 } }); // θ = θ̇ = 0: obs [1, 0, 0]
    assert.deepEqual(Array.from(obs), [1, 0, 0, 1, 0, 0]);
  });
});

describe('SyncVectorEnv SAME_STEP semantics', () => {
  it('puts the ending step info in finalInfos and the reset info in envInfos, copied before the reset reuses it', () => {
    const { vec } = scriptedVector('SAME_STEP');
    vec.reset();
    vec.step([0, 0, 0, 0]);
    const ending = vec.step([0, 0, 0, 0]);
    assert.deepEqual([ending.obs[0], ending.info.finalObs[0], ending.info.finalObsMask[0], ending.rewards[0]], [0, 2, 1, 2]);
    const final = ending.info.finalInfos[0]!;
    assert.deepEqual([final.phase, final.t, final.episode!.r, final.episode!.l], ['step', 2, 3, 2]);
    assert.equal(ending.info.envInfos[0]!.phase, 'reset');
    assert.equal(ending.info.envInfos[0]!.episode, undefined);
    const next = vec.step([0, 0, 0, 0]); // sub-env 0 steps its new episode at once
    assert.deepEqual([next.obs[0], next.rewards[0], next.info.autoreset[0], next.info.finalObsMask[0]], [1, 1, 0, 0]);
  });

  it('copies the final info of an env that reuses its info object', () => {
    const inner = new ScriptedEnv([], 1);
    const vec = new SyncVectorEnv([() => inner], { autoresetMode: 'SAME_STEP' });
    vec.reset();
    const { info } = vec.step([0, 0]);
    assert.deepEqual(info.finalInfos[0], { phase: 'step', t: 1 });
    assert.equal(info.envInfos[0]!.phase, 'reset');
  });
});
