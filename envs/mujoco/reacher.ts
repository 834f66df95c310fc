/**
 * Reacher-v5 (Gymnasium `envs/mujoco/reacher_v5.py`, model `models/reacher.ts`), run by MuJoCo. The repo's
 * `Reacher2D-v0` is the same task with the dynamics written out in TypeScript.
 *
 * - Observation (10): [cos q0, cos q1, sin q0, sin q1, target x, target y, q̇0, q̇1, (fingertip − target) x, y],
 *   the fingertip and target positions being the bodies' `xpos` (computed at the start of the last substep).
 * - Reward: `−rewardDistWeight · ‖fingertip − target‖ − rewardControlWeight · ‖a‖²` after the step (both
 *   weights 1, the code defaults). Never terminates.
 * - Reset, drawing in Gymnasium's order: qpos0 + U(±0.1) for all four coordinates, then a target drawn
 *   uniformly in [−0.2, 0.2]² until its norm is < 0.2 (it replaces the last two qpos), then
 *   qvel + U(±0.005) with the target's two velocities set to 0. 2 substeps of 10 ms.
 * - Info: reward_dist, reward_ctrl (reset: none).
 */
import type { Rng } from '../core/rng.ts';
import { EMPTY_INFO, type Action, type Info, type MutableStepResult } from '../core/types.ts';
import { EnvConfigError } from '../core/errors.ts';
import { MujocoEnv } from './mujoco-env.ts';
import { REACHER_XML } from './models/reacher.ts';
import { resolveOptions, type OptionTable } from './options.ts';

export interface ReacherConfig {
  rewardDistWeight: number;
  rewardControlWeight: number;
  frameSkip: number;
}

export const REACHER_OPTIONS: OptionTable<ReacherConfig> = {
  rewardDistWeight: [1, 'number'],
  rewardControlWeight: [1, 'number'],
  frameSkip: [2, 'count'],
};

export class ReacherEnv extends MujocoEnv {
  static readonly id = 'Reacher-v5';
  readonly config: Readonly<ReacherConfig>;
  private readonly fingertipBody: number;
  private readonly targetBody: number;
  private readonly stepInfo = { reward_dist: 0, reward_ctrl: 0 };

  /**
   * @param options Gymnasium's keyword arguments in camelCase.
   * @param model MJCF text replacing the built-in model (Gymnasium's `xml_file`); needs bodies 'fingertip' and 'target'.
   */
  constructor(options?: Partial<ReacherConfig>, model: string = REACHER_XML) {
    const config = resolveOptions(ReacherEnv.id, REACHER_OPTIONS, options);
    super({
      id: ReacherEnv.id,
      xml: model,
      frameSkip: config.frameSkip,
      observationSize: () => 10,
      derivedFields: ['xpos'],
      view: { plane: 'xy', trackBody: null, halfWidth: 0.35, verticalMin: -0.35, verticalMax: 0.35, hiddenGeoms: [0] },
    });
    this.config = config;
    this.fingertipBody = this.sim.bodyId('fingertip');
    this.targetBody = this.sim.bodyId('target');
    if (this.fingertipBody < 0 || this.targetBody < 0 || this.sim.nq !== 4 || this.sim.nv !== 4) {
      this.close();
      throw new EnvConfigError(ReacherEnv.id, "the model needs bodies 'fingertip' and 'target' and four joints (two arm hinges, two target slides)");
    }
  }

  protected resetModel(rng: Rng, qpos: Float64Array, qvel: Float64Array): void {
    for (let i = 0; i < qpos.length; i++) qpos[i] = rng.uniform(-0.1, 0.1) + this.initQpos[i]!;
    let goalX: number;
    let goalY: number;
    do {
      goalX = rng.uniform(-0.2, 0.2);
      goalY = rng.uniform(-0.2, 0.2);
    } while (!(Math.sqrt(goalX * goalX + goalY * goalY) < 0.2));
    qpos[2] = goalX;
    qpos[3] = goalY;
    for (let i = 0; i < qvel.length; i++) qvel[i] = this.initQvel[i]! + rng.uniform(-0.005, 0.005);
    qvel[2] = 0;
    qvel[3] = 0;
  }

  protected resetInfo(): Info {
    return EMPTY_INFO;
  }

  protected transition(action: Action, out: MutableStepResult): void {
    this.simulate(action);
    const xpos = this.sim.views().xpos;
    const f = 3 * this.fingertipBody;
    const t = 3 * this.targetBody;
    const dx = xpos[f]! - xpos[t]!;
    const dy = xpos[f + 1]! - xpos[t + 1]!;
    const dz = xpos[f + 2]! - xpos[t + 2]!;
    const rewardDist = -Math.sqrt(dx * dx + dy * dy + dz * dz) * this.config.rewardDistWeight;
    const rewardCtrl = -MujocoEnv.squaredNorm(action) * this.config.rewardControlWeight;
    out.reward = rewardDist + rewardCtrl;
    out.terminated = false;
    this.stepInfo.reward_dist = rewardDist;
    this.stepInfo.reward_ctrl = rewardCtrl;
    this.info = this.stepInfo;
  }

  protected writeObservation(): void {
    const { qpos, qvel, xpos } = this.sim.views();
    const f = 3 * this.fingertipBody;
    const t = 3 * this.targetBody;
    const obs = this.obs;
    obs[0] = Math.cos(qpos[0]!);
    obs[1] = Math.cos(qpos[1]!);
    obs[2] = Math.sin(qpos[0]!);
    obs[3] = Math.sin(qpos[1]!);
    obs[4] = qpos[2]!;
    obs[5] = qpos[3]!;
    obs[6] = qvel[0]!;
    obs[7] = qvel[1]!;
    obs[8] = xpos[f]! - xpos[t]!;
    obs[9] = xpos[f + 1]! - xpos[t + 1]!;
  }
}
