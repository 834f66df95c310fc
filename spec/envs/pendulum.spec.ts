import assert from 'node:assert/strict';
import { PendulumEnv, angleNormalize } from '../../envs/classic/pendulum.ts';
import { assertClose, startAt } from './helpers.ts';

// Literals: Gymnasium's pendulum.py step() transcribed into NumPy (python3, /tmp scratch, float64 actions),
// printing np.float32 observations and float64 rewards with repr(). g = 10, dt = 0.05, max_speed = 8.
describe('Pendulum-v1', () => {
  describe('trajectory under a fixed action sequence matches the reference equations', () => {
    it('from θ = 2.5, θ̇ = −0.7 with u = 1.5, −3 (clipped to −2), 0.25, 2, −0.5', () => {
      const env = new PendulumEnv();
      startAt(env, [2.5, -0.7, 0]);
      const expected: [number[], number][] = [
        [[-0.8003605604171753, 0.5995189547538757, -0.026145892217755318], -6.3012500000000005],
        [[-0.8040471076965332, 0.5945656299591064, 0.12349332869052887], -6.247533596805095],
        [[-0.8217167854309082, 0.5698961019515991, 0.6069175601005554], -6.275948111200212],
        [[-0.8578822016716003, 0.5138463973999023, 1.3343396186828613], -6.468141105735126],
        [[-0.8971921801567078, 0.44164037704467773, 1.6447243690490723], -6.948337136375779],
      ];
      [1.5, -3.0, 0.25, 2.0, -0.5].forEach((u, t) => {
        const { obs, reward, terminated, truncated } = env.step([u]);
        assertClose(obs, expected[t]![0], 0, `obs at step ${t + 1}`);
        assert.equal(reward, expected[t]![1]);
        assert.equal(terminated, false);
        assert.equal(truncated, false);
      });
    });

    it('clips θ̇ at 8 (θ = 0.3, θ̇ = 7.9, u = 2 twice); the cost uses the pre-update state', () => {
      const env = new PendulumEnv();
      startAt(env, [0.3, 7.9, 0]);
      let result = env.step([2]);
      assertClose(result.obs, [0.7648422122001648, 0.6442176699638367, 8.0]);
      // cost = 0.3² + 0.1·7.9² + 0.001·2² = 6.335
      assert.equal(result.reward, -6.335);
      result = env.step([2]);
      assertClose(result.obs, [0.4535961151123047, 0.8912073373794556, 8.0]);
      assert.equal(result.reward, -6.894); // 0.7² + 0.1·8² + 0.004
    });
  });

  describe('invariants', () => {
    it('with zero torque and no clipping, semi-implicit Euler conserves the modified energy H + (dt/2)·θ̇·15 sin θ to O(dt²)', () => {
      // θ̈ = (3g/2l) sin θ = 15 sin θ conserves H = ½θ̇² + 15 cos θ; the velocity-first Euler step is symplectic
      // and conserves H̃ = H + (dt/2)·θ̇·15 sin θ up to O(dt²), while H itself oscillates by O(dt) without drift.
      const env = new PendulumEnv();
      startAt(env, [Math.PI - 0.5, 0, 0]); // swinging around the bottom, |θ̇| stays far below 8
      const energies = () => {
        const [theta, thetaDot] = env.getState().physics as [number, number, number];
        const energy = 0.5 * thetaDot * thetaDot + 15 * Math.cos(theta);
        return [energy, energy + (0.05 / 2) * thetaDot * 15 * Math.sin(theta)] as const;
      };
      const [initialEnergy, initialModified] = energies();
      const deviations: number[] = [];
      let maxModifiedDeviation = 0;
      for (let t = 0; t < 200; t++) {
        const { obs } = env.step([0]);
        assert.ok(Math.abs(obs[2]!) < 8);
        const [energy, modified] = energies();
        deviations.push(Math.abs(energy - initialEnergy));
        maxModifiedDeviation = Math.max(maxModifiedDeviation, Math.abs(modified - initialModified));
      }
      assert.ok(maxModifiedDeviation < 2e-3, `max |ΔH̃| = ${maxModifiedDeviation}`);
      const swingEnergy = 15 * (1 - Math.cos(0.5));
      assert.ok(Math.max(...deviations) < 0.15 * swingEnergy, `max |ΔH| = ${Math.max(...deviations)}`);
      const firstHalf = Math.max(...deviations.slice(0, 100));
      const secondHalf = Math.max(...deviations.slice(100));
      assert.ok(secondHalf < 1.2 * firstHalf, `drift: ${firstHalf} then ${secondHalf}`);
    });

    it('the hanging rest state θ = π, θ̇ = 0 stays at rest under zero torque (up to sin π ≈ 1.2e-16)', () => {
      const env = new PendulumEnv();
      startAt(env, [Math.PI, 0, 0]);
      for (let t = 0; t < 50; t++) env.step([0]);
      const [theta, thetaDot] = env.getState().physics as number[];
      assert.ok(Math.abs(theta! - Math.PI) < 1e-12 && Math.abs(thetaDot!) < 1e-12);
    });

    it('reward reaches its minimum −(π² + 0.1·8² + 0.001·2²) ≈ −16.2736 at θ = π, θ̇ = 8, u = 2', () => {
      const env = new PendulumEnv();
      startAt(env, [Math.PI, 8, 0]);
      const { reward } = env.step([2]);
      assert.ok(reward >= -16.27361 && reward <= 0);
      assert.ok(Math.abs(reward - -(Math.PI ** 2 + 0.1 * 64 + 0.004)) < 1e-12);
    });

    it('angleNormalize wraps into [−π, π) with floored modulo', () => {
      assert.equal(angleNormalize(0), 0);
      assert.ok(Math.abs(angleNormalize(3 * Math.PI / 2) - -Math.PI / 2) < 1e-15);
      assert.ok(Math.abs(angleNormalize(-3 * Math.PI / 2) - Math.PI / 2) < 1e-15);
      assert.equal(angleNormalize(Math.PI), -Math.PI);
    });
  });

  describe('reset', () => {
    it('draws θ ~ U(±π), θ̇ ~ U(±1) by default and honours { xInit, yInit }', () => {
      const env = new PendulumEnv();
      for (let seed = 0; seed < 50; seed++) {
        env.reset({ seed });
        const [theta, thetaDot] = env.getState().physics as number[];
        assert.ok(Math.abs(theta!) <= Math.PI && Math.abs(thetaDot!) <= 1);
        env.reset({ seed, options: { xInit: 0.1, yInit: 0.01 } });
        const [smallTheta, smallThetaDot] = env.getState().physics as number[];
        assert.ok(Math.abs(smallTheta!) <= 0.1 && Math.abs(smallThetaDot!) <= 0.01);
      }
    });

    it('uses g from the constructor (Gymnasium default 10.0)', () => {
      assert.equal(new PendulumEnv().config.g, 10.0);
      const env = new PendulumEnv({ g: 9.81 });
      startAt(env, [Math.PI / 2, 0, 0]);
      // θ̇' = (3·9.81/2 · sin(π/2)) · 0.05
      assert.ok(Math.abs(env.step([0]).obs[2]! - Math.fround(1.5 * 9.81 * 0.05)) < 1e-7);
    });
  });

  it('renders an SVG with the rod', () => {
    const env = new PendulumEnv();
    startAt(env, [0.4, 0, 0]);
    env.step([1]);
    const svg = env.renderSvg();
    assert.match(svg, /^<svg[^>]*viewBox="[^"]+"/);
    assert.match(svg, /<line /);
    assert.match(svg, /<\/svg>$/);
  });
});
