import assert from 'node:assert/strict';
import { CartPoleContinuousEnv, THETA_THRESHOLD_RADIANS, X_THRESHOLD } from '../../envs/classic/cart-pole-continuous.ts';
import { assertClose, startAt } from './helpers.ts';

// Literals: cartpole.py step() transcribed into NumPy (python3, /tmp scratch) with force = 10·clip(a, −1, 1),
// Euler integrator, observations printed as np.float32 with repr().
describe('CartPoleContinuous-v0', () => {
  it('matches the reference equations from [0.01, −0.02, 0.03, 0.04] with a = 0.5, −1, 2 (clipped), 0, −0.25', () => {
    const env = new CartPoleContinuousEnv();
    startAt(env, [0.01, -0.02, 0.03, 0.04]);
    const expected = [
      [0.009600000455975533, 0.07712464034557343, 0.030799999833106995, -0.0968027338385582],
      [0.011142493225634098, -0.11842489242553711, 0.028863945975899696, 0.20543622970581055],
      [0.008773994632065296, 0.07627265900373459, 0.03297267109155655, -0.07800363749265671],
      [0.010299447923898697, 0.07580035924911499, 0.03141259774565697, -0.06760336458683014],
      [0.011815454810857773, 0.026573356240987778, 0.030060529708862305, 0.01543449703603983],
    ];
    [0.5, -1.0, 2.0, 0.0, -0.25].forEach((a, t) => {
      const { obs, reward, terminated } = env.step([a]);
      assertClose(obs, expected[t]!, 0, `obs at step ${t + 1}`);
      assert.equal(reward, 1.0);
      assert.equal(terminated, false);
    });
  });

  describe('terminates at the CartPole-v1 thresholds', () => {
    it('θ crossing 12° terminates, with reward 1 on the terminating step', () => {
      const env = new CartPoleContinuousEnv();
      startAt(env, [0, 0, 0.205, 0.3]);
      const { obs, reward, terminated } = env.step([0]);
      assertClose(obs, [0.0, -0.0028318597469478846, 0.210999995470047, 0.3640075922012329]);
      assert.ok(0.211 > THETA_THRESHOLD_RADIANS);
      assert.equal(terminated, true);
      assert.equal(reward, 1.0);
    });

    it('θ exactly at the threshold does not terminate; x beyond ±2.4 does', () => {
      const env = new CartPoleContinuousEnv();
      startAt(env, [0, 0, THETA_THRESHOLD_RADIANS, 0]); // θ̇ = 0, so θ is unchanged by the Euler step
      assert.equal(env.step([0]).terminated, false);
      startAt(env, [X_THRESHOLD, 0.1, 0, 0]);
      assert.equal(env.step([0]).terminated, true);
      startAt(env, [-X_THRESHOLD + 0.001, -0.1, 0, 0]);
      assert.equal(env.step([0]).terminated, true);
    });

    it('a constant push eventually drops the pole; stepping afterwards throws until reset', () => {
      const env = new CartPoleContinuousEnv();
      env.reset({ seed: 1 });
      let steps = 0;
      while (!env.step([1]).terminated) steps++;
      assert.ok(steps < 100);
      assert.throws(() => env.step([0]), /CartPoleContinuous-v0: step\(\) called after the episode terminated/);
      env.reset();
      env.step([0]);
    });
  });

  it('scales the force with forceMag', () => {
    const strong = new CartPoleContinuousEnv({ forceMag: 30 });
    const normal = new CartPoleContinuousEnv();
    startAt(strong, [0, 0, 0, 0]);
    startAt(normal, [0, 0, 0, 0]);
    const strongVelocity = strong.step([1]).obs[1]!;
    const normalVelocity = normal.step([1]).obs[1]!;
    assert.ok(Math.abs(strongVelocity / normalVelocity - 3) < 1e-6);
  });

  it('resets every state variable within ±0.05', () => {
    const env = new CartPoleContinuousEnv();
    for (let seed = 0; seed < 30; seed++) {
      for (const v of env.reset({ seed }).obs) assert.ok(Math.abs(v) <= 0.05);
    }
  });

  it('renders an SVG with the cart and pole', () => {
    const env = new CartPoleContinuousEnv();
    env.reset({ seed: 0 });
    assert.match(env.renderSvg(), /^<svg[\s\S]*<rect[\s\S]*<line[\s\S]*<\/svg>$/);
  });
});
