/**
 * CartPoleContinuous-v0: Gymnasium's CartPole-v1 physics (`classic_control/cartpole.py`, Euler integrator)
 * with a continuous force F = forceMag · clip(a, −1, 1) instead of ±forceMag. Gymnasium has no official
 * continuous cart-pole; this follows the common community variant (constants unchanged, `Box(−1, 1, (1,))`).
 *
 * State (float64): [x, ẋ, θ, θ̇], θ = 0 upright. Observation: the state as float32.
 * Terminates when |x| > 2.4 or |θ| > 12° (0.2095 rad). Reward +1 on every step, the terminating one included.
 * `make` truncates at 500 steps.
 */
import { BaseEnv, resolveConfig } from '../core/base-env.ts';
import type { Rng } from '../core/rng.ts';
import { Box } from '../core/spaces.ts';
import { bodyLine, circle, createFrame, hingeFrame, line, rect, svgScene } from '../core/svg.ts';
import type { Action, MutableStepResult, ResetOptions } from '../core/types.ts';

export interface CartPoleContinuousConfig {
  /** Force (N) at |a| = 1. CartPole-v1 uses 10; some continuous variants use 30 or 50. */
  forceMag: number;
}

export const CART_POLE_CONTINUOUS_DEFAULTS: CartPoleContinuousConfig = { forceMag: 10.0 };

const GRAVITY = 9.8;
const MASS_CART = 1.0;
const MASS_POLE = 0.1;
const TOTAL_MASS = MASS_POLE + MASS_CART;
/** Half the pole's length. */
const LENGTH = 0.5;
const POLE_MASS_LENGTH = MASS_POLE * LENGTH;
const TAU = 0.02;
export const THETA_THRESHOLD_RADIANS = (12 * 2 * Math.PI) / 360;
export const X_THRESHOLD = 2.4;

export class CartPoleContinuousEnv extends BaseEnv {
  static readonly id = 'CartPoleContinuous-v0';
  readonly config: Readonly<CartPoleContinuousConfig>;
  /** `reset({ options: { low, high } })` bounds the uniform initial state (defaults ±0.05). */
  protected readonly resetOptionKeys = ['low', 'high'];

  private x = 0;
  private xDot = 0;
  private theta = 0;
  private thetaDot = 0;
  /** Frame of the pole for `renderSvg()`. */
  private readonly poleFrame = createFrame();

  constructor(config?: Partial<CartPoleContinuousConfig>) {
    const high = [X_THRESHOLD * 2, Infinity, THETA_THRESHOLD_RADIANS * 2, Infinity];
    super(
      CartPoleContinuousEnv.id,
      new Box({ low: high.map((h) => -h), high, dtype: 'float32' }),
      new Box({ low: -1, high: 1, shape: [1], dtype: 'float32' }),
      50,
    );
    this.config = resolveConfig(CartPoleContinuousEnv.id, CART_POLE_CONTINUOUS_DEFAULTS, config);
  }

  protected resetPhysics(rng: Rng, options: ResetOptions): void {
    const low = options.low ?? -0.05;
    const high = options.high ?? 0.05;
    this.x = rng.uniform(low, high);
    this.xDot = rng.uniform(low, high);
    this.theta = rng.uniform(low, high);
    this.thetaDot = rng.uniform(low, high);
  }

  protected transition(action: Action, out: MutableStepResult): void {
    const force = this.config.forceMag * Math.min(Math.max(action[0]!, -1), 1);
    const { x, xDot, theta, thetaDot } = this;
    const cosTheta = Math.cos(theta);
    const sinTheta = Math.sin(theta);

    // Florian (2007) "Correct equations for the dynamics of the cart-pole system", as in the reference.
    const temp = (force + POLE_MASS_LENGTH * (thetaDot * thetaDot) * sinTheta) / TOTAL_MASS;
    const thetaAcc =
      (GRAVITY * sinTheta - cosTheta * temp) / (LENGTH * (4.0 / 3.0 - (MASS_POLE * (cosTheta * cosTheta)) / TOTAL_MASS));
    const xAcc = temp - (POLE_MASS_LENGTH * thetaAcc * cosTheta) / TOTAL_MASS;

    // Explicit Euler: positions advance with the old velocities.
    this.x = x + TAU * xDot;
    this.xDot = xDot + TAU * xAcc;
    this.theta = theta + TAU * thetaDot;
    this.thetaDot = thetaDot + TAU * thetaAcc;

    out.terminated =
      this.x < -X_THRESHOLD || this.x > X_THRESHOLD || this.theta < -THETA_THRESHOLD_RADIANS || this.theta > THETA_THRESHOLD_RADIANS;
    out.reward = 1.0;
  }

  protected writeObservation(): void {
    this.obs[0] = this.x;
    this.obs[1] = this.xDot;
    this.obs[2] = this.theta;
    this.obs[3] = this.thetaDot;
  }

  protected physicsState(): number[] {
    return [this.x, this.xDot, this.theta, this.thetaDot];
  }

  protected restorePhysics([x, xDot, theta, thetaDot]: readonly number[]): void {
    this.x = x!;
    this.xDot = xDot!;
    this.theta = theta!;
    this.thetaDot = thetaDot!;
  }

  /** Track from −2.4 to 2.4, the cart, and the pole (drawn with its full length 2·0.5). */
  renderSvg(): string {
    // The pole along its frame's y axis, hinged on the cart; positive θ tilts it clockwise (towards +x).
    const pole = hingeFrame(this.poleFrame, null, this.x, 0.15, -this.theta);
    return svgScene(
      { xMin: -X_THRESHOLD - 0.4, xMax: X_THRESHOLD + 0.4, yMin: -0.3, yMax: 1.5, widthPx: 600 },
      [
        line(-X_THRESHOLD, 0, X_THRESHOLD, 0, 0.01, '#000000'),
        rect(this.x, 0.15, 0.5, 0.3, '#333333'),
        bodyLine(pole, 0, 0, 0, 2 * LENGTH, 0.1, '#ca9865'),
        circle(this.x, 0.15, 0.04, '#8184cb'),
      ],
      `${this.id}  x=${this.x.toFixed(3)}  θ=${this.theta.toFixed(3)}`,
    );
  }
}
