/** The environments shipped with varl, registered by `registry.ts`. */
import { CartPoleContinuousEnv } from './classic/cart-pole-continuous.ts';
import { MountainCarContinuousEnv } from './classic/mountain-car-continuous.ts';
import { PendulumEnv } from './classic/pendulum.ts';
import { CartPoleSwingupEnv } from './control/cart-pole-swingup.ts';
import { MultiGoalEnv } from './control/multi-goal.ts';
import { Reacher2DEnv } from './control/reacher-2d.ts';
import type { EnvSpec } from './registry.ts';

export const BUILTIN_SPECS: readonly EnvSpec[] = [
  {
    id: PendulumEnv.id,
    create: (options) => new PendulumEnv(options),
    maxEpisodeSteps: 200,
    rewardThreshold: null,
    reference: 'Gymnasium classic_control/pendulum.py',
  },
  {
    id: MountainCarContinuousEnv.id,
    create: (options) => new MountainCarContinuousEnv(options),
    maxEpisodeSteps: 999,
    rewardThreshold: 90.0,
    reference: 'Gymnasium classic_control/continuous_mountain_car.py',
  },
  {
    id: CartPoleContinuousEnv.id,
    create: (options) => new CartPoleContinuousEnv(options),
    maxEpisodeSteps: 500,
    rewardThreshold: 475.0,
    reference: 'Gymnasium classic_control/cartpole.py with force = forceMag·clip(a, −1, 1) (custom)',
  },
  {
    id: CartPoleSwingupEnv.id,
    create: (options) => new CartPoleSwingupEnv(options),
    maxEpisodeSteps: 1000,
    rewardThreshold: null,
    reference: 'dm_control suite/cartpole.py swingup (cartpole.xml)',
  },
  {
    id: Reacher2DEnv.id,
    create: (options) => new Reacher2DEnv(options),
    maxEpisodeSteps: 50,
    rewardThreshold: -3.75,
    reference: 'Gymnasium mujoco/reacher_v5.py (reacher.xml), dynamics written out',
  },
  {
    id: MultiGoalEnv.id,
    create: (options) => new MultiGoalEnv(options),
    maxEpisodeSteps: 30,
    rewardThreshold: null,
    reference: 'softqlearning environments/multigoal.py (Haarnoja et al. 2017)',
  },
];
