/**
 * Flow-SAC: SAC with a normalizing-flow policy, the "NF policy" baseline seed 003 compares against
 * (Ward et al. 2019; Mazoure et al. 2020): u₀ ~ N(μ_θ(s), σ_θ(s)²), K RealNVP affine couplings
 * (Dinh et al. 2017) conditioned on s, then a = tanh(u_K). The density is exact by change of variables
 * (engine/distributions: AffineCouplingTransform, TanhTransform, TransformedDistribution), and the
 * losses are SAC's (critic eq. 5, policy eq. 7, temperature eq. 18) with log π of the flow.
 *
 * Choices: masks as the Langevin flow's (algorithms/mcmc/coupling.ts: a checkerboard, all-zero for
 * |A| = 1 so each layer is an s-conditioned affine map); the conditioner sees (m⊙u, s) and its log-scale
 * is bounded by tanh to (−1, 1); every layer starts as the identity (zero-initialised heads); the policy
 * network and the flow share one Adam; the deterministic action is tanh(f(μ_θ(s))).
 *
 * @example
 * const agent = new FlowSAC(make('Pendulum-v1'), { seed: 1, flowLayers: 4 });
 * await agent.learn({ totalSteps: 20_000, evalEnv: make('Pendulum-v1') });
 */
import {
  AffineCouplingTransform, Adam, Module, Normal, TanhTransform, Tensor, TransformedDistribution, dynamicScalar, mean, mul, noGrad, sub,
  type Generator,
} from '../engine/index.ts';
import { OffPolicyAgent, deterministicOption } from './common/agent.ts';
import { defineAlgorithm, presetsBuiltOn } from './common/algorithm.ts';
import type { AgentParts } from './common/checkpoint.ts';
import { CONFIG_LIMITS, integerIn, layerSizes, type ConfigRules } from './common/config.ts';
import type { ContinuousEnv } from './common/env.ts';
import { TracedActing } from './common/traced-acting.ts';
import { ReplayBuffer } from './common/replay-buffer.ts';
import { TensorBatch } from './common/tensor-batch.ts';
import { runTracedUpdate, tracedUpdate } from './common/traced-update.ts';
import { CouplingNetwork, alternatingMasks } from './mcmc/coupling.ts';
import {
  SOFT_ACTOR_CRITIC_CHOICES, SOFT_ACTOR_CRITIC_DEFAULTS, SoftTwinCritic, Temperature, softActorCriticChecks, type SoftActorCriticConfig,
} from './mcmc/soft-critic.ts';
import { SAC_DEFAULTS, SAC_ENV_PRESETS, SquashedGaussianActor } from './sac.ts';

export interface FlowSACConfig extends SoftActorCriticConfig {
  /** Affine coupling layers K after the Gaussian. */
  flowLayers: number;
  /** Hidden widths of each layer's conditioner. */
  flowHiddenSizes: number[];
}

export const FLOW_SAC_DEFAULTS: Readonly<FlowSACConfig> = Object.freeze({
  ...SOFT_ACTOR_CRITIC_DEFAULTS,
  flowLayers: 4,
  flowHiddenSizes: [64, 64],
} as FlowSACConfig);

export const FLOW_SAC_RULES: ConfigRules = {
  choices: { ...SOFT_ACTOR_CRITIC_CHOICES },
  nullable: ['criticLearningRate', 'alphaLearningRate', 'targetEntropy'],
  check: (c) => softActorCriticChecks(c) ?? integerIn(c, 'flowLayers', 1, CONFIG_LIMITS.repetitions) ?? layerSizes(c, 'flowHiddenSizes'),
};

/** The K conditioners of the RealNVP layers and their masks. */
export class CouplingFlow extends Module {
  readonly masks: readonly number[][];
  readonly conditioners: readonly CouplingNetwork[];
  /** The masks as tensors, per dtype, made once: a traced update sees the same constant arrays at every call. */
  private readonly maskTensors = new Map<Tensor['dtype'], Tensor[]>();

  constructor(stateSize: number, actionSize: number, layers: number, hiddenSizes: readonly number[], generator: Generator, dtype?: Tensor['dtype']) {
    super();
    this.masks = alternatingMasks(actionSize, layers);
    this.conditioners = this.masks.map((_, k) => this.registerModule(`layer${k}`, new CouplingNetwork({
      stateSize, actionSize, hiddenSizes, heads: ['logScale', 'shift'], generator, ...(dtype ? { dtype } : {}),
    })));
  }

  /** The policy π(·|s) = tanh ∘ f_K ∘ … ∘ f_1 applied to N(μ, σ²), for states [B, S]. */
  distribution(state: Tensor, base: Normal): TransformedDistribution {
    const masks = this.maskTensorsOf(base.dtype);
    const couplings = this.conditioners.map((net, k) => new AffineCouplingTransform(masks[k], net.affineConditioner(), { context: state }));
    return new TransformedDistribution(base, [...couplings, new TanhTransform()]);
  }

  private maskTensorsOf(dtype: Tensor['dtype']): Tensor[] {
    let masks = this.maskTensors.get(dtype);
    if (masks === undefined) {
      masks = this.masks.map((m) => new Tensor(dtype === 'float64' ? Float64Array.from(m) : Float32Array.from(m), [m.length]));
      this.maskTensors.set(dtype, masks);
    }
    return masks;
  }
}

export class FlowSAC extends OffPolicyAgent<FlowSACConfig> {
  readonly metricNames = ['critic_loss', 'actor_loss', 'alpha_loss'] as const;
  override readonly gaugeNames = ['alpha'] as const;
  readonly buffer: ReplayBuffer;

  readonly actor: SquashedGaussianActor;
  readonly flow: CouplingFlow;
  readonly critics: SoftTwinCritic;
  readonly temperature: Temperature;

  private readonly actorOptimizer: Adam;
  private readonly batch: TensorBatch;

  /** @param config overrides of FLOW_SAC_DEFAULTS; unknown keys and bad values throw ConfigError. */
  constructor(env: ContinuousEnv, config: Partial<FlowSACConfig> = {}) {
    super({ name: 'FLOW-SAC', defaults: FLOW_SAC_DEFAULTS, rules: FLOW_SAC_RULES }, env, config);
    const c = this.config;
    this.buffer = new ReplayBuffer({ capacity: c.bufferSize, observationSize: this.observationSize, actionSize: this.actionSize });
    const init = this.streams.init;
    this.actor = new SquashedGaussianActor(this.observationSize, this.actionSize, { ...SAC_DEFAULTS, ...c }, init);
    this.flow = new CouplingFlow(this.observationSize, this.actionSize, c.flowLayers, c.flowHiddenSizes, init);
    this.critics = new SoftTwinCritic(this.observationSize, this.actionSize, c, init);
    this.temperature = new Temperature(c, c.targetEntropy ?? -this.actionSize);
    this.actorOptimizer = new Adam([...this.actor.parameters(), ...this.flow.parameters()], { lr: c.learningRate });
    this.batch = new TensorBatch(c.batchSize, this.observationSize, this.actionSize);
  }

  override gauges(): Record<string, number> {
    return { alpha: this.temperature.alpha };
  }

  private policy(obs: Tensor): TransformedDistribution {
    const { mean: mu, logStd } = this.actor.forward(obs, this.config);
    return this.flow.distribution(obs, Normal.fromLogScale(mu, logStd));
  }

  /** A reparameterised action and its exact log-density, [B, A] and [B]. */
  private sample(obs: Tensor, generator: Generator): { action: Tensor; logProb: Tensor } {
    const pi = this.policy(obs);
    const { value, intermediates } = pi.rsample(generator);
    return { action: value, logProb: pi.logProb(value, intermediates) };
  }

  /**
   * SAC's update with the flow policy: critic (eq. 5), policy (eq. 7), α (eq. 18), targets. The gradient
   * steps are one traced step (engine/trace), the same at every update; the minibatch draw comes before
   * it and the Polyak update of the targets, host work either way, after it.
   */
  update(): Record<string, number> {
    this.batch.sample((b) => this.buffer.sample(this.streams.minibatch, b));
    const losses = runTracedUpdate(this.trainingStep, 'critic+actor');
    if ((this.training.updates + 1) % this.config.targetUpdateInterval === 0) this.critics.updateTargets(this.config.tau);
    return losses;
  }

  /** The traced gradient step (one schedule), replayed from its fourth call on (`stats()` says where it stands). */
  readonly trainingStep = tracedUpdate('FLOW-SAC.update', () => this.gradientStep(), () => this.batch, () => {
    const q = this.critics;
    return [this.actor, this.flow, q.critic1, q.critic2, q.critic1Target, q.critic2Target, this.temperature.logAlpha];
  });

  /** Critic, policy and α steps on the current minibatch; the losses as scalar tensors. */
  private gradientStep(): Record<string, Tensor> {
    const c = this.config;
    const obs = this.batch.observations;
    // α as it stands before this update: the temperature step below moves it for the next one.
    const alpha = dynamicScalar(() => this.temperature.alpha);
    const next = noGrad(() => this.sample(this.batch.nextObservations, this.streams.update));
    const losses: Record<string, Tensor> = { critic_loss: this.critics.update(this.batch, next, alpha, c.gamma) };

    // J_π = E[α log π(ã|s) − Q(s, ã)], ã reparameterised through the flow.
    const sampled = this.sample(obs, this.streams.update);
    const actorLoss = mean(sub(mul(sampled.logProb, alpha), this.critics.value(obs, sampled.action, c.actorQReduction)));
    this.actorOptimizer.zeroGrad();
    actorLoss.backward({ inputs: this.actorOptimizer.params });
    this.actorOptimizer.step();
    losses.actor_loss = actorLoss;
    if (c.learnAlpha) losses.alpha_loss = this.temperature.update(sampled.logProb, c.alphaLoss);
    return losses;
  }

  /** Acting, traced: a sample (explore), or tanh(f(μ_θ(s))) (deterministic). */
  readonly acting = new TracedActing('FlowSAC.act', this.observationSize, (o, kind) => {
    const pi = this.policy(o);
    return kind === 'explore' ? pi.rsample(this.streams.exploration).value : pi.transforms.reduce((v, t) => t.forward(v), (pi.base as Normal).mean);
  }, () => [this.actor, this.flow]);

  exploreAction(obs: Float32Array, out: Float32Array): void {
    this.acting.act(obs, 'explore', out);
  }

  /** tanh(f(μ_θ(s))) when deterministic, else a sample, in the env's units. */
  predict(obs: ArrayLike<number>, options?: { deterministic?: boolean }): Float32Array {
    const deterministic = deterministicOption(this.algorithm, options);
    const normalized = this.acting.act(obs, deterministic ? 'deterministic' : 'explore', new Float32Array(this.actionSize), `${this.algorithm}.predict`);
    return this.scaler.toEnv(normalized, new Float32Array(this.actionSize));
  }

  checkpointParts(): AgentParts {
    const q = this.critics;
    return {
      modules: { actor: this.actor, flow: this.flow, critic1: q.critic1, critic2: q.critic2, critic1Target: q.critic1Target, critic2Target: q.critic2Target },
      tensors: { logAlpha: this.temperature.logAlpha },
      optimizers: { actor: this.actorOptimizer, critic: q.optimizer, alpha: this.temperature.optimizer },
      replay: this.buffer,
    };
  }

  describe(): string {
    const c = this.config;
    return `lr ${c.learningRate} batch ${c.batchSize} γ ${c.gamma} τ ${c.tau} net ${c.hiddenSizes.join('×')} learningStarts ${c.learningStarts} flow ${c.flowLayers}×[${c.flowHiddenSizes.join('×')}]`;
  }
}

/** The registry record: CLI name, defaults, rules and presets. */
export const FLOW_SAC_ALGORITHM = defineAlgorithm<FlowSACConfig, FlowSAC>({
  name: 'flow-sac',
  summary: 'SAC with a normalizing-flow policy (RealNVP affine couplings over a Gaussian, tanh-squashed): the NF-policy baseline of seed 003',
  defaults: FLOW_SAC_DEFAULTS,
  rules: FLOW_SAC_RULES,
  envPresets: presetsBuiltOn<FlowSACConfig>('SAC', SAC_ENV_PRESETS), // the flow's settings are the defaults
  create: (env, config) => new FlowSAC(env, config),
});
