/**
 * HalfCheetah-v5 (Gymnasium `envs/mujoco/half_cheetah_v5.py`, model `models/half-cheetah.ts`).
 *
 * - Observation (17 by default): `qpos[1:]` (8), then `qvel` (9), not clipped; with
 *   `excludeCurrentPositionsFromObservation = 0` also `qpos[0]` first (18).
 * - Reward: `forwardRewardWeight · ẋ − ctrlCostWeight · ‖a‖²`, ẋ from qpos[0] before and after the step.
 * - Never terminates. Reset: qpos0 plus U(±resetNoiseScale), velocity resetNoiseScale · N(0, 1).
 *   5 substeps of 10 ms.
 * - Info: x_position, x_velocity, reward_forward, reward_ctrl (reset: x_position).
 */
import type { Rng } from '../core/rng.ts';
import type { Action, Info, MutableStepResult } from '../core/types.ts';
import { MujocoEnv } from './mujoco-env.ts';
import { HALF_CHEETAH_XML } from './models/half-cheetah.ts';
import { resolveOptions, type OptionTable } from './options.ts';

export interface HalfCheetahConfig {
  forwardRewardWeight: number;
  ctrlCostWeight: number;
  resetNoiseScale: number;
  /** 0 or 1. */
  excludeCurrentPositionsFromObservation: number;
  frameSkip: number;
}

export const HALF_CHEETAH_OPTIONS: OptionTable<HalfCheetahConfig> = {
  forwardRewardWeight: [1.0, 'number'],
  ctrlCostWeight: [0.1, 'number'],
  resetNoiseScale: [0.1, 'number'],
  excludeCurrentPositionsFromObservation: [1, 'flag'],
  frameSkip: [5, 'count'],
};

export class HalfCheetahEnv extends MujocoEnv {
  static readonly id = 'HalfCheetah-v5';
  readonly config: Readonly<HalfCheetahConfig>;
  private readonly stepInfo = { x_position: 0, x_velocity: 0, reward_forward: 0, reward_ctrl: 0 };
  private readonly startInfo = { x_position: 0 };

  /**
   * @param options Gymnasium's keyword arguments in camelCase.
   * @param model MJCF text replacing the built-in model (Gymnasium's `xml_file`).
   */
  constructor(options?: Partial<HalfCheetahConfig>, model: string = HALF_CHEETAH_XML) {
    const config = resolveOptions(HalfCheetahEnv.id, HALF_CHEETAH_OPTIONS, options);
    super({
      id: HalfCheetahEnv.id,
      xml: model,
      frameSkip: config.frameSkip,
      observationSize: (sim) => sim.nq + sim.nv - config.excludeCurrentPositionsFromObservation,
      derivedFields: [],
      view: { plane: 'xz', trackBody: 1, halfWidth: 2, verticalMin: -0.3, verticalMax: 1.5 },
    });
    this.config = config;
  }

  protected resetModel(rng: Rng, qpos: Float64Array, qvel: Float64Array): void {
    const scale = this.config.resetNoiseScale;
    for (let i = 0; i < qpos.length; i++) qpos[i] = this.initQpos[i]! + rng.uniform(-scale, scale);
    for (let i = 0; i < qvel.length; i++) qvel[i] = this.initQvel[i]! + scale * rng.normal();
  }

  protected resetInfo(): Info {
    this.startInfo.x_position = this.sim.views().qpos[0]!;
    return this.startInfo;
  }

  protected transition(action: Action, out: MutableStepResult): void {
    const xBefore = this.sim.views().qpos[0]!;
    this.simulate(action);
    const xAfter = this.sim.views().qpos[0]!;
    const xVelocity = (xAfter - xBefore) / this.dt;

    const forwardReward = this.config.forwardRewardWeight * xVelocity;
    const ctrlCost = this.config.ctrlCostWeight * MujocoEnv.squaredNorm(action);
    out.reward = forwardReward - ctrlCost;
    out.terminated = false;

    const info = this.stepInfo;
    info.x_position = xAfter;
    info.x_velocity = xVelocity;
    info.reward_forward = forwardReward;
    info.reward_ctrl = -ctrlCost;
    this.info = info;
  }

  protected writeObservation(): void {
    const { qpos, qvel } = this.sim.views();
    const skip = this.config.excludeCurrentPositionsFromObservation;
    let k = 0;
    for (let i = skip; i < qpos.length; i++) this.obs[k++] = qpos[i]!;
    for (let i = 0; i < qvel.length; i++) this.obs[k++] = qvel[i]!;
  }

  protected override caption(): string {
    return `  x=${this.sim.views().qpos[0]!.toFixed(2)}`;
  }
}
