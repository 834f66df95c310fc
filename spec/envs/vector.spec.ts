import assert from 'node:assert/strict';
import { MultiGoalEnv } from '../../envs/control/multi-goal.ts';
import type { Env } from '../../envs/core/types.ts';
import { make } from '../../envs/registry.ts';
import { SyncVectorEnv, type AutoresetMode } from '../../envs/vector/sync-vector-env.ts';
import { TimeLimit } from '../../envs/wrappers/time-limit.ts';

/** Sub-env i is MultiGoal with a time limit of 2 + i steps, so episodes end at known, different steps. */
function vectorOfShortEpisodes(mode: AutoresetMode, numEnvs = 3): SyncVectorEnv {
  return new SyncVectorEnv(
    Array.from({ length: numEnvs }, (_, i) => (): Env => new TimeLimit(new MultiGoalEnv(), 2 + i)),
    { autoresetMode: mode },
  );
}

/** A single env stepped by hand with the same seed and actions, recording each episode's final observation. */
function referenceFinalObservations(seed: number, limit: number, steps: number, action: number[]): number[][] {
  const env = new TimeLimit(new MultiGoalEnv(), limit);
  env.reset({ seed });
  const finals: number[][] = [];
  for (let t = 0; t < steps; t++) {
    const result = env.step(action);
    if (result.terminated || result.truncated) {
      finals.push(Array.from(result.obs));
      env.reset();
    }
  }
  return finals;
}

describe('SyncVectorEnv', () => {
  it("DISABLED never resets a sub-env itself: an ended one refuses a step until reset({ resetMask }) resets it alone", () => {
    const vec = vectorOfShortEpisodes('DISABLED', 2);
    vec.reset({ seed: 3 });
    const actions = [0.1, -0.2, 0.3, 0.1];
    vec.step(actions);
    const second = vec.step(actions); // sub-env 0's limit is 2 steps, sub-env 1's 3
    assert.deepEqual([second.truncations[0], second.truncations[1]], [1, 0]);
    assert.deepEqual(Array.from(second.info.autoreset), [0, 0]);
    const rowOne = Array.from(second.obs.subarray(2, 4));
    assert.throws(() => vec.step(actions), /Reset|reset/);

    const reference = new TimeLimit(new MultiGoalEnv(), 2).reset({ seed: 10 }).obs;
    const { obs } = vec.reset({ seed: [10, 99], resetMask: [true, false] });
    assert.deepEqual(Array.from(obs.subarray(0, 2)), Array.from(reference), 'sub-env 0 reset with its seed from the array');
    assert.deepEqual(Array.from(obs.subarray(2, 4)), rowOne, 'sub-env 1 keeps its row and its episode');
    const third = vec.step(actions);
    assert.deepEqual([third.truncations[0], third.truncations[1]], [0, 1], 'sub-env 1 went on to its third step');

    const restored = vectorOfShortEpisodes('DISABLED', 2);
    restored.setState(vec.getState());
    assert.deepEqual(restored.getState(), vec.getState());
  });

  it('batches observations row by row and seeds sub-env i with seed + i', () => {
    const vec = new SyncVectorEnv(Array.from({ length: 4 }, () => () => make('Pendulum-v1')));
    const { obs } = vec.reset({ seed: 10 });
    assert.equal(obs.length, 4 * 3);
    assert.deepEqual(vec.observationSpace.shape, [4, 3]);
    for (let i = 0; i < 4; i++) {
      const single = make('Pendulum-v1').reset({ seed: 10 + i }).obs;
      assert.deepEqual(Array.from(obs.subarray(3 * i, 3 * i + 3)), Array.from(single));
    }
    const step = vec.step(new Float32Array([0.1, 0.2, 0.3, 0.4]));
    assert.equal(step.rewards.length, 4);
    assert.throws(() => vec.step([0.1, 0.2]), /SyncVectorEnv\(Pendulum-v1 ×4\): actions must have shape \[4, 1\] \(4 numbers\), got length 2/);
  });

  describe("NEXT_STEP (Gymnasium's default)", () => {
    it('returns the true final observation on the ending call, then resets on the next call with reward 0 and no flags', () => {
      const vec = vectorOfShortEpisodes('NEXT_STEP');
      vec.reset({ seed: 0 });
      const action = [0.1, 0, 0.1, 0, 0.1, 0];
      vec.step(action);
      const ending = vec.step(action); // sub-env 0 (limit 2) truncates here
      assert.deepEqual([ending.truncations[0], ending.truncations[1], ending.terminations[0]], [1, 0, 0]);
      const finalObs = Array.from(ending.obs.subarray(0, 2));
      assert.deepEqual(finalObs, referenceFinalObservations(0, 2, 2, [0.1, 0])[0]);

      const next = vec.step([9, 9, 0.1, 0, 0.1, 0]); // the action for sub-env 0 is ignored
      assert.equal(next.info.autoreset[0], 1);
      assert.equal(next.rewards[0], 0);
      assert.deepEqual([next.terminations[0], next.truncations[0]], [0, 0]);
      assert.notDeepEqual(Array.from(next.obs.subarray(0, 2)), finalObs);
      assert.ok(Math.abs(next.obs[0]!) < 1, 'row 0 is a fresh reset observation near the origin');
      assert.equal(next.truncations[1], 1, 'sub-env 1 (limit 3) ends on this call');
    });

    it('never loses a final observation: every ended episode is reported once with its true last obs', () => {
      const vec = vectorOfShortEpisodes('NEXT_STEP');
      vec.reset({ seed: 4 });
      const action = [0.1, 0.2, 0.1, 0.2, 0.1, 0.2];
      const finals: number[][][] = [[], [], []];
      for (let t = 0; t < 24; t++) {
        const { obs, terminations, truncations } = vec.step(action);
        for (let i = 0; i < 3; i++) if (terminations[i] || truncations[i]) finals[i]!.push(Array.from(obs.subarray(2 * i, 2 * i + 2)));
      }
      // With NEXT_STEP an episode of limit L ends on calls L, L + (L + 1), L + 2(L + 1), … (one call per reset).
      for (let i = 0; i < 3; i++) {
        const limit = 2 + i;
        const episodes = Math.floor((24 - limit) / (limit + 1)) + 1;
        assert.deepEqual(finals[i], referenceFinalObservations(4 + i, limit, episodes * limit, [0.1, 0.2]));
      }
    });
  });

  describe('SAME_STEP', () => {
    it('resets inside the ending call, puts the final obs in info.finalObs and keeps the ending reward and flags', () => {
      const vec = vectorOfShortEpisodes('SAME_STEP');
      vec.reset({ seed: 0 });
      const action = [0.1, 0, 0.1, 0, 0.1, 0];
      const first = vec.step(action);
      assert.deepEqual(Array.from(first.info.finalObsMask), [0, 0, 0]);
      const ending = vec.step(action);
      assert.equal(ending.truncations[0], 1);
      assert.ok(ending.rewards[0]! < 0, 'the ending step keeps its reward');
      assert.equal(ending.info.finalObsMask[0], 1);
      assert.deepEqual(Array.from(ending.info.finalObs.subarray(0, 2)), referenceFinalObservations(0, 2, 2, [0.1, 0])[0]);
      assert.ok(Math.abs(ending.obs[0]!) < 1, 'obs row 0 is already the reset observation');
      assert.deepEqual(ending.info.finalInfos[0], {});
      assert.equal(ending.info.finalInfos[1], null);
      assert.deepEqual(Array.from(ending.info.autoreset), [0, 0, 0]);
    });

    it('never loses a final observation: info.finalObs holds every episode end', () => {
      const vec = vectorOfShortEpisodes('SAME_STEP');
      vec.reset({ seed: 4 });
      const action = [0.1, 0.2, 0.1, 0.2, 0.1, 0.2];
      const finals: number[][][] = [[], [], []];
      for (let t = 0; t < 24; t++) {
        const { info } = vec.step(action);
        for (let i = 0; i < 3; i++) if (info.finalObsMask[i]) finals[i]!.push(Array.from(info.finalObs.subarray(2 * i, 2 * i + 2)));
      }
      for (let i = 0; i < 3; i++) assert.deepEqual(finals[i], referenceFinalObservations(4 + i, 2 + i, 24, [0.1, 0.2]));
    });
  });

  it('getState/setState resumes identically, pending autoresets included', () => {
    const vec = vectorOfShortEpisodes('NEXT_STEP', 2);
    vec.reset({ seed: [5, 9] });
    const action = [0.3, -0.1, -0.2, 0.4];
    vec.step(action);
    vec.step(action); // sub-env 0 ended: its reset is pending
    const checkpoint = JSON.parse(JSON.stringify(vec.getState()));
    const run = () => Array.from({ length: 4 }, () => Array.from(vec.step(action).obs));
    const first = run();
    vec.setState(checkpoint);
    assert.deepEqual(run(), first);
  });
});
