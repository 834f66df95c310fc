/**
 * Proximal Policy Optimization (Schulman et al. 2017, "Proximal Policy Optimization Algorithms"),
 * as SB3's `PPO` for Box actions: a Gaussian policy with a state-independent log σ, a separate value
 * network, one Adam over both, epochs of shuffled minibatches over each rollout, and the clipped
 * surrogate (eq. 7) + value loss − entropy bonus (eq. 9). Defaults are SB3's.
 *
 * With `posterior: 'parameter' | 'state'` it is the variational PPO of Xu (2018) (seed 004): the same
 * surrogate, now a function of φ through θ = h_φ(ξ) with the ξ each row was collected with, plus
 * α·log|det ∂h_φ/∂ξ| (the entropy of q_φ, eq. 1). The paper prints its PPO variant with a KL penalty and
 * Q in place of the advantage; we keep PPO's clipping (the penalty form is the clipped one's
 * ancestor in Schulman et al. 2017 §4) and use the advantage, as the checklist notes.
 *
 * @example
 * const ppo = new PPO(() => make('Pendulum-v1'), { numEnvs: 4, rolloutSteps: 1024, gamma: 0.9, learningRate: 1e-3 });
 * await ppo.learn({ totalSteps: 100_000, evalEnv: make('Pendulum-v1') });
 */
import { Adam, TracedFunction, clipGradNorm, dynamicScalar, mean, noGrad, type Optimizer, type Tensor } from '../engine/index.ts';
import { defineAlgorithm } from './common/algorithm.ts';
import { CONFIG_LIMITS, inRange, integerIn, optionalInRange, type ConfigRules } from './common/config.ts';
import type { EnvSource } from './common/env-vector.ts';
import type { Metrics, TrainingProgress } from './common/learner.ts';
import {
  ON_POLICY_CHOICES, ON_POLICY_DEFAULTS, OnPolicyAgent, VARIATIONAL_PRESETS, onPolicyChecks, type OnPolicyConfig,
} from './common/on-policy-agent.ts';
import type { RolloutBatch } from './common/rollout-buffer.ts';
import {
  approximateKl, clipFraction, clippedSurrogateLoss, explainedVariance, valueLoss,
} from './policy-gradient/losses.ts';

export interface PPOConfig extends OnPolicyConfig {
  /** Adam step size (policy and value share one optimiser, as SB3). */
  learningRate: number;
  /** 'linear' anneals the step size to 0 over the `learn` call (SB3's `lin_` schedules). */
  learningRateSchedule: 'constant' | 'linear';
  /** Minibatch size. */
  batchSize: number;
  /** Passes over each rollout. */
  epochs: number;
  /** ε of the clipped surrogate. */
  clipRange: number;
  /** Clip of V − V_old in the value loss; null: no clipping. */
  valueClipRange: number | null;
  entropyCoefficient: number;
  valueCoefficient: number;
  /** Global gradient-norm clip; null: none. */
  maxGradNorm: number | null;
  /** Stop the epochs of an iteration once the approximate KL exceeds 1.5 × this; null: never. */
  targetKl: number | null;
  /** Standardise advantages per minibatch. */
  normalizeAdvantages: boolean;
}

/** SB3's PPO defaults (and its MlpPolicy: 64×64 tanh, orthogonal init, log σ 0). */
export const PPO_DEFAULTS: Readonly<PPOConfig> = Object.freeze({
  ...ON_POLICY_DEFAULTS,
  learningRate: 3e-4,
  learningRateSchedule: 'constant',
  batchSize: 64,
  epochs: 10,
  clipRange: 0.2,
  valueClipRange: null,
  entropyCoefficient: 0,
  valueCoefficient: 0.5,
  maxGradNorm: 0.5,
  targetKl: null,
  normalizeAdvantages: true,
} as PPOConfig);

export const PPO_RULES: ConfigRules = {
  choices: { ...ON_POLICY_CHOICES, learningRateSchedule: ['constant', 'linear'] },
  nullable: ['valueClipRange', 'maxGradNorm', 'targetKl', 'finalPosteriorTemperature'],
  check: (c) =>
    onPolicyChecks(c) ?? inRange(c, 'learningRate', 0, Infinity) ?? integerIn(c, 'batchSize', 1, CONFIG_LIMITS.batchSize)
    ?? integerIn(c, 'epochs', 1, CONFIG_LIMITS.repetitions) ?? inRange(c, 'clipRange', 0, Infinity)
    ?? optionalInRange(c, 'valueClipRange', 0, Infinity)
    ?? inRange(c, 'entropyCoefficient', -Infinity, Infinity) ?? inRange(c, 'valueCoefficient', 0, Infinity)
    ?? optionalInRange(c, 'maxGradNorm', 1e-12, Infinity) ?? optionalInRange(c, 'targetKl', 1e-12, Infinity)
    ?? ((c.batchSize as number) > (c.numEnvs as number) * (c.rolloutSteps as number)
      ? `'batchSize' ${c.batchSize} exceeds the rollout of numEnvs × rolloutSteps = ${(c.numEnvs as number) * (c.rolloutSteps as number)} transitions` : undefined),
};

/** The terms of one minibatch's loss, as tensors. */
interface MinibatchTerms {
  readonly loss: Tensor;
  readonly policyLoss: Tensor;
  readonly valueLoss: Tensor;
  readonly entropy: Tensor;
  readonly logDet: Tensor;
  readonly logProbs: Tensor;
  readonly ratio: Tensor;
}

export class PPO extends OnPolicyAgent<PPOConfig> {
  readonly metricNames = [
    'policy_loss', 'value_loss', 'entropy', 'approx_kl', 'clip_fraction', 'explained_variance', 'epochs_run', 'learning_rate', 'posterior_entropy',
  ] as const;
  readonly optimizer: Adam;

  /** @param env an env (numEnvs 1), a function making envs, or a SAME_STEP vector env. */
  constructor(env: EnvSource, config: Partial<PPOConfig> = {}) {
    super({ name: 'PPO', defaults: PPO_DEFAULTS, rules: PPO_RULES }, env, config);
    this.optimizer = new Adam([...this.policy.trainable(), ...this.value.parameters()], { lr: this.config.learningRate, eps: 1e-5 });
  }

  protected trainOnRollout(progress: TrainingProgress): Metrics {
    const c = this.config;
    const remaining = 1 - Math.min(1, progress.step / Math.max(1, progress.totalSteps));
    this.optimizer.lr = c.learningRateSchedule === 'linear' ? c.learningRate * remaining : c.learningRate;
    this.alpha = this.temperature(progress);
    // The target-KL test reads the KL before the step, which a replayed step cannot stop at, and the
    // variational posteriors read each row's stored noise by its rollout index on the host: those
    // steps run eagerly.
    const traced = c.targetKl === null && c.posterior === 'point';
    const sums = { policy: 0, value: 0, entropy: 0, kl: 0, clip: 0, posterior: 0, batches: 0 };
    let epochsRun = 0;
    let stop = false;
    for (let epoch = 0; epoch < c.epochs && !stop; epoch++) {
      epochsRun++;
      for (const batch of this.rollout.minibatches(c.batchSize, this.streams.minibatch, { normalizeAdvantages: c.normalizeAdvantages ? 'minibatch' : 'none' })) {
        let terms: MinibatchTerms;
        if (traced) {
          this.batch = batch;
          terms = this.trainingStep.call(String(batch.size));
        } else {
          terms = this.minibatchTerms(batch, this.alpha);
          if (c.targetKl !== null && approximateKl(terms.logProbs, batch.oldLogProbs) > 1.5 * c.targetKl) {
            stop = true; // SB3: checked before the step that would overshoot
            break;
          }
          this.gradientStep(terms.loss);
        }
        noGrad(() => {
          sums.policy += terms.policyLoss.item();
          sums.value += terms.valueLoss.item();
          sums.entropy += terms.entropy.item();
          sums.posterior += terms.logDet.item();
        });
        sums.kl += approximateKl(terms.logProbs, batch.oldLogProbs);
        sums.clip += clipFraction(terms.ratio, c.clipRange);
        sums.batches++;
      }
    }
    const n = Math.max(1, sums.batches);
    const explained = explainedVariance(this.rollout.values, this.rollout.returns);
    return {
      policy_loss: sums.policy / n, value_loss: sums.value / n, entropy: sums.entropy / n, approx_kl: sums.kl / n, clip_fraction: sums.clip / n,
      ...(Number.isFinite(explained) ? { explained_variance: explained } : {}),
      epochs_run: epochsRun, learning_rate: this.optimizer.lr, posterior_entropy: sums.posterior / n,
    };
  }

  /** The minibatch of the step being traced or replayed, and the temperature α of this rollout. */
  private batch: RolloutBatch | null = null;
  private alpha = 0;

  /** One minibatch step recorded once per batch size and replayed (engine/trace); eager when tracing is off. */
  readonly trainingStep = new TracedFunction('PPO.step', () => {
    const terms = this.minibatchTerms(this.batch as RolloutBatch, dynamicScalar(() => this.alpha));
    this.gradientStep(terms.loss);
    return terms;
  }, {
    inputs: () => {
      const b = this.batch as RolloutBatch;
      return [b.observations, b.actions, b.oldLogProbs, b.advantages, b.returns, b.oldValues, ...this.optimizer.params];
    },
  });

  /** eq. (9): L = −L_CLIP + c₁ L_VF − c₂ H[π]; Xu (2018) eq. (4): − α log|det ∂h_φ/∂ξ| for the variational posteriors. */
  private minibatchTerms(batch: RolloutBatch, alpha: Tensor | number): MinibatchTerms {
    const c = this.config;
    const pi = this.policy.distribution(batch);
    const logProbs = pi.logProb(batch.actions);
    // eq. (7): L_CLIP = E[min(ρA, clip(ρ, 1 ± ε)A)].
    const { loss: policyLoss, ratio } = clippedSurrogateLoss(logProbs, batch.oldLogProbs, batch.advantages, c.clipRange);
    const vLoss = valueLoss(this.values(batch.observations), batch.returns, batch.oldValues, c.valueClipRange);
    const entropy = mean(pi.entropy());
    const logDet = this.policy.logDetJacobian(batch);
    const loss = policyLoss.add(vLoss.mul(c.valueCoefficient)).sub(entropy.mul(c.entropyCoefficient)).sub(logDet.mul(alpha));
    return { loss, policyLoss, valueLoss: vLoss, entropy, logDet, logProbs, ratio };
  }

  private gradientStep(loss: Tensor): void {
    this.optimizer.zeroGrad();
    loss.backward();
    if (this.config.maxGradNorm !== null) clipGradNorm(this.optimizer.params, this.config.maxGradNorm);
    this.optimizer.step();
  }

  checkpointOptimizers(): Readonly<Record<string, Optimizer>> {
    return { policyAndValue: this.optimizer };
  }

  describe(): string {
    const c = this.config;
    return `${c.posterior === 'point' ? '' : `posterior ${c.posterior} α ${c.posteriorTemperature} `}lr ${c.learningRate}${c.learningRateSchedule === 'linear' ? ' (linear)' : ''} ` +
      `envs ${c.numEnvs}×${c.rolloutSteps} batch ${c.batchSize} epochs ${c.epochs} clip ${c.clipRange} γ ${c.gamma} λ ${c.gaeLambda} net ${c.hiddenSizes.join('×')}`;
  }
}

export const PPO_ALGORITHM = defineAlgorithm<PPOConfig, PPO>({
  name: 'ppo',
  summary: 'Proximal Policy Optimization (Schulman et al. 2017); posterior parameter|state gives the variational PPO of Xu (2018)',
  defaults: PPO_DEFAULTS,
  rules: PPO_RULES,
  kind: 'on-policy',
  presets: {
    ...VARIATIONAL_PRESETS,
  },
  envPresets: {
    'Pendulum-v1': {
      // Zoo ppo.yml (tuned): n_envs 4, n_steps 1024, gae_lambda 0.95, gamma 0.9, n_epochs 10, ent 0, lr 1e-3, clip 0.2, use_sde True, sde_sample_freq 4.
      // varl has no gSDE: plain Gaussian exploration with SB3's log σ 0.
      config: { numEnvs: 4, rolloutSteps: 1024, gaeLambda: 0.95, gamma: 0.9, epochs: 10, entropyCoefficient: 0, learningRate: 1e-3, clipRange: 0.2 },
      totalSteps: 100_000,
      source: 'rl-baselines3-zoo hyperparams/ppo.yml Pendulum-v1 without gSDE (Zoo benchmark: −172.2 ± 104.2 at 100k, with gSDE)',
    },
    'HalfCheetah-v5': {
      // Zoo ppo.yml HalfCheetah-v3 (tuned): normalize, n_envs 1, batch 64, n_steps 512, gamma 0.98, lr 2.0633e-5, ent 0.000401762, clip 0.1,
      // n_epochs 20, gae_lambda 0.92, max_grad_norm 0.8, vf_coef 0.58096, log_std_init −2, ortho_init False, ReLU, pi = vf = [256, 256].
      config: {
        normalizeObservations: true, normalizeRewards: true, numEnvs: 1, batchSize: 64, rolloutSteps: 512, gamma: 0.98, learningRate: 2.0633e-5,
        entropyCoefficient: 0.000401762, clipRange: 0.1, epochs: 20, gaeLambda: 0.92, maxGradNorm: 0.8, valueCoefficient: 0.58096,
        initialLogStd: -2, orthogonalInit: false, activation: 'relu', hiddenSizes: [256, 256],
      },
      totalSteps: 1_000_000,
      source: 'rl-baselines3-zoo hyperparams/ppo.yml HalfCheetah-v3 (Zoo benchmark HalfCheetah-v3: 5819.1 ± 663.5 at 1M, one run)',
    },
    'Hopper-v5': {
      // Zoo ppo.yml Hopper-v3 (tuned): normalize, n_envs 1, batch 32, n_steps 512, gamma 0.999, lr 9.80828e-5, ent 0.00229519, clip 0.2,
      // n_epochs 5, gae_lambda 0.99, max_grad_norm 0.7, vf_coef 0.835671, log_std_init −2, ortho_init False, ReLU, pi = vf = [256, 256].
      config: {
        normalizeObservations: true, normalizeRewards: true, numEnvs: 1, batchSize: 32, rolloutSteps: 512, gamma: 0.999, learningRate: 9.80828e-5,
        entropyCoefficient: 0.00229519, clipRange: 0.2, epochs: 5, gaeLambda: 0.99, maxGradNorm: 0.7, valueCoefficient: 0.835671,
        initialLogStd: -2, orthogonalInit: false, activation: 'relu', hiddenSizes: [256, 256],
      },
      totalSteps: 1_000_000,
      // On Hopper-v5 these settings stand: 5/5 seeds end at 953.8 ± 177.8 after 1M steps, the healthy reward of a hopper that
      // does not move, where SB3's defaults with normalization reach 3115.8 ± 735.0 (bench/results/mujoco-study.md).
      source: 'rl-baselines3-zoo hyperparams/ppo.yml Hopper-v3 (Zoo benchmark Hopper-v3: 2410.4 ± 10.0 at 1M, one run; on Hopper-v5 PPO stands with them in 5/5 seeds at 1M: bench/results/mujoco-study.md)',
    },
    'MountainCarContinuous-v0': {
      // Zoo ppo.yml (tuned): normalize, n_envs 1, batch 256 (of a rollout of 8: every minibatch is the whole rollout), n_steps 8, gamma 0.9999, lr 7.77e-5, ent 0.00429, clip 0.1,
      // n_epochs 10, gae_lambda 0.9, max_grad_norm 5, vf_coef 0.19, use_sde, log_std_init −3.29, ortho_init False.
      config: {
        normalizeObservations: true, normalizeRewards: true, numEnvs: 1, batchSize: 8, rolloutSteps: 8, gamma: 0.9999, learningRate: 7.77e-5,
        entropyCoefficient: 0.00429, clipRange: 0.1, epochs: 10, gaeLambda: 0.9, maxGradNorm: 5, valueCoefficient: 0.19, initialLogStd: -3.29, orthogonalInit: false,
      },
      totalSteps: 20_000,
      source: 'rl-baselines3-zoo hyperparams/ppo.yml MountainCarContinuous-v0 without gSDE (Zoo benchmark: 88.3 ± 2.6 at 20k, with gSDE)',
    },
  },
  create: (env, config) => new PPO(env, config),
});
