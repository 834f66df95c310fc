/**
 * Trust Region Policy Optimization (Schulman et al. 2015), as SB3-contrib's `TRPO`: maximise the
 * importance-weighted surrogate E[ρA] (eq. 14) subject to mean KL(π_old ‖ π) ≤ δ, by one
 * natural-gradient step per rollout — conjugate gradient on Fisher-vector products taken as
 * Hessian-vector products of the mean KL through the engine, the step scaled to the trust region,
 * then backtracking until the KL holds and the surrogate improves
 * (policy-gradient/natural-gradient.ts) — followed by epochs of minibatch regression of V(s).
 * Defaults are SB3-contrib's.
 *
 * With `posterior: 'parameter' | 'state'` it is the variational TRPO of Xu (2018) §4 (eq. 9): the
 * surrogate gains α·log|det ∂h_φ/∂ξ|, and the step is taken in φ. The paper leaves H⁻¹ in θ-space
 * while updating φ; we define the Fisher matrix in φ directly: the Hessian in φ of the mean over rows
 * of KL(π_{h_φold(ξ)}(·|s) ‖ π_{h_φ(ξ)}(·|s)), each row with the ξ it was collected with (for the
 * diagonal posterior this is Jᵀ F_θ J with J = ∂θ/∂φ), so the trust region bounds the change of the
 * policies actually sampled.
 *
 * @example
 * const trpo = new TRPO(() => make('Pendulum-v1'), { numEnvs: 2, rolloutSteps: 1024 });
 * await trpo.learn({ totalSteps: 100_000 });
 */
import { Adam, Normal, TracedFunction, mean, noGrad, type Optimizer } from '../engine/index.ts';
import { defineAlgorithm } from './common/algorithm.ts';
import { CONFIG_LIMITS, inRange, integerIn, type ConfigRules } from './common/config.ts';
import type { EnvSource } from './common/env-vector.ts';
import type { Metrics, TrainingProgress } from './common/learner.ts';
import {
  ON_POLICY_CHOICES, ON_POLICY_DEFAULTS, OnPolicyAgent, VARIATIONAL_PRESETS, onPolicyChecks, type OnPolicyConfig,
} from './common/on-policy-agent.ts';
import { explainedVariance, importanceSurrogate } from './policy-gradient/losses.ts';
import { trustRegionStep } from './policy-gradient/natural-gradient.ts';
import type { RolloutBatch } from './common/rollout-buffer.ts';

export interface TRPOConfig extends OnPolicyConfig {
  /** Adam step size of the value network. */
  learningRate: number;
  /** Minibatch size of the value regression. */
  batchSize: number;
  /** Epochs of value regression per rollout. */
  criticUpdates: number;
  /** δ, the trust region's mean KL. */
  targetKl: number;
  /** Conjugate-gradient iterations. */
  cgMaxSteps: number;
  /** λ of F + λI, for a well-conditioned solve. */
  cgDamping: number;
  /** Step fraction kept per backtracking step. */
  lineSearchShrinkingFactor: number;
  lineSearchMaxSteps: number;
  /** Standardise advantages over the rollout. */
  normalizeAdvantages: boolean;
}

/** SB3-contrib TRPO defaults. */
export const TRPO_DEFAULTS: Readonly<TRPOConfig> = Object.freeze({
  ...ON_POLICY_DEFAULTS,
  learningRate: 1e-3,
  batchSize: 128,
  criticUpdates: 10,
  targetKl: 0.01,
  cgMaxSteps: 15,
  cgDamping: 0.1,
  lineSearchShrinkingFactor: 0.8,
  lineSearchMaxSteps: 10,
  normalizeAdvantages: true,
} as TRPOConfig);

export const TRPO_RULES: ConfigRules = {
  choices: ON_POLICY_CHOICES,
  nullable: ['finalPosteriorTemperature'],
  check: (c) =>
    onPolicyChecks(c) ?? inRange(c, 'learningRate', 0, Infinity) ?? integerIn(c, 'batchSize', 1, CONFIG_LIMITS.batchSize)
    ?? integerIn(c, 'criticUpdates', 0, CONFIG_LIMITS.repetitions) ?? inRange(c, 'targetKl', 1e-12, Infinity)
    ?? integerIn(c, 'cgMaxSteps', 1, CONFIG_LIMITS.repetitions) ?? inRange(c, 'cgDamping', 0, Infinity)
    ?? inRange(c, 'lineSearchShrinkingFactor', 1e-6, 1 - 1e-6) ?? integerIn(c, 'lineSearchMaxSteps', 1, 1000)
    ?? ((c.batchSize as number) > (c.numEnvs as number) * (c.rolloutSteps as number)
      ? `'batchSize' ${c.batchSize} exceeds the rollout of numEnvs × rolloutSteps = ${(c.numEnvs as number) * (c.rolloutSteps as number)} transitions` : undefined),
};

export class TRPO extends OnPolicyAgent<TRPOConfig> {
  readonly metricNames = ['surrogate_improvement', 'kl', 'backtracks', 'step_accepted', 'value_loss', 'explained_variance', 'posterior_entropy'] as const;
  readonly valueOptimizer: Adam;

  /** @param env an env (numEnvs 1), a function making envs, or a SAME_STEP vector env. */
  constructor(env: EnvSource, config: Partial<TRPOConfig> = {}) {
    super({ name: 'TRPO', defaults: TRPO_DEFAULTS, rules: TRPO_RULES }, env, config);
    this.valueOptimizer = new Adam(this.value.parameters(), { lr: this.config.learningRate });
  }

  protected trainOnRollout(progress: TrainingProgress): Metrics {
    const c = this.config;
    const alpha = this.temperature(progress);
    const explained = explainedVariance(this.rollout.values, this.rollout.returns);
    const batch = this.rollout.fullBatch({ normalizeAdvantages: c.normalizeAdvantages ? 'rollout' : 'none' });
    const old = noGrad(() => {
      const d = this.policy.distribution(batch);
      return new Normal(d.loc.detach(), d.scale.detach());
    });
    // eq. (14) (+ α log|det ∂h_φ/∂ξ| for the variational posteriors, Xu 2018 eq. 9), maximised in a KL ball.
    const surrogate = () => importanceSurrogate(this.policy.distribution(batch).logProb(batch.actions), batch.oldLogProbs, batch.advantages)
      .add(this.policy.logDetJacobian(batch).mul(alpha));
    const meanKl = () => mean(old.klDivergence(this.policy.distribution(batch)));
    const step = trustRegionStep(this.policy.trainable(), surrogate, meanKl, {
      maxKl: c.targetKl, cgSteps: c.cgMaxSteps, damping: c.cgDamping, shrink: c.lineSearchShrinkingFactor, maxBacktracks: c.lineSearchMaxSteps,
    });
    const posteriorEntropy = noGrad(() => this.policy.logDetJacobian(batch).item());

    // The value function: epochs of minibatch regression on the λ-returns (its own rows: fullBatch's tensors are reused by minibatches).
    let valueLossSum = 0;
    let batches = 0;
    for (let epoch = 0; epoch < c.criticUpdates; epoch++) {
      for (const minibatch of this.rollout.minibatches(c.batchSize, this.streams.minibatch)) {
        this.valueBatch = minibatch;
        valueLossSum += this.valueStep.call(String(minibatch.size)).item();
        batches++;
      }
    }
    return {
      surrogate_improvement: step.improvement, kl: step.kl, backtracks: step.backtracks, step_accepted: step.accepted ? 1 : 0,
      value_loss: batches > 0 ? valueLossSum / batches : 0, posterior_entropy: posteriorEntropy,
      ...(Number.isFinite(explained) ? { explained_variance: explained } : {}),
    };
  }

  /** The minibatch of the value step being traced or replayed. */
  private valueBatch: RolloutBatch | null = null;

  /** One Adam step of V on a minibatch, recorded once per batch size and replayed (engine/trace). */
  readonly valueStep = new TracedFunction('TRPO.valueStep', () => this.valueRegressionStep(this.valueBatch as RolloutBatch, this.valueOptimizer), {
    inputs: () => {
      const b = this.valueBatch as RolloutBatch;
      return [b.observations, b.returns, b.oldValues, ...this.valueOptimizer.params];
    },
  });

  checkpointOptimizers(): Readonly<Record<string, Optimizer>> {
    return { value: this.valueOptimizer };
  }

  describe(): string {
    const c = this.config;
    return `${c.posterior === 'point' ? '' : `posterior ${c.posterior} α ${c.posteriorTemperature} `}δ ${c.targetKl} cg ${c.cgMaxSteps} damping ${c.cgDamping} ` +
      `envs ${c.numEnvs}×${c.rolloutSteps} γ ${c.gamma} λ ${c.gaeLambda} value lr ${c.learningRate} net ${c.hiddenSizes.join('×')}`;
  }
}

export const TRPO_ALGORITHM = defineAlgorithm<TRPOConfig, TRPO>({
  name: 'trpo',
  summary: 'Trust Region Policy Optimization (Schulman et al. 2015); posterior parameter|state gives the variational TRPO of Xu (2018)',
  defaults: TRPO_DEFAULTS,
  rules: TRPO_RULES,
  kind: 'on-policy',
  presets: {
    ...VARIATIONAL_PRESETS,
    // SB3 VecNormalize of observations and rewards, as RL Zoo's trpo.yml MountainCarContinuous-v0 entry (normalize: True, n_envs 2; its gSDE left out).
    normalized: { normalizeObservations: true, normalizeRewards: true, numEnvs: 2 },
  },
  envPresets: {
    'Pendulum-v1': {
      // Zoo trpo.yml (tuned): n_envs 2, n_steps 1024, gamma 0.9, n_critic_updates 15, use_sde True, sde_sample_freq 4.
      config: { numEnvs: 2, rolloutSteps: 1024, gamma: 0.9, criticUpdates: 15 },
      totalSteps: 100_000,
      source: 'rl-baselines3-zoo hyperparams/trpo.yml Pendulum-v1 without gSDE (Zoo benchmark: −174.6 at 100k, with gSDE)',
    },
    'HalfCheetah-v5': {
      // Zoo trpo.yml HalfCheetah-v4 (the PyBullet defaults): normalize, n_envs 2, batch 128, n_steps 1024, gamma 0.99, gae_lambda 0.95,
      // cg_max_steps 25, cg_damping 0.1, n_critic_updates 20, lr 1e-3, target_kl 0.04.
      config: {
        normalizeObservations: true, normalizeRewards: true, numEnvs: 2, batchSize: 128, rolloutSteps: 1024, gamma: 0.99, gaeLambda: 0.95,
        cgMaxSteps: 25, cgDamping: 0.1, criticUpdates: 20, learningRate: 1e-3, targetKl: 0.04,
      },
      totalSteps: 1_000_000,
      source: 'rl-baselines3-zoo hyperparams/trpo.yml HalfCheetah-v4 (Zoo benchmark HalfCheetah-v3: 1785.5 at 1M, one run trained with these settings: rl-trained-agents trpo/HalfCheetah-v3_1 config.yml)',
    },
    'Hopper-v5': {
      // Zoo trpo.yml Hopper-v4: the HalfCheetah settings with the default target_kl 0.01.
      config: {
        normalizeObservations: true, normalizeRewards: true, numEnvs: 2, batchSize: 128, rolloutSteps: 1024, gamma: 0.99, gaeLambda: 0.95,
        cgMaxSteps: 25, cgDamping: 0.1, criticUpdates: 20, learningRate: 1e-3,
      },
      totalSteps: 1_000_000,
      source: 'rl-baselines3-zoo hyperparams/trpo.yml Hopper-v4 (Zoo benchmark Hopper-v3: 3618.4 at 1M, one run trained with these settings)',
    },
  },
  create: (env, config) => new TRPO(env, config),
});
