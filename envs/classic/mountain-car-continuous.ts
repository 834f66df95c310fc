/**
 * MountainCarContinuous-v0, a port of Gymnasium's `classic_control/continuous_mountain_car.py`.
 *
 * State: [position, velocity], stored as float32 after every step exactly as the reference does
 * (`np.array([...], dtype=np.float32)`); the reset draw stays float64 until the first step, also as there.
 * Action: force ∈ [−1, 1] (clipped for the dynamics; the reward's action cost uses the unclipped value).
 * Dynamics: v += force·0.0015 − 0.0025·cos(3·pos), clip v to ±0.07; pos += v, clip to [−1.2, 0.6];
 * a car at the left wall moving left stops. Terminates when pos ≥ 0.45 and v ≥ goalVelocity, with +100.
 * `make` truncates at 999 steps.
 *
 * Intermediate arithmetic is float64 (NumPy 1.x promotion); NumPy ≥ 2 evaluates `3*position` in float32,
 * which can change the last float32 bit of a step.
 */
import { BaseEnv, resolveConfig } from '../core/base-env.ts';
import type { Rng } from '../core/rng.ts';
import { Box } from '../core/spaces.ts';
import { circle, line, polyline, rect, svgScene } from '../core/svg.ts';
import type { Action, MutableStepResult, ResetOptions } from '../core/types.ts';

export interface MountainCarContinuousConfig {
  /** Minimum velocity at the goal for termination (Gymnasium's `goal_velocity` kwarg). */
  goalVelocity: number;
}

export const MOUNTAIN_CAR_CONTINUOUS_DEFAULTS: MountainCarContinuousConfig = { goalVelocity: 0 };

const MIN_ACTION = -1.0;
const MAX_ACTION = 1.0;
const MIN_POSITION = -1.2;
const MAX_POSITION = 0.6;
const MAX_SPEED = 0.07;
const GOAL_POSITION = 0.45;
const POWER = 0.0015;

/** Track height used by the reference renderer. */
function trackHeight(position: number): number {
  return Math.sin(3 * position) * 0.45 + 0.55;
}

export class MountainCarContinuousEnv extends BaseEnv {
  static readonly id = 'MountainCarContinuous-v0';
  readonly config: Readonly<MountainCarContinuousConfig>;
  /** `reset({ options: { low, high } })` bounds the initial position draw (defaults −0.6, −0.4). */
  protected readonly resetOptionKeys = ['low', 'high'];

  private position = 0;
  private velocity = 0;

  constructor(config?: Partial<MountainCarContinuousConfig>) {
    super(
      MountainCarContinuousEnv.id,
      new Box({ low: [MIN_POSITION, -MAX_SPEED], high: [MAX_POSITION, MAX_SPEED], dtype: 'float32' }),
      new Box({ low: MIN_ACTION, high: MAX_ACTION, shape: [1], dtype: 'float32' }),
      30,
    );
    this.config = resolveConfig(MountainCarContinuousEnv.id, MOUNTAIN_CAR_CONTINUOUS_DEFAULTS, config);
  }

  protected resetPhysics(rng: Rng, options: ResetOptions): void {
    this.position = rng.uniform(options.low ?? -0.6, options.high ?? -0.4);
    this.velocity = 0;
  }

  protected transition(action: Action, out: MutableStepResult): void {
    const requested = action[0]!;
    const force = Math.min(Math.max(requested, MIN_ACTION), MAX_ACTION);

    let velocity = this.velocity + (force * POWER - 0.0025 * Math.cos(3 * this.position));
    if (velocity > MAX_SPEED) velocity = MAX_SPEED;
    if (velocity < -MAX_SPEED) velocity = -MAX_SPEED;
    let position = this.position + velocity;
    if (position > MAX_POSITION) position = MAX_POSITION;
    if (position < MIN_POSITION) position = MIN_POSITION;
    if (position === MIN_POSITION && velocity < 0) velocity = 0;

    const terminated = position >= GOAL_POSITION && velocity >= this.config.goalVelocity;
    out.reward = (terminated ? 100.0 : 0) - requested * requested * 0.1;
    out.terminated = terminated;
    this.position = Math.fround(position);
    this.velocity = Math.fround(velocity);
  }

  protected writeObservation(): void {
    this.obs[0] = this.position;
    this.obs[1] = this.velocity;
  }

  protected physicsState(): number[] {
    return [this.position, this.velocity];
  }

  protected restorePhysics([position, velocity]: readonly number[]): void {
    this.position = position!;
    this.velocity = velocity!;
  }

  /** The track y = 0.45 sin(3x) + 0.55, the goal flag at x = 0.45 and the car. */
  renderSvg(): string {
    const track: [number, number][] = [];
    for (let i = 0; i <= 100; i++) {
      const x = MIN_POSITION + ((MAX_POSITION - MIN_POSITION) * i) / 100;
      track.push([x, trackHeight(x)]);
    }
    const carY = trackHeight(this.position);
    const flagY = trackHeight(GOAL_POSITION);
    return svgScene(
      { xMin: MIN_POSITION - 0.05, xMax: MAX_POSITION + 0.05, yMin: -0.1, yMax: 1.2, widthPx: 600 },
      [
        polyline(track, 0.01, '#000000'),
        line(GOAL_POSITION, flagY, GOAL_POSITION, flagY + 0.12, 0.008, '#000000'),
        rect(GOAL_POSITION + 0.03, flagY + 0.1, 0.06, 0.04, '#cccc00'),
        circle(this.position, carY + 0.04, 0.04, '#333333'),
      ],
      `${this.id}  x=${this.position.toFixed(4)}  v=${this.velocity.toFixed(4)}`,
    );
  }
}
