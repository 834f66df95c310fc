/**
 * What Hopper-v5 and Walker2d-v5 share (Gymnasium `hopper_v5.py`, `walker2d_v5.py`): the reward
 * `forwardRewardWeight · ẋ + healthyReward · healthy − ctrlCostWeight · ‖a‖²` with ẋ from qpos[0]
 * before and after the frame-skipped step, termination when unhealthy, uniform reset noise on qpos
 * and qvel, the observation `qpos[skip:]` then `clip(qvel, ±10)`, and their `info`. Each task says
 * only what healthy means for it.
 */
import type { Rng } from '../core/rng.ts';
import type { Action, Info, MutableStepResult } from '../core/types.ts';
import { MujocoEnv, type MujocoEnvInit } from './mujoco-env.ts';

/** The options both planar walkers take. */
export interface PlanarWalkerConfig {
  forwardRewardWeight: number;
  ctrlCostWeight: number;
  healthyReward: number;
  /** 0 or 1. */
  terminateWhenUnhealthy: number;
  resetNoiseScale: number;
  /** 0 or 1. */
  excludeCurrentPositionsFromObservation: number;
  frameSkip: number;
}

export abstract class PlanarWalkerEnv<C extends PlanarWalkerConfig> extends MujocoEnv {
  readonly config: Readonly<C>;
  private readonly stepInfo = {
    x_position: 0,
    z_distance_from_origin: 0,
    x_velocity: 0,
    reward_forward: 0,
    reward_ctrl: 0,
    reward_survive: 0,
  };
  private readonly startInfo = { x_position: 0, z_distance_from_origin: 0 };

  protected constructor(init: MujocoEnvInit, config: Readonly<C>) {
    super(init);
    this.config = config;
  }

  /** Gymnasium's `is_healthy`. */
  abstract get isHealthy(): boolean;

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
