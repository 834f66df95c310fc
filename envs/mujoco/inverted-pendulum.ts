/**
 * InvertedPendulum-v5 (Gymnasium `envs/mujoco/inverted_pendulum_v5.py`, model `models/inverted-pendulum.ts`).
 *
 * - Observation (4): [cart x, pole angle, cart ẋ, pole angular velocity] (qpos, qvel).
 * - Terminates when the observation is not finite or |pole angle| > 0.2. Reward: 1 while not terminated,
 *   0 on the terminating step (v5; v4 gave 1 always).
 * - Reset: qpos0 and zero velocity plus U(±resetNoiseScale) on every coordinate. 2 substeps of 20 ms.
 * - Info: reward_survive (reset: none).
 */
import type { Rng } from '../core/rng.ts';
import { EMPTY_INFO, type Action, type Info, type MutableStepResult } from '../core/types.ts';
import { MujocoEnv } from './mujoco-env.ts';
import { INVERTED_PENDULUM_XML } from './models/inverted-pendulum.ts';
import { resolveOptions, type OptionTable } from './options.ts';

export interface InvertedPendulumConfig {
  resetNoiseScale: number;
  frameSkip: number;
}

export const INVERTED_PENDULUM_OPTIONS: OptionTable<InvertedPendulumConfig> = {
  resetNoiseScale: [0.01, 'number'],
  frameSkip: [2, 'count'],
};

export class InvertedPendulumEnv extends MujocoEnv {
  static readonly id = 'InvertedPendulum-v5';
  readonly config: Readonly<InvertedPendulumConfig>;
  private readonly stepInfo = { reward_survive: 0 };

  /**
   * @param options Gymnasium's keyword arguments in camelCase.
   * @param model MJCF text replacing the built-in model (Gymnasium's `xml_file`).
   */
  constructor(options?: Partial<InvertedPendulumConfig>, model: string = INVERTED_PENDULUM_XML) {
    const config = resolveOptions(InvertedPendulumEnv.id, INVERTED_PENDULUM_OPTIONS, options);
    super({
      id: InvertedPendulumEnv.id,
      xml: model,
      frameSkip: config.frameSkip,
      observationSize: (sim) => sim.nq + sim.nv,
      derivedFields: [],
      view: { plane: 'xz', trackBody: null, halfWidth: 1.3, verticalMin: -0.4, verticalMax: 0.9 },
    });
    this.config = config;
  }

  protected resetModel(rng: Rng, qpos: Float64Array, qvel: Float64Array): void {
    const scale = this.config.resetNoiseScale;
    for (let i = 0; i < qpos.length; i++) qpos[i] = this.initQpos[i]! + rng.uniform(-scale, scale);
    for (let i = 0; i < qvel.length; i++) qvel[i] = this.initQvel[i]! + rng.uniform(-scale, scale);
  }

  protected resetInfo(): Info {
    return EMPTY_INFO;
  }

  protected transition(action: Action, out: MutableStepResult): void {
    this.simulate(action);
    const { qpos, qvel } = this.sim.views();
    let finite = true;
    for (let i = 0; i < qpos.length; i++) finite &&= Number.isFinite(qpos[i]!);
    for (let i = 0; i < qvel.length; i++) finite &&= Number.isFinite(qvel[i]!);
    const terminated = !finite || Math.abs(qpos[1]!) > 0.2;
    out.terminated = terminated;
    out.reward = terminated ? 0 : 1;
    this.stepInfo.reward_survive = out.reward;
    this.info = this.stepInfo;
  }

  protected writeObservation(): void {
    const { qpos, qvel } = this.sim.views();
    let k = 0;
    for (let i = 0; i < qpos.length; i++) this.obs[k++] = qpos[i]!;
    for (let i = 0; i < qvel.length; i++) this.obs[k++] = qvel[i]!;
  }

  protected override caption(): string {
    return `  angle=${this.sim.views().qpos[1]!.toFixed(3)}`;
  }
}
