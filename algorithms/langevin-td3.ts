/**
 * Langevin-TD3: the Langevin-flow deterministic policy of seed 003 ("Markov Chain Monte Carlo Policy
 * Optimization", §3.1, Algorithm 2's deterministic variant) on TD3's critics. The actor's action a₀ is
 * refined by K coupling layers (8)–(9) (algorithms/mcmc/coupling.ts) that ascend the utility
 *   U(s, a) = Q₁(s, a)/β − d(a, π_θt(s))                                                (6)
 * and θ (actor) and h (the layers' step sizes and σ, S, T networks) maximise (10) in turn (11), with β
 * tuned by PID (§4.1) on D̂_LD, the minibatch mean of the distance (10) penalises: d(a_K, π_θt(s)) as printed
 * (`penaltyPrior: 'frozen'`), or by default ('live') the flow's displacement d(a_K, a₀), so that β is the
 * multiplier of what it penalises.
 *
 * Choices the paper leaves open or prints wrongly (algorithms/mcmc/README.md has the full list):
 * - d is the smoothed norm √(‖x − y‖² + δ²) − δ (δ = `distanceSmoothing`): ‖·‖ is not differentiable at
 *   a_K = π_θt(s), which is where the flow starts. It is used in (6), (10) and D̂.
 * - U uses β_t (as a constant) in place of α, so the flow ascends the objective (10) it is trained on.
 * - The flow runs in pre-tanh space: the actor gives z₀ (an MLP without output activation, a₀ = tanh z₀ as
 *   TD3's actor), the layers move z, and a_K = tanh(z_K) stays in the action box; U and d are evaluated on
 *   tanh z.
 * - θ_t is a frozen copy of the actor refreshed every `priorUpdateInterval` updates (one policy iteration
 *   of (11), "SGD for multiple steps", §3.1); β moves at the end of each iteration on the mean D̂ of its
 *   minibatches. Acting uses the current actor as the prior.
 * - TD3's delayed updates: the actor, the flow, β and the targets move every `policyDelay` critic steps;
 *   (11) is one Adam step on θ, then one on h at θ_{t+1} (`chainUpdate: 'joint'`: one step on both).
 * - The critic target's next action is the flow's end from the target actor, plus TD3's clipped smoothing
 *   noise (`criticNextAction: 'actor'`: TD3's own target action); exploration adds TD3's Gaussian noise to
 *   a_K, and the noisy action is stored, as TD3 does.
 *
 * @example
 * const agent = new LangevinTD3(make('Pendulum-v1'), { seed: 1, flowLayers: 4 });
 * await agent.learn({ totalSteps: 20_000, evalEnv: make('Pendulum-v1') });
 */
import { Adam, MLP, Tensor, add, clamp, copyParameters, max, mean, mul, noGrad, polyakUpdate, sub, tanh, showValue } from '../engine/index.ts';
import { OffPolicyAgent, deterministicOption } from './common/agent.ts';
import { policyIteration } from './mcmc/alternation.ts';
import { clippedDoubleQStep, smoothingNoise, type TwinQ } from './common/clipped-double-q.ts';
import { defineAlgorithm, presetsBuiltOn } from './common/algorithm.ts';
import type { AgentParts } from './common/checkpoint.ts';
import { CONFIG_LIMITS, inRange, integerIn, layerSizes, optionalInRange, type ConfigRules } from './common/config.ts';
import type { ContinuousEnv } from './common/env.ts';
import { QNetwork, copyObservation } from './common/networks.ts';
import { TracedActing } from './common/traced-acting.ts';
import { ReplayBuffer } from './common/replay-buffer.ts';
import { TensorBatch } from './common/tensor-batch.ts';
import { runTracedUpdate, tracedUpdate } from './common/traced-update.ts';
import { LangevinFlow, smoothDistance, type Utility } from './mcmc/coupling.ts';
import { PIDController, pidChecks, pidMetrics, reciprocal, scalarOperand, type LiveScalar, type PIDGains } from './mcmc/pid.ts';
import { TD3_DEFAULTS, TD3_ENV_PRESETS, TD3_RULES, type TD3Config } from './td3.ts';

export interface LangevinTD3Config extends TD3Config, PIDGains {
  /** Coupling layers K of the flow (not given by the paper; HMC's K ≈ 5 is used). */
  flowLayers: number;
  /** Hidden widths of each layer's σ, S, T network (not given; as the HMC gate networks). */
  flowHiddenSizes: number[];
  /** ε_k = maxStepSize·sigmoid(r_k) per layer and dimension (pre-tanh units). */
  maxStepSize: number;
  initialStepSize: number;
  /** Initial σ of the deterministic noise term ε·e^σ (the head's bias). */
  initialNoiseLogScale: number;
  /** δ of the smoothed distance d (action-box units). */
  distanceSmoothing: number;
  /** Adam step size of the flow's parameters h; null = learningRate. */
  chainLearningRate: number | null;
  chainUpdate: 'alternating' | 'joint';
  criticNextAction: 'flow' | 'actor';
  /**
   * What the penalty of (10) and D̂ measure a_K from: 'frozen' π_θt(s) (detached, as printed) or 'live' the
   * current actor's a₀ with its gradient through θ (equal to π_θt(s) only at the start of an iteration), so
   * the penalty and D̂ are the flow's displacement a_K − a₀. 'frozen' lets θ move a₀ against the flow's
   * displacement, which the flow then grows: a runaway.
   */
  penaltyPrior: 'live' | 'frozen';
  /** Updates per policy iteration t: θ_t is refreshed and β moves at this interval. */
  priorUpdateInterval: number;
}

export const LANGEVIN_TD3_DEFAULTS: Readonly<LangevinTD3Config> = Object.freeze({
  ...TD3_DEFAULTS,
  hiddenSizes: [...TD3_DEFAULTS.hiddenSizes],
  flowLayers: 5,
  flowHiddenSizes: [16, 16],
  maxStepSize: 0.5,
  initialStepSize: 0.05,
  initialNoiseLogScale: -3,
  distanceSmoothing: 0.01,
  chainLearningRate: null,
  chainUpdate: 'alternating',
  criticNextAction: 'flow',
  penaltyPrior: 'live',
  priorUpdateInterval: 100,
  distanceTarget: 0.1,
  proportionalGain: 0,
  integralGain: 1,
  derivativeGain: 0,
  initialBeta: 1,
  minimumBeta: 1e-3,
  maximumError: null,
} as LangevinTD3Config);

export const LANGEVIN_TD3_RULES: ConfigRules = {
  choices: { chainUpdate: ['alternating', 'joint'], criticNextAction: ['flow', 'actor'], penaltyPrior: ['live', 'frozen'] },
  nullable: ['criticLearningRate', 'chainLearningRate', 'maximumError'],
  check: (c) =>
    TD3_RULES.check?.(c)
    ?? integerIn(c, 'flowLayers', 1, CONFIG_LIMITS.repetitions) ?? integerIn(c, 'priorUpdateInterval', 1, CONFIG_LIMITS.bufferSize) ?? layerSizes(c, 'flowHiddenSizes')
    ?? ((c.maxStepSize as number) > 0 ? undefined : `'maxStepSize' must be > 0, got ${showValue(c.maxStepSize)}`)
    ?? ((c.initialStepSize as number) > 0 && (c.initialStepSize as number) < (c.maxStepSize as number)
      ? undefined : `'initialStepSize' must be in (0, maxStepSize = ${showValue(c.maxStepSize)}), got ${showValue(c.initialStepSize)}`)
    ?? ((c.distanceSmoothing as number) > 0 ? undefined : `'distanceSmoothing' must be > 0, got ${showValue(c.distanceSmoothing)}`)
    ?? optionalInRange(c, 'chainLearningRate', 0, Infinity) ?? inRange(c, 'initialNoiseLogScale', -20, 2)
    ?? pidChecks(c),
};

/** What one pass of the flow needs (exported for the specs). */
export interface LangevinPass {
  readonly observations: Tensor;
  /** z₀ = the actor's pre-tanh output, [B, A]. */
  readonly start: Tensor;
  /** π_θt(s) on the box (detached), [B, A]: the prior of the utility (6). */
  readonly prior: Tensor;
  /** What the penalty of (10) and D̂ measure a_K from: `prior`, or ('live') the current actor's a₀, connected to θ. */
  readonly penaltyReference: Tensor;
  /** Q(s, a) for actions [B, A] on the box, [B]. */
  readonly value: (action: Tensor) => Tensor;
  /** β, or a function reading the current β (which a traced update re-reads at every replay). */
  readonly beta: LiveScalar;
  readonly distanceSmoothing: number;
}

/** (6) in pre-tanh coordinates: U(z) = Q(s, tanh z)/β − d(tanh z, π_θt(s)), the utility the flow ascends. */
export function langevinUtility(pass: LangevinPass): Utility {
  const { prior, distanceSmoothing: delta } = pass;
  const inverseBeta = scalarOperand(reciprocal(pass.beta), pass.start.dtype);
  return (z: Tensor): Tensor => {
    const a = tanh(z);
    return sub(mul(pass.value(a), inverseBeta), smoothDistance(a, prior, delta));
  };
}

/** a_K and the per-state integrand of (10), Q(s, a_K) − β·d(a_K, reference), and d itself ([B, A], [B], [B]). */
export function langevinPass(flow: LangevinFlow, pass: LangevinPass): { action: Tensor; objective: Tensor; distance: Tensor } {
  const delta = pass.distanceSmoothing;
  const beta = scalarOperand(pass.beta, pass.start.dtype);
  const action = tanh(flow.forward(pass.observations, pass.start, langevinUtility(pass))); // (8)
  const distance = smoothDistance(action, pass.penaltyReference, delta);
  return { action, objective: sub(pass.value(action), mul(distance, beta)), distance }; // (10)
}

/**
 * The flow's iterates a₀ … a_K = tanh(z₀) … tanh(z_K) of one pass, each [B, A]; a_K is `langevinPass`'s action.
 * @example const path = noGrad(() => langevinIterates(agent.flow, pass)); // what the page draws
 */
export function langevinIterates(flow: LangevinFlow, pass: LangevinPass): Tensor[] {
  const iterates = [tanh(pass.start)];
  flow.forward(pass.observations, pass.start, langevinUtility(pass), (_layer, x) => iterates.push(tanh(x)));
  return iterates;
}

export class LangevinTD3 extends OffPolicyAgent<LangevinTD3Config> {
  readonly metricNames = [
    'critic_loss', 'actor_loss', 'chain_loss', 'distance', 'distance_max', 'distance_on_target', 'pid_on_target', 'pid_error', 'pid_integral', 'pid_derivative', 'step_size',
  ] as const;
  override readonly gaugeNames = ['beta'] as const;
  readonly buffer: ReplayBuffer;

  /** z(s): pre-tanh actions; a₀ = tanh z is TD3's actor. */
  readonly actor: MLP;
  readonly actorTarget: MLP;
  /** π_θt: the frozen copy of the actor, the prior of (6) and (10). */
  readonly priorActor: MLP;
  readonly flow: LangevinFlow;
  readonly critic1: QNetwork;
  readonly critic2: QNetwork;
  readonly critic1Target: QNetwork;
  readonly critic2Target: QNetwork;
  readonly pid: PIDController;

  private readonly actorOptimizer: Adam;
  private readonly chainOptimizer: Adam;
  private readonly criticOptimizer: Adam;
  private readonly batch: TensorBatch;

  /** @param config overrides of LANGEVIN_TD3_DEFAULTS; unknown keys and bad values throw ConfigError. */
  constructor(env: ContinuousEnv, config: Partial<LangevinTD3Config> = {}) {
    super({ name: 'LANGEVIN-TD3', defaults: LANGEVIN_TD3_DEFAULTS, rules: LANGEVIN_TD3_RULES }, env, config);
    const c = this.config;
    this.buffer = new ReplayBuffer({ capacity: c.bufferSize, observationSize: this.observationSize, actionSize: this.actionSize });
    const init = this.streams.init;
    const actorOptions = { inputSize: this.observationSize, hiddenSizes: c.hiddenSizes, outputSize: this.actionSize, generator: init };
    const q = { observationSize: this.observationSize, actionSize: this.actionSize, hiddenSizes: c.hiddenSizes, generator: init };
    this.actor = new MLP(actorOptions);
    this.critic1 = new QNetwork(q);
    this.critic2 = new QNetwork(q);
    this.actorTarget = new MLP(actorOptions).requiresGrad_(false);
    this.priorActor = new MLP(actorOptions).requiresGrad_(false);
    this.critic1Target = new QNetwork(q).requiresGrad_(false);
    this.critic2Target = new QNetwork(q).requiresGrad_(false);
    copyParameters(this.actorTarget, this.actor);
    copyParameters(this.priorActor, this.actor);
    copyParameters(this.critic1Target, this.critic1);
    copyParameters(this.critic2Target, this.critic2);
    this.flow = new LangevinFlow({
      stateSize: this.observationSize, actionSize: this.actionSize, layers: c.flowLayers, hiddenSizes: c.flowHiddenSizes,
      maxStepSize: c.maxStepSize, initialStepSize: c.initialStepSize, initialNoiseLogScale: c.initialNoiseLogScale, generator: init,
    });
    this.pid = new PIDController(c);
    this.actorOptimizer = new Adam(this.actor.parameters(), { lr: c.learningRate });
    this.chainOptimizer = new Adam(this.flow.parameters(), { lr: c.chainLearningRate ?? c.learningRate });
    this.criticOptimizer = new Adam([...this.critic1.parameters(), ...this.critic2.parameters()], { lr: c.criticLearningRate ?? c.learningRate });
    this.batch = new TensorBatch(c.batchSize, this.observationSize, this.actionSize);
  }

  override gauges(): Record<string, number> {
    return { beta: this.pid.beta };
  }

  /** The flow's end from z₀ with prior tanh(z₀) (detached) unless given; U on critic 1. */
  private pass(obs: Tensor, start: Tensor, prior?: Tensor, penaltyReference?: Tensor): ReturnType<typeof langevinPass> {
    const frozen = prior ?? noGrad(() => tanh(start)).detach();
    return langevinPass(this.flow, {
      observations: obs, start, prior: frozen, penaltyReference: penaltyReference ?? frozen,
      value: (a) => this.critic1.forward(obs, a), beta: () => this.pid.beta, distanceSmoothing: this.config.distanceSmoothing,
    });
  }

  /**
   * One critic step, and every `policyDelay`-th call a step of θ and h on (10) (alternating as (11)), β and
   * the targets. The gradient steps are one traced step (engine/trace) per schedule, with or without the
   * policy step; around it run the minibatch draw, the copy of θ_t (host work either way; as a schedule it
   * would double the step's recordings) and the PID.
   */
  update(): Record<string, number> {
    const c = this.config;
    this.batch.sample((b) => this.buffer.sample(this.streams.minibatch, b));
    const update = this.training.updates;
    // θ_t refreshed at the start of each iteration t; before the critic step, which neither reads θ_t nor changes θ.
    if (update % c.priorUpdateInterval === 0) copyParameters(this.priorActor, this.actor);
    const policyStep = (update + 1) % c.policyDelay === 0;
    const losses = runTracedUpdate(this.trainingStep, policyStep ? 'critic+actor' : 'critic');

    // §4.1: D̂_LD of this minibatch; at the end of the iteration, β_{t+1} from the PID rule on their mean.
    if (policyStep) {
      this.pid.record(losses.distance);
      losses.distance_on_target = this.pid.onTarget(losses.distance);
    }
    if ((update + 1) % c.priorUpdateInterval === 0) Object.assign(losses, pidMetrics(this.pid.closeIteration()));
    return losses;
  }

  /** The traced gradient step, 'critic' or 'critic+actor', each replayed from its fourth call on (`stats()` says where each stands). */
  readonly trainingStep = tracedUpdate('LANGEVIN-TD3.update', (schedule) => this.gradientStep(schedule), () => this.batch,
    () => [this.actor, this.actorTarget, this.priorActor, this.flow, this.critic1, this.critic2, this.critic1Target, this.critic2Target]);

  private twinQ(): TwinQ {
    const { critic1, critic2, critic1Target, critic2Target, criticOptimizer } = this;
    return { critic1, critic2, critic1Target, critic2Target, criticOptimizer };
  }

  private gradientStep(schedule: string): Record<string, Tensor> {
    const c = this.config;
    const { observations: obs, nextObservations: nextObs } = this.batch;

    // TD3's target (eq. 10, 14 of Fujimoto et al.) with the flow's end as the smoothed target action.
    const nextAction = noGrad(() => {
      const noise = smoothingNoise(c.batchSize, this.actionSize, c.targetPolicyNoise, c.targetNoiseClip, this.streams.update);
      const z = this.actorTarget.forward(nextObs);
      const policyAction = c.criticNextAction === 'flow' ? this.pass(nextObs, z).action : tanh(z);
      return clamp(add(policyAction, noise), -1, 1);
    });
    const losses: Record<string, Tensor> = { critic_loss: clippedDoubleQStep(this.twinQ(), this.batch, nextAction, c.gamma) };
    if (schedule === 'critic+actor') this.updatePolicy(obs, losses);
    return losses;
  }

  /** A step of θ and one of h on (10), alternating as (11); the minibatch's D̂ for the PID; the targets. */
  private updatePolicy(obs: Tensor, losses: Record<string, Tensor>): void {
    const c = this.config;
    // π_θt(s): the frozen actor of this policy iteration. The flow's utility (6) sees it as it is; the
    // penalty of (10) and D̂ measure from the current actor's action instead under 'live' (see the header).
    const prior = noGrad(() => tanh(this.priorActor.forward(obs))).detach();

    // (11): θ_{t+1} = argmax_θ J_LD(θ, h_t), one Adam step on −(10), second order through the flow;
    // then h_{t+1} = argmax_h J_LD(θ_{t+1}, h).
    const start = this.actor.forward(obs);
    const forTheta = this.pass(obs, start, prior, c.penaltyPrior === 'live' ? tanh(start) : prior);
    const steps = policyIteration(mean(forTheta.objective).neg(), { actor: this.actorOptimizer, chain: this.chainOptimizer }, c.chainUpdate === 'joint', () => {
      const updated = noGrad(() => this.actor.forward(obs)).detach();
      return mean(this.pass(obs, updated, prior, c.penaltyPrior === 'live' ? noGrad(() => tanh(updated)).detach() : prior).objective).neg();
    });
    losses.actor_loss = steps.actorLoss;
    losses.chain_loss = steps.chainLoss;

    // §4.1: D̂_LD of this minibatch (the penalised distance), for the PID step at the end of the iteration (fed in `update`).
    losses.distance = noGrad(() => mean(forTheta.distance));
    losses.distance_max = noGrad(() => max(forTheta.distance)); // the largest per-state term, which the mean hides
    losses.step_size = noGrad(() => mean(this.flow.stepSizes()));

    polyakUpdate(this.critic1Target, this.critic1, c.tau);
    polyakUpdate(this.critic2Target, this.critic2, c.tau);
    polyakUpdate(this.actorTarget, this.actor, c.tau);
  }

  /** Acting, traced: a_K of the flow from a₀ = μ_θ(s) (exploration noise is added on the host). */
  readonly acting = new TracedActing('Langevin-TD3.act', this.observationSize, (o) => this.pass(o, this.actor.forward(o)).action,
    () => [this.actor, this.flow, this.critic1]);

  /** The flow's deterministic action in [−1, 1]ᴬ. */
  private deterministicAction(obs: ArrayLike<number>, out: Float32Array, context?: string): void {
    this.acting.act(obs, 'deterministic', out, context);
  }

  /** a = clip(a_K + N(0, σ²), −1, 1) with noise from the exploration stream (TD3's exploration on the flow's action). */
  exploreAction(obs: Float32Array, out: Float32Array): void {
    this.deterministicAction(obs, out);
    for (let i = 0; i < out.length; i++) {
      out[i] = Math.min(1, Math.max(-1, out[i] + this.config.explorationNoise * this.streams.exploration.normal()));
    }
  }

  /** a_K in the env's units (with exploration noise when not deterministic). */
  predict(obs: ArrayLike<number>, options?: { deterministic?: boolean }): Float32Array {
    const deterministic = deterministicOption(this.algorithm, options);
    const context = `${this.algorithm}.predict`;
    const normalized = new Float32Array(this.actionSize);
    if (deterministic) {
      this.deterministicAction(obs, normalized, context);
    } else {
      const copy = new Float32Array(this.observationSize);
      copyObservation(obs, this.observationSize, copy, context);
      this.exploreAction(copy, normalized);
    }
    return this.scaler.toEnv(normalized, new Float32Array(this.actionSize));
  }

  checkpointParts(): AgentParts {
    return {
      modules: {
        actor: this.actor, actorTarget: this.actorTarget, priorActor: this.priorActor, flow: this.flow, critic1: this.critic1, critic2: this.critic2,
        critic1Target: this.critic1Target, critic2Target: this.critic2Target,
      },
      tensors: { pid: this.pid.state },
      optimizers: { actor: this.actorOptimizer, chain: this.chainOptimizer, critic: this.criticOptimizer },
      replay: this.buffer,
    };
  }

  describe(): string {
    const c = this.config;
    return `lr ${c.learningRate} batch ${c.batchSize} γ ${c.gamma} τ ${c.tau} net ${c.hiddenSizes.join('×')} learningStarts ${c.learningStarts} K ${c.flowLayers} ` +
      `${c.chainUpdate} iteration ${c.priorUpdateInterval} ε₀ ${c.initialStepSize} δ ${c.distanceSmoothing} D̂* ${c.distanceTarget} PID ${c.proportionalGain}/${c.integralGain}/${c.derivativeGain} ` +
      `β₀ ${c.initialBeta} β_min ${c.minimumBeta}${c.maximumError != null ? ` Δ_max ${c.maximumError}` : ''} penalty ${c.penaltyPrior} critic's a′ ${c.criticNextAction} ` +
      `noise ${c.explorationNoise} smoothing ${c.targetPolicyNoise} clip ${c.targetNoiseClip} delay ${c.policyDelay}`;
  }
}

/** The registry record: CLI name, defaults, rules and presets. */
export const LANGEVIN_TD3_ALGORITHM = defineAlgorithm<LangevinTD3Config, LangevinTD3>({
  name: 'langevin-td3',
  summary: 'Langevin-flow policy optimization (seed 003): TD3 whose action is refined by K Langevin coupling layers; PID-tuned β',
  defaults: LANGEVIN_TD3_DEFAULTS,
  rules: LANGEVIN_TD3_RULES,
  presets: { 'joint-update': { chainUpdate: 'joint' } },
  envPresets: presetsBuiltOn<LangevinTD3Config>('TD3', TD3_ENV_PRESETS), // the flow's settings are the defaults
  create: (env, config) => new LangevinTD3(env, config),
});
