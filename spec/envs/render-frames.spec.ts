import assert from 'node:assert/strict';
import fc from 'fast-check';
import { CartPoleContinuousEnv } from '../../envs/classic/cart-pole-continuous.ts';
import { PendulumEnv } from '../../envs/classic/pendulum.ts';
import { CartPoleSwingupEnv } from '../../envs/control/cart-pole-swingup.ts';
import { Reacher2DEnv } from '../../envs/control/reacher-2d.ts';
import { bodyPoint, createFrame, hingeFrame } from '../../envs/core/svg.ts';
import { startAt } from './helpers.ts';

/** The (x1, y1, x2, y2) of every `<line>` and the (cx, cy) of every `<circle>` of an SVG frame, in order. */
function shapes(svg: string): { lines: number[][]; circles: number[][] } {
  const lines = [...svg.matchAll(/<line x1="([^"]+)" y1="([^"]+)" x2="([^"]+)" y2="([^"]+)"/g)].map((m) => m.slice(1, 5).map(Number));
  const circles = [...svg.matchAll(/<circle cx="([^"]+)" cy="([^"]+)"/g)].map((m) => m.slice(1, 3).map(Number));
  return { lines, circles };
}

/** SVG coordinates are rounded to 4 decimals (envs/core/svg.ts `num`). */
const PIXEL = 0.5e-4 + 1e-12;

function assertNear(actual: readonly number[], expected: readonly number[], label: string): void {
  actual.forEach((v, i) => assert.ok(Math.abs(v - expected[i]!) <= PIXEL, `${label}[${i}]: drawn at ${v}, expected ${expected[i]}`));
}

describe('render frames (gl-matrix mat2d joint chains in envs/core/svg.ts)', () => {
  it('a two-link chain puts its end where the closed-form kinematics do', () => {
    const upper = createFrame();
    const lower = createFrame();
    fc.assert(fc.property(fc.double({ min: -10, max: 10, noNaN: true }), fc.double({ min: -10, max: 10, noNaN: true }), (q0, q1) => {
      hingeFrame(upper, null, 0, 0, q0);
      hingeFrame(lower, upper, 0.1, 0, q1);
      const [x, y] = bodyPoint(lower, 0.11, 0);
      // Composed rotations and sin/cos of the summed angle agree to rounding.
      assert.ok(Math.abs(x - (0.1 * Math.cos(q0) + 0.11 * Math.cos(q0 + q1))) < 1e-15);
      assert.ok(Math.abs(y - (0.1 * Math.sin(q0) + 0.11 * Math.sin(q0 + q1))) < 1e-15);
    }));
  });

  it('a hinge in the world frame is a rotation about the hinge point', () => {
    const frame = hingeFrame(createFrame(), null, 2, -1, Math.PI / 2);
    assertNear(bodyPoint(frame, 0, 0), [2, -1], 'hinge');
    assertNear(bodyPoint(frame, 1, 0), [2, 0], 'x axis turned to +y');
  });

  it('Reacher2D-v0 draws both links of length 0.1 end to end and the fingertip where the observation puts it', () => {
    const env = new Reacher2DEnv();
    for (let seed = 0; seed < 10; seed++) {
      const { obs } = env.reset({ seed });
      // Straight after reset the observation's fingertip is read at the drawn angles.
      const [q0, q1, , , tx, ty] = env.getState().physics as number[];
      const { lines, circles } = shapes(env.renderSvg());
      const [upperArm, forearm] = [lines[4]!, lines[5]!];
      assertNear(upperArm.slice(0, 2), [0, 0], 'shoulder');
      assertNear(upperArm.slice(2), [0.1 * Math.cos(q0!), 0.1 * Math.sin(q0!)], 'elbow');
      assertNear(forearm.slice(0, 2), upperArm.slice(2), 'forearm starts at the elbow');
      assertNear(forearm.slice(2), [0.1 * Math.cos(q0!) + 0.1 * Math.cos(q0! + q1!), 0.1 * Math.sin(q0!) + 0.1 * Math.sin(q0! + q1!)], 'forearm end');
      const tip = circles[2]!;
      assert.ok(Math.abs(tip[0]! - (obs[8]! + tx!)) < 1e-4 && Math.abs(tip[1]! - (obs[9]! + ty!)) < 1e-4, `fingertip drawn at ${tip}`);
    }
  });

  it('the poles of CartPoleSwingup-v0 and CartPoleContinuous-v0 tilt towards +x for θ > 0, and Pendulum-v1 turns counter-clockwise', () => {
    const swingup = new CartPoleSwingupEnv();
    startAt(swingup, [0.5, 0.3, 0, 0]);
    assertNear(shapes(swingup.renderSvg()).lines[2]!, [0.5, 1, 0.5 + Math.sin(0.3), 1 + Math.cos(0.3)], 'swing-up pole');

    const cartPole = new CartPoleContinuousEnv();
    startAt(cartPole, [-0.2, 0, 0.1, 0]);
    assertNear(shapes(cartPole.renderSvg()).lines[1]!, [-0.2, 0.15, -0.2 + Math.sin(0.1), 0.15 + Math.cos(0.1)], 'cart-pole pole');

    const pendulum = new PendulumEnv();
    startAt(pendulum, [Math.PI / 2, 0, 0]);
    assertNear(shapes(pendulum.renderSvg()).lines[0]!, [0, 0, -1, 0], 'pendulum rod at θ = π/2');
  });
});
