/**
 * CartPoleSwingup-v0: dm_control's `cartpole` domain, `swingup` task (`suite/cartpole.py`, `cartpole.xml`).
 *
 * Model (from the XML): cart of mass 1 on a slider (damping 5e-4, soft limit ±1.8 with solref (0.08, 1));
 * pole = capsule of mass 0.1, length 1, radius 0.045, hinged at the cart (damping 2e-6); gravity 9.81;
 * motor gear 10 with ctrlrange [−1, 1]; RK4 at dt = 0.01 with one physics step per control step, so the
 * 10 s time limit is 1000 steps. No termination.
 *
 * Observation (5, float32): [cart x, cos θ, sin θ, ẋ, θ̇] (dm_control's `position` = x, xmat zz, xmat xz, then
 * `velocity`); θ = 0 is upright. Reward: upright · small_control · small_velocity · centered (the smooth reward),
 * computed after the step; small_control uses the unclipped action, as `physics.control()` does.
 *
 * Integrator: instead of MuJoCo, the exact 2-DOF Lagrangian of this model (capsule inertia computed as
 * MuJoCo does) is integrated with MuJoCo's RK4 tableau, and the slider limit uses MuJoCo's soft-constraint
 * formula in closed form (see `physics/soft-limit.ts`). Compared with MuJoCo 3.14 on this XML: ~1e-15 after
 * 200 free steps, ~1e-7 after hard hits on the limit (MuJoCo's iterative solver tolerance).
 */
import { BaseEnv, resolveConfig } from '../core/base-env.ts';
import type { Rng } from '../core/rng.ts';
import { Box } from '../core/spaces.ts';
import { bodyLine, circle, createFrame, hingeFrame, line, rect, svgScene } from '../core/svg.ts';
import type { Action, MutableStepResult, NoConfig, ResetOptions } from '../core/types.ts';
import { capsuleInertia } from '../physics/capsule.ts';
import { Rk4Integrator } from '../physics/rk4.ts';
import { solveWithJointLimit, type JointLimit } from '../physics/soft-limit.ts';

export const CONTROL_TIMESTEP = 0.01;
const GRAVITY = 9.81;
const CART_MASS = 1.0;
const POLE_MASS = 0.1;
const POLE_LENGTH = 1.0;
/** Hinge to the pole's centre of mass. */
const POLE_COM = POLE_LENGTH / 2;
const POLE_INERTIA = capsuleInertia({ mass: POLE_MASS, radius: 0.045, length: POLE_LENGTH }).perpendicular;
const POLE_INERTIA_AT_HINGE = POLE_INERTIA + POLE_MASS * POLE_COM * POLE_COM;
const SLIDER_DAMPING = 5e-4;
const HINGE_DAMPING = 2e-6;
const GEAR = 10;
const SLIDER_RANGE = 1.8;
/** dm_control's gaussian `tolerance` with bounds (0, 0) is exp(−½ (|x|/margin · s)²), s = sqrt(−2 ln 0.1), so it is 0.1 at one margin. */
const GAUSSIAN_SCALE = Math.sqrt(-2 * Math.log(0.1));

/** Mass matrix at the reference configuration (θ = 0), for MuJoCo's `dof_invweight0`. */
const TOTAL_MASS = CART_MASS + POLE_MASS;
const COUPLING_AT_REST = POLE_MASS * POLE_COM;
const SLIDER_LIMIT: JointLimit = {
  dof: 0,
  lower: -SLIDER_RANGE,
  upper: SLIDER_RANGE,
  timeConst: 0.08,
  dampRatio: 1,
  invWeight0: POLE_INERTIA_AT_HINGE / (TOTAL_MASS * POLE_INERTIA_AT_HINGE - COUPLING_AT_REST * COUPLING_AT_REST),
};

export class CartPoleSwingupEnv extends BaseEnv {
  static readonly id = 'CartPoleSwingup-v0';
  protected readonly resetOptionKeys: readonly string[] = [];

  /** [x, θ, ẋ, θ̇] (MuJoCo's qpos then qvel). */
  private readonly state = new Float64Array(4);
  /** Actuator force during the current step (N), after clamping to ctrlrange. */
  private force = 0;
  private readonly acceleration = new Float64Array(2);
  /** M as [m00, m01, m11], overwritten with M⁻¹ by the solve (scratch). */
  private readonly massMatrix = new Float64Array(3);
  private readonly integrator: Rk4Integrator;
  /** Frame of the pole for `renderSvg()`. */
  private readonly poleFrame = createFrame();

  constructor(config?: NoConfig) {
    super(
      CartPoleSwingupEnv.id,
      new Box({ low: -Infinity, high: Infinity, shape: [5], dtype: 'float32' }),
      new Box({ low: -1, high: 1, shape: [1], dtype: 'float32' }),
      Math.round(1 / CONTROL_TIMESTEP),
    );
    resolveConfig(CartPoleSwingupEnv.id, {}, config);
    this.integrator = new Rk4Integrator(4, (s, out) => this.derivative(s, out));
  }

  /** Solves M(θ)·qacc = τ for the cart-pole, then applies the slider limit. */
  private derivative(s: Float64Array, out: Float64Array): void {
    const theta = s[1]!;
    const xDot = s[2]!;
    const thetaDot = s[3]!;
    const cos = Math.cos(theta);
    const sin = Math.sin(theta);
    // M = [[m_c + m_p, m_p l cos θ], [m_p l cos θ, I + m_p l²]]
    const m00 = TOTAL_MASS;
    const m01 = POLE_MASS * POLE_COM * cos;
    const m11 = POLE_INERTIA_AT_HINGE;
    // Generalised forces: actuator, damping, centrifugal term on the cart, gravity on the pole.
    const forceX = this.force - SLIDER_DAMPING * xDot + POLE_MASS * POLE_COM * sin * thetaDot * thetaDot;
    const torque = POLE_MASS * GRAVITY * POLE_COM * sin - HINGE_DAMPING * thetaDot;
    const matrix = this.massMatrix;
    matrix[0] = m00;
    matrix[1] = m01;
    matrix[2] = m11;
    const qacc = this.acceleration;
    qacc[0] = forceX;
    qacc[1] = torque;
    solveWithJointLimit(SLIDER_LIMIT, s, matrix, qacc);
    out[0] = xDot;
    out[1] = thetaDot;
    out[2] = qacc[0]!;
    out[3] = qacc[1]!;
  }

  /** dm_control swing-up: slider 0.01·N(0,1), hinge π + 0.01·N(0,1), velocities 0.01·N(0,1). */
  protected resetPhysics(rng: Rng, _options: ResetOptions): void {
    this.state[0] = 0.01 * rng.normal();
    this.state[1] = Math.PI + 0.01 * rng.normal();
    this.state[2] = 0.01 * rng.normal();
    this.state[3] = 0.01 * rng.normal();
  }

  protected transition(action: Action, out: MutableStepResult): void {
    const control = action[0]!;
    this.force = GEAR * Math.min(Math.max(control, -1), 1);
    this.integrator.step(this.state, CONTROL_TIMESTEP);

    // dm_control's smooth reward, with rewards.tolerance written out (helpers returning numbers would box them
    // when V8 declines to inline, allocating on every step):
    //   upright        = (cos θ + 1)/2
    //   centered       = (1 + tolerance(x, margin=2))/2                                   gaussian
    //   small_control  = (4 + tolerance(u, margin=1, value_at_margin=0, sigmoid='quadratic'))/5: 1 − u² for |u| < 1, else 0
    //   small_velocity = (1 + tolerance(θ̇, margin=5))/2                                   gaussian
    const cartDistance = (this.state[0]! / 2) * GAUSSIAN_SCALE;
    const spin = (this.state[3]! / 5) * GAUSSIAN_SCALE;
    const upright = (Math.cos(this.state[1]!) + 1) / 2;
    const centered = (1 + Math.exp(-0.5 * (cartDistance * cartDistance))) / 2;
    const smallControl = (4 + (Math.abs(control) < 1 ? 1 - control * control : 0)) / 5;
    const smallVelocity = (1 + Math.exp(-0.5 * (spin * spin))) / 2;
    out.reward = upright * smallControl * smallVelocity * centered;
    out.terminated = false;
  }

  protected writeObservation(): void {
    const theta = this.state[1]!;
    this.obs[0] = this.state[0]!;
    this.obs[1] = Math.cos(theta);
    this.obs[2] = Math.sin(theta);
    this.obs[3] = this.state[2]!;
    this.obs[4] = this.state[3]!;
  }

  protected physicsState(): number[] {
    return Array.from(this.state);
  }

  protected restorePhysics(values: readonly number[]): void {
    this.state.set(values);
  }

  /** Rails at height 1 from −1.8 to 1.8, the cart (0.4 × 0.2) and the pole of length 1 (θ = 0 up). */
  renderSvg(): string {
    const x = this.state[0]!;
    const theta = this.state[1]!;
    // The pole along its frame's y axis, hinged on the cart; positive θ tilts it clockwise (towards +x).
    const pole = hingeFrame(this.poleFrame, null, x, 1, -theta);
    return svgScene(
      { xMin: -2.3, xMax: 2.3, yMin: -0.2, yMax: 2.2, widthPx: 600 },
      [
        line(-2.3, -0.05, 2.3, -0.05, 0.02, '#7a8a9a'),
        line(-SLIDER_RANGE, 1, SLIDER_RANGE, 1, 0.04, '#b0b0b0'),
        rect(x, 1, 0.4, 0.2, '#d2884e'),
        bodyLine(pole, 0, 0, 0, POLE_LENGTH, 0.09, '#d2884e'),
        circle(x, 1, 0.03, '#333333'),
      ],
      `${this.id}  x=${x.toFixed(3)}  cos θ=${Math.cos(theta).toFixed(3)}`,
    );
  }
}
