/**
 * HMC-SAC: Hamiltonian policy optimization (seed 003 "Markov Chain Monte Carlo Policy Optimization",
 * §3.2, §4, Algorithm 1) on SAC's critic. The squashed Gaussian policy π_θ proposes a₀ and a short
 * learned leapfrog chain (algorithms/mcmc/leapfrog.ts) moves it towards the target
 *   p̄(a, ρ | s) ∝ exp(Q(s, a)/β)·π_θt(a|s)·N(ρ|0, I)                                   (12)
 * The agent acts with, and stores, the chain's end a_K. θ and the chain's parameters h (step sizes ε
 * and the gate networks σ_h, T_h) maximise the ELBO (17) in turn (11), with β tuned by PID (§4.1).
 *
 * Choices the paper leaves open or prints wrongly (algorithms/mcmc/README.md has the full list):
 * - The chain runs in pre-tanh space u (a = tanh u), so a_K never leaves the action box. The KL in (17)
 *   is invariant under the bijection: the tanh Jacobians of q(a_K) and π_θt(a_K) cancel, and (17) and
 *   U use the pre-tanh Gaussian densities N_θ(u₀) and N_θt(u_K).
 * - U(u) = −(Q(s, tanh u)/β + log N_θt(u)) uses β_t (as a constant) rather than the α of (13), so the
 *   chain targets exactly the distribution whose ELBO (17) is maximised.
 * - θ_t, the frozen previous policy, is a copy of the actor refreshed every `priorUpdateInterval` updates:
 *   one policy iteration t of (11) is that many SGD steps (§3.1: "SGD for multiple steps"). Refreshing it
 *   every update would make the KL term of (17) vanish from the gradient (at θ = θ_t the entropy and
 *   cross-entropy gradients cancel up to the chain's displacement): the policy would have no regulariser
 *   and a tanh policy can saturate for good. β is updated at the end of each iteration on the mean D̂ of
 *   its minibatches. Acting uses the current policy as the prior.
 * - (11) alternates one Adam step on θ and then one on h at θ_{t+1} (same noise ξ, ρ₀, a fresh
 *   chain); `chainUpdate: 'joint'` takes one step on both from one pass instead (half the cost).
 * - The critic is SAC's soft twin critic; the next action a' is the chain's end at s' and its
 *   log-density is estimated by ℓ = log N_θ(u₀) − log|det ∂tanh/∂u|(u_K) + ½(‖ρ_K‖² − ‖ρ₀‖²), which is
 *   log q(a_K, ρ_K) − log N(ρ_K), whose mean bounds E[log q(a_K)] from above (a conservative entropy
 *   bonus). α is fixed by default (0.05, the paper's SAC value); with `learnAlpha` it is tuned on the same
 *   ℓ (SAC's eq. 18, H̄ = −|A|). `criticNextAction: 'policy'` uses SAC's a' ~ π_θ and log π_θ instead.
 * - Deterministic actions: the chain from a₀ = μ_θ(s) with ρ₀ = 0.
 *
 * @example
 * const agent = new HMCSAC(make('Pendulum-v1'), { seed: 1, leapfrogSteps: 3 });
 * await agent.learn({ totalSteps: 20_000, evalEnv: make('Pendulum-v1') });
 */
import {
  Adam, Normal, TanhTransform, Tensor, add, copyParameters, div, dynamicScalar, exp, grad, hostCall, max, mean, mul, noGrad, randn, scalar, square,
  sub, sum, tanh, zeros, type Generator, showValue,
} from '../engine/index.ts';
import { OffPolicyAgent, deterministicOption } from './common/agent.ts';
import { policyIteration } from './mcmc/alternation.ts';
import { defineAlgorithm, presetsBuiltOn } from './common/algorithm.ts';
import type { AgentParts } from './common/checkpoint.ts';
import { CONFIG_LIMITS, inRange, integerIn, layerSizes, optionalInRange, type ConfigRules } from './common/config.ts';
import type { ContinuousEnv } from './common/env.ts';
import { TracedActing } from './common/traced-acting.ts';
import { ReplayBuffer } from './common/replay-buffer.ts';
import { TensorBatch } from './common/tensor-batch.ts';
import { runTracedUpdate, tracedUpdate } from './common/traced-update.ts';
import { LeapfrogChain, type PhaseState, type PotentialGradient } from './mcmc/leapfrog.ts';
import { PIDController, pidChecks, pidMetrics, scalarOperand, type LiveScalar, type PIDGains } from './mcmc/pid.ts';
import {
  SOFT_ACTOR_CRITIC_CHOICES, SOFT_ACTOR_CRITIC_DEFAULTS, SoftTwinCritic, Temperature, softActorCriticChecks, type SoftActorCriticConfig,
} from './mcmc/soft-critic.ts';
import { SAC_DEFAULTS, SAC_ENV_PRESETS, SquashedGaussianActor } from './sac.ts';

export interface HMCSACConfig extends SoftActorCriticConfig, PIDGains {
  /** Leapfrog steps K of the chain (the paper: "around 5"). */
  leapfrogSteps: number;
  /** 'gated': the explicit/implicit gradient of eq. (18)–(19); 'explicit': the plain leapfrog (13). */
  chainGradient: 'gated' | 'explicit';
  /** Hidden widths of σ_h and T_h (the paper: two layers of 16). */
  gateHiddenSizes: number[];
  /** Step sizes are ε = maxStepSize·sigmoid(r) per action dimension (HVAE: 0.5). */
  maxStepSize: number;
  /** ε at the start, per dimension, in pre-tanh units. */
  initialStepSize: number;
  /** Adam step size of the chain's parameters h; null = learningRate. */
  chainLearningRate: number | null;
  /** 'alternating': (11), a step on θ then one on h at θ_{t+1}; 'joint': one step on both from one pass. */
  chainUpdate: 'alternating' | 'joint';
  /** Next action of the soft critic target: the chain's end ('chain') or SAC's a' ~ π_θ ('policy'). */
  criticNextAction: 'chain' | 'policy';
  /** Updates per policy iteration t: θ_t is refreshed and β moves at this interval. */
  priorUpdateInterval: number;
  /**
   * Q in the potential U: 'objective' (the one (17) uses, per `actorQReduction`) or 'first' (critic 1
   * only, TD3's choice for its actor: half the chain's cost; the chain then targets exp(Q₁/β)·π_θt while
   * (17) still scores it with the reduction).
   */
  chainCritic: 'objective' | 'first';
  /**
   * η of an entropy bonus η·H[π_θ] added to (17) (on the squashed policy, as SAC's actor has it); 0, the
   * paper's objective, has none of its own: its −β·log π_θ(a₀) is cancelled in the gradient by the
   * cross-entropy to θ_t near θ = θ_t, so nothing in (17) keeps the policy from narrowing. A control for
   * that, not part of the method.
   */
  policyEntropyBonus: number;
}

export const HMC_SAC_DEFAULTS: Readonly<HMCSACConfig> = Object.freeze({
  ...SOFT_ACTOR_CRITIC_DEFAULTS,
  // α only weighs the critic's entropy bonus here: the policy's spread is set by β through (17), so a
  // learned α has nothing to act on and drifts (1 → 7 in 1000 bandit updates). Fixed at the paper's
  // SAC baseline value for non-Humanoid tasks; `learnAlpha: true` tunes it on ℓ as SAC does.
  initialAlpha: 0.05,
  learnAlpha: false,
  leapfrogSteps: 5,
  chainGradient: 'gated',
  gateHiddenSizes: [16, 16],
  maxStepSize: 0.5,
  initialStepSize: 0.05,
  chainLearningRate: null,
  chainUpdate: 'alternating',
  criticNextAction: 'chain',
  priorUpdateInterval: 100,
  chainCritic: 'objective',
  policyEntropyBonus: 0,
  distanceTarget: 0.1,
  proportionalGain: 0,
  integralGain: 1,
  derivativeGain: 0,
  initialBeta: 1,
  // β divides Q in U: far below the scale of Q the chain's force explodes (bandit: β 0.04 gave D̂ ≈ 150
  // nats in one update, and with K_I = 1 a β of 150 that took 1500 updates to decay).
  minimumBeta: 0.1,
  maximumError: null,
} as HMCSACConfig);

export const HMC_SAC_RULES: ConfigRules = {
  choices: { ...SOFT_ACTOR_CRITIC_CHOICES, chainGradient: ['gated', 'explicit'], chainUpdate: ['alternating', 'joint'], criticNextAction: ['chain', 'policy'], chainCritic: ['objective', 'first'] },
  nullable: ['criticLearningRate', 'alphaLearningRate', 'targetEntropy', 'chainLearningRate', 'maximumError'],
  check: (c) =>
    softActorCriticChecks(c)
    ?? integerIn(c, 'leapfrogSteps', 1, CONFIG_LIMITS.repetitions) ?? integerIn(c, 'priorUpdateInterval', 1, CONFIG_LIMITS.bufferSize) ?? layerSizes(c, 'gateHiddenSizes')
    ?? ((c.maxStepSize as number) > 0 ? undefined : `'maxStepSize' must be > 0, got ${showValue(c.maxStepSize)}`)
    ?? ((c.initialStepSize as number) > 0 && (c.initialStepSize as number) < (c.maxStepSize as number)
      ? undefined : `'initialStepSize' must be in (0, maxStepSize = ${showValue(c.maxStepSize)}), got ${showValue(c.initialStepSize)}`)
    ?? inRange(c, 'policyEntropyBonus', 0, Infinity) ?? optionalInRange(c, 'chainLearningRate', 0, Infinity)
    ?? pidChecks(c),
};

/** Mean and log σ of a diagonal Gaussian over pre-tanh actions, each [B, A]. */
export interface GaussianParameters {
  readonly mean: Tensor;
  readonly logStd: Tensor;
}

/**
 * ∇ᵤU for U(u) = −(Q(s, tanh u)/β + log N(u; μ_t, σ_t²)) (eq. (13) in pre-tanh space):
 * −∇ᵤQ(s, tanh u)/β + (u − μ_t)/σ_t². ∇ᵤQ is a recorded `grad`, so the chain is differentiable again.
 * β is a number or a scalar tensor (a traced update's `dynamicScalar`).
 */
export function hmcPotentialGradient(value: (action: Tensor) => Tensor, prior: GaussianParameters, beta: number | Tensor): PotentialGradient {
  const valueGradient = grad((u: Tensor) => sum(value(tanh(u))));
  const precision = exp(mul(prior.logStd, -2));
  return (u) => sub(mul(sub(u, prior.mean), precision), div(valueGradient(u), beta));
}

/** What one pass of the chain needs: states, the policy and the frozen prior, the noise, Q and β. */
export interface HMCPass {
  readonly observations: Tensor;
  /** (μ_θ(s), log σ_θ(s)): recorded when θ is being trained. */
  readonly policy: GaussianParameters;
  /** (μ_θt(s), log σ_θt(s)) of the frozen previous policy (detached). */
  readonly prior: GaussianParameters;
  /** ξ ~ N(0, I) with u₀ = μ_θ + σ_θ⊙ξ, and ρ₀ ~ N(0, I); each [B, A]. */
  readonly baseNoise: Tensor;
  readonly initialMomentum: Tensor;
  /** Q(s, a) for actions [B, A] on the [−1, 1] box, [B]. */
  readonly value: (action: Tensor) => Tensor;
  /** The Q of the potential U, if not `value`. */
  readonly potentialValue?: (action: Tensor) => Tensor;
  /** β, or a function reading the current β (which a traced update re-reads at every replay). */
  readonly beta: LiveScalar;
  readonly steps: number;
  /** η of the optional bonus η·H[π_θ] (`policyEntropyBonus`); absent or 0: (17) as printed. */
  readonly entropyBonus?: number;
}

/** Per-state terms of one pass, each [B] (positions [B, A]). */
export interface HMCResult {
  /** The integrand of (17): Q(s, a_K) − β·log(N_θ(u₀)/N_θt(u_K)) − (β/2)ρ_Kᵀρ_K (− η·log π_θ(tanh u₀) with the bonus). */
  readonly elbo: Tensor;
  /** D̂ per state (§4.1): log(N_θ(u₀)N(ρ₀)/(N_θt(u_K)N(ρ_K))) = log N_θ(u₀) − log N_θt(u_K) + ½(‖ρ_K‖² − ‖ρ₀‖²). */
  readonly distance: Tensor;
  /** D̂'s first part per state: log N_θ(u₀) − log N_θt(u_K), pre-tanh (the rest is the momentum's ½(‖ρ_K‖² − ‖ρ₀‖²)). */
  readonly logRatio: Tensor;
  /** ℓ = log q(a_K, ρ_K) − log N(ρ_K) on the box: the log-density estimate of a_K for α and the critic. */
  readonly logDensity: Tensor;
  readonly action: Tensor;
  /** u₀, the chain's start in pre-tanh space, [B, A]. */
  readonly start: Tensor;
  /** (u_K, ρ_K), the chain's end, each [B, A]. */
  readonly end: PhaseState;
  readonly gates: readonly Tensor[];
}

const squash = new TanhTransform();

/**
 * The mean of scalar tensors, summed as JavaScript numbers into a float64 scalar (a host call, which a
 * traced update repeats at every replay): the same number as averaging their `item()`s.
 */
function meanOfScalars(label: string, values: readonly Tensor[]): Tensor {
  const out = scalar(0, 'float64');
  const [arrays, target] = [values.map((v) => v.data), out.data];
  hostCall(label, () => {
    let total = 0;
    for (const a of arrays) total += a[0];
    target[0] = total / arrays.length;
  }, { reads: arrays, writes: [target] });
  return out;
}

/** log π(a) of a squashed Gaussian at a = tanh u, from the pre-tanh log-density of u, [B]. */
function squashedLogDensity(preTanhLogDensity: Tensor, u: Tensor, a: Tensor): Tensor {
  return sub(preTanhLogDensity, sum(squash.logAbsDetJacobian(u, a), -1));
}

/** u₀ ~ π_θ (reparameterised) and the K steps (14) from (u₀, ρ₀); `onStep` sees each step's (u_k, ρ_k). */
function runChain(chain: LeapfrogChain, pass: HMCPass, onStep?: (step: number, phase: PhaseState) => void) {
  const { policy } = pass;
  const beta = scalarOperand(pass.beta, policy.mean.dtype);
  const start = add(policy.mean, mul(exp(policy.logStd), pass.baseNoise));
  const end = chain.run(pass.observations, { position: start, momentum: pass.initialMomentum },
    hmcPotentialGradient(pass.potentialValue ?? pass.value, pass.prior, beta), pass.steps, onStep);
  return { beta, start, end };
}

/** One pass of the chain and the terms of (17) (exported for the specs). */
export function hmcPass(chain: LeapfrogChain, pass: HMCPass): HMCResult {
  const { policy, prior } = pass;
  const { beta, start, end } = runChain(chain, pass);
  const action = tanh(end.position);
  const logPolicy = Normal.fromLogScale(policy.mean, policy.logStd).logProb(start);              // log π_θ(a₀|s), pre-tanh
  const logPrior = Normal.fromLogScale(prior.mean, prior.logStd).logProb(end.position);          // log π_θt(a_K|s), pre-tanh
  const halfMomentumSquared = mul(sum(square(end.momentum), -1), 0.5);
  const halfInitialSquared = mul(sum(square(pass.initialMomentum), -1), 0.5);
  const logRatio = sub(logPolicy, logPrior);
  // eq. (17): Q(s, a_K) − β log(π_θ(a₀|s)/π_θt(a_K|s)) − (β/2) ρ_Kᵀρ_K
  const paperElbo = sub(sub(pass.value(action), mul(logRatio, beta)), mul(halfMomentumSquared, beta));
  const elbo = pass.entropyBonus ? sub(paperElbo, mul(squashedLogDensity(logPolicy, start, tanh(start)), pass.entropyBonus)) : paperElbo;
  return noGrad(() => ({
    elbo,
    distance: add(logRatio, sub(halfMomentumSquared, halfInitialSquared)).detach(),
    logRatio: logRatio.detach(),
    logDensity: add(squashedLogDensity(logPolicy, end.position, action), sub(halfMomentumSquared, halfInitialSquared)).detach(),
    action: action.detach(),
    start: start.detach(),
    end: { position: end.position.detach(), momentum: end.momentum.detach() },
    gates: end.gates.map((g) => g.detach()),
  }));
}

/**
 * The chain's iterates a₀ … a_K = tanh(u₀) … tanh(u_K) of one pass, each [B, A]; a_K is `hmcPass`'s action.
 * @example const path = noGrad(() => hmcIterates(agent.chain, pass)); // what the page draws
 */
export function hmcIterates(chain: LeapfrogChain, pass: HMCPass): Tensor[] {
  const positions: Tensor[] = [];
  const { start } = runChain(chain, pass, (_step, phase) => positions.push(phase.position));
  return [start, ...positions].map((u) => tanh(u));
}

export class HMCSAC extends OffPolicyAgent<HMCSACConfig> {
  readonly metricNames = [
    'critic_loss', 'actor_loss', 'chain_loss', 'alpha_loss', 'distance', 'distance_max', 'distance_on_target', 'pid_on_target', 'pid_error', 'pid_integral', 'pid_derivative', 'step_size', 'gate', 'policy_log_std',
  ] as const;
  override readonly gaugeNames = ['alpha', 'beta'] as const;
  readonly buffer: ReplayBuffer;

  readonly actor: SquashedGaussianActor;
  /** π_θt: the frozen copy of the actor, the prior of (12) and (17). */
  readonly priorActor: SquashedGaussianActor;
  readonly chain: LeapfrogChain;
  readonly critics: SoftTwinCritic;
  readonly temperature: Temperature;
  readonly pid: PIDController;

  private readonly actorOptimizer: Adam;
  private readonly chainOptimizer: Adam;
  private readonly batch: TensorBatch;

  /** @param config overrides of HMC_SAC_DEFAULTS; unknown keys and bad values throw ConfigError. */
  constructor(env: ContinuousEnv, config: Partial<HMCSACConfig> = {}) {
    super({ name: 'HMC-SAC', defaults: HMC_SAC_DEFAULTS, rules: HMC_SAC_RULES }, env, config);
    const c = this.config;
    this.buffer = new ReplayBuffer({ capacity: c.bufferSize, observationSize: this.observationSize, actionSize: this.actionSize });
    const init = this.streams.init;
    this.actor = new SquashedGaussianActor(this.observationSize, this.actionSize, { ...SAC_DEFAULTS, ...c }, init);
    this.priorActor = new SquashedGaussianActor(this.observationSize, this.actionSize, { ...SAC_DEFAULTS, ...c }, init).requiresGrad_(false);
    copyParameters(this.priorActor, this.actor);
    this.critics = new SoftTwinCritic(this.observationSize, this.actionSize, c, init);
    this.chain = new LeapfrogChain({
      stateSize: this.observationSize, actionSize: this.actionSize, gradient: c.chainGradient, gateHiddenSizes: c.gateHiddenSizes,
      maxStepSize: c.maxStepSize, initialStepSize: c.initialStepSize, generator: init,
    });
    this.temperature = new Temperature(c, c.targetEntropy ?? -this.actionSize);
    this.pid = new PIDController(c);
    this.actorOptimizer = new Adam(this.actor.parameters(), { lr: c.learningRate });
    this.chainOptimizer = new Adam(this.chain.parameters(), { lr: c.chainLearningRate ?? c.learningRate });
    this.batch = new TensorBatch(c.batchSize, this.observationSize, this.actionSize);
  }

  override gauges(): Record<string, number> {
    return { alpha: this.temperature.alpha, beta: this.pid.beta };
  }

  private policyParameters(obs: Tensor): GaussianParameters {
    return this.actor.forward(obs, this.config);
  }

  /**
   * One pass of the chain and the terms of (17) as the update and acting run it, from fresh noise drawn
   * from `generator` (base, then momentum) unless `noise` is given; the prior defaults to the policy itself
   * (detached), as at the start of a policy iteration.
   */
  chainPass(obs: Tensor, policy: GaussianParameters, generator: Generator, prior?: GaussianParameters, noise?: { base: Tensor; momentum: Tensor }): HMCResult {
    const shape = policy.mean.shape;
    const c = this.config;
    return hmcPass(this.chain, {
      observations: obs,
      policy,
      prior: prior ?? { mean: policy.mean.detach(), logStd: policy.logStd.detach() },
      baseNoise: noise?.base ?? randn(shape, { generator }),
      initialMomentum: noise?.momentum ?? randn(shape, { generator }),
      value: (a) => this.critics.value(obs, a, c.actorQReduction),
      ...(c.chainCritic === 'first' ? { potentialValue: (a: Tensor) => this.critics.critic1.forward(obs, a) } : {}),
      beta: () => this.pid.beta,
      steps: c.leapfrogSteps,
      entropyBonus: c.policyEntropyBonus,
    });
  }

  /**
   * One update in the order of Algorithm 1: critic (line 8), then θ and h on (17) (lines 9–10, alternating
   * as (11)), α, β, targets. The gradient steps are one traced step (engine/trace), the same at every
   * update; around it run the minibatch draw, the copies of θ_t and of the targets and the PID. Those
   * copies are host work (the same cost traced or not) and their schedules would multiply the step's
   * recordings, each of which holds every buffer of an update.
   */
  update(): Record<string, number> {
    const c = this.config;
    this.batch.sample((b) => this.buffer.sample(this.streams.minibatch, b));
    const update = this.training.updates;
    // θ_t: the frozen copy of the policy, refreshed at the start of each iteration t (the prior in (12) and (17));
    // before the critic step, which neither reads θ_t nor changes θ.
    if (update % c.priorUpdateInterval === 0) copyParameters(this.priorActor, this.actor);
    const losses = runTracedUpdate(this.trainingStep, 'critic+actor+chain');

    // §4.1: D̂ of this minibatch; at the end of the iteration, β_{t+1} from the PID rule on their mean.
    this.pid.record(losses.distance);
    losses.distance_on_target = this.pid.onTarget(losses.distance);
    if ((update + 1) % c.priorUpdateInterval === 0) Object.assign(losses, pidMetrics(this.pid.closeIteration()));
    if ((update + 1) % c.targetUpdateInterval === 0) this.critics.updateTargets(c.tau);
    return losses;
  }

  /** The traced gradient step (one schedule), replayed from its fourth call on (`stats()` says where it stands). */
  readonly trainingStep = tracedUpdate('HMC-SAC.update', () => this.gradientStep(), () => this.batch, () => {
    const q = this.critics;
    return [this.actor, this.priorActor, this.chain, q.critic1, q.critic2, q.critic1Target, q.critic2Target, this.temperature.logAlpha];
  });

  /** Critic, θ, h and α steps on the current minibatch; the losses as scalar tensors. */
  private gradientStep(): Record<string, Tensor> {
    const c = this.config;
    const batch = this.batch;
    const { observations: obs, nextObservations: nextObs } = batch;
    const generator = this.streams.update;
    // α as it stands before this update (β enters each pass as `() => this.pid.beta`).
    const alpha = dynamicScalar(() => this.temperature.alpha);

    // Line 8: the soft critic, with the next action from the chain at s' (or from π_θ).
    const next = noGrad(() => {
      const policy = this.policyParameters(nextObs);
      if (c.criticNextAction === 'chain') {
        const result = this.chainPass(nextObs, policy, generator);
        return { action: result.action, logProb: result.logDensity };
      }
      const base = Normal.fromLogScale(policy.mean, policy.logStd);
      const u = base.rsample(generator);
      const action = tanh(u);
      return { action, logProb: squashedLogDensity(base.logProb(u), u, action) };
    });
    const losses: Record<string, Tensor> = { critic_loss: this.critics.update(batch, next, alpha, c.gamma) };

    // θ_t's (μ, log σ), the prior of (12) and (17).
    const prior = noGrad(() => this.priorActor.forward(obs, c));
    const noise = { base: randn(prior.mean.shape, { generator }), momentum: randn(prior.mean.shape, { generator }) };

    // Lines 9–10, (11): θ_{t+1} = argmax_θ J(θ, h_t), one Adam step on −(17) (second order through the chain);
    // then h_{t+1} = argmax_h J(θ_{t+1}, h): the same noise from the updated policy, gradients into ε, σ_h, T_h.
    const forTheta = this.chainPass(obs, this.policyParameters(obs), generator, prior, noise);
    const steps = policyIteration(mean(forTheta.elbo).neg(), { actor: this.actorOptimizer, chain: this.chainOptimizer }, c.chainUpdate === 'joint', () => {
      const updated = noGrad(() => {
        const p = this.policyParameters(obs);
        return { mean: p.mean.detach(), logStd: p.logStd.detach() };
      });
      return mean(this.chainPass(obs, updated, generator, prior, noise).elbo).neg();
    });
    losses.actor_loss = steps.actorLoss;
    losses.chain_loss = steps.chainLoss;

    // SAC's temperature (eq. 18) on the chain's log-density estimate.
    if (c.learnAlpha) losses.alpha_loss = this.temperature.update(forTheta.logDensity, c.alphaLoss);

    // §4.1: D̂ of this minibatch (the PID is fed after the step, in `update`). Its largest per-state term shows
    // what the mean hides: a few states whose policy ran far from θ_t, whose chains then gain momentum that
    // enters ℓ and the critic's target (bench/results/mcmc-divergence-*.md).
    losses.distance = mean(forTheta.distance);
    losses.distance_max = max(forTheta.distance);
    losses.step_size = noGrad(() => mean(this.chain.stepSizes()));
    losses.policy_log_std = mean(prior.logStd); // θ_t's, the policy at the start of this iteration
    if (forTheta.gates.length > 0) losses.gate = meanOfScalars('HMC-SAC.gate', forTheta.gates.map((g) => mean(g)));
    return losses;
  }

  /**
   * Algorithm 1 lines 3–4, traced: a₀ ~ π_θ(·|s), ρ₀ ~ N(0, I), K leapfrog steps, the action a_K (explore);
   * deterministic: from a₀ = μ_θ(s), ρ₀ = 0.
   */
  readonly acting = new TracedActing('HMC-SAC.act', this.observationSize, (o, kind) => {
    const still = kind === 'deterministic' ? zeros([1, this.actionSize]) : null;
    return this.chainPass(o, this.policyParameters(o), this.streams.exploration, undefined, still ? { base: still, momentum: still } : undefined).action;
  }, () => [this.actor, this.chain, this.critics.critic1, this.critics.critic2]);

  exploreAction(obs: Float32Array, out: Float32Array): void {
    this.acting.act(obs, 'explore', out);
  }

  /** The chain's end in the env's units: from a₀ = μ_θ(s), ρ₀ = 0 when deterministic, else from a sample. */
  predict(obs: ArrayLike<number>, options?: { deterministic?: boolean }): Float32Array {
    const deterministic = deterministicOption(this.algorithm, options);
    const normalized = this.acting.act(obs, deterministic ? 'deterministic' : 'explore', new Float32Array(this.actionSize), `${this.algorithm}.predict`);
    return this.scaler.toEnv(normalized, new Float32Array(this.actionSize));
  }

  checkpointParts(): AgentParts {
    const q = this.critics;
    return {
      modules: { actor: this.actor, priorActor: this.priorActor, chain: this.chain, critic1: q.critic1, critic2: q.critic2, critic1Target: q.critic1Target, critic2Target: q.critic2Target },
      tensors: { logAlpha: this.temperature.logAlpha, pid: this.pid.state },
      optimizers: { actor: this.actorOptimizer, chain: this.chainOptimizer, critic: q.optimizer, alpha: this.temperature.optimizer },
      replay: this.buffer,
    };
  }

  describe(): string {
    const c = this.config;
    return `lr ${c.learningRate} batch ${c.batchSize} γ ${c.gamma} τ ${c.tau} net ${c.hiddenSizes.join('×')} learningStarts ${c.learningStarts} K ${c.leapfrogSteps} ` +
      `${c.chainGradient} ${c.chainUpdate} iteration ${c.priorUpdateInterval} ε₀ ${c.initialStepSize} D̂* ${c.distanceTarget} PID ${c.proportionalGain}/${c.integralGain}/${c.derivativeGain} ` +
      `β₀ ${c.initialBeta} β_min ${c.minimumBeta}${c.maximumError != null ? ` Δ_max ${c.maximumError}` : ''} α ${c.learnAlpha ? 'auto' : c.initialAlpha} critic's a′ ${c.criticNextAction} U's Q ${c.chainCritic}` +
      `${c.policyEntropyBonus > 0 ? ` entropy bonus ${c.policyEntropyBonus}` : ''}`;
  }
}

/** The registry record: CLI name, defaults, rules and presets. */
export const HMC_SAC_ALGORITHM = defineAlgorithm<HMCSACConfig, HMCSAC>({
  name: 'hmc-sac',
  summary: 'HMC policy optimization (seed 003, Algorithm 1): SAC whose action is refined by K learned, gated leapfrog steps; PID-tuned β',
  defaults: HMC_SAC_DEFAULTS,
  rules: HMC_SAC_RULES,
  presets: {
    'explicit-gradient': { chainGradient: 'explicit' },
    'joint-update': { chainUpdate: 'joint' },
    'fast': { chainUpdate: 'joint', chainCritic: 'first' },
    // Not the paper's (17): η·H[π_θ] keeps the policy from narrowing, which slows HMC-SAC on Pendulum-v1 and
    // stalls it on CartPoleSwingup-v0 (algorithms/mcmc/README.md, "The study").
    'entropy-bonus': { policyEntropyBonus: 0.05 },
  },
  envPresets: presetsBuiltOn<HMCSACConfig>('SAC', SAC_ENV_PRESETS), // the chain's settings are the defaults
  create: (env, config) => new HMCSAC(env, config),
});
