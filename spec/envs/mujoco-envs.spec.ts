/** The MuJoCo v5 envs against the env contract: checkEnv, registration, seeding, checkpoints, bad input, close, vector env. */
import assert from 'node:assert/strict';
import { checkEnv } from '../../envs/core/check-env.ts';
import { EnvConfigError, InvalidActionError } from '../../envs/core/errors.ts';
import { Rng } from '../../envs/core/rng.ts';
import type { Env, EnvState } from '../../envs/core/types.ts';
import { EnvClosedError } from '../../envs/mujoco/errors.ts';
import { MUJOCO_ENV_IDS } from '../../envs/mujoco/ids.ts';
import { loadMujocoEnvs } from '../../envs/mujoco/load.ts';
import type { MujocoEnv } from '../../envs/mujoco/mujoco-env.ts';
import { envSpec, make, registeredIds } from '../../envs/registry.ts';
import { SyncVectorEnv } from '../../envs/vector/sync-vector-env.ts';

/** Gymnasium v5's registrations and defaults (`gymnasium/envs/__init__.py`, the `*_v5.py` constructors). */
const EXPECTED: Record<string, { obs: number; action: number; low: number; high: number; steps: number; threshold: number | null; dt: number; fps: number }> = {
  'InvertedPendulum-v5': { obs: 4, action: 1, low: -3, high: 3, steps: 1000, threshold: 950, dt: 0.04, fps: 25 },
  'InvertedDoublePendulum-v5': { obs: 9, action: 1, low: -1, high: 1, steps: 1000, threshold: 9100, dt: 0.05, fps: 20 },
  'HalfCheetah-v5': { obs: 17, action: 6, low: -1, high: 1, steps: 1000, threshold: 4800, dt: 0.05, fps: 20 },
  'Hopper-v5': { obs: 11, action: 3, low: -1, high: 1, steps: 1000, threshold: 3800, dt: 0.008, fps: 125 },
  'Walker2d-v5': { obs: 17, action: 6, low: -1, high: 1, steps: 1000, threshold: null, dt: 0.008, fps: 125 },
  'Ant-v5': { obs: 105, action: 8, low: -1, high: 1, steps: 1000, threshold: 6000, dt: 0.05, fps: 20 },
  'Swimmer-v5': { obs: 8, action: 2, low: -1, high: 1, steps: 1000, threshold: 360, dt: 0.04, fps: 25 },
  'Reacher-v5': { obs: 10, action: 2, low: -1, high: 1, steps: 50, threshold: -3.75, dt: 0.02, fps: 50 },
};

interface Recorded {
  obs: number[];
  reward: number;
  terminated: boolean;
  truncated: boolean;
  info: string;
}

function record(env: Env, actions: readonly number[][]): Recorded[] {
  const out: Recorded[] = [];
  for (const action of actions) {
    const r = env.step(action);
    out.push({ obs: Array.from(r.obs), reward: r.reward, terminated: r.terminated, truncated: r.truncated, info: JSON.stringify(r.info) });
    if (r.terminated || r.truncated) break;
  }
  return out;
}

function randomActions(env: Env, count: number, seed: number): number[][] {
  const rng = new Rng(seed);
  return Array.from({ length: count }, () => Array.from(env.actionSpace.sample(rng)));
}

describe('MuJoCo envs: contract', function () {
  this.timeout(60_000);
  before(async () => {
    await loadMujocoEnvs();
  });

  it('registers the eight v5 ids on load, with Gymnasium time limits and reward thresholds; loading twice is harmless', async () => {
    await loadMujocoEnvs();
    for (const id of MUJOCO_ENV_IDS) assert.ok(registeredIds().includes(id), `${id} is registered`);
    for (const [id, expected] of Object.entries(EXPECTED)) {
      const spec = envSpec(id);
      assert.equal(spec.maxEpisodeSteps, expected.steps, `${id} max steps`);
      assert.equal(spec.rewardThreshold, expected.threshold, `${id} threshold`);
    }
  });

  for (const id of Object.keys(EXPECTED)) {
    describe(id, () => {
      const expected = EXPECTED[id]!;

      it('has v5 spaces, dt and render fps, and passes checkEnv through make() and raw', () => {
        const env = make(id);
        assert.deepEqual(env.observationSpace.shape, [expected.obs]);
        assert.equal(env.observationSpace.dtype, 'float32');
        assert.deepEqual(Array.from(env.actionSpace.low), Array(expected.action).fill(expected.low));
        assert.deepEqual(Array.from(env.actionSpace.high), Array(expected.action).fill(expected.high));
        const raw = env.unwrapped as MujocoEnv;
        assert.ok(Math.abs(raw.dt - expected.dt) < 1e-15, `dt ${raw.dt}`);
        assert.equal(env.metadata.renderFps, expected.fps);
        checkEnv(env, { trajectoryLength: 12 });
        checkEnv(envSpec(id).create({}), { trajectoryLength: 12 });
      });

      it('is deterministic under a seed, and different seeds differ', () => {
        const a = make(id);
        const b = make(id);
        const actions = randomActions(a, 40, 3);
        a.reset({ seed: 11 });
        b.reset({ seed: 11 });
        assert.deepEqual(record(a, actions), record(b, actions));
        const first = Array.from(a.reset({ seed: 1 }).obs);
        assert.notDeepEqual(Array.from(a.reset({ seed: 2 }).obs), first);
        a.close();
        b.close();
      });

      it('resumes bit-identically mid-episode from a JSON checkpoint, in the same env and in a fresh one', () => {
        const env = make(id, { maxEpisodeSteps: null });
        // Gentle actions, so that no task terminates within the first 5 steps.
        const actions = randomActions(env, 60, 5).map((action) => action.map((a) => 0.2 * a));
        env.reset({ seed: 21 });
        for (let t = 0; t < 5; t++) assert.equal(env.step(actions[t]!).terminated, false, `step ${t} terminated`);
        const checkpoint = JSON.parse(JSON.stringify(env.getState())) as EnvState;
        const rest = actions.slice(5);
        const original = record(env, rest);
        env.setState(checkpoint);
        assert.deepEqual(record(env, rest), original, 'same env');
        const fresh = make(id, { maxEpisodeSteps: null });
        fresh.setState(checkpoint);
        assert.deepEqual(record(fresh, rest), original, 'fresh env');
        // The generator is part of the checkpoint: the next unseeded reset is the same too.
        env.setState(checkpoint);
        fresh.setState(checkpoint);
        assert.deepEqual(Array.from(env.reset().obs), Array.from(fresh.reset().obs));
        env.close();
        fresh.close();
      });

      it('rejects wrong-length and non-finite actions with InvalidActionError naming the env; accepts out-of-bounds ones', () => {
        const env = make(id);
        env.reset({ seed: 0 });
        const valid = Array(expected.action).fill(0);
        assert.throws(() => env.step([...valid, 0.5]), (e: unknown) => e instanceof InvalidActionError && e.message.startsWith(`${id}: action must have shape [${expected.action}]`));
        for (const bad of [NaN, Infinity]) {
          const action = [...valid];
          action[0] = bad;
          assert.throws(() => env.step(action), (e: unknown) => e instanceof InvalidActionError && e.message.includes(`action[0] = ${bad}`));
        }
        assert.doesNotThrow(() => env.step(Array(expected.action).fill(5)));
        env.close();
      });

      it('frees MuJoCo on close(): closing twice is fine, any later use throws EnvClosedError', () => {
        const env = make(id);
        env.reset({ seed: 0 });
        env.close();
        env.close();
        const raw = env.unwrapped as MujocoEnv;
        assert.throws(() => raw.step(Array(expected.action).fill(0)), (e: unknown) => e instanceof EnvClosedError && e.message.startsWith(`${id}: step() called after close()`));
        assert.throws(() => env.reset({ seed: 0 }), EnvClosedError);
        assert.throws(() => env.getState(), EnvClosedError);
        assert.throws(() => env.renderSvg(), EnvClosedError);
        assert.throws(() => raw.data, EnvClosedError);
      });
    });
  }

  describe('options', () => {
    it('reject unknown keys and ill-typed values, naming the option and the value', () => {
      assert.throws(() => make('Hopper-v5', { envOptions: { healthy_z_range: 1 } }), (e: unknown) => e instanceof EnvConfigError && /unknown option 'healthy_z_range'; known options: forwardRewardWeight/.test(e.message));
      assert.throws(() => make('Hopper-v5', { envOptions: { ctrlCostWeight: NaN } }), /Hopper-v5: option 'ctrlCostWeight' must be a finite number, got NaN/);
      assert.throws(() => make('Hopper-v5', { envOptions: { terminateWhenUnhealthy: 2 } }), /option 'terminateWhenUnhealthy' must be 0 or 1 \(or a boolean\), got 2/);
      assert.throws(() => make('Ant-v5', { envOptions: { frameSkip: 2.5 } }), /Ant-v5: option 'frameSkip' must be an integer ≥ 1, got 2.5/);
      assert.throws(() => make('Ant-v5', { envOptions: { mainBody: 99 } }), /Ant-v5: option 'mainBody' must be a body index below 14, got 99/);
      const plainJs = { ctrlCostWeight: '0.1' } as unknown as Record<string, number>;
      assert.throws(() => make('HalfCheetah-v5', { envOptions: plainJs }), /option 'ctrlCostWeight' must be a finite number, got "0.1"/);
    });

    it('size the observation as Gymnasium does (exclude_current_positions_from_observation, include_cfrc_ext_in_observation)', () => {
      const size = (id: string, envOptions: Record<string, number>) => {
        const env = make(id, { envOptions });
        env.close();
        return env.observationSpace.size;
      };
      assert.equal(size('Hopper-v5', { excludeCurrentPositionsFromObservation: 0 }), 12);
      assert.equal(size('Walker2d-v5', { excludeCurrentPositionsFromObservation: 0 }), 18);
      assert.equal(size('HalfCheetah-v5', { excludeCurrentPositionsFromObservation: 0 }), 18);
      assert.equal(size('Swimmer-v5', { excludeCurrentPositionsFromObservation: 0 }), 10);
      assert.equal(size('Ant-v5', { includeCfrcExtInObservation: 0 }), 27);
      assert.equal(size('Ant-v5', { includeCfrcExtInObservation: 0, excludeCurrentPositionsFromObservation: 0 }), 29);
      const hopper = make('Hopper-v5', { envOptions: { frameSkip: 8 } }).unwrapped as MujocoEnv;
      assert.ok(Math.abs(hopper.dt - 0.016) < 1e-15);
      hopper.close();
    });

    it('draw the reset noise from the v5 distributions (uniform, or normal for velocities of HalfCheetah, Ant and IDP)', () => {
      // Uniform noise stays within ±scale with variance scale²/3; normal noise has variance scale² and exceeds the scale.
      const spread = (id: string, scale: number) => {
        const exact = make(id, { envOptions: { resetNoiseScale: 0 } }).unwrapped as MujocoEnv;
        exact.reset({ seed: 0 });
        const qpos0 = Array.from(exact.data.qpos);
        exact.close();
        const env = make(id, { envOptions: { resetNoiseScale: scale } }).unwrapped as MujocoEnv;
        env.reset({ seed: 0 });
        let maxPos = 0;
        let maxVel = 0;
        let sumVel2 = 0;
        let count = 0;
        for (let i = 0; i < 400; i++) {
          env.reset();
          env.data.qpos.forEach((q, k) => (maxPos = Math.max(maxPos, Math.abs(q - qpos0[k]!))));
          env.data.qvel.forEach((v) => {
            maxVel = Math.max(maxVel, Math.abs(v));
            sumVel2 += v * v;
            count++;
          });
        }
        env.close();
        return { maxPos, maxVel, velStd: Math.sqrt(sumVel2 / count) };
      };
      const hopper = spread('Hopper-v5', 0.005);
      assert.ok(hopper.maxPos <= 0.005 && hopper.maxVel <= 0.005, JSON.stringify(hopper));
      assert.ok(Math.abs(hopper.velStd - 0.005 / Math.sqrt(3)) < 0.0002, JSON.stringify(hopper));
      const cheetah = spread('HalfCheetah-v5', 0.1);
      assert.ok(cheetah.maxPos <= 0.1 && cheetah.maxVel > 0.25 && Math.abs(cheetah.velStd - 0.1) < 0.006, JSON.stringify(cheetah));
      const ant = spread('Ant-v5', 0.1);
      assert.ok(ant.maxVel > 0.25 && Math.abs(ant.velStd - 0.1) < 0.006, JSON.stringify(ant));
      const idp = spread('InvertedDoublePendulum-v5', 0.1);
      assert.ok(idp.maxPos <= 0.1 && Math.abs(idp.velStd - 0.1) < 0.01, JSON.stringify(idp));
    });
  });

  describe('SyncVectorEnv of MuJoCo tasks', () => {
    for (const mode of ['NEXT_STEP', 'SAME_STEP'] as const) {
      it(`${mode}: three Hopper-v5 sub-envs match three single envs step by step, across terminations`, () => {
        const vec = new SyncVectorEnv(Array.from({ length: 3 }, () => () => make('Hopper-v5')), { autoresetMode: mode });
        const singles = Array.from({ length: 3 }, () => make('Hopper-v5'));
        const { obs } = vec.reset({ seed: 40 });
        singles.forEach((env, i) => assert.deepEqual(Array.from(obs.subarray(11 * i, 11 * i + 11)), Array.from(env.reset({ seed: 40 + i }).obs)));
        const rng = new Rng(9);
        const pending = [false, false, false];
        let endings = 0;
        for (let t = 0; t < 150; t++) {
          const actions = Array.from(vec.actionSpace.sample(rng)).map((a) => 1.5 * a); // strong actions: hoppers fall
          const step = vec.step(actions);
          for (let i = 0; i < 3; i++) {
            if (mode === 'NEXT_STEP' && pending[i]) {
              assert.equal(step.info.autoreset[i], 1);
              assert.deepEqual(Array.from(step.obs.subarray(11 * i, 11 * i + 11)), Array.from(singles[i]!.reset().obs));
              pending[i] = false;
              continue;
            }
            const single = singles[i]!.step(actions.slice(3 * i, 3 * i + 3));
            assert.equal(step.rewards[i], single.reward, `reward of sub-env ${i} at ${t}`);
            assert.equal(step.terminations[i], single.terminated ? 1 : 0);
            const ended = single.terminated || single.truncated;
            if (ended) endings++;
            if (mode === 'SAME_STEP' && ended) {
              assert.deepEqual(Array.from(step.info.finalObs.subarray(11 * i, 11 * i + 11)), Array.from(single.obs));
              assert.deepEqual(Array.from(step.obs.subarray(11 * i, 11 * i + 11)), Array.from(singles[i]!.reset().obs));
            } else {
              assert.deepEqual(Array.from(step.obs.subarray(11 * i, 11 * i + 11)), Array.from(single.obs));
              pending[i] = ended;
            }
          }
        }
        assert.ok(endings > 0, 'some episodes ended');
        const state = JSON.parse(JSON.stringify(vec.getState())) as EnvState;
        const actions = Array.from(vec.actionSpace.sample(rng));
        const next = Array.from(vec.step(actions).obs);
        vec.setState(state);
        assert.deepEqual(Array.from(vec.step(actions).obs), next, 'vector checkpoint resumes');
        vec.close();
        singles.forEach((env) => env.close());
      });
    }
  });
});
