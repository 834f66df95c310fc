/**
 * MultiGoal-v0: the 2-D point mass with four goals from Soft Q-Learning (Haarnoja et al. 2017, §6.1) and SAC,
 * ported from `softqlearning/environments/multigoal.py` (identical in `softlearning`).
 *
 * State: position p ∈ [−7, 7]² (float64). Action: velocity a ∈ [−1, 1]², clipped; p' = clip(p + a, ±7).
 * Reward: −(actionCostCoeff·‖a‖² + distanceCostCoeff·min_g ‖p' − g‖²) with goals (±5, 0), (0, ±5); the reference
 * penalises the *squared* distance (its docstring says "distance"). Reaching within 1 of a goal adds
 * `goalReward` and terminates. Initial p ~ N(0, 0.1²). Episodes are 30 steps (the reference's `max_path_length`).
 * Four equally good goals make multi-modal policies visibly better than unimodal ones.
 */
import { BaseEnv, resolveConfig } from '../core/base-env.ts';
import type { Rng } from '../core/rng.ts';
import { Box } from '../core/spaces.ts';
import { circle, line, svgScene } from '../core/svg.ts';
import type { Action, MutableStepResult, ResetOptions } from '../core/types.ts';

export interface MultiGoalConfig {
  goalReward: number;
  actionCostCoeff: number;
  distanceCostCoeff: number;
  /** Standard deviation of the initial position. */
  initSigma: number;
}

export const MULTI_GOAL_DEFAULTS: MultiGoalConfig = { goalReward: 10, actionCostCoeff: 30, distanceCostCoeff: 1, initSigma: 0.1 };

export const GOALS: readonly (readonly [number, number])[] = [
  [5, 0],
  [-5, 0],
  [0, 5],
  [0, -5],
];
const GOAL_THRESHOLD = 1.0;
const LIMIT = 7;
const VELOCITY_BOUND = 1.0;

export class MultiGoalEnv extends BaseEnv {
  static readonly id = 'MultiGoal-v0';
  readonly config: Readonly<MultiGoalConfig>;
  protected readonly resetOptionKeys: readonly string[] = [];

  private x = 0;
  private y = 0;

  constructor(config?: Partial<MultiGoalConfig>) {
    super(
      MultiGoalEnv.id,
      new Box({ low: [-LIMIT, -LIMIT], high: [LIMIT, LIMIT], dtype: 'float32' }),
      new Box({ low: -VELOCITY_BOUND, high: VELOCITY_BOUND, shape: [2], dtype: 'float32' }),
      30,
    );
    this.config = resolveConfig(MultiGoalEnv.id, MULTI_GOAL_DEFAULTS, config);
  }

  protected resetPhysics(rng: Rng, _options: ResetOptions): void {
    const sigma = this.config.initSigma;
    this.x = Math.min(Math.max(sigma * rng.normal(), -LIMIT), LIMIT);
    this.y = Math.min(Math.max(sigma * rng.normal(), -LIMIT), LIMIT);
  }

  protected transition(action: Action, out: MutableStepResult): void {
    const ax = Math.min(Math.max(action[0]!, -VELOCITY_BOUND), VELOCITY_BOUND);
    const ay = Math.min(Math.max(action[1]!, -VELOCITY_BOUND), VELOCITY_BOUND);
    this.x = Math.min(Math.max(this.x + ax, -LIMIT), LIMIT);
    this.y = Math.min(Math.max(this.y + ay, -LIMIT), LIMIT);

    // Squared distance to the nearest goal (inline: a helper returning a number may box it).
    let nearestSquared = Infinity;
    for (let i = 0; i < GOALS.length; i++) {
      const dx = this.x - GOALS[i]![0];
      const dy = this.y - GOALS[i]![1];
      nearestSquared = Math.min(nearestSquared, dx * dx + dy * dy);
    }
    const actionCost = (ax * ax + ay * ay) * this.config.actionCostCoeff;
    const goalCost = this.config.distanceCostCoeff * nearestSquared;
    const reached = Math.sqrt(nearestSquared) < GOAL_THRESHOLD;
    out.reward = -(actionCost + goalCost) + (reached ? this.config.goalReward : 0);
    out.terminated = reached;
  }

  protected writeObservation(): void {
    this.obs[0] = this.x;
    this.obs[1] = this.y;
  }

  protected physicsState(): number[] {
    return [this.x, this.y];
  }

  protected restorePhysics([x, y]: readonly number[]): void {
    this.x = x!;
    this.y = y!;
  }

  /** The ±7 square, the four goals with their radius-1 success discs, and the point. */
  renderSvg(): string {
    const shapes = [line(-LIMIT, -LIMIT, LIMIT, -LIMIT, 0.05, '#000000'), line(LIMIT, -LIMIT, LIMIT, LIMIT, 0.05, '#000000')];
    shapes.push(line(LIMIT, LIMIT, -LIMIT, LIMIT, 0.05, '#000000'), line(-LIMIT, LIMIT, -LIMIT, -LIMIT, 0.05, '#000000'));
    for (const [gx, gy] of GOALS) {
      shapes.push(circle(gx, gy, GOAL_THRESHOLD, '#fde0e0', '#cc3333', 0.05), circle(gx, gy, 0.15, '#cc3333'));
    }
    shapes.push(circle(this.x, this.y, 0.2, '#3355cc'));
    return svgScene(
      { xMin: -7.7, xMax: 7.7, yMin: -7.7, yMax: 7.7, widthPx: 400 },
      shapes,
      `${this.id}  p=(${this.x.toFixed(2)}, ${this.y.toFixed(2)})`,
    );
  }
}
