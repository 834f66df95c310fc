/**
 * The Gaussian policies of the on-policy family, and the two variational models of their parameters
 * from Xu (2018), "Variational Inference for Policy Gradient" (seed 004):
 *
 * - `GaussianPolicy` ('point'): μ_θ(s) by an MLP, a state-independent log σ (SB3's `MlpPolicy` for
 *   Box actions): the plain REINFORCE / PPO / TRPO policy.
 * - `ParameterPosteriorPolicy` ('parameter', §2, Example 1): θ ~ q_φ = N(μ, diag σ²) over every
 *   weight of a `GaussianPolicy`. Env e acts with its own sample θ_e = μ + σ ⊙ ξ_e, drawn at the start
 *   of each rollout, so each sample has its own rollouts; the gradient reaches (μ, log σ) through the
 *   reparameterisation, which is eq. (4) with Example 1's closed form.
 * - `StateNoisePolicy` ('state', §3.1–3.2): θ = μ_φ(s) + ξ ⊙ σ_φ(s) per state, a = MLP_Ψ(θ, s) + ζ (the
 *   auxiliary network of §3.2; without it, a = θ + ζ as in §3.1). ξ is drawn per step and stored with
 *   the transition, so log π(a | s, θ) is exact at the stored ξ and differentiable in φ and Ψ (eq. 8).
 *
 * Actions live on the [−1, 1] box of the env's action space (algorithms/common/env.ts): samples are
 * unbounded Gaussians, stored as drawn, and clipped to the box only when sent to the env (SB3's
 * clipping of unsquashed actions). σ = 1 on that box is SB3's `log_std_init = 0` measured in half-widths.
 *
 * Every policy answers the same questions, so one loss serves all three (losses.ts):
 * `distribution(rows)` is π(· | s) for stored rows under the current parameters, and `logDetJacobian`
 * is the entropy term log|det ∂h_φ/∂ξ| of eq. (1) (zero for a point policy).
 */
import {
  Generator, MLP, Module, Normal, Tensor, add, broadcastTo, concat, exp, functionalCall, gather, log, mean, mul, noGrad, orthogonal_,
  parametersToVector, randn, reshape, softplus, sum, tensor, vectorToStateDict, zeros, type LinearInit, type StateDict, showValue,
} from '../../engine/index.ts';
import { expectPositiveInteger } from '../common/arguments.ts';

/** Stored rows of a rollout, as a policy needs them to rebuild π(· | s). */
export interface PolicyRows {
  /** [b, obs] */
  readonly observations: Tensor;
  /** Flat indices t·numEnvs + e into the rollout (PolicyNoise rows, env of the row). */
  readonly indices: Uint32Array;
}

export type PosteriorKind = 'point' | 'parameter' | 'state';

export interface PolicyModel extends Module {
  readonly kind: PosteriorKind;
  /** The parameters the policy optimiser updates. */
  trainable(): Tensor[];
  /** Called before each rollout: draws what stays fixed for it (θ_e samples). */
  beginRollout(generator: Generator): void;
  /** Samples actions for the E observations of vector step `t`; returns [E, act] actions and [E] log-probs. */
  act(observations: Tensor, t: number, generator: Generator): { actions: Tensor; logProbs: Tensor };
  /** π(· | s) of stored rows under the current parameters. */
  distribution(rows: PolicyRows): Normal;
  /** The deterministic action (ξ = 0, ζ = 0) for [B, obs] observations. */
  meanAction(observations: Tensor): Tensor;
  /** Actions drawn afresh from the whole model (θ or ξ too), touching no rollout state. */
  sample(observations: Tensor, generator: Generator): Tensor;
  /** log|det ∂h_φ/∂ξ| averaged over rows (eq. 1): Σ log σ (parameter), E_s Σ log σ_φ(s) (state), 0 (point). */
  logDetJacobian(rows: PolicyRows): Tensor;
  /**
   * The mean actions [B, act] of `count` policies drawn from the posterior (θ ~ q_φ, or ξ per state),
   * for inspecting how diverse the sampled policies are; a point policy gives its one mean action.
   */
  sampledPolicies(observations: Tensor, count: number, generator: Generator): Tensor[];
}

export interface PolicyOptions {
  readonly observationSize: number;
  readonly actionSize: number;
  readonly hiddenSizes: readonly number[];
  readonly activation: 'tanh' | 'relu';
  /** Initial log σ of the action noise (SB3 `log_std_init`). */
  readonly initialLogStd: number;
  /** Orthogonal init with SB3's gains (√2 hidden, 0.01 policy head); PyTorch's default otherwise. */
  readonly orthogonalInit: boolean;
  readonly generator: Generator;
}

/**
 * Checks a policy's options for plain-JS callers (the MLPs check widths and activation, but would name
 * themselves rather than the policy); `owner` names the class.
 */
export function checkPolicyOptions(owner: string, options: unknown): asserts options is PolicyOptions {
  if (typeof options !== 'object' || options === null) {
    throw new TypeError(`${owner}: options must be policy options { observationSize, actionSize, hiddenSizes, activation, initialLogStd, orthogonalInit, generator }, got ${showValue(options)}`);
  }
  const o = options as Record<string, unknown>;
  for (const key of ['observationSize', 'actionSize'] as const) {
    expectPositiveInteger(owner, `options.${key}`, o[key]);
  }
  if (!Array.isArray(o.hiddenSizes)) throw new TypeError(`${owner}: options.hiddenSizes must be an array of layer widths, got ${showValue(o.hiddenSizes)}`);
  if (typeof o.initialLogStd !== 'number' || !Number.isFinite(o.initialLogStd)) throw new RangeError(`${owner}: options.initialLogStd must be a finite number, got ${showValue(o.initialLogStd)}`);
  if (!(o.generator instanceof Generator)) throw new TypeError(`${owner}: options.generator must be a Generator, got ${showValue(o.generator)}`);
}

/** Checks a σ argument of a policy constructor: finite and > 0. */
function checkStd(owner: string, what: string, value: unknown): void {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) throw new RangeError(`${owner}: ${what} must be a finite number > 0, got ${showValue(value)}`);
}

/** SB3's `ortho_init`: orthogonal weights with `gain`, zero biases. */
export function orthogonalInit(gain: number): LinearInit {
  return (layer, generator) => {
    orthogonal_(layer.weight, { gain, generator });
    layer.bias?.mutate_((d) => d.fill(0));
  };
}

/** Rows `rows` of a [n, c] tensor, differentiable (gather with a row-repeated index). */
export function selectRows(x: Tensor, rows: ArrayLike<number>): Tensor {
  const columns = x.shape[1];
  const index = new Float32Array(rows.length * columns);
  for (let i = 0; i < rows.length; i++) index.fill(rows[i], i * columns, (i + 1) * columns);
  return gather(x, 0, new Tensor(index, [rows.length, columns]));
}

function meanNetwork(o: PolicyOptions, inputSize: number, outputGain: number): MLP {
  return new MLP({
    inputSize, hiddenSizes: o.hiddenSizes, outputSize: o.actionSize, activation: o.activation, generator: o.generator,
    ...(o.orthogonalInit ? { hiddenInit: orthogonalInit(Math.SQRT2), outputInit: orthogonalInit(outputGain) } : {}),
  });
}

function constantVector(size: number, value: number): Tensor {
  return zeros([size]).mutate_((d) => d.fill(value));
}

/** π_θ(a | s) = N(μ_θ(s), diag σ²) with a state-independent log σ. */
export class GaussianPolicy extends Module implements PolicyModel {
  readonly kind = 'point' as const;
  readonly mean: MLP;

  constructor(options: PolicyOptions) {
    super();
    checkPolicyOptions('GaussianPolicy', options);
    this.mean = this.registerModule('mean', meanNetwork(options, options.observationSize, 0.01));
    this.registerParameter('logStd', constantVector(options.actionSize, options.initialLogStd));
  }

  /** log σ, read through the registry so `functionalCall` can substitute sampled weights. */
  get logStd(): Tensor {
    return this.getParameter('logStd');
  }

  trainable(): Tensor[] {
    return this.parameters();
  }

  beginRollout(): void {}

  forwardDistribution(observations: Tensor): Normal {
    return Normal.fromLogScale(this.mean.forward(observations), this.logStd);
  }

  /** μ_θ(s) [B, act] and log σ broadcast to [B, act]. */
  forwardParameters(observations: Tensor): { mean: Tensor; logStd: Tensor } {
    const mean = this.mean.forward(observations);
    return { mean, logStd: broadcastTo(reshape(this.logStd, [1, mean.shape[1]]), mean.shape) };
  }

  act(observations: Tensor, _t: number, generator: Generator): { actions: Tensor; logProbs: Tensor } {
    const d = this.forwardDistribution(observations);
    const actions = d.sample(generator);
    return { actions, logProbs: d.logProb(actions) };
  }

  distribution(rows: PolicyRows): Normal {
    return this.forwardDistribution(rows.observations);
  }

  meanAction(observations: Tensor): Tensor {
    return this.mean.forward(observations);
  }

  sample(observations: Tensor, generator: Generator): Tensor {
    return this.forwardDistribution(observations).sample(generator);
  }

  logDetJacobian(): Tensor {
    return tensor(0);
  }

  sampledPolicies(observations: Tensor): Tensor[] {
    return [this.meanAction(observations)];
  }
}

/** Row positions of each group (row r in group indices[r] mod groups), and where each row lands when the groups are concatenated. */
export function groupRows(indices: Uint32Array, groups: number): { members: number[][]; inverse: number[] } {
  const members: number[][] = Array.from({ length: groups }, () => []);
  for (let row = 0; row < indices.length; row++) members[indices[row] % groups].push(row);
  const inverse = new Array<number>(indices.length);
  let position = 0;
  for (const rows of members) for (const row of rows) inverse[row] = position++;
  return { members, inverse };
}

/**
 * q_φ(θ) = N(μ, diag σ²) over the flat weights of a `GaussianPolicy` (Xu 2018 §2, Example 1), with
 * σ = softplus(ρ) > 0 (the checklist's "σ > 0 by exp or softplus"; softplus keeps a small σ from
 * vanishing in one step). Env e acts with θ_e = μ + σ ⊙ ξ_e; `samples` = numEnvs.
 */
export class ParameterPosteriorPolicy extends Module implements PolicyModel {
  readonly kind = 'parameter' as const;
  /** The network whose weights are sampled; its own parameters only give shapes and names. */
  readonly network: GaussianPolicy;
  /** μ of q_φ, [P]. */
  readonly weightMean: Tensor;
  /** ρ with σ = softplus(ρ), [P]. */
  readonly weightStdParameter: Tensor;
  /** ξ_e of the current rollout, [samples, P] (checkpointed: a rollout resumes with its samples). */
  readonly noise: Tensor;

  constructor(options: PolicyOptions, readonly samples: number, initialWeightStd: number) {
    super();
    checkPolicyOptions('ParameterPosteriorPolicy', options);
    expectPositiveInteger('ParameterPosteriorPolicy', 'samples', samples);
    checkStd('ParameterPosteriorPolicy', 'initialWeightStd', initialWeightStd);
    this.network = new GaussianPolicy(options).requiresGrad_(false);
    const initial = parametersToVector(this.network.parameters());
    this.weightMean = this.registerParameter('weightMean', new Tensor(Float32Array.from(initial.data), [initial.size]));
    const rho = Math.log(Math.expm1(initialWeightStd)); // softplus⁻¹
    this.weightStdParameter = this.registerParameter('weightStdParameter', constantVector(initial.size, rho));
    this.noise = this.registerBuffer('noise', zeros([samples, initial.size]));
  }

  trainable(): Tensor[] {
    return [this.weightMean, this.weightStdParameter];
  }

  get weightStd(): Tensor {
    return softplus(this.weightStdParameter);
  }

  beginRollout(generator: Generator): void {
    const drawn = randn(this.noise.shape, { generator });
    this.noise.mutate_((d) => d.set(drawn.data));
  }

  /** θ_m = μ + σ ⊙ ξ_m, differentiable in φ. */
  sampleWeights(m: number): Tensor {
    const xi = reshape(selectRows(this.noise, [m]), [this.weightMean.size]);
    return add(this.weightMean, mul(this.weightStd, xi));
  }

  private withWeights<T>(weights: Tensor | StateDict, fn: () => T): T {
    return functionalCall(this.network, weights instanceof Tensor ? vectorToStateDict(weights, this.network) : weights, fn);
  }

  /** The samples' weights for acting, drawn once per rollout (recomputed when φ or ξ changed, e.g. by a restore). */
  private actingWeights(): StateDict[] {
    const key = `${this.weightMean.version}:${this.weightStdParameter.version}:${this.noise.version}`;
    if (this.cacheKey !== key) {
      this.cache = noGrad(() => Array.from({ length: this.samples }, (_, m) => vectorToStateDict(this.sampleWeights(m), this.network)));
      this.cacheKey = key;
    }
    return this.cache;
  }

  private cache: StateDict[] = [];
  private cacheKey = '';

  act(observations: Tensor, _t: number, generator: Generator): { actions: Tensor; logProbs: Tensor } {
    const actions: Tensor[] = [];
    const logProbs: Tensor[] = [];
    const weights = this.actingWeights();
    for (let e = 0; e < this.samples; e++) {
      const obs = selectRows(observations, [e]);
      const d = this.withWeights(weights[e], () => this.network.forwardDistribution(obs));
      const a = d.sample(generator);
      actions.push(a);
      logProbs.push(d.logProb(a));
    }
    return { actions: concat(actions, 0), logProbs: concat(logProbs, 0) };
  }

  distribution(rows: PolicyRows): Normal {
    const { members, inverse } = groupRows(rows.indices, this.samples);
    const means: Tensor[] = [];
    const logStds: Tensor[] = [];
    members.forEach((group, m) => {
      if (group.length === 0) return;
      const obs = selectRows(rows.observations, group);
      const parts = this.withWeights(this.sampleWeights(m), () => this.network.forwardParameters(obs));
      means.push(parts.mean);
      logStds.push(parts.logStd);
    });
    return Normal.fromLogScale(selectRows(concat(means, 0), inverse), selectRows(concat(logStds, 0), inverse));
  }

  meanAction(observations: Tensor): Tensor {
    return this.withWeights(this.weightMean, () => this.network.meanAction(observations));
  }

  sample(observations: Tensor, generator: Generator): Tensor {
    const weights = add(this.weightMean, mul(this.weightStd, randn([this.weightMean.size], { generator })));
    return this.withWeights(weights, () => this.network.forwardDistribution(observations).sample(generator));
  }

  logDetJacobian(): Tensor {
    return sum(log(this.weightStd));
  }

  sampledPolicies(observations: Tensor, count: number, generator: Generator): Tensor[] {
    return Array.from({ length: count }, () => {
      const weights = add(this.weightMean, mul(this.weightStd, randn([this.weightMean.size], { generator })));
      return this.withWeights(weights, () => this.network.meanAction(observations));
    });
  }
}

/**
 * Xu (2018) §3.1–3.2: per state, θ = μ_φ(s) + ξ ⊙ σ_φ(s) with ξ ~ N(0, I), and a = MLP_Ψ([θ, s]) + ζ
 * (§3.2), or a = θ + ζ without the auxiliary network (§3.1). σ_φ(s) = softplus(·) (the paper's
 * sigmoid example caps σ at 1). ζ ~ N(0, diag s²) with a learned state-independent log s, initialised
 * to `initialLogStd` (the paper fixes s = 1; a learned s lets the policy become precise, as PPO's).
 */
export class StateNoisePolicy extends Module implements PolicyModel {
  readonly kind = 'state' as const;
  readonly thetaMean: MLP;
  readonly thetaStd: MLP;
  readonly auxiliary: MLP | null;
  readonly logStd: Tensor;
  /** ξ of every transition of the current rollout, [rolloutSteps · numEnvs, act]. */
  readonly noise: Tensor;
  private readonly actionSize: number;

  constructor(options: PolicyOptions, readonly numEnvs: number, rolloutSteps: number, auxiliary: boolean, initialThetaStd: number) {
    super();
    checkPolicyOptions('StateNoisePolicy', options);
    expectPositiveInteger('StateNoisePolicy', 'numEnvs', numEnvs);
    expectPositiveInteger('StateNoisePolicy', 'rolloutSteps', rolloutSteps);
    if (typeof auxiliary !== 'boolean') throw new TypeError(`StateNoisePolicy: auxiliary must be true or false, got ${showValue(auxiliary)}`);
    checkStd('StateNoisePolicy', 'initialThetaStd', initialThetaStd);
    const a = options.actionSize;
    this.actionSize = a;
    this.thetaMean = this.registerModule('thetaMean', meanNetwork(options, options.observationSize, auxiliary ? 1 : 0.01));
    this.thetaStd = this.registerModule('thetaStd', meanNetwork(options, options.observationSize, 0.01));
    // σ_φ(s) = softplus(net(s) + b₀) with b₀ = softplus⁻¹(initialThetaStd): the last bias starts there.
    const lastBias = this.thetaStd.parameters().at(-1)!;
    lastBias.mutate_((d) => d.fill(Math.log(Math.expm1(initialThetaStd))));
    this.auxiliary = auxiliary
      ? this.registerModule('auxiliary', meanNetwork(options, options.observationSize + a, 0.01))
      : null;
    this.logStd = this.registerParameter('logStd', constantVector(a, options.initialLogStd));
    this.noise = this.registerBuffer('noise', zeros([rolloutSteps * numEnvs, a]));
  }

  trainable(): Tensor[] {
    return this.parameters();
  }

  beginRollout(): void {}

  private actionMean(observations: Tensor, xi: Tensor | null): Tensor {
    const mu = this.thetaMean.forward(observations);
    const theta = xi === null ? mu : add(mu, mul(xi, softplus(this.thetaStd.forward(observations))));
    return this.auxiliary ? this.auxiliary.forward(concat([theta, observations], 1)) : theta;
  }

  act(observations: Tensor, t: number, generator: Generator): { actions: Tensor; logProbs: Tensor } {
    const xi = randn([observations.shape[0], this.actionSize], { generator });
    const start = t * this.numEnvs * this.actionSize;
    this.noise.mutate_((d) => d.set(xi.data, start));
    const d = Normal.fromLogScale(this.actionMean(observations, xi), this.logStd);
    const actions = d.sample(generator);
    return { actions, logProbs: d.logProb(actions) };
  }

  distribution(rows: PolicyRows): Normal {
    const xi = selectRows(this.noise, rows.indices);
    return Normal.fromLogScale(this.actionMean(rows.observations, xi), this.logStd);
  }

  meanAction(observations: Tensor): Tensor {
    return this.actionMean(observations, null);
  }

  sample(observations: Tensor, generator: Generator): Tensor {
    const xi = randn([observations.shape[0], this.actionSize], { generator });
    return Normal.fromLogScale(this.actionMean(observations, xi), this.logStd).sample(generator);
  }

  logDetJacobian(rows: PolicyRows): Tensor {
    return mean(sum(log(softplus(this.thetaStd.forward(rows.observations))), 1));
  }

  sampledPolicies(observations: Tensor, count: number, generator: Generator): Tensor[] {
    return Array.from({ length: count }, () => this.actionMean(observations, randn([observations.shape[0], this.actionSize], { generator })));
  }
}

/** The mean action σ (at μ for the parameter posterior), and the mean weight σ of q_φ where there is one: progress gauges. */
export function policyGauges(policy: PolicyModel): Record<string, number> {
  return noGrad((): Record<string, number> => {
    if (policy instanceof ParameterPosteriorPolicy) {
      const actions = policy.network.logStd.size; // own parameters come first in the flat vector
      let std = 0;
      for (let i = 0; i < actions; i++) std += Math.exp(policy.weightMean.data[i]);
      return { action_std: std / actions, weight_std: mean(policy.weightStd).item() };
    }
    return { action_std: mean(exp((policy as GaussianPolicy | StateNoisePolicy).logStd)).item() };
  });
}
