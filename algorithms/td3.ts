/**
 * Twin Delayed DDPG (Fujimoto, van Hoof & Meger, 2018, "Addressing Function Approximation Error in
 * Actor-Critic Methods"): a deterministic tanh actor with Gaussian exploration noise, twin critics
 * whose minimum forms the target, target policy smoothing, and actor / target updates delayed to
 * every second critic update. Defaults are those of the authors' current code (sfujim/TD3 @
 * 34770cc, specs/algorithms.md §4.2).
 *
 * Actions are learned on the [−1, 1] box and mapped affinely to the env's bounds, so the noise
 * scales (0.1, 0.2, clip 0.5) are fractions of the box's half-width, as `max_action · 0.1` there.
 *
 * @example
 * const td3 = new TD3(make('Pendulum-v1'), { seed: 1, learningStarts: 10_000 });
 * await td3.learn({ totalSteps: 20_000, evalEnv: make('Pendulum-v1') });
 */
import {
  Adam, MLP, Tensor, add, clamp, copyParameters, gradients, mean, minimum, mul, noGrad, ones, polyakUpdate, randn, square, sub, zeros,
} from '../engine/index.ts';
import type { AgentParts } from './common/checkpoint.ts';
import { inRange, integerAtLeast, resolveConfig, type ConfigRules } from './common/config.ts';
import type { ActionScaler, ContinuousEnv } from './common/env.ts';
import { loadLearner, saveLearner, type LoadOptions } from './common/learner-checkpoint.ts';
import { QNetwork, observationTensor } from './common/networks.ts';
import {
  learnerSetup, trainOffPolicy,
  type LearnOptions, type LearnResult, type OffPolicyConfig, type OffPolicyLearner, type RandomStreams, type TrainingState,
} from './common/off-policy.ts';
import { ReplayBuffer, createBatch, type Batch } from './common/replay-buffer.ts';

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
    integerAtLeast(c, 'seed', 0) ?? integerAtLeast(c, 'bufferSize', 1) ?? integerAtLeast(c, 'batchSize', 1)
    ?? integerAtLeast(c, 'learningStarts', 0) ?? integerAtLeast(c, 'trainFrequency', 1) ?? integerAtLeast(c, 'gradientSteps', 1)
    ?? integerAtLeast(c, 'policyDelay', 1) ?? inRange(c, 'gamma', 0, 1) ?? inRange(c, 'tau', 0, 1)
    ?? inRange(c, 'learningRate', 0, Infinity) ?? inRange(c, 'explorationNoise', 0, Infinity)
    ?? inRange(c, 'targetPolicyNoise', 0, Infinity) ?? inRange(c, 'targetNoiseClip', 0, Infinity)
    ?? ((c.hiddenSizes as number[]).every((h) => Number.isInteger(h) && h > 0) ? undefined : `'hiddenSizes' must be positive integers`),
};

export class TD3 implements OffPolicyLearner {
  readonly algorithm = 'TD3';
  readonly lossNames = ['critic_loss', 'actor_loss'] as const;
  readonly config: Readonly<TD3Config>;
  readonly envId: string;
  readonly scaler: ActionScaler;
  readonly streams: RandomStreams;
  readonly buffer: ReplayBuffer;
  readonly training: TrainingState;

  /** μ(s) = tanh(MLP(s)) ∈ [−1, 1]ᴬ. */
  readonly actor: MLP;
  readonly actorTarget: MLP;
  readonly critic1: QNetwork;
  readonly critic2: QNetwork;
  readonly critic1Target: QNetwork;
  readonly critic2Target: QNetwork;

  private readonly actorOptimizer: Adam;
  private readonly criticOptimizer: Adam;
  private readonly observationSize: number;
  private readonly actionSize: number;
  private readonly batch: Batch;
  private readonly batchTensors: { obs: Tensor; actions: Tensor; rewards: Tensor; nextObs: Tensor; notTerminated: Tensor };

  constructor(readonly env: ContinuousEnv, config: Partial<TD3Config> = {}) {
    this.config = Object.freeze(resolveConfig('TD3', TD3_DEFAULTS, config, TD3_RULES));
    const c = this.config;
    ({
      envId: this.envId, observationSize: this.observationSize, actionSize: this.actionSize,
      scaler: this.scaler, streams: this.streams, training: this.training,
    } = learnerSetup('TD3', env, c));
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

    const B = c.batchSize;
    this.batchTensors = {
      obs: zeros([B, this.observationSize]),
      actions: zeros([B, this.actionSize]),
      rewards: zeros([B]),
      nextObs: zeros([B, this.observationSize]),
      notTerminated: zeros([B]),
    };
    const t = this.batchTensors;
    this.batch = createBatch(B, this.observationSize, this.actionSize, {
      observations: t.obs.data as Float32Array, actions: t.actions.data as Float32Array, rewards: t.rewards.data as Float32Array,
      nextObservations: t.nextObs.data as Float32Array, notTerminated: t.notTerminated.data as Float32Array,
    });
  }

  /** One critic step, and every `policyDelay`-th call an actor step and the target updates (sfujim/TD3 `train`). */
  update(): Record<string, number> {
    const c = this.config;
    const { obs, actions, rewards, nextObs, notTerminated } = this.batchTensors;
    this.buffer.sample(this.streams.minibatch, this.batch);
    for (const t of [obs, actions, rewards, nextObs, notTerminated]) t.mutate_(() => undefined);

    // Target policy smoothing (eq. 14): ã' = clip(μ̄(s') + clip(ε, −c, c), −1, 1), ε ~ N(0, σ̃²);
    // clipped double-Q target (eq. 10): y = r + γ(1 − d) min(Q̄₁(s', ã'), Q̄₂(s', ã')).
    const target = noGrad(() => {
      const noise = clamp(randn([c.batchSize, this.actionSize], { generator: this.streams.update, std: c.targetPolicyNoise }), -c.targetNoiseClip, c.targetNoiseClip);
      const nextAction = clamp(add(this.actorTarget.forward(nextObs), noise), -1, 1);
      const qNext = minimum(this.critic1Target.forward(nextObs, nextAction), this.critic2Target.forward(nextObs, nextAction));
      return add(rewards, mul(mul(notTerminated, c.gamma), qNext));
    });

    // Critic loss: MSE(Q₁(s, a), y) + MSE(Q₂(s, a), y).
    const q1 = this.critic1.forward(obs, actions);
    const q2 = this.critic2.forward(obs, actions);
    const criticLoss = add(mean(square(sub(q1, target))), mean(square(sub(q2, target))));
    this.criticOptimizer.zeroGrad();
    criticLoss.backward();
    this.criticOptimizer.step();
    const losses: Record<string, number> = { critic_loss: criticLoss.item() };

    // Delayed policy update: every d critic steps, the deterministic policy gradient through Q₁ only
    // (J = −E[Q₁(s, μ(s))]), then Polyak updates of all three targets.
    if ((this.training.updates + 1) % c.policyDelay === 0) {
      const actorLoss = mean(this.critic1.forward(obs, this.actor.forward(obs))).neg();
      const params = this.actorOptimizer.params;
      const grads = gradients([actorLoss], [ones([], { dtype: actorLoss.dtype })], params, false);
      params.forEach((p, i) => (p.grad = grads[i]));
      this.actorOptimizer.step();
      this.actorOptimizer.zeroGrad();
      losses.actor_loss = actorLoss.item();

      polyakUpdate(this.critic1Target, this.critic1, c.tau);
      polyakUpdate(this.critic2Target, this.critic2, c.tau);
      polyakUpdate(this.actorTarget, this.actor, c.tau);
    }
    return losses;
  }

  /** a = clip(μ(s) + N(0, σ²), −1, 1) with noise from the exploration stream. */
  exploreAction(obs: Float32Array, out: Float32Array): void {
    noGrad(() => out.set(this.actor.forward(observationTensor(obs, this.observationSize)).data));
    for (let i = 0; i < out.length; i++) {
      out[i] = Math.min(1, Math.max(-1, out[i] + this.config.explorationNoise * this.streams.exploration.normal()));
    }
  }

  /** μ(s) in the env's units (with exploration noise when not deterministic). */
  predict(obs: ArrayLike<number>, { deterministic = true }: { deterministic?: boolean } = {}): Float32Array {
    const normalized = new Float32Array(this.actionSize);
    if (deterministic) noGrad(() => normalized.set(this.actor.forward(observationTensor(obs, this.observationSize)).data));
    else this.exploreAction(Float32Array.from(obs), normalized);
    return this.scaler.toEnv(normalized, new Float32Array(this.actionSize));
  }

  /** Trains until `totalSteps` env steps in total; see LearnOptions. */
  learn(options: LearnOptions): Promise<LearnResult> {
    return trainOffPolicy(this, options);
  }

  private parts(): AgentParts {
    return {
      modules: {
        actor: this.actor, actorTarget: this.actorTarget, critic1: this.critic1, critic2: this.critic2,
        critic1Target: this.critic1Target, critic2Target: this.critic2Target,
      },
      tensors: {},
      optimizers: { actor: this.actorOptimizer, critic: this.criticOptimizer },
    };
  }

  /** Writes everything needed to resume exactly (networks, targets, optimizers, buffer, streams, env, counters). */
  save(dir: string): void {
    saveLearner(dir, this, this.parts());
  }

  /** Restores a checkpoint written by `save`; `weightsOnly` reads the networks only (evaluation). */
  load(dir: string, options: LoadOptions = {}): this {
    loadLearner(dir, this, this.parts(), options);
    return this;
  }

  describe(): string {
    const c = this.config;
    return `lr ${c.learningRate} batch ${c.batchSize} γ ${c.gamma} τ ${c.tau} net ${c.hiddenSizes.join('×')} ` +
      `learningStarts ${c.learningStarts} noise ${c.explorationNoise} smoothing ${c.targetPolicyNoise} clip ${c.targetNoiseClip} delay ${c.policyDelay}`;
  }
}
