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
import { PlanarWalkerEnv, type PlanarWalkerConfig } from './planar-walker.ts';
import { HOPPER_XML } from './models/hopper.ts';
import { resolveOptions, type OptionTable } from './options.ts';

export interface HopperConfig extends PlanarWalkerConfig {
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

export class HopperEnv extends PlanarWalkerEnv<HopperConfig> {
  static readonly id = 'Hopper-v5';

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
    }, config);
  }

  /** Gymnasium's `is_healthy`. */
  override get isHealthy(): boolean {
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
}
