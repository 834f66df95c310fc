/**
 * Walker2d-v5 (Gymnasium `envs/mujoco/walker2d_v5.py`, model `models/walker2d.ts`).
 *
 * - Observation (17 by default): `qpos[1:]` (8), then `clip(qvel, ±10)` (9); with
 *   `excludeCurrentPositionsFromObservation = 0` also `qpos[0]` first (18).
 * - Reward: `forwardRewardWeight · ẋ + healthyReward · healthy − ctrlCostWeight · ‖a‖²`, ẋ from qpos[0]
 *   before and after the frame-skipped step.
 * - Healthy: z = qpos[1] strictly inside (healthyZMin, healthyZMax) = (0.8, 2) and the angle qpos[2]
 *   strictly inside (healthyAngleMin, healthyAngleMax) = (−1, 1). Unhealthy terminates when
 *   `terminateWhenUnhealthy` is 1.
 * - Reset: qpos0 and zero velocity plus U(±resetNoiseScale). 4 substeps of 2 ms.
 * - Info: x_position, z_distance_from_origin, x_velocity, reward_forward, reward_ctrl, reward_survive
 *   (reset: x_position, z_distance_from_origin).
 */
import { PlanarWalkerEnv, type PlanarWalkerConfig } from './planar-walker.ts';
import { WALKER2D_XML } from './models/walker2d.ts';
import { resolveOptions, type OptionTable } from './options.ts';

export interface Walker2dConfig extends PlanarWalkerConfig {
  forwardRewardWeight: number;
  ctrlCostWeight: number;
  healthyReward: number;
  /** 0 or 1. */
  terminateWhenUnhealthy: number;
  healthyZMin: number;
  healthyZMax: number;
  healthyAngleMin: number;
  healthyAngleMax: number;
  resetNoiseScale: number;
  /** 0 or 1. */
  excludeCurrentPositionsFromObservation: number;
  frameSkip: number;
}

export const WALKER2D_OPTIONS: OptionTable<Walker2dConfig> = {
  forwardRewardWeight: [1.0, 'number'],
  ctrlCostWeight: [1e-3, 'number'],
  healthyReward: [1.0, 'number'],
  terminateWhenUnhealthy: [1, 'flag'],
  healthyZMin: [0.8, 'bound'],
  healthyZMax: [2.0, 'bound'],
  healthyAngleMin: [-1.0, 'bound'],
  healthyAngleMax: [1.0, 'bound'],
  resetNoiseScale: [5e-3, 'number'],
  excludeCurrentPositionsFromObservation: [1, 'flag'],
  frameSkip: [4, 'count'],
};

export class Walker2dEnv extends PlanarWalkerEnv<Walker2dConfig> {
  static readonly id = 'Walker2d-v5';

  /**
   * @param options Gymnasium's keyword arguments in camelCase (ranges split into …Min / …Max).
   * @param model MJCF text replacing the built-in model (Gymnasium's `xml_file`).
   */
  constructor(options?: Partial<Walker2dConfig>, model: string = WALKER2D_XML) {
    const config = resolveOptions(Walker2dEnv.id, WALKER2D_OPTIONS, options);
    super({
      id: Walker2dEnv.id,
      xml: model,
      frameSkip: config.frameSkip,
      observationSize: (sim) => sim.nq + sim.nv - config.excludeCurrentPositionsFromObservation,
      derivedFields: [],
      view: { plane: 'xz', trackBody: 1, halfWidth: 1.8, verticalMin: -0.2, verticalMax: 1.8 },
    }, config);
  }

  /** Gymnasium's `is_healthy`. */
  override get isHealthy(): boolean {
    const qpos = this.sim.views().qpos;
    const z = qpos[1]!;
    const angle = qpos[2]!;
    const { healthyZMin, healthyZMax, healthyAngleMin, healthyAngleMax } = this.config;
    return healthyZMin < z && z < healthyZMax && healthyAngleMin < angle && angle < healthyAngleMax;
  }
}
