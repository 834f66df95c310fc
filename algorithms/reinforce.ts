/**
 * REINFORCE with a learned value baseline (Williams 1992; Sutton & Barto 2018 §13.4): one policy
 * gradient step per rollout on −E[log π(a|s)·A] (seed 004 eq. 5) with A from GAE(λ) (λ = 1: the
 * Monte-Carlo return minus V(s)), then `valueSteps` full-batch regression steps of the baseline.
 *
 * With `posterior: 'parameter' | 'state'` it is the variational REINFORCE of Xu (2018): the gradient
 * of E_ξ[R(h_φ(ξ))] + α·log|det ∂h_φ/∂ξ| in φ (eq. 4; Example 1 for the diagonal Gaussian), taken by
 * the engine through θ = h_φ(ξ) with the ξ each row was collected with.
 *
 * @example
 * const agent = new REINFORCE(() => make('Pendulum-v1'), { numEnvs: 8, rolloutSteps: 200 });
 * await agent.learn({ totalSteps: 200_000 });
 */
import { Adam, clipGradNorm, mean, noGrad, type Optimizer } from '../engine/index.ts';
import { defineAlgorithm } from './common/algorithm.ts';
import { CONFIG_LIMITS, inRange, integerIn, optionalInRange, type ConfigRules } from './common/config.ts';
import type { EnvSource } from './common/env-vector.ts';
import type { Metrics, TrainingProgress } from './common/learner.ts';
import {
  ON_POLICY_CHOICES, ON_POLICY_DEFAULTS, OnPolicyAgent, VARIATIONAL_PRESETS, onPolicyChecks, type OnPolicyConfig,
} from './common/on-policy-agent.ts';
import { explainedVariance, reinforceLoss } from './policy-gradient/losses.ts';

export interface REINFORCEConfig extends OnPolicyConfig {
  /** Adam step size of the policy. */
  learningRate: number;
  /** Adam step size of the baseline. */
  valueLearningRate: number;
  /** Full-batch baseline regression steps per rollout. */
  valueSteps: number;
  entropyCoefficient: number;
  /** Global gradient-norm clip of the policy step; null: none. */
  maxGradNorm: number | null;
  /** Standardise advantages over the rollout. */
  normalizeAdvantages: boolean;
}

export const REINFORCE_DEFAULTS: Readonly<REINFORCEConfig> = Object.freeze({
  ...ON_POLICY_DEFAULTS,
  numEnvs: 8,
  rolloutSteps: 200,
  gaeLambda: 1,
  learningRate: 1e-3,
  valueLearningRate: 1e-3,
  valueSteps: 20,
  entropyCoefficient: 0,
  maxGradNorm: null,
  normalizeAdvantages: true,
} as REINFORCEConfig);

export const REINFORCE_RULES: ConfigRules = {
  choices: ON_POLICY_CHOICES,
  nullable: ['maxGradNorm', 'finalPosteriorTemperature'],
  check: (c) =>
    onPolicyChecks(c) ?? inRange(c, 'learningRate', 0, Infinity) ?? inRange(c, 'valueLearningRate', 0, Infinity)
    ?? integerIn(c, 'valueSteps', 0, CONFIG_LIMITS.repetitions) ?? inRange(c, 'entropyCoefficient', -Infinity, Infinity)
    ?? optionalInRange(c, 'maxGradNorm', 1e-12, Infinity),
};

export class REINFORCE extends OnPolicyAgent<REINFORCEConfig> {
  readonly metricNames = ['policy_loss', 'value_loss', 'entropy', 'explained_variance', 'posterior_entropy'] as const;
  readonly policyOptimizer: Adam;
  readonly valueOptimizer: Adam;

  /** @param env an env (numEnvs 1), a function making envs, or a SAME_STEP vector env. */
  constructor(env: EnvSource, config: Partial<REINFORCEConfig> = {}) {
    super({ name: 'REINFORCE', defaults: REINFORCE_DEFAULTS, rules: REINFORCE_RULES }, env, config);
    this.policyOptimizer = new Adam(this.policy.trainable(), { lr: this.config.learningRate });
    this.valueOptimizer = new Adam(this.value.parameters(), { lr: this.config.valueLearningRate });
  }

  protected trainOnRollout(progress: TrainingProgress): Metrics {
    const c = this.config;
    const explained = explainedVariance(this.rollout.values, this.rollout.returns);
    const batch = this.rollout.fullBatch({ normalizeAdvantages: c.normalizeAdvantages ? 'rollout' : 'none' });

    // eq. (5) (and eq. (4) for the variational posteriors): ascend E[log π · A] + α log|det ∂h/∂ξ| + c_H H[π].
    const pi = this.policy.distribution(batch);
    const policyLoss = reinforceLoss(pi.logProb(batch.actions), batch.advantages);
    const entropy = mean(pi.entropy());
    const logDet = this.policy.logDetJacobian(batch);
    const loss = policyLoss.sub(logDet.mul(this.temperature(progress))).sub(entropy.mul(c.entropyCoefficient));
    this.policyOptimizer.zeroGrad();
    loss.backward();
    if (c.maxGradNorm !== null) clipGradNorm(this.policyOptimizer.params, c.maxGradNorm);
    this.policyOptimizer.step();

    // The baseline: regress V(s) on the λ-returns.
    const lastValueLoss = this.fitValue(batch, this.valueOptimizer, c.valueSteps);
    return noGrad(() => ({
      policy_loss: policyLoss.item(), value_loss: lastValueLoss, entropy: entropy.item(), posterior_entropy: logDet.item(),
      ...(Number.isFinite(explained) ? { explained_variance: explained } : {}),
    }));
  }

  checkpointOptimizers(): Readonly<Record<string, Optimizer>> {
    return { policy: this.policyOptimizer, value: this.valueOptimizer };
  }

  describe(): string {
    const c = this.config;
    return `${c.posterior === 'point' ? '' : `posterior ${c.posterior} α ${c.posteriorTemperature} `}lr ${c.learningRate} ` +
      `envs ${c.numEnvs}×${c.rolloutSteps} γ ${c.gamma} λ ${c.gaeLambda} value steps ${c.valueSteps} net ${c.hiddenSizes.join('×')}`;
  }
}

export const REINFORCE_ALGORITHM = defineAlgorithm<REINFORCEConfig, REINFORCE>({
  name: 'reinforce',
  summary: 'REINFORCE with a value baseline (Williams 1992); posterior parameter|state gives the variational REINFORCE of Xu (2018)',
  defaults: REINFORCE_DEFAULTS,
  rules: REINFORCE_RULES,
  kind: 'on-policy',
  presets: {
    ...VARIATIONAL_PRESETS,
  },
  create: (env, config) => new REINFORCE(env, config),
});
