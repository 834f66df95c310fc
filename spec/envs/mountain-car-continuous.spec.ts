import assert from 'node:assert/strict';
import { MountainCarContinuousEnv } from '../../envs/classic/mountain-car-continuous.ts';
import { assertClose, startAt } from './helpers.ts';

// Literals: continuous_mountain_car.py step() transcribed into Python (python3, /tmp scratch) with float64
// scalar arithmetic and the state stored as np.float32 after each step, printed with repr().
// (NumPy ≥ 2 evaluates `3*position` in float32 under NEP 50; that changes step 6's velocity below by one
// float32 ulp, to 0.0009584249346517026. We follow the float64 promotion of NumPy 1.x, as envs/README.md says.)
describe('MountainCarContinuous-v0', () => {
  describe('trajectory under a fixed action sequence matches the reference equations', () => {
    it('from x = −0.5, v = 0 with a = 1, 1, −0.5, 2 (force clipped to 1, cost on 2), 0, −1', () => {
      const env = new MountainCarContinuousEnv();
      startAt(env, [-0.5, 0]);
      const expected: [number[], number][] = [
        [[-0.4986768364906311, 0.0013231569901108742], -0.1],
        [[-0.4960404336452484, 0.002636416582390666], -0.1],
        [[-0.49436047673225403, 0.0016799643635749817], -0.025],
        [[-0.49139952659606934, 0.0029609582852572203], -0.4],
        [[-0.4886796772480011, 0.00271983933635056], 0.0],
        [[-0.4877212643623352, 0.0009584248182363808], -0.1],
      ];
      [1.0, 1.0, -0.5, 2.0, 0.0, -1.0].forEach((a, t) => {
        const { obs, reward, terminated } = env.step([a]);
        assertClose(obs, expected[t]![0], 0, `obs at step ${t + 1}`);
        assert.equal(reward, expected[t]![1]);
        assert.equal(terminated, false);
      });
    });

    it('stores the state as float32 after each step (but keeps the float64 reset draw until then)', () => {
      const env = new MountainCarContinuousEnv();
      startAt(env, [-0.5123456789, 0]);
      assert.deepEqual(env.getState().physics, [-0.5123456789, 0]);
      env.step([0.3]);
      for (const value of env.getState().physics as number[]) assert.equal(value, Math.fround(value));
    });
  });

  describe('invariants', () => {
    it('stops a car that hits the left wall moving left (x = −1.19, v = −0.02, a = −1)', () => {
      const env = new MountainCarContinuousEnv();
      startAt(env, [-1.19, -0.02]);
      let result = env.step([-1]);
      assertClose(result.obs, [-1.2000000476837158, 0.0]); // float32(−1.2), v reset to 0
      result = env.step([-1]);
      assertClose(result.obs, [-1.1992582082748413, 0.0007418958703055978]); // gravity pushes it back right
    });

    it('clips the velocity to 0.07 (x = −0.52, v = 0.0695, a = 1)', () => {
      const env = new MountainCarContinuousEnv();
      startAt(env, [-0.52, 0.0695]);
      assertClose(env.step([1]).obs, [-0.44999998807907104, 0.07000000029802322]);
    });

    it('keeps |v| ≤ 0.07 and x ∈ [−1.2, 0.6] under full throttle either way', () => {
      const env = new MountainCarContinuousEnv();
      for (const a of [1, -1]) {
        env.reset({ seed: 3 });
        for (let t = 0; t < 300; t++) {
          const { obs, terminated } = env.step([a]);
          assert.ok(env.observationSpace.contains(obs), `obs ${obs.join(', ')}`);
          if (terminated) break;
        }
      }
    });

    it('terminates with reward 100 − 0.1·a² when x ≥ 0.45 and v ≥ 0 (x = 0.44, v = 0.02, a = 1)', () => {
      const env = new MountainCarContinuousEnv();
      startAt(env, [0.44, 0.02]);
      const { obs, reward, terminated, truncated } = env.step([1]);
      assertClose(obs, [0.4608795642852783, 0.020879561081528664]);
      assert.equal(reward, 99.9);
      assert.equal(terminated, true);
      assert.equal(truncated, false);
      assert.throws(() => env.step([0]), /MountainCarContinuous-v0.*after the episode terminated/);
    });

    it('needs goalVelocity as well when configured', () => {
      const env = new MountainCarContinuousEnv({ goalVelocity: 0.05 });
      startAt(env, [0.44, 0.02]);
      assert.equal(env.step([1]).terminated, false);
    });
  });

  it('resets to x ~ U(−0.6, −0.4), v = 0, or to { low, high }', () => {
    const env = new MountainCarContinuousEnv();
    for (let seed = 0; seed < 30; seed++) {
      const { obs } = env.reset({ seed });
      assert.ok(obs[0]! >= Math.fround(-0.6) && obs[0]! <= Math.fround(-0.4) && obs[1] === 0);
      const custom = env.reset({ seed, options: { low: 0.1, high: 0.2 } }).obs;
      assert.ok(custom[0]! >= Math.fround(0.1) && custom[0]! <= Math.fround(0.2));
    }
  });

  it('renders an SVG with the track', () => {
    const env = new MountainCarContinuousEnv();
    env.reset({ seed: 0 });
    assert.match(env.renderSvg(), /^<svg[\s\S]*<polyline[\s\S]*<\/svg>$/);
  });
});
