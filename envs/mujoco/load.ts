/**
 * Loading the MuJoCo envs. `make()` is synchronous and the MuJoCo wasm module loads asynchronously, so a
 * program awaits one of these once, before it makes a MuJoCo env:
 *
 * @example
 * import { loadMujocoEnvs, make } from 'varl/envs';
 * await loadMujocoEnvs();          // loads the wasm module (~200 ms) and registers Hopper-v5, Ant-v5, …
 * const env = make('Hopper-v5');
 * @example
 * await prepareEnv(id);            // loads MuJoCo only if `id` is a MuJoCo env; a no-op for the others
 * const env = make(id);
 */
import { showValue } from '../../engine/errors.ts';
import { expectEnvId } from '../core/arguments.ts';
import type { Env } from '../core/types.ts';
import { make, register, registeredIds, type EnvSpec, type MakeOptions } from '../registry.ts';
import { AntEnv } from './ant.ts';
import { HalfCheetahEnv } from './half-cheetah.ts';
import { HopperEnv } from './hopper.ts';
import { MUJOCO_ENV_IDS, MUJOCO_REWARD_THRESHOLDS } from './ids.ts';
import { InvertedDoublePendulumEnv } from './inverted-double-pendulum.ts';
import { InvertedPendulumEnv } from './inverted-pendulum.ts';
import { ReacherEnv } from './reacher.ts';
import { loadMujocoRuntime, type MujocoFactory } from './runtime.ts';
import { SwimmerEnv } from './swimmer.ts';
import { Walker2dEnv } from './walker2d.ts';

/** Registrations of the MuJoCo envs: Gymnasium's ids, time limits (`gymnasium/envs/__init__.py`) and reward thresholds (ids.ts). */
export const MUJOCO_SPECS: readonly EnvSpec[] = [
  {
    id: InvertedPendulumEnv.id,
    create: (options) => new InvertedPendulumEnv(options),
    maxEpisodeSteps: 1000,
    rewardThreshold: MUJOCO_REWARD_THRESHOLDS[InvertedPendulumEnv.id],
    reference: 'Gymnasium mujoco/inverted_pendulum_v5.py (inverted_pendulum.xml), run by MuJoCo wasm',
  },
  {
    id: InvertedDoublePendulumEnv.id,
    create: (options) => new InvertedDoublePendulumEnv(options),
    maxEpisodeSteps: 1000,
    rewardThreshold: MUJOCO_REWARD_THRESHOLDS[InvertedDoublePendulumEnv.id],
    reference: 'Gymnasium mujoco/inverted_double_pendulum_v5.py (inverted_double_pendulum.xml), run by MuJoCo wasm',
  },
  {
    id: HalfCheetahEnv.id,
    create: (options) => new HalfCheetahEnv(options),
    maxEpisodeSteps: 1000,
    rewardThreshold: MUJOCO_REWARD_THRESHOLDS[HalfCheetahEnv.id],
    reference: 'Gymnasium mujoco/half_cheetah_v5.py (half_cheetah.xml), run by MuJoCo wasm',
  },
  {
    id: HopperEnv.id,
    create: (options) => new HopperEnv(options),
    maxEpisodeSteps: 1000,
    rewardThreshold: MUJOCO_REWARD_THRESHOLDS[HopperEnv.id],
    reference: 'Gymnasium mujoco/hopper_v5.py (hopper.xml), run by MuJoCo wasm',
  },
  {
    id: Walker2dEnv.id,
    create: (options) => new Walker2dEnv(options),
    maxEpisodeSteps: 1000,
    rewardThreshold: MUJOCO_REWARD_THRESHOLDS[Walker2dEnv.id],
    reference: 'Gymnasium mujoco/walker2d_v5.py (walker2d_v5.xml), run by MuJoCo wasm',
  },
  {
    id: AntEnv.id,
    create: (options) => new AntEnv(options),
    maxEpisodeSteps: 1000,
    rewardThreshold: MUJOCO_REWARD_THRESHOLDS[AntEnv.id],
    reference: 'Gymnasium mujoco/ant_v5.py (ant.xml), run by MuJoCo wasm',
  },
  {
    id: SwimmerEnv.id,
    create: (options) => new SwimmerEnv(options),
    maxEpisodeSteps: 1000,
    rewardThreshold: MUJOCO_REWARD_THRESHOLDS[SwimmerEnv.id],
    reference: 'Gymnasium mujoco/swimmer_v5.py (swimmer.xml), run by MuJoCo wasm',
  },
  {
    id: ReacherEnv.id,
    create: (options) => new ReacherEnv(options),
    maxEpisodeSteps: 50,
    rewardThreshold: MUJOCO_REWARD_THRESHOLDS[ReacherEnv.id],
    reference: 'Gymnasium mujoco/reacher_v5.py (reacher.xml), run by MuJoCo wasm',
  },
];

if (MUJOCO_SPECS.map((spec) => spec.id).join() !== MUJOCO_ENV_IDS.join()) throw new Error('MUJOCO_SPECS and MUJOCO_ENV_IDS disagree');

/**
 * Loads the MuJoCo wasm module once and registers the MuJoCo envs; later calls resolve at once.
 * Await it before `make()` of any id in `MUJOCO_ENV_IDS`.
 * @param factory optional: how to instantiate `@mujoco/mujoco` (for browser bundles; see `loadMujocoRuntime`).
 */
export async function loadMujocoEnvs(factory?: MujocoFactory): Promise<void> {
  if (factory !== undefined && typeof factory !== 'function') {
    throw new TypeError(`loadMujocoEnvs: factory must be a function that resolves to the MuJoCo module, got ${showValue(factory)}`);
  }
  await loadMujocoRuntime(factory);
  const known = new Set(registeredIds());
  for (const spec of MUJOCO_SPECS) if (!known.has(spec.id)) register(spec);
}

/** Makes `make(id)` possible: loads MuJoCo when `id` is a MuJoCo env, else does nothing. */
export async function prepareEnv(id: string): Promise<void> {
  expectEnvId('prepareEnv', id);
  if (MUJOCO_ENV_IDS.includes(id)) await loadMujocoEnvs();
}

/**
 * `prepareEnv(id)` then `make(id, options)`, for callers that can await.
 * @example const env = await makeAsync('Hopper-v5');
 */
export async function makeAsync(id: string, options?: MakeOptions): Promise<Env> {
  expectEnvId('makeAsync', id);
  await prepareEnv(id);
  return make(id, options);
}
