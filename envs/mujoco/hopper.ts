/**
 * Hopper-v5 (Gymnasium `envs/mujoco/hopper_v5.py`, model `models/hopper.ts`).
 *
 * - Observation (11 by default): `qpos[1:]` (z, torso angle, thigh, leg, foot), then `clip(qvel, ±10)` (6);
 *   with `excludeCurrentPositionsFromObservation = 0` also `qpos[0]` first (12).
 * - Reward: `forwardRewardWeight · ẋ + healthyReward · healthy − ctrlCostWeight · ‖a‖²`, where
 *   ẋ = (qpos[0] after − qpos[0] before) / dt over the frame-skipped step.
 * - Healthy: every entry of (qpos, qvel)[2:] strictly inside (healthyStateMin, healthyStateMax), z = qpos[1]
 *   strictly inside (healthyZMin, healthyZMax) and the angle qpos[2] strictly inside (healthyAngleMin,
 *   healthyAngleMax). Unhealthy terminates when `terminateWhenUnhealthy` is 1.
 * - Reset: qpos0 and zero velocity plus U(±resetNoiseScale) on every coordinate. 4 substeps of 2 ms.
 * - Info: x_position, z_distance_from_origin, x_velocity, reward_forward, reward_ctrl, reward_survive
 *   (reset: x_position, z_distance_from_origin).
 */
import type { Rng } from '../core/rng.ts';
import type { Action, Info, MutableStepResult } from '../core/types.ts';
import { MujocoEnv } from './mujoco-env.ts';
import { HOPPER_XML } from './models/hopper.ts';
import { resolveOptions, type OptionTable } from './options.ts';

export interface HopperConfig {
  forwardRewardWeight: number;
  ctrlCostWeight: number;
  healthyReward: number;
  /** 0 or 1. */
  terminateWhenUnhealthy: number;
  healthyStateMin: number;
  healthyStateMax: number;
  healthyZMin: number;
  healthyZMax: number;
  healthyAngleMin: number;
  healthyAngleMax: number;
  resetNoiseScale: number;
  /** 0 or 1. */
  excludeCurrentPositionsFromObservation: number;
  frameSkip: number;
}

export const HOPPER_OPTIONS: OptionTable<HopperConfig> = {
  forwardRewardWeight: [1.0, 'number'],
  ctrlCostWeight: [1e-3, 'number'],
  healthyReward: [1.0, 'number'],
  terminateWhenUnhealthy: [1, 'flag'],
  healthyStateMin: [-100.0, 'bound'],
  healthyStateMax: [100.0, 'bound'],
  healthyZMin: [0.7, 'bound'],
  healthyZMax: [Infinity, 'bound'],
  healthyAngleMin: [-0.2, 'bound'],
  healthyAngleMax: [0.2, 'bound'],
  resetNoiseScale: [5e-3, 'number'],
  excludeCurrentPositionsFromObservation: [1, 'flag'],
  frameSkip: [4, 'count'],
};

export class HopperEnv extends MujocoEnv {
  static readonly id = 'Hopper-v5';
  readonly config: Readonly<HopperConfig>;
  private readonly stepInfo = {
    x_position: 0,
    z_distance_from_origin: 0,
    x_velocity: 0,
    reward_forward: 0,
    reward_ctrl: 0,
    reward_survive: 0,
  };
  private readonly startInfo = { x_position: 0, z_distance_from_origin: 0 };

  /**
   * @param options Gymnasium's keyword arguments in camelCase (ranges split into …Min / …Max).
   * @param model MJCF text replacing the built-in model (Gymnasium's `xml_file`).
   */
  constructor(options?: Partial<HopperConfig>, model: string = HOPPER_XML) {
    const config = resolveOptions(HopperEnv.id, HOPPER_OPTIONS, options);
    super({
      id: HopperEnv.id,
      xml: model,
      frameSkip: config.frameSkip,
      observationSize: (sim) => sim.nq + sim.nv - config.excludeCurrentPositionsFromObservation,
      derivedFields: [],
      view: { plane: 'xz', trackBody: 1, halfWidth: 1.6, verticalMin: -0.2, verticalMax: 1.8 },
    });
    this.config = config;
  }

  /** Gymnasium's `is_healthy`. */
  get isHealthy(): boolean {
    const { qpos, qvel } = this.sim.views();
    const { healthyStateMin, healthyStateMax, healthyZMin, healthyZMax, healthyAngleMin, healthyAngleMax } = this.config;
    for (let i = 2; i < qpos.length + qvel.length; i++) {
      const value = i < qpos.length ? qpos[i]! : qvel[i - qpos.length]!;
      if (!(healthyStateMin < value && value < healthyStateMax)) return false;
    }
    const z = qpos[1]!;
    const angle = qpos[2]!;
    return healthyZMin < z && z < healthyZMax && healthyAngleMin < angle && angle < healthyAngleMax;
  }

  protected resetModel(rng: Rng, qpos: Float64Array, qvel: Float64Array): void {
    const scale = this.config.resetNoiseScale;
    for (let i = 0; i < qpos.length; i++) qpos[i] = this.initQpos[i]! + rng.uniform(-scale, scale);
    for (let i = 0; i < qvel.length; i++) qvel[i] = this.initQvel[i]! + rng.uniform(-scale, scale);
  }

  protected resetInfo(): Info {
    const qpos = this.sim.views().qpos;
    this.startInfo.x_position = qpos[0]!;
    this.startInfo.z_distance_from_origin = qpos[1]! - this.initQpos[1]!;
    return this.startInfo;
  }

  protected transition(action: Action, out: MutableStepResult): void {
    const xBefore = this.sim.views().qpos[0]!;
    this.simulate(action);
    const qpos = this.sim.views().qpos;
    const xAfter = qpos[0]!;
    const xVelocity = (xAfter - xBefore) / this.dt;

    const healthy = this.isHealthy;
    const forwardReward = this.config.forwardRewardWeight * xVelocity;
    const healthyReward = healthy ? this.config.healthyReward : 0;
    const ctrlCost = this.config.ctrlCostWeight * MujocoEnv.squaredNorm(action);
    out.reward = forwardReward + healthyReward - ctrlCost;
    out.terminated = !healthy && this.config.terminateWhenUnhealthy === 1;

    const info = this.stepInfo;
    info.x_position = xAfter;
    info.z_distance_from_origin = qpos[1]! - this.initQpos[1]!;
    info.x_velocity = xVelocity;
    info.reward_forward = forwardReward;
    info.reward_ctrl = -ctrlCost;
    info.reward_survive = healthyReward;
    this.info = info;
  }

  protected writeObservation(): void {
    const { qpos, qvel } = this.sim.views();
    const skip = this.config.excludeCurrentPositionsFromObservation;
    let k = 0;
    for (let i = skip; i < qpos.length; i++) this.obs[k++] = qpos[i]!;
    for (let i = 0; i < qvel.length; i++) this.obs[k++] = Math.min(Math.max(qvel[i]!, -10), 10);
  }

  protected override caption(): string {
    return `  x=${this.sim.views().qpos[0]!.toFixed(2)}`;
  }
}
