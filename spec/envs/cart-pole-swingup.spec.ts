import assert from 'node:assert/strict';
import { CartPoleSwingupEnv } from '../../envs/control/cart-pole-swingup.ts';
import { assertClose, startAt } from './helpers.ts';

// Literals: MuJoCo 3.14 (Python bindings, /tmp scratch venv) running dm_control's cartpole.xml (includes and
// materials removed) with dm_control's step order (mj_step then mj_step1), observations [qpos[0], xmat zz, xmat xz,
// qvel] cast to float32, and the smooth reward with dm_control's rewards.tolerance transcribed into NumPy.
// An independent analytic model (complex-step Lagrangian + RK4) agreed with MuJoCo to 1e-15.
// Physics state layout: [x, θ, ẋ, θ̇].
describe('CartPoleSwingup-v0', () => {
  it('matches MuJoCo from x = 0, θ = π, θ̇ = 0.01 with u = 0.5, −1, 1.5 (clipped), 0.25, 0', () => {
    const env = new CartPoleSwingupEnv();
    startAt(env, [0, Math.PI, 0, 0.01]);
    const expected: [number[], number][] = [
      [[0.00024333441979251802, -0.9999998807907104, -0.0004533652390819043, 0.04866631701588631, 0.08066146075725555], 4.880114003347408e-8],
      [[0.00024330023734364659, -0.9999998211860657, -0.0005526456516236067, -0.04867319017648697, -0.06080775707960129], 6.107305355694669e-8],
      [[0.00024322854005731642, -0.9999997615814209, -0.0006510844686999917, 0.04865865409374237, 0.08049287647008896], 8.475691444256969e-8],
      [[0.0008514497894793749, -0.9999986886978149, -0.0016320046270266175, 0.07298443466424942, 0.11566630005836487], 6.571319385568002e-7],
      [[0.0015812224010005593, -0.9999961256980896, -0.002787122968584299, 0.0729687437415123, 0.11532856523990631], 1.9408270974258103e-6],
    ];
    [0.5, -1.0, 1.5, 0.25, 0.0].forEach((u, t) => {
      const { obs, reward, terminated } = env.step([u]);
      // One float32 ulp of room for MuJoCo's different operation order (bit-exact on x86-64 when written).
      assertClose(obs, expected[t]![0], 2e-7, `obs at step ${t + 1}`);
      assert.ok(Math.abs(reward - expected[t]![1]) < 1e-12, `reward ${reward} vs ${expected[t]![1]}`);
      assert.equal(terminated, false);
    });
  });

  it('matches MuJoCo through a hit on the soft slider limit (x = 1.7, θ = 0.3, ẋ = 2, u = 1 × 12)', () => {
    const env = new CartPoleSwingupEnv();
    startAt(env, [1.7, 0.3, 2.0, 0]);
    const expected: [number[], number][] = [
      [[1.7204738855361938, 0.9554685354232788, 0.29509302973747253, 2.0947842597961426, -0.0894395038485527], 0.4620895836066762],
      [[1.7418956756591797, 0.9558637738227844, 0.29381027817726135, 2.1895785331726074, -0.17905132472515106], 0.45870087693330397],
      [[1.764265537261963, 0.9565194845199585, 0.29166847467422485, 2.2843940258026123, -0.2690085470676422], 0.4550038388737276],
      [[1.7875837087631226, 0.9574311375617981, 0.2886616885662079, 2.3792412281036377, -0.3594844341278076], 0.45101111165145413],
      [[1.8118505477905273, 0.958592414855957, 0.28478169441223145, 2.3529624938964844, -0.28194913268089294], 0.4492671927011057],
      [[1.8325525522232056, 0.9582155346870422, 0.286047101020813, 1.8049341440200806, 0.5216558575630188], 0.4427615403026456],
      [[1.8482693433761597, 0.955700695514679, 0.29434022307395935, 1.353191614151001, 1.1909561157226562], 0.4185783244619098],
      [[1.8598865270614624, 0.9512471556663513, 0.3084295988082886, 0.982683539390564, 1.7470664978027344], 0.38918119873207974],
      [[1.8681504726409912, 0.9449379444122314, 0.32724958658218384, 0.6805624961853027, 2.2084548473358154], 0.361338518434714],
      [[1.8736886978149414, 0.9367923736572266, 0.3498857319355011, 0.43587610125541687, 2.5911386013031006], 0.33753616380396056],
      [[1.8770278692245483, 0.9267989993095398, 0.37555772066116333, 0.23930029571056366, 2.9089279174804688], 0.3180437418105303],
      [[1.8786083459854126, 0.9149342179298401, 0.4036029279232025, 0.08290838450193405, 3.173675298690796], 0.3022643589625706],
    ];
    expected.forEach(([obs, reward], t) => {
      const result = env.step([1]);
      // MuJoCo solves the limit iteratively (tolerance 1e-8); the closed form agrees to ~1e-7.
      assertClose(result.obs, obs, 1e-6, `obs at step ${t + 1}`);
      assert.ok(Math.abs(result.reward - reward) < 1e-6);
    });
  });

  describe('invariants', () => {
    it('the soft limit stops the cart a little past ±1.8 under a constant full push and holds it there', () => {
      const env = new CartPoleSwingupEnv();
      for (const u of [1, -1]) {
        env.reset({ seed: 2 });
        let extreme = 0;
        let last = 0;
        for (let t = 0; t < 600; t++) {
          last = env.step([u]).obs[0]!;
          extreme = Math.max(extreme, Math.abs(last));
        }
        assert.ok(extreme > 1.8 && extreme < 2.0, `max |x| = ${extreme}`);
        assert.ok(Math.abs(last) > 1.79 && Math.abs(last) < 1.85, `final |x| = ${Math.abs(last)}`);
      }
    });

    it('reward is in [0, 1], near 0 hanging down and 1 balanced at the centre at rest', () => {
      const env = new CartPoleSwingupEnv();
      startAt(env, [0, 0, 0, 0]);
      assert.ok(env.step([0]).reward > 0.999);
      startAt(env, [0, Math.PI, 0, 0]);
      assert.ok(env.step([0]).reward < 1e-9);
      startAt(env, [0, 0, 0, 0]);
      assert.ok(Math.abs(env.step([2]).reward - 0.8) < 1e-3, 'small_control = 4/5 for |u| ≥ 1 (unclipped u)');
    });

    it('never terminates; the observation is [x, cos θ, sin θ, ẋ, θ̇]', () => {
      const env = new CartPoleSwingupEnv();
      startAt(env, [0.3, 1.0, -0.2, 0.5]);
      const { obs, terminated } = env.step([0]);
      const [x, theta, xDot, thetaDot] = env.getState().physics as number[];
      assertClose(obs, [x!, Math.cos(theta!), Math.sin(theta!), xDot!, thetaDot!].map(Math.fround));
      assert.equal(terminated, false);
    });
  });

  it('resets as dm_control swingup: x ≈ 0.01·N, θ ≈ π + 0.01·N, velocities ≈ 0.01·N', () => {
    const env = new CartPoleSwingupEnv();
    for (let seed = 0; seed < 30; seed++) {
      env.reset({ seed });
      const [x, theta, xDot, thetaDot] = env.getState().physics as number[];
      for (const v of [x!, theta! - Math.PI, xDot!, thetaDot!]) assert.ok(Math.abs(v) < 0.06);
    }
  });

  it('renders an SVG with the rail, cart and pole', () => {
    const env = new CartPoleSwingupEnv();
    env.reset({ seed: 0 });
    assert.match(env.renderSvg(), /^<svg[\s\S]*<rect[\s\S]*<line[\s\S]*<\/svg>$/);
  });
});
