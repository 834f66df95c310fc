/**
 * The shared body of the on-policy learners (REINFORCE, PPO, TRPO and their variational variants):
 * E envs stepped together, a Gaussian policy of one of the three posterior kinds
 * (policy-gradient/policies.ts), a value network, optional observation/reward normalisation, and a
 * rollout buffer with GAE(λ). An algorithm file extends `OnPolicyAgent` and writes only
 * `trainOnRollout`: its losses and optimiser steps over the finished rollout.
 *
 * Per vector step (runner.ts): `act` normalises the observations, samples actions (kept unclipped
 * for the log-probabilities, clipped to the box for the env) and V(s); `observe` stores the
 * transition, folding γ·V(final observation) into the reward of a truncated step. After
 * `rolloutSteps` steps `train` bootstraps with V(s_n), computes advantages and calls `trainOnRollout`.
 */
import { MLP, Tensor, TracedFunction, noGrad, reshape, zeros, type Generator, type Optimizer, showValue } from '../../engine/index.ts';
import {
  GaussianPolicy, ParameterPosteriorPolicy, StateNoisePolicy, orthogonalInit, policyGauges, type PolicyModel, type PolicyOptions, type PosteriorKind,
} from '../policy-gradient/policies.ts';
import { AgentSurface, checkSpec, deterministicOption, recordMadeEnvs, type Agent } from './agent.ts';
import type { AgentParts } from './checkpoint.ts';
import { CONFIG_LIMITS, inRange, integerIn, layerSizes, optionalInRange, resolveConfig, type ConfigRules } from './config.ts';
import { ActionScaler, flatSize } from './env.ts';
import { resolveEnvs, type EnvSource } from './env-vector.ts';
import type { Metrics, OnPolicyLearner, RolloutStep, TrainingProgress, VectorEnvLike } from './learner.ts';
import { Normalizer } from './normalization.ts';
import { checkObservation } from './networks.ts';
import { RolloutBuffer, type RolloutBatch } from './rollout-buffer.ts';
import { valueLoss } from '../policy-gradient/losses.ts';
import { createStreams, initialTrainingState, type RandomStreams, type TrainingState } from './training-state.ts';

/** The fields every on-policy config holds. */
export interface OnPolicyConfig {
  /** Root seed: envs (env e gets seed + e), initialisation, sampling and minibatch streams derive from it. */
  seed: number;
  /** Envs stepped together (E). */
  numEnvs: number;
  /** Vector steps per rollout (n): each iteration learns from n·E transitions. */
  rolloutSteps: number;
  /** Discount γ. */
  gamma: number;
  /** GAE's λ (1: Monte-Carlo returns minus the baseline). */
  gaeLambda: number;
  /** Hidden widths of the policy network and of the value network. */
  hiddenSizes: number[];
  activation: 'tanh' | 'relu';
  /** SB3's `ortho_init` (√2 hidden, 0.01 policy head, 1 value head). */
  orthogonalInit: boolean;
  /** Initial log σ of the action noise, on the [−1, 1] action box. */
  initialLogStd: number;
  /** SB3 VecNormalize: observations by running mean/std, rewards by the running std of the discounted return. */
  normalizeObservations: boolean;
  normalizeRewards: boolean;
  /** Bound of normalised observations and rewards. */
  normalizationClip: number;
  /** How θ is modelled (Xu 2018): 'point' (plain), 'parameter' (q_φ(θ) = N(μ, diag σ²) over the weights, §2), 'state' (θ = μ_φ(s) + ξσ_φ(s), §3). */
  posterior: PosteriorKind;
  /** α of p(θ) ∝ exp(R/α): the objective is R + α·H(q_φ) (eq. 4 times α: the same direction, a rescaled step). */
  posteriorTemperature: number;
  /** α at the end of training, annealed linearly from `posteriorTemperature`; null keeps α constant. */
  finalPosteriorTemperature: number | null;
  /** Initial σ of q_φ: per weight ('parameter') or of σ_φ(s) ('state'). */
  initialPosteriorStd: number;
  /** 'state' only: a = MLP_Ψ([θ, s]) + ζ (§3.2) rather than a = θ + ζ (§3.1). */
  auxiliaryNetwork: boolean;
}

export const ON_POLICY_DEFAULTS: Readonly<OnPolicyConfig> = Object.freeze({
  seed: 0,
  numEnvs: 1,
  rolloutSteps: 2048,
  gamma: 0.99,
  gaeLambda: 0.95,
  hiddenSizes: [64, 64],
  activation: 'tanh',
  orthogonalInit: true,
  initialLogStd: 0,
  normalizeObservations: false,
  normalizeRewards: false,
  normalizationClip: 10,
  posterior: 'point',
  posteriorTemperature: 1e-3,
  finalPosteriorTemperature: null,
  initialPosteriorStd: 0.05,
  auxiliaryNetwork: true,
} as OnPolicyConfig);

export const ON_POLICY_CHOICES = { activation: ['tanh', 'relu'], posterior: ['point', 'parameter', 'state'] } as const;

/** The named variational variants every posterior-capable algorithm offers (`--preset`). */
export const VARIATIONAL_PRESETS = {
  // α per weight: the entropy of q_φ sums log σ over every weight (≈5,000 at 64×64), so α is ~100× smaller than for 'state'.
  'vi-parameter': { posterior: 'parameter', posteriorTemperature: 1e-5 },
  'vi-state': { posterior: 'state' },
} as const satisfies Record<string, Partial<OnPolicyConfig>>;

/** Bounds of the shared fields (an algorithm's rules add its own). */
export function onPolicyChecks(c: Record<string, unknown>): string | undefined {
  return integerIn(c, 'seed', 0, 2 ** 32 - 1) ?? integerIn(c, 'numEnvs', 1, 4096) ?? integerIn(c, 'rolloutSteps', 1, CONFIG_LIMITS.batchSize)
    ?? inRange(c, 'gamma', 0, 1) ?? inRange(c, 'gaeLambda', 0, 1) ?? layerSizes(c, 'hiddenSizes') ?? inRange(c, 'initialLogStd', -20, 2)
    ?? inRange(c, 'normalizationClip', 1e-6, Infinity) ?? inRange(c, 'posteriorTemperature', 0, Infinity)
    ?? optionalInRange(c, 'finalPosteriorTemperature', 0, Infinity)
    ?? inRange(c, 'initialPosteriorStd', 1e-8, 10)
    ?? ((c.numEnvs as number) * (c.rolloutSteps as number) > CONFIG_LIMITS.batchSize
      ? `numEnvs × rolloutSteps must be at most ${CONFIG_LIMITS.batchSize}, got ${(c.numEnvs as number) * (c.rolloutSteps as number)}` : undefined);
}

export interface OnPolicySpec<C> {
  readonly name: string;
  readonly defaults: Readonly<C>;
  readonly rules: ConfigRules;
}

/** The options of the policy networks a config asks for. */
export function policyOptions(c: OnPolicyConfig, observationSize: number, actionSize: number, generator: Generator): PolicyOptions {
  return {
    observationSize, actionSize, hiddenSizes: c.hiddenSizes, activation: c.activation, initialLogStd: c.initialLogStd,
    orthogonalInit: c.orthogonalInit, generator,
  };
}

/** The policy model of the config's posterior kind. */
export function buildPolicy(c: OnPolicyConfig, options: PolicyOptions): PolicyModel {
  switch (c.posterior) {
    case 'point': return new GaussianPolicy(options);
    case 'parameter': return new ParameterPosteriorPolicy(options, c.numEnvs, c.initialPosteriorStd);
    case 'state': return new StateNoisePolicy(options, c.numEnvs, c.rolloutSteps, c.auxiliaryNetwork, c.initialPosteriorStd);
  }
}

export abstract class OnPolicyAgent<C extends OnPolicyConfig> extends AgentSurface implements OnPolicyLearner, Agent {
  readonly kind = 'on-policy' as const;
  readonly algorithm: string;
  readonly env: VectorEnvLike;
  readonly config: Readonly<C>;
  readonly envId: string;
  readonly observationSize: number;
  readonly actionSize: number;
  readonly scaler: ActionScaler;
  readonly streams: RandomStreams;
  readonly training: TrainingState;
  readonly policy: PolicyModel;
  /** V(s): [B, obs] → [B, 1]. */
  readonly value: MLP;
  readonly normalizer: Normalizer;
  readonly rollout: RolloutBuffer;
  abstract readonly metricNames: readonly string[];
  readonly gaugeNames: readonly string[];

  private readonly normalized: Float32Array;
  private readonly finalNormalized: Float32Array;
  /** The normalised observations of the acting step, [E, obs], read by the traced acting step. */
  private readonly actingObservations: Tensor;
  private readonly pending: { actions: Float32Array; values: Float64Array; logProbs: Float64Array; rewards: Float64Array; bootstrap: Float64Array };

  /**
   * @param env an env (numEnvs 1), a function making envs (called numEnvs times), or a SAME_STEP vector env of numEnvs envs.
   * @param config overrides of the defaults; unknown keys and bad values throw ConfigError.
   * @param makePolicy the policy model (default: the one `posterior` names).
   */
  protected constructor(spec: OnPolicySpec<C>, env: EnvSource, config: Partial<C>, makePolicy: (config: C, options: PolicyOptions) => PolicyModel = buildPolicy) {
    super();
    checkSpec('OnPolicyAgent', spec);
    if (typeof makePolicy !== 'function') throw new TypeError(`${spec.name}: makePolicy (the fourth argument to OnPolicyAgent) must be a function, got ${showValue(makePolicy)}`);
    this.algorithm = spec.name;
    this.config = Object.freeze(resolveConfig(spec.name, spec.defaults, config, spec.rules));
    const c = this.config;
    const { vector, single, made } = resolveEnvs(spec.name, env, c.numEnvs);
    this.env = vector;
    if (made) recordMadeEnvs(this, [vector]);
    this.envId = (single as { id?: string }).id ?? 'custom-env';
    this.observationSize = flatSize(single.observationSpace.shape);
    this.actionSize = flatSize(single.actionSpace.shape);
    this.scaler = new ActionScaler(single.actionSpace);
    this.streams = createStreams(c.seed);
    this.training = initialTrainingState(c.numEnvs * this.observationSize);

    this.policy = makePolicy(c, policyOptions(c, this.observationSize, this.actionSize, this.streams.init));
    this.value = new MLP({
      inputSize: this.observationSize, hiddenSizes: c.hiddenSizes, outputSize: 1, activation: c.activation, generator: this.streams.init,
      ...(c.orthogonalInit ? { hiddenInit: orthogonalInit(Math.SQRT2), outputInit: orthogonalInit(1) } : {}),
    });
    this.normalizer = new Normalizer(this.observationSize, c.numEnvs, {
      observations: c.normalizeObservations, rewards: c.normalizeRewards, clip: c.normalizationClip, gamma: c.gamma,
    });
    this.rollout = new RolloutBuffer({
      rolloutSteps: c.rolloutSteps, numEnvs: c.numEnvs, observationSize: this.observationSize, actionSize: this.actionSize,
      gamma: c.gamma, gaeLambda: c.gaeLambda,
    });
    this.gaugeNames = c.posterior === 'parameter' ? ['action_std', 'weight_std'] : ['action_std'];
    const E = c.numEnvs;
    this.normalized = new Float32Array(E * this.observationSize);
    this.finalNormalized = new Float32Array(E * this.observationSize);
    this.actingObservations = zeros([E, this.observationSize]);
    this.pending = {
      actions: new Float32Array(E * this.actionSize), values: new Float64Array(E), logProbs: new Float64Array(E),
      rewards: new Float64Array(E), bootstrap: new Float64Array(E),
    };
    this.policy.beginRollout(this.streams.exploration);
  }

  /** The algorithm's update over the finished rollout (advantages computed). */
  protected abstract trainOnRollout(progress: TrainingProgress): Metrics;
  abstract checkpointOptimizers(): Readonly<Record<string, Optimizer>>;
  abstract describe(): string;

  /** α at this point of training (linear annealing when `finalPosteriorTemperature` is set). */
  protected temperature(progress: TrainingProgress): number {
    const c = this.config;
    if (c.finalPosteriorTemperature === null) return c.posteriorTemperature;
    const fraction = Math.min(1, progress.step / Math.max(1, progress.totalSteps));
    return c.posteriorTemperature + fraction * (c.finalPosteriorTemperature - c.posteriorTemperature);
  }

  /** V(s) of normalised observations, [B]. */
  protected values(observations: Tensor): Tensor {
    return reshape(this.value.forward(observations), [observations.shape[0]]);
  }

  /** One step of `optimizer` regressing V(s) on the batch's λ-returns; the loss before it. */
  protected valueRegressionStep(batch: RolloutBatch, optimizer: Optimizer): Tensor {
    const loss = valueLoss(this.values(batch.observations), batch.returns, batch.oldValues, null);
    optimizer.zeroGrad();
    loss.backward();
    optimizer.step();
    return loss;
  }

  /** `steps` full-batch steps of `optimizer` regressing V(s) on the batch's λ-returns; the last loss. */
  protected fitValue(batch: RolloutBatch, optimizer: Optimizer, steps: number): number {
    let last = 0;
    for (let step = 0; step < steps; step++) last = this.valueRegressionStep(batch, optimizer).item();
    return last;
  }

  private valuesOf(normalized: Float32Array, out: Float64Array): Float64Array {
    const v = noGrad(() => this.values(new Tensor(normalized, [this.config.numEnvs, this.observationSize])));
    for (let e = 0; e < out.length; e++) out[e] = v.data[e];
    return out;
  }

  /** a ~ π(· | s), log π(a | s) and V(s) at `actingObservations`. */
  private actingOutputs(): { actions: Tensor; logProbs: Tensor; values: Tensor } {
    const { actions, logProbs } = this.policy.act(this.actingObservations, this.rollout.size, this.streams.exploration);
    return { actions, logProbs, values: this.values(this.actingObservations) };
  }

  /**
   * The acting step recorded once and replayed (engine/trace) for a point policy: per env step it
   * is a few small layers, where building tensors and graph costs more than the arithmetic. The
   * posteriors pick weights or noise by rollout index on the host, so they act eagerly.
   */
  readonly actingStep = new TracedFunction('OnPolicyAgent.act', () => this.actingOutputs(), {
    inputs: () => [this.actingObservations, ...this.policy.parameters(), ...this.value.parameters()],
  });

  act(observations: Float32Array, out: Float32Array): void {
    const E = this.config.numEnvs;
    this.normalizer.observations(observations, E, this.normalized, true);
    this.actingObservations.mutate_((d) => d.set(this.normalized));
    const { actions, logProbs, values } = noGrad(() => (this.config.posterior === 'point' ? this.actingStep.call() : this.actingOutputs()));
    this.pending.actions.set(actions.data);
    for (let e = 0; e < E; e++) {
      this.pending.logProbs[e] = logProbs.data[e];
      this.pending.values[e] = values.data[e];
    }
    const A = this.actionSize;
    const clipped = new Float32Array(A);
    const envAction = new Float32Array(A);
    for (let e = 0; e < E; e++) {
      for (let j = 0; j < A; j++) clipped[j] = Math.min(1, Math.max(-1, actions.data[e * A + j]));
      out.set(this.scaler.toEnv(clipped, envAction), e * A);
    }
  }

  observe(step: RolloutStep): void {
    const E = this.config.numEnvs;
    const ended = (e: number): boolean => step.terminations[e] === 1 || step.truncations[e] === 1;
    const rewards = this.normalizer.rewards(step.rewards, ended, this.pending.rewards);
    let truncated = false;
    for (let e = 0; e < E; e++) truncated ||= step.truncations[e] === 1 && step.terminations[e] !== 1 && step.finalMask[e] === 1;
    if (truncated) {
      this.normalizer.observations(step.finalObservations, E, this.finalNormalized, false);
      this.valuesOf(this.finalNormalized, this.pending.bootstrap);
    }
    this.rollout.add({
      observations: this.normalized, actions: this.pending.actions, rewards, values: this.pending.values, logProbs: this.pending.logProbs,
      terminations: step.terminations, truncations: step.truncations, bootstrapValues: truncated ? this.pending.bootstrap : null,
    });
  }

  train(lastObservations: Float32Array, progress: TrainingProgress = { step: this.training.step, totalSteps: this.training.step }): Metrics {
    this.normalizer.observations(lastObservations, this.config.numEnvs, this.finalNormalized, false);
    this.rollout.computeReturnsAndAdvantages(this.valuesOf(this.finalNormalized, new Float64Array(this.config.numEnvs)));
    const metrics = this.trainOnRollout(progress);
    this.rollout.reset();
    this.policy.beginRollout(this.streams.exploration);
    return metrics;
  }

  gauges(): Record<string, number> {
    return policyGauges(this.policy);
  }

  /**
   * The action for one observation in the env's units, clipped to the box: the policy's mean
   * (deterministic), or a sample of the whole model (θ or ξ drawn afresh) from the exploration stream.
   */
  predict(obs: ArrayLike<number>, options?: { deterministic?: boolean }): Float32Array {
    const deterministic = deterministicOption(this.algorithm, options);
    checkObservation(obs, this.observationSize, `${this.algorithm}.predict`);
    const normalized = this.normalizer.observations(obs, 1, new Float32Array(this.observationSize), false);
    const input = new Tensor(normalized, [1, this.observationSize]);
    const action = noGrad(() => (deterministic ? this.policy.meanAction(input) : this.policy.sample(input, this.streams.exploration)));
    const clipped = Float32Array.from(action.data, (a) => Math.min(1, Math.max(-1, a)));
    return this.scaler.toEnv(clipped, new Float32Array(this.actionSize));
  }

  extraStreams(): Readonly<Record<string, Generator>> {
    return {};
  }

  checkpointParts(): AgentParts {
    return {
      modules: { policy: this.policy, value: this.value, normalizer: this.normalizer },
      tensors: {},
      optimizers: this.checkpointOptimizers(),
      rollout: this.rollout,
    };
  }
}
