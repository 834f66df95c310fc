/**
 * InvertedDoublePendulum-v5 (Gymnasium `envs/mujoco/inverted_double_pendulum_v5.py`, model
 * `models/inverted-double-pendulum.ts`).
 *
 * - Observation (9): [cart x, sin θ1, sin θ2, cos θ1, cos θ2, clip(qvel, ±10) (3), clip(qfrc_constraint[0], ±10)]
 *   (v5 keeps only the cart's constraint force; v4 had all three).
 * - Tip (x, ·, y) = `site_xpos` of the tip site after the step (computed by MuJoCo at the start of the last
 *   substep). Terminates when y ≤ 1.
 * - Reward: `healthyReward · (not terminated) − (0.01 x² + (y − 2)²) − (1e-3 ω1² + 5e-3 ω2²)` with ω = qvel[1:3].
 * - Reset: qpos0 plus U(±resetNoiseScale), velocity resetNoiseScale · N(0, 1). 5 substeps of 10 ms.
 * - Info: reward_survive, distance_penalty, velocity_penalty (reset: none).
 */
import type { Rng } from '../core/rng.ts';
import { EMPTY_INFO, type Action, type Info, type MutableStepResult } from '../core/types.ts';
import { MujocoEnv } from './mujoco-env.ts';
import { INVERTED_DOUBLE_PENDULUM_XML } from './models/inverted-double-pendulum.ts';
import { resolveOptions, type OptionTable } from './options.ts';

export interface InvertedDoublePendulumConfig {
  healthyReward: number;
  resetNoiseScale: number;
  frameSkip: number;
}

export const INVERTED_DOUBLE_PENDULUM_OPTIONS: OptionTable<InvertedDoublePendulumConfig> = {
  healthyReward: [10.0, 'number'],
  resetNoiseScale: [0.1, 'number'],
  frameSkip: [5, 'count'],
};

/** clip(value, −10, 10), as the observation's velocities and constraint force. */
function clip(value: number): number {
  return Math.min(Math.max(value, -10), 10);
}

export class InvertedDoublePendulumEnv extends MujocoEnv {
  static readonly id = 'InvertedDoublePendulum-v5';
  readonly config: Readonly<InvertedDoublePendulumConfig>;
  private readonly stepInfo = { reward_survive: 0, distance_penalty: 0, velocity_penalty: 0 };

  /**
   * @param options Gymnasium's keyword arguments in camelCase.
   * @param model MJCF text replacing the built-in model (Gymnasium's `xml_file`).
   */
  constructor(options?: Partial<InvertedDoublePendulumConfig>, model: string = INVERTED_DOUBLE_PENDULUM_XML) {
    const config = resolveOptions(InvertedDoublePendulumEnv.id, INVERTED_DOUBLE_PENDULUM_OPTIONS, options);
    super({
      id: InvertedDoublePendulumEnv.id,
      xml: model,
      frameSkip: config.frameSkip,
      observationSize: (sim) => 1 + 2 * (sim.nq - 1) + sim.nv + 1,
      derivedFields: ['site_xpos', 'qfrc_constraint'],
      view: { plane: 'xz', trackBody: null, halfWidth: 1.4, verticalMin: -0.3, verticalMax: 1.4 },
    });
    this.config = config;
  }

  protected resetModel(rng: Rng, qpos: Float64Array, qvel: Float64Array): void {
    const scale = this.config.resetNoiseScale;
    for (let i = 0; i < qpos.length; i++) qpos[i] = this.initQpos[i]! + rng.uniform(-scale, scale);
    for (let i = 0; i < qvel.length; i++) qvel[i] = this.initQvel[i]! + rng.normal() * scale;
  }

  protected resetInfo(): Info {
    return EMPTY_INFO;
  }

  protected transition(action: Action, out: MutableStepResult): void {
    this.simulate(action);
    const { site_xpos: sitePos, qvel } = this.sim.views();
    const x = sitePos[0]!;
    const y = sitePos[2]!;
    const terminated = y <= 1;
    const v1 = qvel[1]!;
    const v2 = qvel[2]!;
    const distancePenalty = 0.01 * x ** 2 + (y - 2) ** 2;
    const velocityPenalty = 1e-3 * v1 ** 2 + 5e-3 * v2 ** 2;
    const aliveBonus = terminated ? 0 : this.config.healthyReward;
    out.reward = aliveBonus - distancePenalty - velocityPenalty;
    out.terminated = terminated;
    const info = this.stepInfo;
    info.reward_survive = aliveBonus;
    info.distance_penalty = -distancePenalty;
    info.velocity_penalty = -velocityPenalty;
    this.info = info;
  }

  protected writeObservation(): void {
    const { qpos, qvel, qfrc_constraint: constraintForce } = this.sim.views();
    let k = 0;
    this.obs[k++] = qpos[0]!;
    for (let i = 1; i < qpos.length; i++) this.obs[k++] = Math.sin(qpos[i]!);
    for (let i = 1; i < qpos.length; i++) this.obs[k++] = Math.cos(qpos[i]!);
    for (let i = 0; i < qvel.length; i++) this.obs[k++] = clip(qvel[i]!);
    this.obs[k] = clip(constraintForce[0]!);
  }

  protected override caption(): string {
    return `  tip z=${this.sim.views().site_xpos[2]!.toFixed(3)}`;
  }
}
