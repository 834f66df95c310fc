/**
 * Ant-v5 (Gymnasium `envs/mujoco/ant_v5.py`, model `models/ant.ts`).
 *
 * - Observation (105 by default): `qpos[2:]` (13: torso z, quaternion, 8 joint angles), `qvel` (14), then
 *   `clip(cfrc_ext[1:], contactForceMin, contactForceMax)` flattened (13 bodies × 6, the world body left
 *   out). `excludeCurrentPositionsFromObservation = 0` adds x, y first; `includeCfrcExtInObservation = 0` drops
 *   the contact forces (27).
 * - Reward: `forwardRewardWeight · ẋ + healthyReward · healthy − ctrlCostWeight · ‖a‖² − contactCostWeight ·
 *   ‖clip(cfrc_ext)‖²` (the contact cost sums over every body, the world included). ẋ, ẏ come from the
 *   position `xpos` of body `mainBody` (1, the torso) before and after the frame-skipped step: MuJoCo computed
 *   both at the start of a substep, so they lag qpos by one substep, exactly as in Gymnasium.
 * - Healthy: every qpos and qvel finite and healthyZMin ≤ qpos[2] ≤ healthyZMax (inclusive, as v5).
 * - Reset: qpos0 plus U(±resetNoiseScale), velocity resetNoiseScale · N(0, 1). 5 substeps of 10 ms.
 * - Info: x_position, y_position (from qpos), distance_from_origin, x_velocity, y_velocity, reward_forward,
 *   reward_ctrl, reward_contact, reward_survive (reset: x_position, y_position, distance_from_origin).
 */
import type { Rng } from '../core/rng.ts';
import type { Action, Info, MutableStepResult } from '../core/types.ts';
import { EnvConfigError } from '../core/errors.ts';
import { MujocoEnv } from './mujoco-env.ts';
import { ANT_XML } from './models/ant.ts';
import { resolveOptions, type OptionTable } from './options.ts';

export interface AntConfig {
  forwardRewardWeight: number;
  ctrlCostWeight: number;
  contactCostWeight: number;
  healthyReward: number;
  /** Index of the body whose x-y velocity is rewarded (Gymnasium's `main_body`; names are not accepted). */
  mainBody: number;
  /** 0 or 1. */
  terminateWhenUnhealthy: number;
  healthyZMin: number;
  healthyZMax: number;
  contactForceMin: number;
  contactForceMax: number;
  resetNoiseScale: number;
  /** 0 or 1. */
  excludeCurrentPositionsFromObservation: number;
  /** 0 or 1. */
  includeCfrcExtInObservation: number;
  frameSkip: number;
}

export const ANT_OPTIONS: OptionTable<AntConfig> = {
  forwardRewardWeight: [1, 'number'],
  ctrlCostWeight: [0.5, 'number'],
  contactCostWeight: [5e-4, 'number'],
  healthyReward: [1.0, 'number'],
  mainBody: [1, 'index'],
  terminateWhenUnhealthy: [1, 'flag'],
  healthyZMin: [0.2, 'bound'],
  healthyZMax: [1.0, 'bound'],
  contactForceMin: [-1.0, 'bound'],
  contactForceMax: [1.0, 'bound'],
  resetNoiseScale: [0.1, 'number'],
  excludeCurrentPositionsFromObservation: [1, 'flag'],
  includeCfrcExtInObservation: [1, 'flag'],
  frameSkip: [5, 'count'],
};

export class AntEnv extends MujocoEnv {
  static readonly id = 'Ant-v5';
  readonly config: Readonly<AntConfig>;
  private readonly stepInfo = {
    x_position: 0,
    y_position: 0,
    distance_from_origin: 0,
    x_velocity: 0,
    y_velocity: 0,
    reward_forward: 0,
    reward_ctrl: 0,
    reward_contact: 0,
    reward_survive: 0,
  };
  private readonly startInfo = { x_position: 0, y_position: 0, distance_from_origin: 0 };

  /**
   * @param options Gymnasium's keyword arguments in camelCase (ranges split into …Min / …Max).
   * @param model MJCF text replacing the built-in model (Gymnasium's `xml_file`).
   */
  constructor(options?: Partial<AntConfig>, model: string = ANT_XML) {
    const config = resolveOptions(AntEnv.id, ANT_OPTIONS, options);
    super({
      id: AntEnv.id,
      xml: model,
      frameSkip: config.frameSkip,
      observationSize: (sim) =>
        sim.nq + sim.nv - 2 * config.excludeCurrentPositionsFromObservation + 6 * (sim.nbody - 1) * config.includeCfrcExtInObservation,
      derivedFields: ['xpos', 'cfrc_ext'],
      view: { plane: 'xy', trackBody: 1, halfWidth: 2, verticalMin: -2, verticalMax: 2 },
    });
    if (config.mainBody >= this.sim.nbody) {
      this.close();
      throw new EnvConfigError(AntEnv.id, `option 'mainBody' must be a body index below ${this.sim.nbody}, got ${config.mainBody}`);
    }
    this.config = config;
  }

  /** Gymnasium's `is_healthy`: a finite state and the torso height within [healthyZMin, healthyZMax]. */
  get isHealthy(): boolean {
    const { qpos, qvel } = this.sim.views();
    for (let i = 0; i < qpos.length; i++) if (!Number.isFinite(qpos[i]!)) return false;
    for (let i = 0; i < qvel.length; i++) if (!Number.isFinite(qvel[i]!)) return false;
    const z = qpos[2]!;
    return this.config.healthyZMin <= z && z <= this.config.healthyZMax;
  }

  /** A contact-force entry clipped to [contactForceMin, contactForceMax]. */
  private clippedForce(cfrcExt: Float64Array, i: number): number {
    return Math.min(Math.max(cfrcExt[i]!, this.config.contactForceMin), this.config.contactForceMax);
  }

  protected resetModel(rng: Rng, qpos: Float64Array, qvel: Float64Array): void {
    const scale = this.config.resetNoiseScale;
    for (let i = 0; i < qpos.length; i++) qpos[i] = this.initQpos[i]! + rng.uniform(-scale, scale);
    for (let i = 0; i < qvel.length; i++) qvel[i] = this.initQvel[i]! + scale * rng.normal();
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
    const body = this.config.mainBody;
    let xpos = this.sim.views().xpos;
    const xBefore = xpos[3 * body]!;
    const yBefore = xpos[3 * body + 1]!;
    this.simulate(action);
    const { qpos, cfrc_ext: cfrcExt } = this.sim.views();
    xpos = this.sim.views().xpos;
    const xVelocity = (xpos[3 * body]! - xBefore) / this.dt;
    const yVelocity = (xpos[3 * body + 1]! - yBefore) / this.dt;

    let contactSum = 0;
    for (let i = 0; i < cfrcExt.length; i++) {
      const force = this.clippedForce(cfrcExt, i);
      contactSum += force * force;
    }
    const healthy = this.isHealthy;
    const forwardReward = xVelocity * this.config.forwardRewardWeight;
    const healthyReward = healthy ? this.config.healthyReward : 0;
    const ctrlCost = this.config.ctrlCostWeight * MujocoEnv.squaredNorm(action);
    const contactCost = this.config.contactCostWeight * contactSum;
    out.reward = forwardReward + healthyReward - (ctrlCost + contactCost);
    out.terminated = !healthy && this.config.terminateWhenUnhealthy === 1;

    const info = this.stepInfo;
    const x = qpos[0]!;
    const y = qpos[1]!;
    info.x_position = x;
    info.y_position = y;
    info.distance_from_origin = Math.sqrt(x * x + y * y);
    info.x_velocity = xVelocity;
    info.y_velocity = yVelocity;
    info.reward_forward = forwardReward;
    info.reward_ctrl = -ctrlCost;
    info.reward_contact = -contactCost;
    info.reward_survive = healthyReward;
    this.info = info;
  }

  protected writeObservation(): void {
    const { qpos, qvel, cfrc_ext: cfrcExt } = this.sim.views();
    let k = 0;
    for (let i = 2 * this.config.excludeCurrentPositionsFromObservation; i < qpos.length; i++) this.obs[k++] = qpos[i]!;
    for (let i = 0; i < qvel.length; i++) this.obs[k++] = qvel[i]!;
    if (this.config.includeCfrcExtInObservation === 1) {
      for (let i = 6; i < cfrcExt.length; i++) this.obs[k++] = this.clippedForce(cfrcExt, i);
    }
  }

  protected override caption(): string {
    const qpos = this.sim.views().qpos;
    return `  x=${qpos[0]!.toFixed(2)}  y=${qpos[1]!.toFixed(2)}`;
  }
}
