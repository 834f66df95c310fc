/**
 * Pendulum-v1, a port of Gymnasium's `classic_control/pendulum.py`.
 *
 * State (float64): angle θ (0 = upright) and angular velocity θ̇. Observation (float32): [cos θ, sin θ, θ̇].
 * Action: torque u ∈ [−2, 2], clipped. Reward: −(normalize(θ)² + 0.1 θ̇² + 0.001 u²) on the pre-update state.
 * Semi-implicit Euler: θ̇' = clip(θ̇ + (3g/(2l) sin θ + 3/(m l²) u) dt, ±8), θ' = θ + θ̇' dt. Never terminates;
 * `make` truncates at 200 steps.
 *
 * Arithmetic is float64 throughout; with NumPy ≥ 2 and a float32 action, Gymnasium evaluates the u-terms
 * in float32 (NEP 50), a difference below 1e-7 relative.
 */
import { BaseEnv, resolveConfig } from '../core/base-env.ts';
import type { Rng } from '../core/rng.ts';
import { Box } from '../core/spaces.ts';
import { bodyCircle, bodyLine, circle, createFrame, hingeFrame, svgScene } from '../core/svg.ts';
import type { Action, MutableStepResult, ResetOptions } from '../core/types.ts';

export interface PendulumConfig {
  /** Gravity (m/s²). Gymnasium's default is 10.0, not 9.81. */
  g: number;
}

export const PENDULUM_DEFAULTS: PendulumConfig = { g: 10.0 };

const MAX_SPEED = 8;
const MAX_TORQUE = 2.0;
const DT = 0.05;
const MASS = 1.0;
const LENGTH = 1.0;
/** Default half-widths of the initial uniform draws (Gymnasium's DEFAULT_X / DEFAULT_Y). */
const DEFAULT_X_INIT = Math.PI;
const DEFAULT_Y_INIT = 1.0;

/** ((x + π) mod 2π) − π with Python's floored modulo. */
export function angleNormalize(x: number): number {
  let wrapped = (x + Math.PI) % (2 * Math.PI);
  if (wrapped < 0) wrapped += 2 * Math.PI;
  return wrapped - Math.PI;
}

export class PendulumEnv extends BaseEnv {
  static readonly id = 'Pendulum-v1';
  readonly config: Readonly<PendulumConfig>;
  /** `reset({ options: { xInit, yInit } })` sets the initial θ ~ U(±xInit), θ̇ ~ U(±yInit) (Gymnasium's x_init / y_init). */
  protected readonly resetOptionKeys = ['xInit', 'yInit'];

  private theta = 0;
  private thetaDot = 0;
  /** Last applied (clipped) torque, for rendering only (Gymnasium's `last_u`). */
  private lastTorque = 0;
  /** Frame of the rod (and of the torque marker) for `renderSvg()`. */
  private readonly renderFrame = createFrame();

  constructor(config?: Partial<PendulumConfig>) {
    super(
      PendulumEnv.id,
      new Box({ low: [-1, -1, -MAX_SPEED], high: [1, 1, MAX_SPEED], dtype: 'float32' }),
      new Box({ low: -MAX_TORQUE, high: MAX_TORQUE, shape: [1], dtype: 'float32' }),
      30,
    );
    this.config = resolveConfig(PendulumEnv.id, PENDULUM_DEFAULTS, config);
  }

  protected resetPhysics(rng: Rng, options: ResetOptions): void {
    const xInit = options.xInit ?? DEFAULT_X_INIT;
    const yInit = options.yInit ?? DEFAULT_Y_INIT;
    this.theta = rng.uniform(-xInit, xInit);
    this.thetaDot = rng.uniform(-yInit, yInit);
    this.lastTorque = 0;
  }

  protected transition(action: Action, out: MutableStepResult): void {
    const { g } = this.config;
    const theta = this.theta;
    const thetaDot = this.thetaDot;
    const u = Math.min(Math.max(action[0]!, -MAX_TORQUE), MAX_TORQUE);
    this.lastTorque = u;

    const normalized = angleNormalize(theta);
    const cost = normalized * normalized + 0.1 * (thetaDot * thetaDot) + 0.001 * (u * u);

    let newThetaDot = thetaDot + (((3 * g) / (2 * LENGTH)) * Math.sin(theta) + (3.0 / (MASS * LENGTH * LENGTH)) * u) * DT;
    newThetaDot = Math.min(Math.max(newThetaDot, -MAX_SPEED), MAX_SPEED);
    this.theta = theta + newThetaDot * DT;
    this.thetaDot = newThetaDot;

    out.reward = -cost;
    out.terminated = false;
  }

  protected writeObservation(): void {
    this.obs[0] = Math.cos(this.theta);
    this.obs[1] = Math.sin(this.theta);
    this.obs[2] = this.thetaDot;
  }

  protected physicsState(): number[] {
    return [this.theta, this.thetaDot, this.lastTorque];
  }

  protected restorePhysics([theta, thetaDot, lastTorque]: readonly number[]): void {
    this.theta = theta!;
    this.thetaDot = thetaDot!;
    this.lastTorque = lastTorque!;
  }

  /** The rod (length 1, θ = 0 up, positive θ counter-clockwise as in Gymnasium's renderer) and a torque marker. */
  renderSvg(): string {
    // The rod along its frame's y axis, hinged at the origin.
    const rod = hingeFrame(this.renderFrame, null, 0, 0, this.theta);
    const shapes = [
      bodyLine(rod, 0, 0, 0, 1, 0.2, '#cc4c4c'),
      circle(0, 0, 0.05, '#000000'),
      bodyCircle(rod, 0, 1, 0.1, '#cc4c4c'),
    ];
    if (this.lastTorque !== 0) {
      // Arc length proportional to |u|; the dot marks the direction of the torque.
      const reach = (this.lastTorque / MAX_TORQUE) * (Math.PI / 2);
      shapes.push(bodyCircle(hingeFrame(this.renderFrame, null, 0, 0, reach), 0, 0.4, 0.04, '#333333'));
    }
    return svgScene(
      { xMin: -2.2, xMax: 2.2, yMin: -2.2, yMax: 2.2, widthPx: 400 },
      shapes,
      `${this.id}  θ=${angleNormalize(this.theta).toFixed(3)}  θ̇=${this.thetaDot.toFixed(3)}  u=${this.lastTorque.toFixed(2)}`,
    );
  }
}
