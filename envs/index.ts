/**
 * varl environments: Gymnasium-style continuous-control envs in plain TypeScript (see envs/README.md).
 *
 * @example
 * import { make } from 'varl/envs';
 * const env = make('Pendulum-v1');
 * let { obs } = env.reset({ seed: 0 });
 * const { reward, terminated, truncated } = env.step([0.5]);  // obs is reused: copy it to keep it
 */

// Core contract
/** Env, StepResult, … : the Gymnasium 1.x API with TypeScript names; results and obs buffers are reused. */
export type {
  Action,
  Env,
  EnvMetadata,
  EnvState,
  EpisodeStatistics,
  Info,
  JsonValue,
  NoConfig,
  ResetArgs,
  ResetOptions,
  ResetResult,
  StepResult,
} from './core/types.ts';
/** Shared frozen empty info object. */
export { EMPTY_INFO } from './core/types.ts';
/** Box space with `sample(rng)` and `contains(x)`. */
export { Box, type BoxInit, type Dtype, type FloatArray } from './core/spaces.ts';
/** Seedable xoshiro128** generator with `getState()` / `setState()`. */
export { Rng, assertValidSeed, type RngState } from './core/rng.ts';
/** Error types; every message names the env id and the offending value. */
export { EnvCheckError, EnvConfigError, EnvError, InvalidActionError, ResetNeededError } from './core/errors.ts';
/** Base class for envs (episode order, action validation, seeding, checkpoints) and option helpers. */
export { BaseEnv, resolveConfig, validateAction } from './core/base-env.ts';
/** Gymnasium's env checker (checks 2–9) plus checkpoint round-trips. */
export { checkEnv, type CheckEnvOptions } from './core/check-env.ts';

// Registry
/** `make(id)` with the registered time limit; `register`, `registeredIds`, `envSpec`, `rewardThreshold`. */
export { envSpec, make, register, registeredIds, rewardThreshold, type EnvOptions, type EnvSpec, type MakeOptions } from './registry.ts';

// Environments
/** Pendulum-v1 (Gymnasium classic control). */
export { PendulumEnv, PENDULUM_DEFAULTS, angleNormalize, type PendulumConfig } from './classic/pendulum.ts';
/** MountainCarContinuous-v0 (Gymnasium classic control, float32 state). */
export {
  MountainCarContinuousEnv,
  MOUNTAIN_CAR_CONTINUOUS_DEFAULTS,
  type MountainCarContinuousConfig,
} from './classic/mountain-car-continuous.ts';
/** CartPoleContinuous-v0 (CartPole-v1 physics, continuous force). */
export { CartPoleContinuousEnv, CART_POLE_CONTINUOUS_DEFAULTS, type CartPoleContinuousConfig } from './classic/cart-pole-continuous.ts';
/** CartPoleSwingup-v0 (dm_control cartpole swingup). */
export { CartPoleSwingupEnv } from './control/cart-pole-swingup.ts';
/** Reacher2D-v0 (Gymnasium Reacher-v5 dynamics written out). */
export { Reacher2DEnv, REACHER_2D_DEFAULTS, type Reacher2DConfig } from './control/reacher-2d.ts';
/** MultiGoal-v0 (soft Q-learning's four-goal point mass). */
export { MultiGoalEnv, MULTI_GOAL_DEFAULTS, GOALS as MULTI_GOAL_GOALS, type MultiGoalConfig } from './control/multi-goal.ts';

// MuJoCo envs (official MuJoCo WebAssembly build; load before make())
/** `await loadMujocoEnvs()` (or `await prepareEnv(id)`) once before `make()` of a MuJoCo env; `makeAsync` does both. */
export { loadMujocoEnvs, prepareEnv, makeAsync, MUJOCO_SPECS } from './mujoco/load.ts';
export { MUJOCO_ENV_IDS } from './mujoco/ids.ts';
/** Base class of the MuJoCo envs (Gymnasium's MujocoEnv) and their errors. */
export { MujocoEnv, type MujocoEnvInit } from './mujoco/mujoco-env.ts';
export { EnvClosedError, MujocoModelError, MujocoNotLoadedError } from './mujoco/errors.ts';
/** Gymnasium v5 tasks; options are Gymnasium's keyword arguments in camelCase (see envs/README.md). */
export { InvertedPendulumEnv, INVERTED_PENDULUM_OPTIONS, type InvertedPendulumConfig } from './mujoco/inverted-pendulum.ts';
export {
  InvertedDoublePendulumEnv,
  INVERTED_DOUBLE_PENDULUM_OPTIONS,
  type InvertedDoublePendulumConfig,
} from './mujoco/inverted-double-pendulum.ts';
export { HalfCheetahEnv, HALF_CHEETAH_OPTIONS, type HalfCheetahConfig } from './mujoco/half-cheetah.ts';
export { HopperEnv, HOPPER_OPTIONS, type HopperConfig } from './mujoco/hopper.ts';
export { Walker2dEnv, WALKER2D_OPTIONS, type Walker2dConfig } from './mujoco/walker2d.ts';
export { AntEnv, ANT_OPTIONS, type AntConfig } from './mujoco/ant.ts';
export { SwimmerEnv, SWIMMER_OPTIONS, type SwimmerConfig } from './mujoco/swimmer.ts';
export { ReacherEnv, REACHER_OPTIONS, type ReacherConfig } from './mujoco/reacher.ts';
/** MuJoCo frames as SVG, and an animated SVG of an episode's frames. */
export { renderScene, type SceneView } from './mujoco/render.ts';
export { animatedSvg } from './core/svg.ts';
export type { OptionKind, OptionTable } from './mujoco/options.ts';

// Wrappers
/** Base class for wrappers. */
export { Wrapper } from './wrappers/wrapper.ts';
/** Sets `truncated` after `maxEpisodeSteps`. */
export { TimeLimit } from './wrappers/time-limit.ts';
/** `info.episode = { r, l, t }` at the end of each episode. */
export { RecordEpisodeStatistics } from './wrappers/record-episode-statistics.ts';
/** Clips actions to the env's bounds; exposes an unbounded action space. */
export { ClipAction } from './wrappers/clip-action.ts';
/** Affine map from [minAction, maxAction] to the env's bounds. */
export { RescaleAction } from './wrappers/rescale-action.ts';
/** Running-mean/variance observation normalisation; freezable, checkpointable. */
export { NormalizeObservation, RunningMeanStd } from './wrappers/normalize-observation.ts';

// Vector envs
/** Batched envs with explicit NEXT_STEP / SAME_STEP autoreset. */
export {
  SyncVectorEnv,
  type AutoresetMode,
  type VectorInfo,
  type VectorResetArgs,
  type VectorResetResult,
  type VectorStepResult,
} from './vector/sync-vector-env.ts';
/** Sub-envs stepped in worker threads, with SyncVectorEnv's results to the bit; made from env ids (see envs/README.md). */
export {
  AsyncVectorEnv,
  AsyncVectorEnvError,
  SubEnvError,
  type AsyncAutoresetMode,
  type AsyncVectorEnvOptions,
  type AsyncVectorResetArgs,
  type CloseOptions,
  type SpecInput,
  type SubEnvSpec,
  type WorkerThread,
  type WorkerTransport,
} from './vector/async-vector-env.ts';
