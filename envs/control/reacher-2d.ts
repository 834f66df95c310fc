/**
 * Reacher2D-v0: Gymnasium's Reacher-v5 (`envs/mujoco/reacher_v5.py`, `assets/reacher.xml`) without MuJoCo.
 *
 * Model (from the XML): two links of length 0.1 (capsules of radius 0.01, density 1000), fingertip sphere
 * (radius 0.01) at 0.11 past the elbow; hinge armature 1 and damping 1; motors with gear 200 and ctrlrange
 * [−1, 1]; the elbow has a soft limit of ±3 rad (MuJoCo default solref (0.02, 1)); the arm moves in the
 * horizontal plane, so gravity does no work. RK4 at 0.01 s, two substeps per step (dt = 0.02). 50 steps.
 *
 * Observation (10, float32): [cos q0, cos q1, sin q0, sin q1, target x, target y, q̇0, q̇1, fingertip − target (x, y)].
 * Reward: −‖fingertip − target‖ − ‖a‖² (v5 code default `reward_control_weight = 1`; the docstring's 0.1
 * is wrong), computed after the step, with the unclipped action in the control cost. Never terminates.
 *
 * Faithful quirk: after an RK4 `mj_step`, MuJoCo's `data.xpos` holds the kinematics of the last RK4 stage
 * (q + h·q̇ at stage 3), and Gymnasium reads the fingertip from there. We do the same, so observation[8:10]
 * and the distance reward match Gymnasium (the lag is ~1e-6 m), while cos/sin use the final angles.
 * Checked against MuJoCo 3.14 on reacher.xml (agreement ~1e-15 without limit contact).
 *
 * Positions are gl-matrix vec2s in preallocated Float64Arrays; the kinematics keep the reference's
 * operation order (L·cos q0 + F·cos(q0 + q1), √(dx² + dy²)), so results are the same bits as scalar code.
 */
import { vec2 } from 'gl-matrix';
import { BaseEnv, resolveConfig } from '../core/base-env.ts';
import type { Rng } from '../core/rng.ts';
import { Box } from '../core/spaces.ts';
import { bodyCircle, bodyLine, circle, createFrame, hingeFrame, line, svgScene } from '../core/svg.ts';
import type { Action, Info, MutableStepResult, ResetOptions } from '../core/types.ts';
import { capsuleInertia, capsuleMass } from '../physics/capsule.ts';
import { Rk4Integrator } from '../physics/rk4.ts';
import { solveWithJointLimit, type JointLimit } from '../physics/soft-limit.ts';

export interface Reacher2DConfig {
  /** Weight of the distance term (Gymnasium's `reward_dist_weight`). */
  rewardDistWeight: number;
  /** Weight of ‖a‖² (Gymnasium's `reward_control_weight`; its code default is 1). */
  rewardControlWeight: number;
}

export const REACHER_2D_DEFAULTS: Reacher2DConfig = { rewardDistWeight: 1, rewardControlWeight: 1 };

const TIMESTEP = 0.01;
const FRAME_SKIP = 2;
const LINK_LENGTH = 0.1;
const LINK_RADIUS = 0.01;
const FINGERTIP_OFFSET = 0.11;
const ARMATURE = 1;
const DAMPING = 1;
const GEAR = 200;
const ELBOW_RANGE = 3.0;

// Link 1: one capsule, centre of mass at its middle.
const LINK_MASS = capsuleMass(LINK_RADIUS, LINK_LENGTH);
const LINK_INERTIA = capsuleInertia({ mass: LINK_MASS, radius: LINK_RADIUS, length: LINK_LENGTH }).perpendicular;
// Link 2: the same capsule plus the fingertip sphere (a separate MuJoCo body, rigidly attached).
const TIP_MASS = (1000 * 4 * Math.PI * LINK_RADIUS ** 3) / 3;
const TIP_INERTIA = (2 / 5) * TIP_MASS * LINK_RADIUS * LINK_RADIUS;
const HALF = LINK_LENGTH / 2;

// M(q) = [[A + 2B cos q1 + armature, C + B cos q1], [C + B cos q1, C + armature]] (q1 = elbow angle).
const COEFF_B = LINK_MASS * LINK_LENGTH * HALF + TIP_MASS * LINK_LENGTH * FINGERTIP_OFFSET;
const COEFF_C = LINK_INERTIA + LINK_MASS * HALF * HALF + TIP_INERTIA + TIP_MASS * FINGERTIP_OFFSET * FINGERTIP_OFFSET;
const COEFF_A = LINK_INERTIA + LINK_MASS * HALF * HALF + COEFF_C + (LINK_MASS + TIP_MASS) * LINK_LENGTH * LINK_LENGTH;

const REST_M00 = COEFF_A + 2 * COEFF_B + ARMATURE;
const REST_M01 = COEFF_C + COEFF_B;
const REST_M11 = COEFF_C + ARMATURE;
const ELBOW_LIMIT: JointLimit = {
  dof: 1,
  lower: -ELBOW_RANGE,
  upper: ELBOW_RANGE,
  timeConst: 0.02,
  dampRatio: 1,
  invWeight0: REST_M00 / (REST_M00 * REST_M11 - REST_M01 * REST_M01),
};

export class Reacher2DEnv extends BaseEnv {
  static readonly id = 'Reacher2D-v0';
  readonly config: Readonly<Reacher2DConfig>;
  protected readonly resetOptionKeys: readonly string[] = [];

  /** [q0, q1, q̇0, q̇1]. */
  private readonly state = new Float64Array(4);
  private readonly target = new Float64Array(2);
  /** Joint angles at which the fingertip is read (the last RK4 stage; equals q right after reset). */
  private kinematicQ0 = 0;
  private kinematicQ1 = 0;
  /** Fingertip position at the kinematic angles, and fingertip − target; refreshed by `updateFingertip()`. */
  private readonly fingertip = new Float64Array(2);
  private readonly tipToTarget = new Float64Array(2);
  /** Unit vector along a link (scratch). */
  private readonly linkDirection = new Float64Array(2);
  /** Frames of the two links for `renderSvg()`. */
  private readonly upperArm = createFrame();
  private readonly forearm = createFrame();
  private readonly torque = new Float64Array(2);
  private readonly acceleration = new Float64Array(2);
  /** M as [m00, m01, m11], overwritten with M⁻¹ by the solve (scratch). */
  private readonly massMatrix = new Float64Array(3);
  private readonly integrator: Rk4Integrator;
  private readonly rewardInfo = { rewardDist: 0, rewardCtrl: 0 };

  constructor(config?: Partial<Reacher2DConfig>) {
    super(
      Reacher2DEnv.id,
      new Box({ low: -Infinity, high: Infinity, shape: [10], dtype: 'float32' }),
      new Box({ low: -1, high: 1, shape: [2], dtype: 'float32' }),
      Math.round(1 / (TIMESTEP * FRAME_SKIP)),
    );
    this.config = resolveConfig(Reacher2DEnv.id, REACHER_2D_DEFAULTS, config);
    this.integrator = new Rk4Integrator(4, (s, out) => this.derivative(s, out));
    this.info = this.rewardInfo as Info;
  }

  private derivative(s: Float64Array, out: Float64Array): void {
    const q1 = s[1]!;
    const qDot0 = s[2]!;
    const qDot1 = s[3]!;
    const cos = Math.cos(q1);
    const sin = Math.sin(q1);
    const m00 = COEFF_A + 2 * COEFF_B * cos + ARMATURE;
    const m01 = COEFF_C + COEFF_B * cos;
    const m11 = COEFF_C + ARMATURE;
    // Motor torque, joint damping and the Coriolis/centrifugal terms of the two-link arm.
    const tau0 = this.torque[0]! - DAMPING * qDot0 + COEFF_B * sin * (2 * qDot0 * qDot1 + qDot1 * qDot1);
    const tau1 = this.torque[1]! - DAMPING * qDot1 - COEFF_B * sin * qDot0 * qDot0;
    const matrix = this.massMatrix;
    matrix[0] = m00;
    matrix[1] = m01;
    matrix[2] = m11;
    const qacc = this.acceleration;
    qacc[0] = tau0;
    qacc[1] = tau1;
    solveWithJointLimit(ELBOW_LIMIT, s, matrix, qacc);
    out[0] = qDot0;
    out[1] = qDot1;
    out[2] = qacc[0]!;
    out[3] = qacc[1]!;
  }

  /** Gymnasium's reset_model, drawing in the same order: qpos (4), the goal by rejection, qvel (4). */
  protected resetPhysics(rng: Rng, _options: ResetOptions): void {
    this.state[0] = rng.uniform(-0.1, 0.1);
    this.state[1] = rng.uniform(-0.1, 0.1);
    rng.uniform(-0.1, 0.1); // target qpos noise, overwritten by the goal
    rng.uniform(-0.1, 0.1);
    let goalX: number;
    let goalY: number;
    do {
      goalX = rng.uniform(-0.2, 0.2);
      goalY = rng.uniform(-0.2, 0.2);
    } while (Math.sqrt(goalX * goalX + goalY * goalY) >= 0.2);
    vec2.set(this.target, goalX, goalY);
    this.state[2] = rng.uniform(-0.005, 0.005);
    this.state[3] = rng.uniform(-0.005, 0.005);
    rng.uniform(-0.005, 0.005); // target velocities, set to 0
    rng.uniform(-0.005, 0.005);
    this.kinematicQ0 = this.state[0]!;
    this.kinematicQ1 = this.state[1]!;
    this.updateFingertip();
    this.rewardInfo.rewardDist = 0;
    this.rewardInfo.rewardCtrl = 0;
  }

  protected transition(action: Action, out: MutableStepResult): void {
    const a0 = action[0]!;
    const a1 = action[1]!;
    this.torque[0] = GEAR * Math.min(Math.max(a0, -1), 1);
    this.torque[1] = GEAR * Math.min(Math.max(a1, -1), 1);
    for (let i = 0; i < FRAME_SKIP; i++) this.integrator.step(this.state, TIMESTEP);
    this.kinematicQ0 = this.integrator.lastStage[0]!;
    this.kinematicQ1 = this.integrator.lastStage[1]!;
    this.updateFingertip();

    // √ of the squared length rather than vec2.length, so the reward's bits do not depend on how a
    // gl-matrix release computes a length.
    const rewardDist = -Math.sqrt(vec2.squaredLength(this.tipToTarget)) * this.config.rewardDistWeight;
    const rewardCtrl = -(a0 * a0 + a1 * a1) * this.config.rewardControlWeight;
    this.rewardInfo.rewardDist = rewardDist;
    this.rewardInfo.rewardCtrl = rewardCtrl;
    out.reward = rewardDist + rewardCtrl;
    out.terminated = false;
  }

  /**
   * Forward kinematics at the kinematic angles: fingertip = L·(cos q0, sin q0) + F·(cos(q0 + q1), sin(q0 + q1)),
   * written to preallocated vectors (no allocation, no boxed return values on the hot path).
   */
  private updateFingertip(): void {
    const q0 = this.kinematicQ0;
    const q01 = this.kinematicQ0 + this.kinematicQ1;
    const tip = this.fingertip;
    const direction = this.linkDirection;
    vec2.scale(tip, vec2.set(direction, Math.cos(q0), Math.sin(q0)), LINK_LENGTH); // the elbow
    vec2.scaleAndAdd(tip, tip, vec2.set(direction, Math.cos(q01), Math.sin(q01)), FINGERTIP_OFFSET);
    vec2.subtract(this.tipToTarget, tip, this.target);
  }

  protected writeObservation(): void {
    const q0 = this.state[0]!;
    const q1 = this.state[1]!;
    const obs = this.obs;
    obs[0] = Math.cos(q0);
    obs[1] = Math.cos(q1);
    obs[2] = Math.sin(q0);
    obs[3] = Math.sin(q1);
    obs[4] = this.target[0]!;
    obs[5] = this.target[1]!;
    obs[6] = this.state[2]!;
    obs[7] = this.state[3]!;
    obs[8] = this.tipToTarget[0]!;
    obs[9] = this.tipToTarget[1]!;
  }

  protected physicsState(): number[] {
    return [...this.state, ...this.target, this.kinematicQ0, this.kinematicQ1];
  }

  protected restorePhysics(values: readonly number[]): void {
    this.state.set(values.slice(0, 4));
    this.target.set(values.slice(4, 6));
    [this.kinematicQ0, this.kinematicQ1] = values.slice(6) as [number, number];
    this.updateFingertip();
  }

  /** The ±0.3 arena, both links, the fingertip and the target, seen from above (at the final angles q). */
  renderSvg(): string {
    // Each link along its frame's x axis: shoulder at the origin, elbow at the upper arm's end.
    const upperArm = hingeFrame(this.upperArm, null, 0, 0, this.state[0]!);
    const forearm = hingeFrame(this.forearm, upperArm, LINK_LENGTH, 0, this.state[1]!);
    const wall = '#e6668f';
    return svgScene(
      { xMin: -0.35, xMax: 0.35, yMin: -0.35, yMax: 0.35, widthPx: 400 },
      [
        line(-0.3, -0.3, 0.3, -0.3, 0.04, wall),
        line(0.3, -0.3, 0.3, 0.3, 0.04, wall),
        line(0.3, 0.3, -0.3, 0.3, 0.04, wall),
        line(-0.3, 0.3, -0.3, -0.3, 0.04, wall),
        circle(this.target[0]!, this.target[1]!, 0.009, '#e63333'),
        bodyLine(upperArm, 0, 0, LINK_LENGTH, 0, 0.02, '#006699'),
        bodyLine(forearm, 0, 0, LINK_LENGTH, 0, 0.02, '#006699'),
        circle(0, 0, 0.011, '#e6668f'),
        bodyCircle(forearm, FINGERTIP_OFFSET, 0, 0.01, '#00cc99'),
      ],
      `${this.id}  distance=${vec2.length(this.tipToTarget).toFixed(4)}`,
    );
  }
}
