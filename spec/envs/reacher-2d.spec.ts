import assert from 'node:assert/strict';
import { Reacher2DEnv } from '../../envs/control/reacher-2d.ts';
import { assertClose, startAt } from './helpers.ts';

// Literals: MuJoCo 3.14 (Python bindings, /tmp scratch venv) running Gymnasium's reacher.xml with frame_skip 2,
// and reacher_v5.py's _get_obs/_get_rew transcribed (fingertip read from data.xpos right after mj_step, as
// Gymnasium does), observations cast to float32. Physics state layout:
// [q0, q1, q̇0, q̇1, targetX, targetY, kinematic q0, kinematic q1].
describe('Reacher2D-v0', () => {
  it('matches MuJoCo from q = (0.05, −0.03), q̇ = (0.001, −0.002), target (0.1, −0.05)', () => {
    const env = new Reacher2DEnv();
    startAt(env, [0.05, -0.03, 0.001, -0.002, 0.1, -0.05, 0.05, -0.03]);
    const expected: [number[], number][] = [
      [[0.9975602626800537, 0.9992783665657043, 0.06981075555086136, -0.03798392415046692, 0.10000000149011612, -0.05000000074505806, 1.9791709184646606, -0.7946620583534241, 0.10970022529363632, 0.06048530712723732], -0.41527015652063487],
      [[0.9889551401138306, 0.9956346750259399, 0.14821520447731018, -0.09333570301532745, 0.10000000149011612, -0.05000000074505806, 5.897353172302246, -4.740049839019775, 0.10872765630483627, 0.07089889049530029], -11.379801213490001],
      [[0.9649522304534912, 0.9846546649932861, 0.26242566108703613, -0.17451408505439758, 0.10000000149011612, -0.05000000074505806, 5.7802205085754395, -3.458271026611328, 0.10604884475469589, 0.0861421748995781], -0.22662661453228394],
      [[0.9426589012145996, 0.9792343378067017, 0.3337576985359192, -0.20273172855377197, 0.10000000149011612, -0.05000000074505806, 1.7085309028625488, 0.5713789463043213, 0.1032475158572197, 0.09830660372972488], -2.142563099570716],
      [[0.927901029586792, 0.9829564690589905, 0.37282660603523254, -0.18383856117725372, 0.10000000149011612, -0.05000000074505806, 2.4655823707580566, 1.3516844511032104, 0.10065924376249313, 0.10882938653230667], -0.22824344418208667],
    ];
    // The second action is out of bounds: the torque is clipped to (1, −1)·200, the cost uses 1.5² + 3².
    const actions = [[0.5, -0.2], [1.5, -3.0], [0.0, 0.3], [-1, 1], [0.2, 0.2]];
    actions.forEach((a, t) => {
      const { obs, reward, terminated, info } = env.step(a);
      assertClose(obs, expected[t]![0], 2e-7, `obs at step ${t + 1}`);
      assert.ok(Math.abs(reward - expected[t]![1]) < 1e-12, `reward ${reward} vs ${expected[t]![1]}`);
      assert.equal(terminated, false);
      assert.ok(Math.abs((info.rewardCtrl as number) + (a[0]! ** 2 + a[1]! ** 2)) < 1e-15);
    });
  });

  it('matches MuJoCo when the elbow is driven into its ±3 rad soft limit', () => {
    const env = new Reacher2DEnv();
    startAt(env, [0, 2.9, 0, 0, 0.1, -0.05, 0, 2.9]);
    const expected: [number[], number][] = [
      [[1.0, -0.9796943664550781, 1.560924829391297e-6, 0.2004968672990799, 0.10000000149011612, -0.05000000074505806, 0.0001587970182299614, 3.9595634937286377, -0.1077660471200943, 0.07205642759799957], -1.1296366068903567],
      [[1.0, -0.9942944049835205, 5.5038622122083325e-6, 0.1066707894206047, 0.10000000149011612, -0.05000000074505806, 9.735413186717778e-5, 2.3361668586730957, -0.1090768426656723, 0.06422166526317596], -1.1265787484350402],
      [[1.0, -0.9952118396759033, 5.793078798888018e-6, 0.09774146229028702, 0.10000000149011612, -0.05000000074505806, -2.9917699066572823e-5, -0.5593109130859375, -0.10948842763900757, 0.060596972703933716], -1.1251387615116029],
      [[1.0, -0.9936758875846863, 5.050088020652765e-6, 0.11228623986244202, 0.10000000149011612, -0.05000000074505806, -3.664902033051476e-5, -0.7282050251960754, -0.10930804908275604, 0.062319207936525345], -1.1258250104045555],
    ];
    expected.forEach(([obs, reward], t) => {
      const result = env.step([0, 1]);
      assertClose(result.obs, obs, 1e-6, `obs at step ${t + 1}`);
      assert.ok(Math.abs(result.reward - reward) < 1e-8);
    });
    for (let t = 0; t < 30; t++) env.step([0, 1]);
    const elbow = (env.getState().physics as number[])[1]!;
    assert.ok(elbow > 3.0 && elbow < 3.01, `the elbow rests just past its limit (MuJoCo: 3.00399928), got ${elbow}`);
  });

  it('resets the arm within ±0.1 rad, velocities within ±0.005 and the target inside the 0.2 disc', () => {
    const env = new Reacher2DEnv();
    for (let seed = 0; seed < 50; seed++) {
      const { obs } = env.reset({ seed });
      const [q0, q1, v0, v1, tx, ty] = env.getState().physics as number[];
      assert.ok(Math.abs(q0!) <= 0.1 && Math.abs(q1!) <= 0.1 && Math.abs(v0!) <= 0.005 && Math.abs(v1!) <= 0.005);
      assert.ok(Math.hypot(tx!, ty!) < 0.2);
      // Straight after reset the fingertip is read at the current angles.
      const tipX = 0.1 * Math.cos(q0!) + 0.11 * Math.cos(q0! + q1!);
      assert.equal(obs[8], Math.fround(tipX - tx!));
    }
  });

  it('rewardControlWeight and rewardDistWeight scale the two terms', () => {
    const env = new Reacher2DEnv({ rewardControlWeight: 0.1, rewardDistWeight: 2 });
    startAt(env, [0.05, -0.03, 0.001, -0.002, 0.1, -0.05, 0.05, -0.03]);
    const { reward, info } = env.step([0.5, -0.2]);
    assert.ok(Math.abs((info.rewardCtrl as number) - -0.029) < 1e-15);
    assert.ok(Math.abs((info.rewardDist as number) - 2 * -0.12527015652063483) < 1e-12);
    assert.equal(reward, (info.rewardDist as number) + (info.rewardCtrl as number));
  });

  it('renders an SVG with the arena, arm and target', () => {
    const env = new Reacher2DEnv();
    env.reset({ seed: 0 });
    const svg = env.renderSvg();
    assert.match(svg, /^<svg[\s\S]*<\/svg>$/);
    assert.equal((svg.match(/<line /g) ?? []).length, 6);
    assert.equal((svg.match(/<circle /g) ?? []).length, 3);
  });
});
