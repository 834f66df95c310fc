/**
 * Twin Delayed DDPG (Fujimoto, van Hoof & Meger, 2018, "Addressing Function Approximation Error in
 * Actor-Critic Methods"): a deterministic tanh actor with Gaussian exploration noise, twin critics
 * whose minimum forms the target, target policy smoothing, and actor / target updates delayed to
 * every second critic update. Defaults are those of the authors' current code (sfujim/TD3 @
 * 34770cc).
 *
 * Actions are learned on the [−1, 1] box and mapped affinely to the env's bounds, so the noise
 * scales (0.1, 0.2, clip 0.5) are fractions of the box's half-width, as `max_action · 0.1` there.
 *
 * @example
 * const td3 = new TD3(make('Pendulum-v1'), { seed: 1, learningStarts: 10_000 });
 * await td3.learn({ totalSteps: 20_000, evalEnv: make('Pendulum-v1') });
 */
import { Adam, MLP, type Tensor, add, clamp, copyParameters, mean, noGrad, polyakUpdate } from '../engine/index.ts';
import { OffPolicyAgent, deterministicOption } from './common/agent.ts';
import { clippedDoubleQStep, smoothingNoise, type TwinQ } from './common/clipped-double-q.ts';
import { defineAlgorithm, type EnvPreset } from './common/algorithm.ts';
import type { AgentParts } from './common/checkpoint.ts';
import { CONFIG_LIMITS, inRange, integerIn, layerSizes, offPolicyChecks, optionalInRange, type ConfigRules } from './common/config.ts';
import type { ContinuousEnv } from './common/env.ts';
import type { OffPolicyConfig } from './common/learner.ts';
import { QNetwork, copyObservation } from './common/networks.ts';
import { TracedActing } from './common/traced-acting.ts';
import { ReplayBuffer } from './common/replay-buffer.ts';
import { TensorBatch } from './common/tensor-batch.ts';
import { runTracedUpdate, tracedUpdate } from './common/traced-update.ts';

export interface TD3Config extends OffPolicyConfig {
  /** Adam step size of the actor (and the critics unless set separately). sfujim/TD3: 3e-4 (2018 paper: 1e-3). */
  learningRate: number;
  /** Adam step size of the critics; null = learningRate. */
  criticLearningRate: number | null;
  /** Discount γ per env step. */
  gamma: number;
  /** Polyak rate τ of the actor and critic targets. */
  tau: number;
  /** Hidden widths of the actor and of each critic (ReLU). sfujim/TD3: [256, 256] (2018 paper: [400, 300]). */
  hiddenSizes: number[];
  /** Std of the Gaussian exploration noise, as a fraction of the action half-width. */
  explorationNoise: number;
  /** Std of the target policy smoothing noise σ̃ (fraction of the half-width). */
  targetPolicyNoise: number;
  /** The smoothing noise is clipped to ±c (fraction of the half-width). */
  targetNoiseClip: number;
  /** Critic updates per actor update; the targets are updated with the actor (delay d). */
  policyDelay: number;
}

/** sfujim/TD3 defaults (start_timesteps 25e3 uniform random steps). */
export const TD3_DEFAULTS: Readonly<TD3Config> = Object.freeze({
  seed: 0,
  bufferSize: 1_000_000,
  batchSize: 256,
  learningStarts: 25_000,
  trainFrequency: 1,
  gradientSteps: 1,
  learningRate: 3e-4,
  criticLearningRate: null,
  gamma: 0.99,
  tau: 0.005,
  hiddenSizes: [256, 256],
  explorationNoise: 0.1,
  targetPolicyNoise: 0.2,
  targetNoiseClip: 0.5,
  policyDelay: 2,
} as TD3Config);

export const TD3_RULES: ConfigRules = {
  nullable: ['criticLearningRate'],
  check: (c) =>
    offPolicyChecks(c)
    ?? integerIn(c, 'policyDelay', 1, CONFIG_LIMITS.repetitions) ?? inRange(c, 'gamma', 0, 1) ?? inRange(c, 'tau', 0, 1)
    ?? inRange(c, 'learningRate', 0, Infinity) ?? optionalInRange(c, 'criticLearningRate', 0, Infinity) ?? inRange(c, 'explorationNoise', 0, Infinity)
    ?? inRange(c, 'targetPolicyNoise', 0, Infinity) ?? inRange(c, 'targetNoiseClip', 0, Infinity)
    ?? layerSizes(c, 'hiddenSizes'),
};

export class TD3 extends OffPolicyAgent<TD3Config> {
  readonly metricNames = ['critic_loss', 'actor_loss'] as const;
  readonly buffer: ReplayBuffer;

  /** μ(s) = tanh(MLP(s)) ∈ [−1, 1]ᴬ. */
  readonly actor: MLP;
  readonly actorTarget: MLP;
  readonly critic1: QNetwork;
  readonly critic2: QNetwork;
  readonly critic1Target: QNetwork;
  readonly critic2Target: QNetwork;

  private readonly actorOptimizer: Adam;
  private readonly criticOptimizer: Adam;
  private readonly batch: TensorBatch;

  /** @param config overrides of TD3_DEFAULTS; unknown keys and bad values throw ConfigError. */
  constructor(env: ContinuousEnv, config: Partial<TD3Config> = {}) {
    super({ name: 'TD3', defaults: TD3_DEFAULTS, rules: TD3_RULES }, env, config);
    const c = this.config;
    this.buffer = new ReplayBuffer({ capacity: c.bufferSize, observationSize: this.observationSize, actionSize: this.actionSize });

    const init = this.streams.init;
    const actorOptions = {
      inputSize: this.observationSize, hiddenSizes: c.hiddenSizes, outputSize: this.actionSize, outputActivation: 'tanh' as const, generator: init,
    };
    const q = { observationSize: this.observationSize, actionSize: this.actionSize, hiddenSizes: c.hiddenSizes, generator: init };
    this.actor = new MLP(actorOptions);
    this.critic1 = new QNetwork(q);
    this.critic2 = new QNetwork(q);
    this.actorTarget = new MLP(actorOptions).requiresGrad_(false);
    this.critic1Target = new QNetwork(q).requiresGrad_(false);
    this.critic2Target = new QNetwork(q).requiresGrad_(false);
    copyParameters(this.actorTarget, this.actor);
    copyParameters(this.critic1Target, this.critic1);
    copyParameters(this.critic2Target, this.critic2);

    this.actorOptimizer = new Adam(this.actor.parameters(), { lr: c.learningRate });
    this.criticOptimizer = new Adam([...this.critic1.parameters(), ...this.critic2.parameters()], { lr: c.criticLearningRate ?? c.learningRate });

    this.batch = new TensorBatch(c.batchSize, this.observationSize, this.actionSize);
  }

  /**
   * One critic step, and every `policyDelay`-th call an actor step and the target updates (sfujim/TD3 `train`).
   * The minibatch is drawn here; the arithmetic is one traced step per schedule (engine/trace).
   */
  update(): Record<string, number> {
    this.batch.sample((b) => this.buffer.sample(this.streams.minibatch, b));
    const schedule = (this.training.updates + 1) % this.config.policyDelay === 0 ? 'critic+actor' : 'critic';
    return runTracedUpdate(this.trainingStep, schedule);
  }

  private readonly trainingStep = tracedUpdate('TD3.update', (schedule) => this.gradientStep(schedule), () => this.batch,
    () => [this.actor, this.critic1, this.critic2, this.actorTarget, this.critic1Target, this.critic2Target]);

  private twinQ(): TwinQ {
    const { critic1, critic2, critic1Target, critic2Target, criticOptimizer } = this;
    return { critic1, critic2, critic1Target, critic2Target, criticOptimizer };
  }

  private gradientStep(schedule: string): Record<string, Tensor> {
    const c = this.config;
    const { observations: obs, nextObservations: nextObs } = this.batch;

    // Target policy smoothing (eq. 14): ã' = clip(μ̄(s') + clip(ε, −c, c), −1, 1), ε ~ N(0, σ̃²); then the
    // critics towards the clipped double-Q target (eq. 10) with the loss MSE(Q₁(s, a), y) + MSE(Q₂(s, a), y).
    const nextAction = noGrad(() => {
      const noise = smoothingNoise(c.batchSize, this.actionSize, c.targetPolicyNoise, c.targetNoiseClip, this.streams.update);
      return clamp(add(this.actorTarget.forward(nextObs), noise), -1, 1);
    });
    const losses: Record<string, Tensor> = { critic_loss: clippedDoubleQStep(this.twinQ(), this.batch, nextAction, c.gamma) };

    // Delayed policy update: every d critic steps, the deterministic policy gradient through Q₁ only
    // (J = −E[Q₁(s, μ(s))]), then Polyak updates of all three targets.
    if (schedule === 'critic+actor') {
      const actorLoss = mean(this.critic1.forward(obs, this.actor.forward(obs))).neg();
      this.actorOptimizer.zeroGrad();
      actorLoss.backward({ inputs: this.actorOptimizer.params });
      this.actorOptimizer.step();
      losses.actor_loss = actorLoss;

      polyakUpdate(this.critic1Target, this.critic1, c.tau);
      polyakUpdate(this.critic2Target, this.critic2, c.tau);
      polyakUpdate(this.actorTarget, this.actor, c.tau);
    }
    return losses;
  }

  /** a = clip(μ(s) + N(0, σ²), −1, 1) with noise from the exploration stream. */
  /** Acting, traced: μ(s) (exploration noise is added on the host). */
  readonly acting = new TracedActing('TD3.act', this.observationSize, (o) => this.actor.forward(o), () => [this.actor]);

  exploreAction(obs: Float32Array, out: Float32Array): void {
    this.acting.act(obs, 'deterministic', out);
    for (let i = 0; i < out.length; i++) {
      out[i] = Math.min(1, Math.max(-1, out[i] + this.config.explorationNoise * this.streams.exploration.normal()));
    }
  }

  /** μ(s) in the env's units (with exploration noise when not deterministic). */
  predict(obs: ArrayLike<number>, options?: { deterministic?: boolean }): Float32Array {
    const deterministic = deterministicOption(this.algorithm, options);
    const context = `${this.algorithm}.predict`;
    const normalized = new Float32Array(this.actionSize);
    if (deterministic) {
      this.acting.act(obs, 'deterministic', normalized, context);
    } else {
      const copy = new Float32Array(this.observationSize);
      copyObservation(obs, this.observationSize, copy, context);
      this.exploreAction(copy, normalized);
    }
    return this.scaler.toEnv(normalized, new Float32Array(this.actionSize));
  }

  checkpointParts(): AgentParts {
    return {
      modules: {
        actor: this.actor, actorTarget: this.actorTarget, critic1: this.critic1, critic2: this.critic2,
        critic1Target: this.critic1Target, critic2Target: this.critic2Target,
      },
      tensors: {},
      optimizers: { actor: this.actorOptimizer, critic: this.criticOptimizer },
      replay: this.buffer,
    };
  }

  describe(): string {
    const c = this.config;
    return `lr ${c.learningRate} batch ${c.batchSize} γ ${c.gamma} τ ${c.tau} net ${c.hiddenSizes.join('×')} ` +
      `learningStarts ${c.learningStarts} noise ${c.explorationNoise} smoothing ${c.targetPolicyNoise} clip ${c.targetNoiseClip} delay ${c.policyDelay}`;
  }
}

/** RL Zoo's per-env settings for TD3 (also those of Langevin-TD3, which builds on it). */
export const TD3_ENV_PRESETS: Readonly<Record<string, EnvPreset<TD3Config>>> = {
  'Pendulum-v1': {
    // Zoo td3.yml: gamma 0.98, buffer 200000, learning_starts 10000, normal noise 0.1, lr 1e-3, net [400, 300].
    config: { gamma: 0.98, bufferSize: 200_000, learningStarts: 10_000, explorationNoise: 0.1, learningRate: 1e-3, hiddenSizes: [400, 300] },
    totalSteps: 20_000,
    source: 'rl-baselines3-zoo hyperparams/td3.yml Pendulum-v1 as the file stands; Zoo\'s benchmark row (−151.9 ± 90.2 at 20k) ' +
      'was produced earlier with other settings (Pendulum-v0, per-episode training, batch 100), not with these',
  },
  ...Object.fromEntries(['HalfCheetah-v5', 'Hopper-v5', 'Walker2d-v5', 'Ant-v5'].map((id) => [id, {
    // Zoo td3.yml, MuJoCo entries (keyed on v4): learning_starts 10000, normal noise 0.1, lr 1e-3, batch 256, net [400, 300].
    config: { learningStarts: 10_000, explorationNoise: 0.1, learningRate: 1e-3, batchSize: 256, hiddenSizes: [400, 300] },
    totalSteps: 1_000_000,
    source: `rl-baselines3-zoo hyperparams/td3.yml ${id.replace('-v5', '-v4')} (1e6 steps), applied to v5`,
  }])),
};

/** The registry record: CLI name, defaults, rules, and RL Zoo's per-env presets. */
export const TD3_ALGORITHM = defineAlgorithm<TD3Config, TD3>({
  name: 'td3',
  summary: 'Twin Delayed DDPG (Fujimoto et al. 2018): clipped double Q, target smoothing, delayed policy updates',
  defaults: TD3_DEFAULTS,
  rules: TD3_RULES,
  envPresets: TD3_ENV_PRESETS,
  create: (env, config) => new TD3(env, config),
});
