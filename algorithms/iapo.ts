/**
 * Iterative Amortized Policy Optimization (Marino, Piché, Ialongo & Yue, "Iterative Amortized Policy
 * Optimization", NeurIPS 2021; reference code joelouismarino/variational_rl): SAC with the policy
 * network λ = f_φ(s) replaced by an iterative inference model that starts every state from λ₀ = (μ = 0, σ = 0.5) and refines (μ, log σ) K times with gated
 * updates driven by ∇_λ J, where
 *
 *   J(s; λ) = E_{a∼π_λ}[Q̂(s, a)] − α·KL(π_λ(·|s) ‖ U(−1, 1)^|A|),   Q̂ = mean(Q̄₁, Q̄₂) − β·std(Q̄₁, Q̄₂)  (eq. 8, 13)
 *
 * on the *target* critics. `inference: 'direct'` is the SAC-style baseline of the same code base:
 * same objective, critics, temperature and loop, only λ = f_φ(s) (eq. 10) instead of the iterative
 * model (eq. 11–12), so comparisons are apples to apples.
 *
 * Two presets: the clean default (transition-uniform replay, Polyak targets, inference loss over every
 * state the model ran on) and `reference`, the quirks of joelouismarino/variational_rl (episode-uniform
 * replay, a hard target copy every 200 updates, the loss weighting of its inner backward calls, raw
 * gradient inputs when |A| = 1, 5000 warm-up steps). `reduced` is the cheaper configuration of the study.
 *
 * @example
 * const agent = new IAPO(make('Pendulum-v1'), { ...IAPO_PRESETS.reduced, seed: 1 });
 * await agent.learn({ totalSteps: 10_000, evalEnv: make('Pendulum-v1'), runDir: 'runs/iapo' });
 * agent.predict(obs, { deterministic: true, inferenceIterations: 20 }); // more iterations than trained
 */
import {
  Adam, Generator, Tensor, copyParameters, dynamicScalar, hostCall, mul, noGrad, polyakUpdate, scalar, tanh, zeros, showValue,
} from '../engine/index.ts';
import { TwinCritic, sampledQValues, type ActionValue } from './common/action-value.ts';
import { OffPolicyAgent, deterministicOption } from './common/agent.ts';
import { defineAlgorithm } from './common/algorithm.ts';
import type { AgentParts } from './common/checkpoint.ts';
import { CONFIG_LIMITS, inRange, integerAtLeast, integerIn, layerSizes, offPolicyChecks, optionalInRange, type ConfigRules } from './common/config.ts';
import type { ContinuousEnv } from './common/env.ts';
import type { OffPolicyConfig } from './common/learner.ts';
import { observationTensor } from './common/networks.ts';
import { TensorBatch } from './common/tensor-batch.ts';
import { runTracedUpdate, tracedUpdate } from './common/traced-update.ts';
import { EpisodeReplayBuffer } from './iapo/episode-replay.ts';
import { runInference, type InputNormalization, type ScalarGradientTransform } from './iapo/inference.ts';
import { DirectInference, IterativeInference, referenceReluInit, smallUniformInit, type InferenceModel } from './iapo/networks.ts';
import { FLOAT32_EPSILON, targetKl, type PolicyParams } from './iapo/objective.ts';

export interface IAPOConfig extends OffPolicyConfig {
  /** 'iterative' (IAPO) or 'direct' (λ = f_φ(s), the SAC-style baseline on the same objective). */
  inference: 'iterative' | 'direct';
  /** K: gated refinement steps per state, at acting and at training time (reference: 5). */
  inferenceIterations: number;
  /** K used by `predict` (evaluation) when set; null = inferenceIterations. */
  evaluationIterations: number | null;
  /** N: reparameterised action samples per state for J, its gradient and the KL (reference: 10). */
  actionSamples: number;
  /** Hidden widths of the inference (or direct policy) network, ReLU (reference: 2 × 256). */
  hiddenSizes: number[];
  /** Hidden widths of each Q network, ReLU (reference HEAD: 2 × 256). */
  criticHiddenSizes: number[];
  /** Adam step size of every group: inference model, critics, log α (reference: 3e-4). */
  learningRate: number;
  /** Discount γ per env step. */
  gamma: number;
  /** Polyak rate τ of the target critics. */
  tau: number;
  /**
   * Hard target copy instead of the Polyak step on every update n with n mod interval = 0 (update 0
   * included); 0 = never. The reference's `value_update='hard'` with τ = 5e-3 gives 200.
   */
  hardTargetCopyInterval: number;
  /**
   * β of Q̂ = mean − β·std in the training objective and the critic target; null = the reference's
   * value for the model: 2.5 for iterative (its README's recommendation), 1 for direct (its code default).
   */
  pessimism: number | null;
  /** β while acting in the env and in evaluation (reference: −optimism = 1). */
  actingPessimism: number;
  /** α at the start (reference: log α = 0). */
  initialAlpha: number;
  /** KL target of the α update in nats; null = |A|·(1 + ln 2) (SAC's −|A| entropy target). */
  targetKl: number | null;
  /** Coefficient of 0.01·(Σ max log σ − Σ min log σ) on the learnable log-scale bounds (before the 1/(K·B) scaling). */
  logScaleBoundPenalty: number;
  /** 'transition': uniform over stored transitions; 'episode': uniform episode, then transition (reference). */
  replaySampling: 'transition' | 'episode';
  /**
   * Which terms train φ. 'all': −J(λ_k) for k = 1..K at s and s' alike, averaged over the K·2B terms.
   * 'reference': the reference's accumulation — k = 1..K at s, k = 1..K−1 at s', divided by K·B.
   */
  inferenceLoss: 'all' | 'reference';
  /** Gradient inputs when |A| = 1, where per-example standardisation is undefined: 'signedLog' or raw ('none', reference). */
  scalarGradientTransform: ScalarGradientTransform;
  /**
   * Normalisation of the inference inputs: 'layer' (reference: per-example standardisation across action
   * dimensions, which discards the gradient's scale) or 'signedLog' (λ raw, gradients sign·log(1 + |g|)).
   */
  inputNormalization: InputNormalization;
}

/** The reference configuration of the paper's appendix and joelouismarino/variational_rl, with the clean choices for the quirks. */
export const IAPO_DEFAULTS: Readonly<IAPOConfig> = Object.freeze({
  seed: 0,
  bufferSize: 1_000_000,
  batchSize: 256,
  learningStarts: 5000,
  trainFrequency: 1,
  gradientSteps: 1,
  inference: 'iterative',
  inferenceIterations: 5,
  evaluationIterations: null,
  actionSamples: 10,
  hiddenSizes: [256, 256],
  criticHiddenSizes: [256, 256],
  learningRate: 3e-4,
  gamma: 0.99,
  tau: 0.005,
  hardTargetCopyInterval: 0,
  pessimism: null,
  actingPessimism: 1,
  initialAlpha: 1,
  targetKl: null,
  logScaleBoundPenalty: 0.01,
  replaySampling: 'transition',
  inferenceLoss: 'all',
  scalarGradientTransform: 'signedLog',
  inputNormalization: 'layer',
} as IAPOConfig);

/**
 * Named presets (applied over the defaults, under explicit overrides).
 * - `reference`: the reference code's quirks, for a faithful reproduction.
 * - `reduced`: the configuration of the bench study (identical for direct and iterative): 2 × 64
 *   networks, batch 64, N = 4 samples, K = 5, 1000 warm-up steps. About 1/40 of the reference's
 *   matrix-multiply work per update (see bench/results/iapo-cost.json for measured times).
 */
export const IAPO_PRESETS: Readonly<Record<'reference' | 'reduced', Partial<IAPOConfig>>> = {
  reference: {
    replaySampling: 'episode',
    hardTargetCopyInterval: 200,
    inferenceLoss: 'reference',
    scalarGradientTransform: 'none',
    learningStarts: 5000,
  },
  reduced: {
    batchSize: 64,
    actionSamples: 4,
    hiddenSizes: [64, 64],
    criticHiddenSizes: [64, 64],
    learningStarts: 1000,
  },
};

export const IAPO_RULES: ConfigRules = {
  choices: {
    inference: ['iterative', 'direct'],
    replaySampling: ['transition', 'episode'],
    inferenceLoss: ['all', 'reference'],
    scalarGradientTransform: ['signedLog', 'none'],
    inputNormalization: ['layer', 'signedLog'],
  },
  nullable: ['evaluationIterations', 'targetKl', 'pessimism'],
  check: (c) =>
    offPolicyChecks(c)
    ?? integerIn(c, 'inferenceIterations', 1, CONFIG_LIMITS.repetitions) ?? integerIn(c, 'actionSamples', 1, CONFIG_LIMITS.repetitions)
    ?? integerAtLeast(c, 'hardTargetCopyInterval', 0)
    ?? (c.evaluationIterations === null ? undefined : integerIn(c, 'evaluationIterations', 1, CONFIG_LIMITS.repetitions))
    ?? optionalInRange(c, 'targetKl', 0, Infinity)
    ?? inRange(c, 'gamma', 0, 1) ?? inRange(c, 'tau', 0, 1) ?? inRange(c, 'learningRate', 0, Infinity)
    ?? inRange(c, 'logScaleBoundPenalty', 0, Infinity)
    ?? optionalInRange(c, 'pessimism', 0, Infinity)
    ?? ((c.initialAlpha as number) > 0 ? undefined : `'initialAlpha' must be > 0, got ${c.initialAlpha}`)
    ?? layerSizes(c, 'hiddenSizes') ?? layerSizes(c, 'criticHiddenSizes'),
};

/** Options of `predict` beyond SB3's `deterministic`. */
export interface IAPOPredictOptions {
  deterministic?: boolean;
  /** Run this many inference iterations instead of the configured ones (iterative only). */
  inferenceIterations?: number;
}

export class IAPO extends OffPolicyAgent<IAPOConfig> {
  readonly metricNames = ['critic_loss', 'policy_loss', 'alpha_loss', 'kl', 'inference_improvement'] as const;
  override readonly gaugeNames = ['alpha'] as const;
  /** Inference noise of `predict` (evaluation), separate so evaluating never moves the training streams. */
  readonly evaluationStream: Generator;
  readonly buffer: EpisodeReplayBuffer;

  readonly inference: InferenceModel;
  readonly critic: TwinCritic;
  /** Target critics: the objective's Q̄ and the TD target's. Never receive gradients. */
  readonly criticTarget: TwinCritic;
  /** log α, shape [1]. */
  readonly logAlpha: Tensor;
  readonly targetKl: number;

  private readonly inferenceOptimizer: Adam;
  private readonly criticOptimizer: Adam;
  private readonly alphaOptimizer: Adam;
  /** Rows 0..B−1: s; rows B..2B−1: s' (inference runs once on both); actions [1, B, A]. */
  private readonly batch: TensorBatch;
  /** Per-state weight of the final iteration's inference loss (all ones, or zeros at s' for 'reference'). */
  private readonly finalWeights: Float32Array;

  /**
   * @param env training env with a bounded Box action space.
   * @param config overrides of IAPO_DEFAULTS (spread a preset first: `{ ...IAPO_PRESETS.reduced, seed }`).
   */
  constructor(env: ContinuousEnv, config: Partial<IAPOConfig> = {}) {
    super({ name: 'IAPO', defaults: IAPO_DEFAULTS, rules: IAPO_RULES }, env, config);
    const c = this.config;
    this.evaluationStream = new Generator(c.seed + 2_000_000);
    this.buffer = new EpisodeReplayBuffer({ capacity: c.bufferSize, observationSize: this.observationSize, actionSize: this.actionSize });

    // Critics first: for one seed, the direct and the iterative agent start from the same critics
    // (and, with the same exploration stream, the same warm-up data), which pairs their comparison.
    const init = this.streams.init;
    const sizes = { stateSize: this.observationSize, actionSize: this.actionSize, generator: init };
    const criticOptions = { ...sizes, hiddenSizes: c.criticHiddenSizes, hiddenInit: referenceReluInit, outputInit: smallUniformInit };
    this.critic = new TwinCritic(criticOptions);
    this.criticTarget = new TwinCritic(criticOptions).requiresGrad_(false);
    this.inference = c.inference === 'iterative'
      ? new IterativeInference({ ...sizes, hiddenSizes: c.hiddenSizes })
      : new DirectInference({ ...sizes, hiddenSizes: c.hiddenSizes });
    copyParameters(this.criticTarget, this.critic);
    this.logAlpha = zeros([1]).mutate_((d) => d.fill(Math.log(c.initialAlpha))).requiresGrad_();
    this.targetKl = c.targetKl ?? targetKl(this.actionSize);

    this.inferenceOptimizer = new Adam(this.inference.parameters(), { lr: c.learningRate });
    this.criticOptimizer = new Adam(this.critic.parameters(), { lr: c.learningRate });
    this.alphaOptimizer = new Adam([this.logAlpha], { lr: c.learningRate });

    const B = c.batchSize;
    this.batch = new TensorBatch(B, this.observationSize, this.actionSize, { layout: 'stacked', actionShape: [1, B, this.actionSize] });
    this.finalWeights = new Float32Array(2 * B).fill(1);
    if (c.inferenceLoss === 'reference') this.finalWeights.fill(0, B);
  }

  /** K of the iterative model (1 for the direct one). */
  get iterations(): number {
    return this.inference.kind === 'iterative' ? this.config.inferenceIterations : 1;
  }

  currentAlpha(): number {
    return Math.exp(this.logAlpha.data[0]);
  }

  override gauges(): Record<string, number> {
    return { alpha: this.currentAlpha() };
  }

  override extraStreams(): Readonly<Record<string, Generator>> {
    return { evaluation: this.evaluationStream };
  }

  /** β of the training objective: the configured value, or the reference's for this model (2.5 iterative, 1 direct). */
  get pessimism(): number {
    return this.config.pessimism ?? (this.config.inference === 'direct' ? 1 : 2.5);
  }

  /** Q̂ of the target critics with pessimism β: the value the policy maximises. */
  objectiveValue(pessimism = this.pessimism): ActionValue {
    return this.criticTarget.value(pessimism);
  }

  /**
   * Runs inference (no φ-gradients) on states [B, S] and returns λ_K. Used by acting, evaluation and
   * the analysis; `iterations` overrides K (iterative only).
   */
  infer(observations: Tensor, generator: Generator, options: { iterations?: number; pessimism?: number; actionValue?: ActionValue } = {}): PolicyParams {
    return runInference(this.inference, observations, {
      actionValue: options.actionValue ?? this.objectiveValue(options.pessimism ?? this.config.actingPessimism),
      alpha: this.currentAlpha(),
      samples: this.config.actionSamples,
      iterations: options.iterations ?? this.config.inferenceIterations,
      generator,
      scalarTransform: this.config.scalarGradientTransform,
      inputNormalization: this.config.inputNormalization,
    }).params;
  }

  /**
   * One update of inference model, α, critics and targets (one iteration of the paper's Algorithm 1).
   * The minibatch is drawn here; the arithmetic, the K inference iterations included, is one traced
   * step per target schedule (engine/trace).
   */
  update(): Record<string, number> {
    const c = this.config;
    this.batch.sample((b) => c.replaySampling === 'episode'
      ? this.buffer.sampleEpisodeUniform(this.streams.minibatch, b)
      : this.buffer.sample(this.streams.minibatch, b));
    const n = this.training.updates;
    const hardCopy = c.hardTargetCopyInterval > 0 && n % c.hardTargetCopyInterval === 0;
    return runTracedUpdate(this.trainingStep, hardCopy ? 'copy' : 'polyak');
  }

  private readonly trainingStep = tracedUpdate('IAPO.update', (schedule) => this.gradientStep(schedule), () => this.batch,
    () => [this.inference, this.critic, this.criticTarget, this.logAlpha]);

  /** d(loss)/d(log α) of the temperature step, written by the step and handed to the α optimizer. */
  private readonly alphaGradient = zeros([1]);

  private gradientStep(schedule: string): Record<string, Tensor> {
    const c = this.config;
    const B = c.batchSize;
    const batch = this.batch;
    const states = batch.states as Tensor;
    // α as it stands before this update: float32 inside the objective, float64 in the scalar arithmetic below.
    const alpha = dynamicScalar(() => this.currentAlpha());
    const alpha64 = dynamicScalar(() => this.currentAlpha(), 'float64');
    const K = this.iterations;

    // Inference at s and s' with one-step truncated backprop: ∇_φ Σ_k Σ_b −J(s_b; λ_k) accumulates into φ.
    this.inferenceOptimizer.zeroGrad();
    const { final, objectiveMeans } = runInference(this.inference, states, {
      actionValue: this.objectiveValue(),
      alpha,
      samples: c.actionSamples,
      iterations: K,
      generator: this.streams.update,
      scalarTransform: c.scalarGradientTransform,
      inputNormalization: c.inputNormalization,
      train: { finalWeights: this.finalWeights },
    });
    if (!final) throw new Error('IAPO.update: inference returned no final estimate');
    // Average over iterations and states (misc/optimizer.py divides the group's gradients by K·B),
    // plus the log-scale bound regulariser 0.01·(Σ max − Σ min) at the same scale.
    const scale = 1 / (K * (c.inferenceLoss === 'reference' ? B : 2 * B));
    noGrad(() => {
      for (const p of this.inference.parameters()) if (p.grad) p.grad = mul(p.grad, scale);
      const penalty = c.logScaleBoundPenalty * scale;
      const bounds = this.inference.bounds;
      for (const [p, sign] of [[bounds.max, 1], [bounds.min, -1]] as const) {
        const previous = p.grad?.data ?? null;
        const g = zeros(p.shape);
        const out = g.data;
        hostCall('IAPO.logScaleBoundPenalty', () => {
          for (let i = 0; i < out.length; i++) out[i] = (previous === null ? 0 : previous[i]) + sign * penalty;
        }, { reads: previous === null ? [] : [previous], writes: [out] });
        p.grad = g;
      }
    });
    this.inferenceOptimizer.step();

    // Temperature (SAC's dual step, Haarnoja et al. 2018 eq. 18, written as a KL target): L_α = −α·(KL̂(s) − KL_target), gradient through α = exp(log α).
    const [policyLoss, meanKl, alphaLoss] = [scalar(0, 'float64'), scalar(0, 'float64'), scalar(0, 'float64')];
    const [objective, kl, values] = [final.objective.data, final.kl.data, final.values.data]; // values [N, 2B]: sample 0 of s' rows is the target action's Q̂
    hostCall('IAPO.temperature', () => {
      let loss = 0;
      let klMean = 0;
      for (let b = 0; b < B; b++) {
        loss -= objective[b] / B;
        klMean += kl[b] / B;
      }
      const a = alpha64.data[0];
      policyLoss.data[0] = loss;
      meanKl.data[0] = klMean;
      alphaLoss.data[0] = -a * (klMean - this.targetKl);
      this.alphaGradient.data[0] = -a * (klMean - this.targetKl);
      this.logAlpha.grad = this.alphaGradient;
      this.alphaOptimizer.step();
    }, { reads: [objective, kl, alpha64.data], writes: [policyLoss.data, meanKl.data, alphaLoss.data, this.logAlpha.data] });

    // Critic (the paper's eq. 7 with the pessimistic Q̂ of eq. 13): y = r + γ(1 − d)(Q̂_targ(s', a'₁) − α·KL̂(s')), a'₁ the first of the N samples at s'.
    const y = zeros([1, B]);
    const [targets, rewards, notTerminated] = [y.data, batch.rewards.data, batch.notTerminated.data];
    hostCall('IAPO.criticTarget', () => {
      const a = alpha64.data[0];
      for (let b = 0; b < B; b++) targets[b] = rewards[b] + c.gamma * notTerminated[b] * (values[B + b] - a * kl[B + b]);
    }, { reads: [values, kl, rewards, notTerminated, alpha64.data], writes: [targets] });
    const q1 = sampledQValues(this.critic.q1, batch.observations, batch.actions);
    const q2 = sampledQValues(this.critic.q2, batch.observations, batch.actions);
    const criticLoss = q1.sub(y).square().mean().mul(0.5).add(q2.sub(y).square().mean().mul(0.5));
    this.criticOptimizer.zeroGrad();
    criticLoss.backward();
    this.criticOptimizer.step();

    // Targets: Polyak, or the reference's hard copy every `hardTargetCopyInterval` updates (update 0 included).
    if (schedule === 'copy') copyParameters(this.criticTarget, this.critic);
    else polyakUpdate(this.criticTarget, this.critic, c.tau);

    const losses: Record<string, Tensor> = { critic_loss: criticLoss, policy_loss: policyLoss, alpha_loss: alphaLoss, kl: meanKl };
    if (this.inference.kind === 'iterative') {
      const [first, last, improvement] = [objectiveMeans[0].data, objectiveMeans[objectiveMeans.length - 1].data, scalar(0, 'float64')];
      hostCall('IAPO.improvement', () => {
        improvement.data[0] = last[0] - first[0];
      }, { reads: [first, last], writes: [improvement.data] });
      losses.inference_improvement = improvement;
    }
    return losses;
  }

  /** a = tanh(μ + σ⊙ε) from λ, one sample per row, into `out` (clamped as the reference does). */
  private sampleAction(params: PolicyParams, generator: Generator, out: Float32Array): void {
    const mean = params.mean.data;
    const logScale = params.logScale.data;
    for (let i = 0; i < out.length; i++) {
      const a = Math.tanh(mean[i] + Math.exp(logScale[i]) * generator.normal());
      out[i] = Math.min(Math.max(a, -1 + FLOAT32_EPSILON), 1 - FLOAT32_EPSILON);
    }
  }

  exploreAction(obs: Float32Array, out: Float32Array): void {
    const params = this.infer(observationTensor(obs, this.observationSize, 'IAPO.act'), this.streams.exploration);
    this.sampleAction(params, this.streams.exploration, out);
  }

  /**
   * The action for one observation in the env's units: tanh(μ_K) when deterministic, otherwise a
   * sample. Inference noise comes from the evaluation stream.
   */
  predict(obs: ArrayLike<number>, options?: IAPOPredictOptions): Float32Array {
    const deterministic = deterministicOption(this.algorithm, options);
    const inferenceIterations = options?.inferenceIterations;
    if (inferenceIterations !== undefined && !(Number.isInteger(inferenceIterations) && inferenceIterations >= 0 && inferenceIterations <= CONFIG_LIMITS.repetitions)) {
      throw new RangeError(`IAPO.predict: options.inferenceIterations must be an integer in [0, ${CONFIG_LIMITS.repetitions}], got ${showValue(inferenceIterations)}`);
    }
    const iterations = inferenceIterations ?? this.config.evaluationIterations ?? this.config.inferenceIterations;
    const params = this.infer(observationTensor(obs, this.observationSize, 'IAPO.predict'), this.evaluationStream, { iterations });
    const normalized = new Float32Array(this.actionSize);
    if (deterministic) noGrad(() => normalized.set(tanh(params.mean).data));
    else this.sampleAction(params, this.evaluationStream, normalized);
    return this.scaler.toEnv(normalized, new Float32Array(this.actionSize));
  }

  checkpointParts(): AgentParts {
    return {
      modules: { inference: this.inference, critic: this.critic, criticTarget: this.criticTarget },
      tensors: { logAlpha: this.logAlpha },
      optimizers: { inference: this.inferenceOptimizer, critic: this.criticOptimizer, alpha: this.alphaOptimizer },
      replay: this.buffer,
    };
  }

  describe(): string {
    const c = this.config;
    const model = c.inference === 'iterative' ? `iterative K=${c.inferenceIterations}` : 'direct';
    return `${model} N=${c.actionSamples} β=${this.pessimism} batch ${c.batchSize} net ${c.hiddenSizes.join('×')} ` +
      `critic ${c.criticHiddenSizes.join('×')} lr ${c.learningRate} γ ${c.gamma} τ ${c.tau}` +
      `${c.hardTargetCopyInterval > 0 ? ` hard copy/${c.hardTargetCopyInterval}` : ''} replay ${c.replaySampling}` +
      `${c.inputNormalization !== 'layer' ? ` inputs ${c.inputNormalization}` : ''}`;
  }
}

/** The registry record: CLI name, defaults, rules, named presets, and `varl eval --inference-iterations`. */
export const IAPO_ALGORITHM = defineAlgorithm<IAPOConfig, IAPO>({
  name: 'iapo',
  summary: 'Iterative amortized policy optimization (Marino et al. 2021): iterative or direct inference on one objective',
  defaults: IAPO_DEFAULTS,
  rules: IAPO_RULES,
  presets: {
    reference: IAPO_PRESETS.reference,
    'reference-direct': { ...IAPO_PRESETS.reference, inference: 'direct' },
    reduced: IAPO_PRESETS.reduced,
    'reduced-direct': { ...IAPO_PRESETS.reduced, inference: 'direct' },
  },
  evalFlags: {
    'inference-iterations': {
      description: 'run K inference iterations instead of the trained number',
      min: 1,
      max: CONFIG_LIMITS.repetitions,
      policy: (agent, iterations) => (obs) => agent.predict(obs, { deterministic: true, inferenceIterations: iterations }),
    },
  },
  create: (env, config) => new IAPO(env, config),
});
