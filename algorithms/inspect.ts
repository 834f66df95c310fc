/**
 * Why a policy acts as it does at one state: Q(s, ·) over the action box, the policy's density on
 * the same grid, the deterministic action and, for IAPO, the inference iterates λ₀ … λ_K (Marino
 * et al. 2021, Algorithm 1) whose last mean is the action, and for HMC-SAC and Langevin-TD3 the chain's
 * a₀ … a_K from the policy's action to the one applied (seed 003, eq. (14) and (8)). Everything is on the normalised [−1, 1]
 * action box the agents learn on; `low`/`high` map it to the env's units, and the deterministic action and
 * each iterate also come in those units (`deterministicEnv`, `actionEnv`), as the agent's scaler maps them.
 *
 * @example
 * const view = inspectActions(sac, obs, { resolution: 41 });
 * view.values;        // Q(s, a) on the grid (row-major, the first action coordinate fastest)
 * view.deterministic; // tanh(μ(s)) on [−1, 1]
 */
import { Generator, Normal, Tensor, noGrad, showValue, tanh, zeros } from '../engine/index.ts';
import type { Agent } from './common/agent.ts';
import type { ActionValue } from './common/action-value.ts';
import type { ActionScaler } from './common/env.ts';
import { checkObservation, observationTensor } from './common/networks.ts';
import { OnPolicyAgent, type OnPolicyConfig } from './common/on-policy-agent.ts';
import { FlowSAC } from './flow-sac.ts';
import { HMCSAC, hmcIterates } from './hmc-sac.ts';
import { IAPO } from './iapo.ts';
import { runInference } from './iapo/inference.ts';
import type { PolicyParams } from './iapo/objective.ts';
import { LangevinTD3, langevinIterates } from './langevin-td3.ts';
import { GaussianPolicy } from './policy-gradient/policies.ts';
import { SAC } from './sac.ts';
import { TD3 } from './td3.ts';

/**
 * One iterate: IAPO's λ_k = (μ_k, log σ_k) with μ squashed (tanh μ_k), or an MCMC chain's a_k (then
 * `logScale` is empty).
 */
export interface InferenceIterate {
  /** On the normalised box [−1, 1]. */
  readonly action: number[];
  /** The same action in the env's units, as the agent's action scaler maps it. */
  readonly actionEnv: number[];
  readonly logScale: number[];
}

/** An iterate before its env-unit action is added (what each algorithm's inspection builds). */
type NormalisedIterate = Omit<InferenceIterate, 'actionEnv'>;

/**
 * The policy's density on the grid: a tanh-squashed Gaussian (SAC, IAPO), a Gaussian (PPO) or the
 * RealNVP flow of flow-SAC (exact, by change of variables).
 */
export type DensityKind = 'tanh-normal' | 'normal' | 'flow';

/** Who made the iterates: IAPO's inference ('inference', λ_k) or an MCMC chain ('chain', a_k). */
export type IterateKind = 'inference' | 'chain';

export interface ActionInspection {
  readonly algorithm: string;
  /** Grid points per gridded coordinate; the grid has resolution^dims.length points. */
  readonly resolution: number;
  readonly actionSize: number;
  /**
   * The action coordinates the grid spans (one or two). With more action dimensions than these, the grid
   * is a slice through the deterministic action: the other coordinates are held at its values.
   */
  readonly dims: number[];
  /** The grid's coordinates on [−1, 1], the same for every gridded dimension. */
  readonly axis: number[];
  /** The env's action bounds, for labelling. */
  readonly low: number[];
  readonly high: number[];
  /** Q(s, a) on the grid (the first of `dims` fastest), or null when the algorithm has no action value (PPO). */
  readonly values: number[] | null;
  /** Which value `values` holds, e.g. 'min(Q₁, Q₂)'. */
  readonly valueLabel: string;
  /**
   * The policy's density on the normalised box, or null for a deterministic policy (TD3). On a slice it is
   * the joint density along the slice: for the diagonal policies proportional to the gridded pair's marginal.
   */
  readonly density: number[] | null;
  readonly densityKind: DensityKind | null;
  /** The deterministic action on [−1, 1]. */
  readonly deterministic: number[];
  /** The deterministic action in the env's units (what `predict(obs, { deterministic: true })` returns). */
  readonly deterministicEnv: number[];
  /** IAPO: λ₀ … λ_K; HMC-SAC, Langevin-TD3: the chain's a₀ … a_K; empty for other algorithms. */
  readonly iterates: InferenceIterate[];
  /** What `iterates` holds, or null when there are none. */
  readonly iterateKind: IterateKind | null;
}

export interface InspectOptions {
  /** Grid points per gridded coordinate (default 61 for one, 31 for two). */
  resolution?: number;
  /** The action coordinates to grid, one or two distinct indices (default [0] for |A| = 1, else [0, 1]). */
  dims?: readonly number[];
  /** Seed of IAPO's inference noise, so the drawn iterates do not move the agent's own streams (default 0). */
  seed?: number;
}

const LOG_SQRT_TWO_PI = 0.5 * Math.log(2 * Math.PI);

/** Full action vectors on the grid over coordinates `dims` (the first fastest), the others at `anchor`'s values. */
function gridActions(axis: number[], dims: readonly number[], anchor: ArrayLike<number>): Float32Array {
  const actionSize = anchor.length;
  const n = axis.length ** dims.length;
  const out = new Float32Array(n * actionSize);
  for (let i = 0; i < n; i++) {
    out.set(anchor, i * actionSize);
    let rest = i;
    for (const d of dims) {
      out[i * actionSize + d] = axis[rest % axis.length];
      rest = Math.floor(rest / axis.length);
    }
  }
  return out;
}

/** The gridded coordinates: `dims` checked, or the default. */
function gridDims(dims: readonly number[] | undefined, actionSize: number): number[] {
  if (dims === undefined) return actionSize === 1 ? [0] : [0, 1];
  const list = Array.isArray(dims) ? dims : [];
  const ok = list.length >= 1 && list.length <= 2 && list.every((d) => Number.isInteger(d) && d >= 0 && d < actionSize) && new Set(list).size === list.length;
  if (!ok) throw new RangeError(`inspectActions: dims must be one or two distinct action coordinates in [0, ${actionSize - 1}], got ${showValue(dims)}`);
  return [...list];
}

/** Product over dimensions of a Gaussian (or tanh-squashed Gaussian) density at each grid action. */
function densityOnGrid(actions: Float32Array, actionSize: number, mean: ArrayLike<number>, logStd: ArrayLike<number>, kind: DensityKind): number[] {
  const n = actions.length / actionSize;
  const out = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    let logDensity = 0;
    for (let d = 0; d < actionSize; d++) {
      const a = Math.min(Math.max(actions[i * actionSize + d], -1 + 1e-6), 1 - 1e-6);
      const u = kind === 'tanh-normal' ? Math.atanh(a) : a;
      const z = (u - mean[d]) / Math.exp(logStd[d]);
      logDensity += -0.5 * z * z - logStd[d] - LOG_SQRT_TWO_PI;
      if (kind === 'tanh-normal') logDensity -= Math.log(1 - a * a);
    }
    out[i] = Math.exp(logDensity);
  }
  return out;
}

/** Values of `actionValue` at one state for every grid action (sample-major: [N, 1, A] → [N, 1]). */
function sampledValues(actionValue: ActionValue, obs: Tensor, actions: Float32Array, actionSize: number): number[] {
  const n = actions.length / actionSize;
  return noGrad(() => Array.from(actionValue(obs, new Tensor(actions, [n, 1, actionSize])).data));
}

/** Q of one critic network at one state for every grid action (batch layout: [N, S] × [N, A] → [N]). */
function batchValues(forward: (obs: Tensor, action: Tensor) => Tensor, obs: ArrayLike<number>, actions: Float32Array, actionSize: number): number[] {
  const n = actions.length / actionSize;
  const states = new Float32Array(n * obs.length);
  for (let i = 0; i < n; i++) states.set(Array.from(obs), i * obs.length);
  return noGrad(() => Array.from(forward(new Tensor(states, [n, obs.length]), new Tensor(actions, [n, actionSize])).data));
}

function iapoInspection(agent: IAPO, obs: ArrayLike<number>, actions: Float32Array, seed: number) {
  const state = observationTensor(obs, agent.observationSize);
  const actionValue = agent.objectiveValue(agent.config.actingPessimism);
  const iterates: PolicyParams[] = [];
  runInference(agent.inference, state, {
    actionValue,
    alpha: agent.currentAlpha(),
    samples: agent.config.actionSamples,
    iterations: agent.config.evaluationIterations ?? agent.config.inferenceIterations,
    generator: new Generator(seed),
    scalarTransform: agent.config.scalarGradientTransform,
    inputNormalization: agent.config.inputNormalization,
    onEstimate: (_k, params) => iterates.push(params),
  });
  const last = iterates[iterates.length - 1];
  return {
    values: sampledValues(actionValue, state, actions, agent.actionSize),
    valueLabel: `Q̂ = mean − ${agent.config.actingPessimism}·std of the target critics`,
    density: densityOnGrid(actions, agent.actionSize, last.mean.data, last.logScale.data, 'tanh-normal'),
    densityKind: 'tanh-normal' as const,
    deterministic: Array.from(noGrad(() => tanh(last.mean).data)),
    iterates: iterates.map((p) => ({ action: Array.from(p.mean.data, Math.tanh), logScale: Array.from(p.logScale.data) })),
    iterateKind: 'inference' as const,
  };
}

function sacInspection(agent: SAC, obs: ArrayLike<number>, actions: Float32Array) {
  const { mean, logStd } = noGrad(() => agent.actor.forward(observationTensor(obs, agent.observationSize), agent.config));
  const q1 = batchValues((s, a) => agent.critic1.forward(s, a), obs, actions, agent.actionSize);
  const q2 = batchValues((s, a) => agent.critic2.forward(s, a), obs, actions, agent.actionSize);
  const useMin = agent.config.actorQReduction === 'min';
  return {
    values: q1.map((q, i) => (useMin ? Math.min(q, q2[i]) : (q + q2[i]) / 2)),
    valueLabel: useMin ? 'min(Q₁, Q₂)' : '(Q₁ + Q₂)/2',
    density: densityOnGrid(actions, agent.actionSize, mean.data, logStd.data, 'tanh-normal'),
    densityKind: 'tanh-normal' as const,
    deterministic: Array.from(noGrad(() => tanh(mean).data)),
    iterates: [],
    iterateKind: null,
  };
}

function td3Inspection(agent: TD3, obs: ArrayLike<number>, actions: Float32Array) {
  const action = noGrad(() => agent.actor.forward(observationTensor(obs, agent.observationSize)).data);
  return {
    values: batchValues((s, a) => agent.critic1.forward(s, a), obs, actions, agent.actionSize),
    valueLabel: 'Q₁ (the critic TD3’s actor ascends)',
    density: null,
    densityKind: null,
    deterministic: Array.from(action),
    iterates: [],
    iterateKind: null,
  };
}

function onPolicyInspection(agent: OnPolicyAgent<OnPolicyConfig>, obs: ArrayLike<number>, actions: Float32Array) {
  const normalized = agent.normalizer.observations(obs, 1, new Float32Array(agent.observationSize), false);
  const input = new Tensor(normalized, [1, agent.observationSize]);
  const mean = noGrad(() => agent.policy.meanAction(input)).data;
  const policy = agent.policy;
  return {
    values: null,
    valueLabel: `${agent.algorithm} learns V(s), not Q(s, a)`,
    density: policy instanceof GaussianPolicy ? densityOnGrid(actions, agent.actionSize, mean, policy.logStd.data, 'normal') : null,
    densityKind: policy instanceof GaussianPolicy ? ('normal' as const) : null,
    deterministic: Array.from(mean, (a) => Math.min(1, Math.max(-1, a))),
    iterates: [],
    iterateKind: null,
  };
}

const chainPoints = (iterates: readonly Tensor[]): NormalisedIterate[] => iterates.map((a) => ({ action: Array.from(a.data), logScale: [] }));

/** HMC-SAC: the deterministic chain (u₀ = μ_θ(s), ρ₀ = 0, the policy as its own prior) as the agent acts with it. */
function hmcInspection(agent: HMCSAC, obs: ArrayLike<number>, actions: Float32Array) {
  const c = agent.config;
  const state = observationTensor(obs, agent.observationSize);
  const iterates = noGrad(() => {
    const policy = agent.actor.forward(state, c);
    const still = zeros([1, agent.actionSize]);
    return hmcIterates(agent.chain, {
      observations: state,
      policy,
      prior: { mean: policy.mean.detach(), logStd: policy.logStd.detach() },
      baseNoise: still,
      initialMomentum: still,
      value: (a) => agent.critics.value(state, a, c.actorQReduction),
      ...(c.chainCritic === 'first' ? { potentialValue: (a: Tensor) => agent.critics.critic1.forward(state, a) } : {}),
      beta: agent.pid.beta,
      steps: c.leapfrogSteps,
    }).map((a) => a.detach());
  });
  const { mean, logStd } = noGrad(() => agent.actor.forward(state, c));
  const q1 = batchValues((s, a) => agent.critics.critic1.forward(s, a), obs, actions, agent.actionSize);
  const q2 = batchValues((s, a) => agent.critics.critic2.forward(s, a), obs, actions, agent.actionSize);
  const useMin = c.actorQReduction === 'min';
  return {
    values: q1.map((q, i) => (useMin ? Math.min(q, q2[i]) : (q + q2[i]) / 2)),
    valueLabel: useMin ? 'min(Q₁, Q₂)' : '(Q₁ + Q₂)/2',
    // The proposal π_θ(a₀|s); the chain's own density has no closed form.
    density: densityOnGrid(actions, agent.actionSize, mean.data, logStd.data, 'tanh-normal'),
    densityKind: 'tanh-normal' as const,
    deterministic: chainPoints(iterates)[iterates.length - 1].action,
    iterates: chainPoints(iterates),
    iterateKind: 'chain' as const,
  };
}

/** Langevin-TD3: the flow's layers from a₀ = tanh z_θ(s) to a_K, as the agent acts (before exploration noise). */
function langevinInspection(agent: LangevinTD3, obs: ArrayLike<number>, actions: Float32Array) {
  const state = observationTensor(obs, agent.observationSize);
  const iterates = noGrad(() => {
    const start = agent.actor.forward(state);
    const prior = tanh(start).detach();
    return langevinIterates(agent.flow, {
      observations: state, start, prior, penaltyReference: prior,
      value: (a) => agent.critic1.forward(state, a), beta: agent.pid.beta, distanceSmoothing: agent.config.distanceSmoothing,
    }).map((a) => a.detach());
  });
  return {
    values: batchValues((s, a) => agent.critic1.forward(s, a), obs, actions, agent.actionSize),
    valueLabel: 'Q₁ (the critic of the flow’s utility)',
    density: null,
    densityKind: null,
    deterministic: chainPoints(iterates)[iterates.length - 1].action,
    iterates: chainPoints(iterates),
    iterateKind: 'chain' as const,
  };
}

/** Flow-SAC: the flow policy's exact density on the grid (inverting the couplings is as cheap as running them). */
function flowInspection(agent: FlowSAC, obs: ArrayLike<number>, actions: Float32Array) {
  const c = agent.config;
  const n = actions.length / agent.actionSize;
  const states = new Float32Array(n * agent.observationSize);
  for (let i = 0; i < n; i++) states.set(Array.from(obs), i * agent.observationSize);
  const inside = actions.map((a) => Math.min(Math.max(a, -1 + 1e-6), 1 - 1e-6));
  const { density, deterministic } = noGrad(() => {
    const grid = new Tensor(states, [n, agent.observationSize]);
    const { mean, logStd } = agent.actor.forward(grid, c);
    const policy = agent.flow.distribution(grid, Normal.fromLogScale(mean, logStd));
    const logDensity = policy.logProb(new Tensor(inside, [n, agent.actionSize])).data;
    const one = observationTensor(obs, agent.observationSize);
    const single = agent.actor.forward(one, c);
    const pi = agent.flow.distribution(one, Normal.fromLogScale(single.mean, single.logStd));
    return { density: Array.from(logDensity, Math.exp), deterministic: Array.from(pi.transforms.reduce((v, t) => t.forward(v), single.mean).data) };
  });
  const q1 = batchValues((s, a) => agent.critics.critic1.forward(s, a), obs, actions, agent.actionSize);
  const q2 = batchValues((s, a) => agent.critics.critic2.forward(s, a), obs, actions, agent.actionSize);
  const useMin = c.actorQReduction === 'min';
  return {
    values: q1.map((q, i) => (useMin ? Math.min(q, q2[i]) : (q + q2[i]) / 2)),
    valueLabel: useMin ? 'min(Q₁, Q₂)' : '(Q₁ + Q₂)/2',
    density,
    densityKind: 'flow' as const,
    deterministic,
    iterates: [],
    iterateKind: null,
  };
}

/**
 * Q(s, ·), the policy's density, the deterministic action and (IAPO) the inference iterates or (HMC-SAC,
 * Langevin-TD3) the chain's iterates at one observation, on a grid over one or two coordinates of the
 * normalised action box (`dims`); with more action dimensions, a slice through the deterministic action.
 * @example inspectActions(hopperAgent, obs, { dims: [1, 2] }) // thigh and leg torques, the foot's at μ
 */
export function inspectActions(agent: Agent, obs: ArrayLike<number>, options: InspectOptions = {}): ActionInspection {
  if (typeof agent !== 'object' || agent === null) throw new TypeError(`inspectActions: the first argument must be an agent, got ${showValue(agent)}`);
  if (typeof options !== 'object' || options === null) throw new TypeError(`inspectActions: options must be an object, got ${showValue(options)}`);
  const scaled = agent as Agent & { actionSize?: number; observationSize?: number; scaler?: ActionScaler };
  const { actionSize, observationSize, scaler } = scaled;
  if (actionSize === undefined || observationSize === undefined || scaler === undefined) throw new TypeError(`inspectActions: ${agent.algorithm} has no action box`);
  checkObservation(obs, observationSize, 'inspectActions');
  if (options.seed !== undefined && !Number.isSafeInteger(options.seed)) {
    throw new RangeError(`inspectActions: seed must be a safe integer, got ${showValue(options.seed)}`);
  }
  const dims = gridDims(options.dims, actionSize);
  const resolution = options.resolution ?? (dims.length === 1 ? 61 : 31);
  if (!Number.isInteger(resolution) || resolution < 2 || resolution > 201) {
    throw new RangeError(`inspectActions: resolution must be an integer in [2, 201], got ${resolution}`);
  }
  const axis = Array.from({ length: resolution }, (_, i) => -1 + (2 * i) / (resolution - 1));
  // The coordinates off the grid stay at the deterministic action's (the action predict gives, on [−1, 1]).
  const anchor = dims.length === actionSize ? new Float32Array(actionSize)
    : scaler.fromEnv(agent.predict(obs, { deterministic: true }), new Float32Array(actionSize));
  const actions = gridActions(axis, dims, anchor);
  let parts;
  if (agent instanceof IAPO) parts = iapoInspection(agent, obs, actions, options.seed ?? 0);
  else if (agent instanceof HMCSAC) parts = hmcInspection(agent, obs, actions);
  else if (agent instanceof LangevinTD3) parts = langevinInspection(agent, obs, actions);
  else if (agent instanceof FlowSAC) parts = flowInspection(agent, obs, actions);
  else if (agent instanceof SAC) parts = sacInspection(agent, obs, actions);
  else if (agent instanceof TD3) parts = td3Inspection(agent, obs, actions);
  else if (agent instanceof OnPolicyAgent) parts = onPolicyInspection(agent as OnPolicyAgent<OnPolicyConfig>, obs, actions);
  else throw new TypeError(`inspectActions: no inspection for ${agent.algorithm} yet`);
  const low = Array.from(scaler.bias, (b, i) => b - scaler.scale[i]);
  const high = Array.from(scaler.bias, (b, i) => b + scaler.scale[i]);
  const toEnv = (action: readonly number[]): number[] => Array.from(scaler.toEnv(action, new Float32Array(actionSize)));
  const iterates = parts.iterates.map((it: NormalisedIterate) => ({ ...it, actionEnv: toEnv(it.action) }));
  return { algorithm: agent.algorithm, resolution, actionSize, dims, axis, low, high, ...parts, iterates, deterministicEnv: toEnv(parts.deterministic) };
}
