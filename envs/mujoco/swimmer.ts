/**
 * Swimmer-v5 (Gymnasium `envs/mujoco/swimmer_v5.py`, model `models/swimmer.ts`).
 *
 * - Observation (8 by default): `qpos[2:]` (heading and two joint angles), then `qvel` (5); with
 *   `excludeCurrentPositionsFromObservation = 0` also x, y first (10).
 * - Reward: `forwardRewardWeight · ẋ − ctrlCostWeight · ‖a‖²`, ẋ, ẏ from qpos[0:2] before and after the step.
 * - Never terminates. Reset: qpos0 and zero velocity plus U(±resetNoiseScale). 4 substeps of 10 ms.
 * - Info: x_position, y_position, distance_from_origin, x_velocity, y_velocity, reward_forward, reward_ctrl
 *   (reset: x_position, y_position, distance_from_origin).
 */
import type { Rng } from '../core/rng.ts';
import type { Action, Info, MutableStepResult } from '../core/types.ts';
import { MujocoEnv } from './mujoco-env.ts';
import { SWIMMER_XML } from './models/swimmer.ts';
import { resolveOptions, type OptionTable } from './options.ts';

export interface SwimmerConfig {
  forwardRewardWeight: number;
  ctrlCostWeight: number;
  resetNoiseScale: number;
  /** 0 or 1. */
  excludeCurrentPositionsFromObservation: number;
  frameSkip: number;
}

export const SWIMMER_OPTIONS: OptionTable<SwimmerConfig> = {
  forwardRewardWeight: [1.0, 'number'],
  ctrlCostWeight: [1e-4, 'number'],
  resetNoiseScale: [0.1, 'number'],
  excludeCurrentPositionsFromObservation: [1, 'flag'],
  frameSkip: [4, 'count'],
};

export class SwimmerEnv extends MujocoEnv {
  static readonly id = 'Swimmer-v5';
  readonly config: Readonly<SwimmerConfig>;
  private readonly stepInfo = {
    x_position: 0,
    y_position: 0,
    distance_from_origin: 0,
    x_velocity: 0,
    y_velocity: 0,
    reward_forward: 0,
    reward_ctrl: 0,
  };
  private readonly startInfo = { x_position: 0, y_position: 0, distance_from_origin: 0 };

  /**
   * @param options Gymnasium's keyword arguments in camelCase.
   * @param model MJCF text replacing the built-in model (Gymnasium's `xml_file`).
   */
  constructor(options?: Partial<SwimmerConfig>, model: string = SWIMMER_XML) {
    const config = resolveOptions(SwimmerEnv.id, SWIMMER_OPTIONS, options);
    super({
      id: SwimmerEnv.id,
      xml: model,
      frameSkip: config.frameSkip,
      observationSize: (sim) => sim.nq + sim.nv - 2 * config.excludeCurrentPositionsFromObservation,
      derivedFields: [],
      view: { plane: 'xy', trackBody: 1, halfWidth: 2.5, verticalMin: -2, verticalMax: 2 },
    });
    this.config = config;
  }

  protected resetModel(rng: Rng, qpos: Float64Array, qvel: Float64Array): void {
    const scale = this.config.resetNoiseScale;
    for (let i = 0; i < qpos.length; i++) qpos[i] = this.initQpos[i]! + rng.uniform(-scale, scale);
    for (let i = 0; i < qvel.length; i++) qvel[i] = this.initQvel[i]! + rng.uniform(-scale, scale);
  }

  protected resetInfo(): Info {
    const qpos = this.sim.views().qpos;
    const x = qpos[0]!;
    const y = qpos[1]!;
    this.startInfo.x_position = x;
    this.startInfo.y_position = y;
    this.startInfo.distance_from_origin = Math.sqrt(x * x + y * y);
    return this.startInfo;
  }

  protected transition(action: Action, out: MutableStepResult): void {
    let qpos = this.sim.views().qpos;
    const xBefore = qpos[0]!;
    const yBefore = qpos[1]!;
    this.simulate(action);
    qpos = this.sim.views().qpos;
    const x = qpos[0]!;
    const y = qpos[1]!;
    const xVelocity = (x - xBefore) / this.dt;
    const yVelocity = (y - yBefore) / this.dt;

    const forwardReward = this.config.forwardRewardWeight * xVelocity;
    const ctrlCost = this.config.ctrlCostWeight * MujocoEnv.squaredNorm(action);
    out.reward = forwardReward - ctrlCost;
    out.terminated = false;

    const info = this.stepInfo;
    info.x_position = x;
    info.y_position = y;
    info.distance_from_origin = Math.sqrt(x * x + y * y);
    info.x_velocity = xVelocity;
    info.y_velocity = yVelocity;
    info.reward_forward = forwardReward;
    info.reward_ctrl = -ctrlCost;
    this.info = info;
  }

  protected writeObservation(): void {
    const { qpos, qvel } = this.sim.views();
    let k = 0;
    for (let i = 2 * this.config.excludeCurrentPositionsFromObservation; i < qpos.length; i++) this.obs[k++] = qpos[i]!;
    for (let i = 0; i < qvel.length; i++) this.obs[k++] = qvel[i]!;
  }

  protected override caption(): string {
    return `  x=${this.sim.views().qpos[0]!.toFixed(2)}`;
  }
}
