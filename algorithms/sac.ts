/**
 * Soft Actor-Critic (Haarnoja et al., 2018, "Soft Actor-Critic Algorithms and Applications", v2):
 * twin Q networks with Polyak-averaged targets, a tanh-squashed Gaussian policy, and automatic
 * entropy temperature α with target entropy −|A|. Defaults follow the paper's table and
 * softlearning (rail-berkeley/softlearning); every choice on which public implementations differ is
 * a config field, with the alternatives named.
 *
 * Actions are learned on the [−1, 1] box and mapped affinely to the env's bounds (SB3's
 * convention), so log π and the target entropy are in those normalised units unless
 * `entropyUnits: 'env'`.
 *
 * @example
 * const sac = new SAC(make('Pendulum-v1'), { seed: 1 });
 * await sac.learn({ totalSteps: 20_000, evalEnv: make('Pendulum-v1'), runDir: 'runs/sac' });
 * sac.predict(obs, { deterministic: true }); // Float32Array in the env's action units
 */
import {
  Adam, Generator, Linear, MLP, Module, TanhNormal, Tensor, add, clamp, mean, mul, noGrad, sub, tanh, dynamicScalar, showValue,
} from '../engine/index.ts';
import { OffPolicyAgent, deterministicOption } from './common/agent.ts';
import { defineAlgorithm, type EnvPreset } from './common/algorithm.ts';
import type { AgentParts } from './common/checkpoint.ts';
import { CONFIG_LIMITS, inRange, integerIn, layerSizes, offPolicyChecks, optionalInRange, type ConfigRules } from './common/config.ts';
import type { ContinuousEnv } from './common/env.ts';
import type { OffPolicyConfig } from './common/learner.ts';
import { QNetwork } from './common/networks.ts';
import { TracedActing } from './common/traced-acting.ts';
import { ReplayBuffer } from './common/replay-buffer.ts';
import { SoftTwinCritic, Temperature } from './common/soft-critic.ts';
import { TensorBatch } from './common/tensor-batch.ts';
import { runTracedUpdate, tracedUpdate } from './common/traced-update.ts';
import type { RandomStreams } from './common/training-state.ts';
import { expectPositiveInteger } from './common/arguments.ts';

export interface SACConfig extends OffPolicyConfig {
  /** Adam step size of the actor (and of the critics and α unless set separately). Paper, softlearning, SB3: 3e-4. */
  learningRate: number;
  /** Adam step size of the critics; null = learningRate. CleanRL: 1e-3. */
  criticLearningRate: number | null;
  /** Adam step size of log α; null = learningRate. CleanRL: its q_lr (1e-3). */
  alphaLearningRate: number | null;
  /** Discount γ per env step. */
  gamma: number;
  /** Polyak rate τ of the target critics: θ̄ ← (1 − τ)θ̄ + τθ. */
  tau: number;
  /** Hidden widths of the actor and of each critic (ReLU). */
  hiddenSizes: number[];
  /** Target entropy H̄ in nats; null = −|A| (the paper's heuristic). */
  targetEntropy: number | null;
  /** α at the start (log α = 0 everywhere public: α = 1). */
  initialAlpha: number;
  /** Learn α by dual gradient descent (true) or keep α = initialAlpha (spinningup, pranz24 default: fixed 0.2). */
  learnAlpha: boolean;
  /**
   * Form of the temperature loss, both with the gradient through log α or α only:
   * 'logAlpha': −mean(log α · sg(log π + H̄)) (softlearning TF1, pranz24, SB3);
   * 'alpha':    −mean(α · sg(log π + H̄))     (softlearning TF2, CleanRL).
   */
  alphaLoss: 'logAlpha' | 'alpha';
  /**
   * How the policy head's raw log σ is bounded:
   * 'clamp': hard clamp to [logStdMin, logStdMax] (haarnoja/sac, spinningup, pranz24, SB3: [−20, 2]);
   * 'tanh':  logStdMin + ½(logStdMax − logStdMin)(tanh(x) + 1) (CleanRL, with [−5, 2]).
   */
  logStdBounds: 'clamp' | 'tanh';
  logStdMin: number;
  logStdMax: number;
  /**
   * Reduction of the two online Qs in the actor loss: 'min' (the SAC papers' code, spinningup,
   * pranz24, SB3, CleanRL) or 'mean' (softlearning since Feb 2021, commit 90247f2).
   */
  actorQReduction: 'min' | 'mean';
  /**
   * log-density correction of the tanh squashing:
   * 'exact':   log(1 − tanh²u) = 2(log 2 − u − softplus(−2u)) (spinningup; stable where tanh saturates);
   * 'epsilon': log(1 − tanh²u + 1e-6) (haarnoja/sac, pranz24, SB3, CleanRL).
   */
  squashCorrection: 'exact' | 'epsilon';
  /**
   * Units of log π (and so of the entropy α is tuned to): 'normalized' on the [−1, 1] box (SB3,
   * spinningup), or 'env' including −Σ log(half-width of the action box) (pranz24, CleanRL).
   */
  entropyUnits: 'normalized' | 'env';
  /**
   * Update the actor and α on every k-th critic update, then k times (CleanRL's policy_frequency 2
   * with its compensating loop); 1 = every update (the paper). Each actor step uses α as the previous
   * temperature step left it, as CleanRL does; each temperature step uses log π of the sample its
   * actor step drew before stepping (SB3's order), where CleanRL draws a fresh sample after the step.
   */
  actorUpdateInterval: number;
  /** Critic updates between target updates (softlearning: 1). */
  targetUpdateInterval: number;
}

/** Paper / softlearning defaults; `learningStarts` follows CleanRL (softlearning: 10 episodes of data). */
export const SAC_DEFAULTS: Readonly<SACConfig> = Object.freeze({
  seed: 0,
  bufferSize: 1_000_000,
  batchSize: 256,
  learningStarts: 5000,
  trainFrequency: 1,
  gradientSteps: 1,
  learningRate: 3e-4,
  criticLearningRate: null,
  alphaLearningRate: null,
  gamma: 0.99,
  tau: 0.005,
  hiddenSizes: [256, 256],
  targetEntropy: null,
  initialAlpha: 1,
  learnAlpha: true,
  alphaLoss: 'logAlpha',
  logStdBounds: 'clamp',
  logStdMin: -20,
  logStdMax: 2,
  actorQReduction: 'min',
  squashCorrection: 'exact',
  entropyUnits: 'normalized',
  actorUpdateInterval: 1,
  targetUpdateInterval: 1,
} as SACConfig);

export const SAC_RULES: ConfigRules = {
  choices: {
    alphaLoss: ['logAlpha', 'alpha'],
    logStdBounds: ['clamp', 'tanh'],
    actorQReduction: ['min', 'mean'],
    squashCorrection: ['exact', 'epsilon'],
    entropyUnits: ['normalized', 'env'],
  },
  nullable: ['criticLearningRate', 'alphaLearningRate', 'targetEntropy'],
  check: (c) =>
    offPolicyChecks(c)
    ?? integerIn(c, 'actorUpdateInterval', 1, CONFIG_LIMITS.repetitions) ?? integerIn(c, 'targetUpdateInterval', 1, CONFIG_LIMITS.repetitions)
    ?? inRange(c, 'gamma', 0, 1) ?? inRange(c, 'tau', 0, 1) ?? inRange(c, 'learningRate', 0, Infinity)
    ?? optionalInRange(c, 'criticLearningRate', 0, Infinity) ?? optionalInRange(c, 'alphaLearningRate', 0, Infinity)
    ?? ((c.initialAlpha as number) > 0 ? undefined : `'initialAlpha' must be > 0, got ${c.initialAlpha}`)
    ?? ((c.logStdMin as number) < (c.logStdMax as number) ? undefined : `'logStdMin' must be below 'logStdMax'`)
    ?? layerSizes(c, 'hiddenSizes'),
};

/** The policy network: a ReLU trunk and two linear heads, the mean and log σ of u (a = tanh u). */
export class SquashedGaussianActor extends Module {
  readonly trunk: MLP;
  readonly meanHead: Linear;
  readonly logStdHead: Linear;

  constructor(observationSize: number, actionSize: number, config: SACConfig, generator: RandomStreams['init']) {
    super();
    expectPositiveInteger('SquashedGaussianActor', 'observationSize', observationSize);
    expectPositiveInteger('SquashedGaussianActor', 'actionSize', actionSize);
    const given = config as Partial<SACConfig> | null | undefined;
    if (typeof given !== 'object' || given === null || !Array.isArray(given.hiddenSizes) || given.hiddenSizes.length === 0) {
      throw new TypeError(`SquashedGaussianActor: config must be a SAC config with a non-empty hiddenSizes, got ${showValue(config)}`);
    }
    if (!(generator instanceof Generator)) throw new TypeError(`SquashedGaussianActor: generator must be a Generator, got ${showValue(generator)}`);
    const hidden = config.hiddenSizes;
    const width = hidden[hidden.length - 1];
    this.trunk = this.registerModule('trunk', new MLP({
      inputSize: observationSize, hiddenSizes: hidden.slice(0, -1), outputSize: width, outputActivation: 'relu', generator,
    }));
    this.meanHead = this.registerModule('mean', new Linear(width, actionSize, { generator }));
    this.logStdHead = this.registerModule('logStd', new Linear(width, actionSize, { generator }));
  }

  /** Mean and bounded log σ of the pre-squash Gaussian, each [B, A]. */
  forward(obs: Tensor, config: Pick<SACConfig, 'logStdBounds' | 'logStdMin' | 'logStdMax'>): { mean: Tensor; logStd: Tensor } {
    const h = this.trunk.forward(obs);
    const raw = this.logStdHead.forward(h);
    const { logStdMin: lo, logStdMax: hi } = config;
    const logStd = config.logStdBounds === 'clamp' ? clamp(raw, lo, hi) : add(lo, mul(add(tanh(raw), 1), 0.5 * (hi - lo)));
    return { mean: this.meanHead.forward(h), logStd };
  }
}

export class SAC extends OffPolicyAgent<SACConfig> {
  readonly metricNames = ['critic_loss', 'actor_loss', 'alpha_loss'] as const;
  override readonly gaugeNames = ['alpha'] as const;
  readonly buffer: ReplayBuffer;

  readonly actor: SquashedGaussianActor;
  /** Twin soft Q networks, their targets and their optimizer. */
  readonly critics: SoftTwinCritic;
  /** α = exp(log α) and its optimizer. */
  readonly temperature: Temperature;

  private readonly actorOptimizer: Adam;
  /** Σ log(half-width) of the action box, subtracted from log π when entropyUnits is 'env'. */
  private readonly logHalfWidthSum: number;
  private readonly batch: TensorBatch;

  /**
   * @param env the training env (Gymnasium API, bounded Box actions); its `getState` makes
   *   mid-episode checkpoints exact.
   * @param config overrides of SAC_DEFAULTS; unknown keys and bad values throw ConfigError.
   */
  constructor(env: ContinuousEnv, config: Partial<SACConfig> = {}) {
    super({ name: 'SAC', defaults: SAC_DEFAULTS, rules: SAC_RULES }, env, config);
    const c = this.config;
    this.logHalfWidthSum = Array.from(this.scaler.scale).reduce((s, h) => s + Math.log(h), 0);
    this.buffer = new ReplayBuffer({ capacity: c.bufferSize, observationSize: this.observationSize, actionSize: this.actionSize });

    const init = this.streams.init;
    this.actor = new SquashedGaussianActor(this.observationSize, this.actionSize, c, init);
    this.critics = new SoftTwinCritic(this.observationSize, this.actionSize, c, init);
    this.temperature = new Temperature(c, c.targetEntropy ?? -this.actionSize);
    this.actorOptimizer = new Adam(this.actor.parameters(), { lr: c.learningRate });
    this.batch = new TensorBatch(c.batchSize, this.observationSize, this.actionSize);
  }

  get critic1(): QNetwork {
    return this.critics.critic1;
  }

  get critic2(): QNetwork {
    return this.critics.critic2;
  }

  get critic1Target(): QNetwork {
    return this.critics.critic1Target;
  }

  get critic2Target(): QNetwork {
    return this.critics.critic2Target;
  }

  /** log α, the temperature's free parameter, shape [1]. */
  get logAlpha(): Tensor {
    return this.temperature.logAlpha;
  }

  get targetEntropy(): number {
    return this.temperature.targetEntropy;
  }

  /** The current temperature α = exp(log α). */
  currentAlpha(): number {
    return this.temperature.alpha;
  }

  override gauges(): Record<string, number> {
    return { alpha: this.currentAlpha() };
  }

  /**
   * a = tanh(u), u ~ N(μ(s), σ(s)²) reparameterised with noise from `generator`, and log π(a|s)
   * with the squashing correction (Haarnoja et al. 2018, appendix C, eq. 21). Shapes [B, A], [B].
   */
  private samplePolicy(obs: Tensor, generator: RandomStreams['update']): { action: Tensor; logProb: Tensor } {
    const c = this.config;
    const { mean: mu, logStd } = this.actor.forward(obs, c);
    const pi = TanhNormal.fromLogScale(mu, logStd, { epsilon: c.squashCorrection === 'epsilon' ? 1e-6 : 0 });
    const { value: action, preTanh } = pi.rsample(generator);
    let logProb = pi.logProb(action, preTanh);
    if (c.entropyUnits === 'env') logProb = sub(logProb, this.logHalfWidthSum);
    return { action, logProb };
  }

  /**
   * One gradient step of critics, actor, α and targets, in the order of the paper's algorithm 1.
   * The minibatch is drawn here; the arithmetic is one traced step per schedule (engine/trace).
   */
  update(): Record<string, number> {
    const c = this.config;
    this.batch.sample((b) => this.buffer.sample(this.streams.minibatch, b));
    const nextUpdate = this.training.updates + 1;
    const schedule = `${nextUpdate % c.actorUpdateInterval === 0 ? 'actor' : ''}+${nextUpdate % c.targetUpdateInterval === 0 ? 'target' : ''}`;
    return runTracedUpdate(this.trainingStep, schedule);
  }

  private readonly trainingStep = tracedUpdate('SAC.update', (schedule) => this.gradientStep(schedule), () => this.batch,
    () => [this.actor, this.critic1, this.critic2, this.critic1Target, this.critic2Target, this.logAlpha]);

  private gradientStep(schedule: string): Record<string, Tensor> {
    const c = this.config;
    const { observations: obs, nextObservations: nextObs } = this.batch;
    const alpha = dynamicScalar(() => this.currentAlpha());

    // Soft Q target (eq. 3 with the twin-Q minimum), a' ~ π(·|s'), and the critic loss (eq. 5).
    const next = noGrad(() => this.samplePolicy(nextObs, this.streams.update));
    const losses: Record<string, Tensor> = { critic_loss: this.critics.update(this.batch, next, alpha, c.gamma) };

    if (schedule.startsWith('actor')) {
      for (let k = 0; k < c.actorUpdateInterval; k++) {
        // Policy loss (eq. 7 / 9): J_π = E[α log π(ã|s) − Q(s, ã)], ã reparameterised; gradients reach the actor only.
        // From the second pass of the loop on, α is the one the previous temperature step left (CleanRL re-reads it).
        const currentAlpha = k === 0 ? alpha : dynamicScalar(() => this.currentAlpha());
        const sampled = this.samplePolicy(obs, this.streams.update);
        const actorLoss = mean(sub(mul(sampled.logProb, currentAlpha), this.critics.value(obs, sampled.action, c.actorQReduction)));
        this.actorOptimizer.zeroGrad();
        actorLoss.backward({ inputs: this.actorOptimizer.params });
        this.actorOptimizer.step();
        losses.actor_loss = actorLoss;
        // Temperature loss (eq. 18): J(α) = E[−α (log π(ã|s) + H̄)], with the gradient through log α (or α).
        if (c.learnAlpha) losses.alpha_loss = this.temperature.update(sampled.logProb, c.alphaLoss);
      }
    }

    // Target networks: θ̄ ← (1 − τ)θ̄ + τθ.
    if (schedule.endsWith('target')) this.critics.updateTargets(c.tau);
    return losses;
  }

  /** Acting, traced: a sample (explore), or tanh(μ(s)) (deterministic). */
  readonly acting = new TracedActing('SAC.act', this.observationSize, (o, kind) =>
    kind === 'explore' ? this.samplePolicy(o, this.streams.exploration).action : tanh(this.actor.forward(o, this.config).mean),
  () => [this.actor]);

  exploreAction(obs: Float32Array, out: Float32Array): void {
    this.acting.act(obs, 'explore', out);
  }

  /**
   * The action for one observation, in the env's units: tanh(μ(s)) when deterministic, otherwise a
   * sample (drawn from the exploration stream).
   */
  predict(obs: ArrayLike<number>, options?: { deterministic?: boolean }): Float32Array {
    const deterministic = deterministicOption(this.algorithm, options);
    const normalized = this.acting.act(obs, deterministic ? 'deterministic' : 'explore', new Float32Array(this.actionSize), `${this.algorithm}.predict`);
    return this.scaler.toEnv(normalized, new Float32Array(this.actionSize));
  }

  checkpointParts(): AgentParts {
    return {
      modules: { actor: this.actor, critic1: this.critic1, critic2: this.critic2, critic1Target: this.critic1Target, critic2Target: this.critic2Target },
      tensors: { logAlpha: this.logAlpha },
      optimizers: { actor: this.actorOptimizer, critic: this.critics.optimizer, alpha: this.temperature.optimizer },
      replay: this.buffer,
    };
  }

  describe(): string {
    const c = this.config;
    return `lr ${c.learningRate} batch ${c.batchSize} γ ${c.gamma} τ ${c.tau} net ${c.hiddenSizes.join('×')} ` +
      `learningStarts ${c.learningStarts} α ${c.learnAlpha ? `auto (H̄ ${this.targetEntropy}, ${c.alphaLoss} loss)` : c.initialAlpha} ` +
      `logσ ${c.logStdBounds} [${c.logStdMin}, ${c.logStdMax}] actorQ ${c.actorQReduction}`;
  }
}

/** RL Zoo's per-env settings for SAC (also those of the algorithms built on it: HMC-SAC, flow-SAC). */
export const SAC_ENV_PRESETS: Readonly<Record<string, EnvPreset<SACConfig>>> = {
  'Pendulum-v1': {
    // Zoo sac.yml: learning_rate 1e-3, everything else SB3's defaults (learning_starts 100; net [256, 256]).
    config: { learningRate: 1e-3, learningStarts: 100 },
    totalSteps: 20_000,
    source: 'rl-baselines3-zoo hyperparams/sac.yml Pendulum-v1 as the file stands; Zoo\'s benchmark row (−157.0 ± 88.7 at 20k) ' +
      'was produced earlier with other settings (Pendulum-v0, gSDE, per-episode training, net [64, 64], log_std_init −2), not with these',
  },
  ...Object.fromEntries(['HalfCheetah-v5', 'Hopper-v5', 'Walker2d-v5', 'Ant-v5'].map((id) => [id, {
    // Zoo sac.yml keys these on v4 ("to be tuned"): learning_starts 10000, everything else SB3's defaults.
    config: { learningStarts: 10_000 },
    totalSteps: 1_000_000,
    source: `rl-baselines3-zoo hyperparams/sac.yml ${id.replace('-v5', '-v4')} (learning_starts 10000, SB3 defaults otherwise), applied to v5`,
  }])),
};

/** The registry record: CLI name, defaults, rules, and RL Zoo's per-env presets. */
export const SAC_ALGORITHM = defineAlgorithm<SACConfig, SAC>({
  name: 'sac',
  summary: 'Soft Actor-Critic (Haarnoja et al. 2018): twin critics, squashed Gaussian policy, learned temperature',
  defaults: SAC_DEFAULTS,
  rules: SAC_RULES,
  envPresets: SAC_ENV_PRESETS,
  create: (env, config) => new SAC(env, config),
});
