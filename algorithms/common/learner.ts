/**
 * What the training runner (runner.ts) asks of an algorithm: the hooks of SB3's
 * `OffPolicyAlgorithm` (act → store → train on a schedule) and `OnPolicyAlgorithm` (collect a rollout
 * over a vector env → train epochs over it), and the common surface every agent has.
 */
import type { Generator } from '../../engine/index.ts';
import type { AgentParts } from './checkpoint.ts';
import type { ContinuousEnv } from './env.ts';
import type { RandomStreams, TrainingState } from './training-state.ts';

/** Scalars an update reports by name (losses, KL, …): each becomes a progress column. */
export type Metrics = Readonly<Record<string, number>>;

/** What every learner shares, whatever the way it collects data. */
export interface LearnerBase {
  /** Display name, also written into checkpoints: 'SAC', 'TD3', 'IAPO', … */
  readonly algorithm: string;
  /** The env id for titles and checkpoints ('custom-env' when unknown). */
  readonly envId: string;
  readonly config: Readonly<{ seed: number }>;
  readonly streams: RandomStreams;
  readonly training: TrainingState;
  /** Names of the metrics `update`/`train` return, in column order (averaged over updates per row). */
  readonly metricNames: readonly string[];
  /** Values read once per progress row rather than per update (SAC's α); their names, in column order. */
  readonly gaugeNames: readonly string[];
  gauges(): Record<string, number>;
  /** The action for one observation, in the env's units. */
  predict(obs: ArrayLike<number>, options?: { deterministic?: boolean }): Float32Array;
  /** Everything trainable, by name, for checkpoints. */
  checkpointParts(): AgentParts;
  /** Generators the algorithm owns beyond the four streams (saved and restored by name). */
  extraStreams(): Readonly<Record<string, Generator>>;
  /** One line describing the configuration (curve titles). */
  describe(): string;
}

/** The loop schedule of an off-policy learner. */
export interface OffPolicySchedule {
  readonly seed: number;
  /** Env steps with uniform random actions before the first update. */
  readonly learningStarts: number;
  /** Env steps between rounds of updates (1: a round after every step). */
  readonly trainFrequency: number;
  /** Gradient steps per round (update-to-data ratio gradientSteps / trainFrequency). */
  readonly gradientSteps: number;
}

/** The loop hyperparameters every off-policy algorithm's config holds. */
export interface OffPolicyConfig extends OffPolicySchedule {
  /** Root seed: env, network init, exploration and minibatch streams all derive from it. */
  seed: number;
  /** Replay capacity in transitions. */
  bufferSize: number;
  /** Minibatch size per gradient step. */
  batchSize: number;
}

export interface OffPolicyLearner extends LearnerBase {
  readonly kind: 'off-policy';
  readonly env: ContinuousEnv;
  readonly config: Readonly<OffPolicySchedule>;
  /** Size of one (flat) action on the [−1, 1] box. */
  readonly actionSize: number;
  /** A training action in [−1, 1]ᴬ for `obs` (a policy sample, or μ(s) plus noise), into `out`. */
  exploreAction(obs: Float32Array, out: Float32Array): void;
  /** Maps a [−1, 1] action to the env's units, into `out`. */
  toEnvAction(action: Float32Array, out: Float32Array): Float32Array;
  /** Stores one transition; `terminated` only (a truncated episode still bootstraps from `nextObs`). */
  store(obs: Float32Array, action: Float32Array, reward: number, nextObs: ArrayLike<number>, terminated: boolean): void;
  /** One gradient step on a fresh minibatch. */
  update(): Metrics;
}

/** The batched view of a vector env the on-policy runner steps (envs/vector/sync-vector-env.ts in SAME_STEP mode). */
export interface VectorEnvLike {
  readonly numEnvs: number;
  readonly autoresetMode: 'SAME_STEP' | 'NEXT_STEP' | 'DISABLED';
  reset(options?: { seed?: number }): { obs: Float32Array };
  step(actions: ArrayLike<number>): {
    readonly obs: Float32Array;
    readonly rewards: ArrayLike<number>;
    readonly terminations: ArrayLike<number>;
    readonly truncations: ArrayLike<number>;
    readonly info: { readonly finalObs: Float32Array; readonly finalObsMask: ArrayLike<number> };
  };
  getState?(): unknown;
  setState?(state: unknown): void;
  /** Releases the envs (what `agent.close()` calls on a vector env the agent made). */
  close?(): void;
}

/** The step of a rollout the runner hands to `observe`. */
export interface RolloutStep {
  /** Observations the actions were taken in, [E × obs]. */
  readonly observations: Float32Array;
  /** The actions `act` returned, [E × act]. */
  readonly actions: Float32Array;
  readonly rewards: ArrayLike<number>;
  readonly terminations: ArrayLike<number>;
  readonly truncations: ArrayLike<number>;
  /** Row i is the true last observation of env i where `finalMask[i]` is 1 (its episode ended). */
  readonly finalObservations: Float32Array;
  readonly finalMask: ArrayLike<number>;
}

/** Where training stands when an on-policy iteration starts (for annealed learning rates and temperatures). */
export interface TrainingProgress {
  /** Env steps taken so far. */
  readonly step: number;
  /** Env steps of the whole `learn` call. */
  readonly totalSteps: number;
}

export interface OnPolicyLearner extends LearnerBase {
  readonly kind: 'on-policy';
  readonly env: VectorEnvLike;
  readonly config: Readonly<{ seed: number; rolloutSteps: number }>;
  /** Size of one env's (flat) action. */
  readonly actionSize: number;
  /** Actions in the env's units for the batched observations, into `out` [E × act]. */
  act(observations: Float32Array, out: Float32Array): void;
  /** Records one vector step of the rollout in progress. */
  observe(step: RolloutStep): void;
  /** After `rolloutSteps` vector steps: learn from the rollout (epochs over minibatches); next observations for bootstrapping. */
  train(lastObservations: Float32Array, progress?: TrainingProgress): Metrics;
}

export type Learner = OffPolicyLearner | OnPolicyLearner;
