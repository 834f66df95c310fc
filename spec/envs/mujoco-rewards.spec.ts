/**
 * Observation layout, reward terms, termination and info of each MuJoCo v5 task, checked on hand-chosen states
 * (set with `setPhysicsState`, Gymnasium's `set_state`) against values computed here from MuJoCo's arrays.
 */
import assert from 'node:assert/strict';
import { AntEnv } from '../../envs/mujoco/ant.ts';
import { HalfCheetahEnv } from '../../envs/mujoco/half-cheetah.ts';
import { HopperEnv } from '../../envs/mujoco/hopper.ts';
import { InvertedDoublePendulumEnv } from '../../envs/mujoco/inverted-double-pendulum.ts';
import { InvertedPendulumEnv } from '../../envs/mujoco/inverted-pendulum.ts';
import { loadMujocoEnvs } from '../../envs/mujoco/load.ts';
import type { MujocoEnv } from '../../envs/mujoco/mujoco-env.ts';
import { ReacherEnv } from '../../envs/mujoco/reacher.ts';
import { SwimmerEnv } from '../../envs/mujoco/swimmer.ts';
import { Walker2dEnv } from '../../envs/mujoco/walker2d.ts';

const f32 = (values: readonly number[]) => Array.from(Float32Array.from(values));
const clip = (value: number, low: number, high: number) => Math.min(Math.max(value, low), high);
const sumSquares = (values: readonly number[]) => values.reduce((sum, v) => sum + v * v, 0);

const opened: MujocoEnv[] = [];
/** Tracks `env` so that `after()` frees its MuJoCo model. */
function open<E extends MujocoEnv>(env: E): E {
  opened.push(env);
  return env;
}

/** Resets `env`, puts it at (qpos, qvel) and returns a copy of that state's observation. */
function placeAt(env: MujocoEnv, qpos: readonly number[], qvel: readonly number[]): number[] {
  env.reset({ seed: 0 });
  return Array.from(env.setPhysicsState(qpos, qvel));
}

describe('MuJoCo envs: observations and rewards on hand-chosen states', function () {
  this.timeout(30_000);
  before(async () => {
    await loadMujocoEnvs();
  });
  after(() => opened.forEach((env) => env.close()));

  describe('Hopper-v5', () => {
    const qpos = [0.3, 1.2, 0.05, -0.2, -0.3, 0.1];
    const qvel = [1.5, -0.4, 0.2, 12, -11, 0.5];

    it('observes qpos[1:] and clip(qvel, ±10); rewards ẋ + healthy − 1e-3‖a‖² with the unclipped action', () => {
      const env = open(new HopperEnv());
      const obs = placeAt(env, qpos, qvel);
      assert.deepEqual(obs, f32([...qpos.slice(1), ...qvel.map((v) => clip(v, -10, 10))]));
      const action = [0.5, -1.5, 0.25];
      const { reward, terminated, info } = env.step(action);
      const after = Array.from(env.data.qpos);
      const xVelocity = (after[0]! - qpos[0]!) / 0.008;
      const ctrlCost = 1e-3 * sumSquares(action);
      assert.equal(info.x_velocity, xVelocity);
      assert.equal(info.reward_forward, xVelocity);
      assert.equal(info.reward_ctrl, -ctrlCost);
      assert.equal(info.reward_survive, 1);
      assert.equal(info.x_position, after[0]);
      assert.equal(info.z_distance_from_origin, after[1]! - 1.25);
      assert.equal(reward, xVelocity + 1 - ctrlCost);
      assert.equal(terminated, false);
      assert.deepEqual(Object.keys(info), ['x_position', 'z_distance_from_origin', 'x_velocity', 'reward_forward', 'reward_ctrl', 'reward_survive']);
    });

    it('terminates when z ≤ 0.7, |angle| ≥ 0.2 or a state entry leaves (−100, 100), unless terminateWhenUnhealthy is 0', () => {
      const env = open(new HopperEnv());
      const cases: [string, number[], number[]][] = [
        ['low z', [0, 0.65, 0, 0, 0, 0], [0, 0, 0, 0, 0, 0]],
        ['tilted', [0, 1.25, 0.3, 0, 0, 0], [0, 0, 0, 0, 0, 0]],
        ['fast joint', [0, 1.25, 0, 0, 0, 0], [0, 0, 0, 0, 0, 5000]],
      ];
      for (const [label, q, v] of cases) {
        placeAt(env, q, v);
        const result = env.step([0, 0, 0]);
        assert.equal(result.terminated, true, label);
        assert.equal(result.info.reward_survive, 0, label);
        assert.equal(env.isHealthy, false, label);
      }
      const lenient = open(new HopperEnv({ terminateWhenUnhealthy: 0, healthyReward: 2 }));
      placeAt(lenient, [0, 0.65, 0, 0, 0, 0], [0, 0, 0, 0, 0, 0]);
      const result = lenient.step([0, 0, 0]);
      assert.deepEqual([result.terminated, result.info.reward_survive], [false, 0]);
      placeAt(lenient, [0, 1.25, 0, 0, 0, 0], [0, 0, 0, 0, 0, 0]);
      assert.equal(lenient.step([0, 0, 0]).info.reward_survive, 2);
    });

    it('with excludeCurrentPositionsFromObservation = 0 puts qpos[0] first', () => {
      const env = open(new HopperEnv({ excludeCurrentPositionsFromObservation: 0 }));
      const obs = placeAt(env, qpos, qvel);
      assert.deepEqual(obs.slice(0, 6), f32(qpos));
    });
  });

  describe('Walker2d-v5', () => {
    it('observes qpos[1:], clip(qvel, ±10); healthy is 0.8 < z < 2 and |angle| < 1', () => {
      const env = open(new Walker2dEnv());
      const qpos = [0.1, 1.3, 0.4, -0.1, -0.2, 0.1, -0.3, -0.1, 0.2];
      const qvel = [0.5, 0.1, -20, 1, 2, 3, 4, 5, 6];
      const obs = placeAt(env, qpos, qvel);
      assert.deepEqual(obs, f32([...qpos.slice(1), ...qvel.map((v) => clip(v, -10, 10))]));
      const action = [1, 0, -1, 0.5, 0, 0];
      const { reward, terminated, info } = env.step(action);
      const xVelocity = (env.data.qpos[0]! - qpos[0]!) / 0.008;
      assert.equal(reward, xVelocity + 1 - 1e-3 * sumSquares(action));
      assert.equal(terminated, false);
      assert.equal(info.reward_survive, 1);
      for (const [label, z, angle] of [['high z', 2.1, 0], ['low z', 0.75, 0], ['tilted', 1.25, -1.05]] as const) {
        placeAt(env, [0, z, angle, 0, 0, 0, 0, 0, 0], Array(9).fill(0));
        assert.equal(env.step(Array(6).fill(0)).terminated, true, label);
      }
    });
  });

  describe('HalfCheetah-v5', () => {
    it('observes qpos[1:] and unclipped qvel; rewards ẋ − 0.1‖a‖²; never terminates', () => {
      const env = open(new HalfCheetahEnv());
      const qpos = [0.2, -0.1, 0.3, 0.1, -0.2, 0.3, -0.4, 0.5, -0.1];
      const qvel = [3, 0.5, -15, 1, -2, 3, -4, 5, 11];
      const obs = placeAt(env, qpos, qvel);
      assert.deepEqual(obs, f32([...qpos.slice(1), ...qvel]));
      const action = [1, -1, 0.5, 2, 0, -0.25];
      const { reward, terminated, info } = env.step(action);
      const xVelocity = (env.data.qpos[0]! - 0.2) / 0.05;
      assert.equal(reward, xVelocity - 0.1 * sumSquares(action));
      assert.deepEqual(info, { x_position: env.data.qpos[0], x_velocity: xVelocity, reward_forward: xVelocity, reward_ctrl: -0.1 * sumSquares(action) });
      assert.equal(terminated, false);
      placeAt(env, [0, -5, 3, 0, 0, 0, 0, 0, 0], Array(9).fill(0)); // upside down, under the floor
      assert.equal(env.step(Array(6).fill(0)).terminated, false);
    });
  });

  describe('Ant-v5', () => {
    it('observes qpos[2:], qvel and clip(cfrc_ext[1:], ±1); rewards torso ẋ from xpos, healthy, ctrl and contact costs', () => {
      const env = open(new AntEnv());
      env.reset({ seed: 3 });
      for (let t = 0; t < 10; t++) env.step(Array(8).fill(0)); // let the legs reach the floor
      const before = [env.data.xpos[3]!, env.data.xpos[4]!];
      const action = [0.2, -0.2, 0.1, -0.1, 0.25, 0, 0.3, -0.1];
      const { obs, reward, terminated, info } = env.step(action);
      const { qpos, qvel, xpos, cfrc_ext: cfrc } = env.data;
      const clipped = Array.from(cfrc, (f) => clip(f, -1, 1));
      assert.ok(clipped.some((f) => f !== 0), 'the feet touch the floor');
      assert.deepEqual(Array.from(obs), f32([...Array.from(qpos).slice(2), ...qvel, ...clipped.slice(6)]));
      const xVelocity = (xpos[3]! - before[0]!) / 0.05;
      const yVelocity = (xpos[4]! - before[1]!) / 0.05;
      const ctrlCost = 0.5 * sumSquares(action);
      const contactCost = 5e-4 * sumSquares(clipped);
      assert.equal(info.x_velocity, xVelocity);
      assert.equal(info.y_velocity, yVelocity);
      assert.equal(info.reward_ctrl, -ctrlCost);
      assert.equal(info.reward_contact, -contactCost);
      assert.equal(info.reward_survive, 1);
      assert.equal(info.x_position, qpos[0]);
      assert.equal(info.distance_from_origin, Math.sqrt(qpos[0]! ** 2 + qpos[1]! ** 2));
      assert.equal(reward, xVelocity + 1 - (ctrlCost + contactCost));
      assert.equal(terminated, false);
    });

    it('terminates when the torso leaves [0.2, 1] (inclusive bounds)', () => {
      const env = open(new AntEnv());
      const qpos = [0, 0, 1.5, 1, 0, 0, 0, 0, 1, 0, -1, 0, -1, 0, 1];
      placeAt(env, qpos, Array(14).fill(0));
      const result = env.step(Array(8).fill(0));
      assert.deepEqual([result.terminated, result.info.reward_survive], [true, 0]);
      const lenient = open(new AntEnv({ healthyZMax: Infinity }));
      placeAt(lenient, qpos, Array(14).fill(0));
      assert.equal(lenient.step(Array(8).fill(0)).terminated, false);
    });
  });

  describe('InvertedPendulum-v5', () => {
    it('observes [qpos, qvel]; reward 1 while |angle| ≤ 0.2, 0 on the terminating step', () => {
      const env = open(new InvertedPendulumEnv());
      const obs = placeAt(env, [0.3, 0.1], [0.2, -0.5]);
      assert.deepEqual(obs, f32([0.3, 0.1, 0.2, -0.5]));
      const step = env.step([0]);
      assert.deepEqual([step.reward, step.terminated, step.info.reward_survive], [1, false, 1]);
      placeAt(env, [0, 0.25], [0, 0]);
      const fallen = env.step([0]);
      assert.deepEqual([fallen.reward, fallen.terminated, fallen.info.reward_survive], [0, true, 0]);
    });

    it('draws the pole from MuJoCo geom poses: the pole capsule runs from the cart along (sin θ, cos θ)', () => {
      const env = open(new InvertedPendulumEnv());
      const [x, theta] = [0.3, 0.5];
      placeAt(env, [x, theta], [0, 0]);
      const lines = [...env.renderSvg().matchAll(/<line x1="([-\d.]+)" y1="([-\d.]+)" x2="([-\d.]+)" y2="([-\d.]+)"/g)].map((m) => m.slice(1).map(Number));
      // The pole goes from (0, 0, 0) to (0.001, 0, 0.6) in its body frame, turned by θ about +y.
      const tip = [x + 0.001 * Math.cos(theta) + 0.6 * Math.sin(theta), -0.001 * Math.sin(theta) + 0.6 * Math.cos(theta)];
      const pole = lines.find((l) => Math.abs(l[0]! - tip[0]!) < 2e-4 || Math.abs(l[2]! - tip[0]!) < 2e-4);
      assert.ok(pole !== undefined, `no line ends at the pole tip ${tip.join(', ')}: ${JSON.stringify(lines)}`);
      const ends = [pole.slice(0, 2), pole.slice(2)].sort((a, b) => a[1]! - b[1]!);
      assert.ok(Math.abs(ends[0]![0]! - x) < 2e-4 && Math.abs(ends[0]![1]!) < 2e-4, `pole base ${ends[0]}`);
      assert.ok(Math.abs(ends[1]![0]! - tip[0]!) < 2e-4 && Math.abs(ends[1]![1]! - tip[1]!) < 2e-4, `pole tip ${ends[1]}`);
    });
  });

  describe('InvertedDoublePendulum-v5', () => {
    it('observes [x, sin θ, cos θ, clip(qvel), clip(qfrc_constraint[0])]; rewards 10 − distance − velocity penalties at the tip site', () => {
      const env = open(new InvertedDoublePendulumEnv());
      const qpos = [0.2, 0.1, -0.2];
      const qvel = [0.5, 12, -1];
      const obs = placeAt(env, qpos, qvel);
      assert.deepEqual(obs.slice(0, 8), f32([0.2, Math.sin(0.1), Math.sin(-0.2), Math.cos(0.1), Math.cos(-0.2), 0.5, 10, -1]));
      assert.equal(obs[8], Math.fround(clip(env.data.qfrc_constraint[0]!, -10, 10)));
      const step = env.step([0.3]);
      const [x, , y] = Array.from(env.data.site_xpos);
      const [, v1, v2] = Array.from(env.data.qvel);
      const distance = 0.01 * x! ** 2 + (y! - 2) ** 2;
      const velocity = 1e-3 * v1! ** 2 + 5e-3 * v2! ** 2;
      assert.equal(step.reward, 10 - distance - velocity);
      assert.deepEqual(step.info, { reward_survive: 10, distance_penalty: -distance, velocity_penalty: -velocity });
      assert.equal(step.terminated, false);
      placeAt(env, [0, 1.2, 0.5], [0, 0, 0]); // poles far from upright: tip below 1
      const fallen = env.step([0]);
      assert.ok(env.data.site_xpos[2]! <= 1);
      assert.deepEqual([fallen.terminated, fallen.info.reward_survive], [true, 0]);
    });
  });

  describe('Swimmer-v5', () => {
    it('observes qpos[2:], qvel; rewards ẋ (from qpos) − 1e-4‖a‖²', () => {
      const env = open(new SwimmerEnv());
      const qpos = [0.5, -0.2, 0.3, 0.4, -0.5];
      const qvel = [0.1, 0.2, 0.3, -0.4, 0.5];
      const obs = placeAt(env, qpos, qvel);
      assert.deepEqual(obs, f32([...qpos.slice(2), ...qvel]));
      const action = [1, -0.5];
      const { reward, info } = env.step(action);
      const [x, y] = Array.from(env.data.qpos);
      const xVelocity = (x! - 0.5) / 0.04;
      assert.equal(reward, xVelocity - 1e-4 * sumSquares(action));
      assert.equal(info.y_velocity, (y! + 0.2) / 0.04);
      assert.equal(info.distance_from_origin, Math.sqrt(x! * x! + y! * y!));
    });
  });

  describe('Reacher-v5', () => {
    it('observes cos/sin of the arm angles, the target, q̇ and fingertip − target; rewards −distance − ‖a‖²', () => {
      const env = open(new ReacherEnv());
      const qpos = [0.4, -0.7, 0.1, -0.15];
      const obs = placeAt(env, qpos, [0.3, -0.2, 0, 0]);
      // The fingertip sits 0.1 + 0.11 along the arm: (0.1 cos q0 + 0.11 cos(q0 + q1), …).
      const tipX = 0.1 * Math.cos(0.4) + 0.11 * Math.cos(0.4 - 0.7);
      const tipY = 0.1 * Math.sin(0.4) + 0.11 * Math.sin(0.4 - 0.7);
      assert.deepEqual(obs.slice(0, 8), f32([Math.cos(0.4), Math.cos(-0.7), Math.sin(0.4), Math.sin(-0.7), 0.1, -0.15, 0.3, -0.2]));
      assert.ok(Math.abs(obs[8]! - (tipX - 0.1)) < 1e-6 && Math.abs(obs[9]! - (tipY + 0.15)) < 1e-6, `fingertip − target ${obs.slice(8)}`);
      const action = [0.5, 1.5];
      const { reward, info } = env.step(action);
      const xpos = env.data.xpos;
      const distance = Math.sqrt((xpos[9]! - xpos[12]!) ** 2 + (xpos[10]! - xpos[13]!) ** 2 + (xpos[11]! - xpos[14]!) ** 2); // bodies 3 (fingertip) and 4 (target)
      assert.equal(info.reward_dist, -distance);
      assert.equal(info.reward_ctrl, -sumSquares(action));
      assert.equal(reward, -distance - sumSquares(action));
    });
  });
});
