/**
 * Per-env hyperparameter presets, as RL Baselines3 Zoo's hyperparams/*.yml: the settings behind the
 * published Zoo numbers (specs/rl-and-envs.md §3.1), applied by the CLI on top of the algorithm's
 * defaults (and under a --config file). Library users pass them explicitly:
 * `new SAC(env, { ...presetFor('sac', 'Pendulum-v1'), seed })`.
 */
import type { SACConfig } from './sac.ts';
import type { TD3Config } from './td3.ts';

export interface Preset<C> {
  readonly config: Partial<C>;
  /** Env steps of the reference run. */
  readonly totalSteps: number;
  /** Where the numbers come from. */
  readonly source: string;
}

export const PRESETS: {
  readonly sac: Readonly<Record<string, Preset<SACConfig>>>;
  readonly td3: Readonly<Record<string, Preset<TD3Config>>>;
} = {
  sac: {
    'Pendulum-v1': {
      // Zoo sac.yml: learning_rate 1e-3, everything else SB3's defaults (learning_starts 100; net [256, 256]).
      config: { learningRate: 1e-3, learningStarts: 100 },
      totalSteps: 20_000,
      source: 'rl-baselines3-zoo hyperparams/sac.yml Pendulum-v1 (−157.0 ± 88.7 at 20k)',
    },
  },
  td3: {
    'Pendulum-v1': {
      // Zoo td3.yml: gamma 0.98, buffer 200000, learning_starts 10000, normal noise 0.1, lr 1e-3, net [400, 300].
      config: { gamma: 0.98, bufferSize: 200_000, learningStarts: 10_000, explorationNoise: 0.1, learningRate: 1e-3, hiddenSizes: [400, 300] },
      totalSteps: 20_000,
      source: 'rl-baselines3-zoo hyperparams/td3.yml Pendulum-v1 (−151.9 ± 90.2 at 20k)',
    },
  },
};

/** The preset config for an algorithm on an env, or {} when there is none. */
export function presetFor(algorithm: 'sac' | 'td3', envId: string): Record<string, unknown> {
  return { ...(PRESETS[algorithm][envId]?.config ?? {}) };
}
