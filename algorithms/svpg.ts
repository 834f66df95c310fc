/**
 * Stein Variational Policy Gradient (Liu, Ramachandran, Liu & Peng 2017) over REINFORCE, the
 * method seed 004 builds on: n policy particles, each collecting its own rollouts (env e belongs to
 * particle e mod n), each with its REINFORCE gradient g_i = ∇J(θ_i) (advantages from GAE(λ = 1)
 * with a value baseline), moved together along the SVGD direction
 * φ_j = (1/n) Σ_i [k_ij g_i / T + ∇_{θ_i} k_ij] with the RBF kernel and the median bandwidth
 * (policy-gradient/particles.ts) by Adam, as the reference code's `vpg_multi_stein.py`.
 *
 * Deviations from that code, by choice: one value network shared by the particles replaces the
 * per-particle linear feature baselines, and the deterministic policy of `predict` is the particle
 * with the highest mean reward in the last rollout. Advantages are standardised once over the whole
 * rollout, all particles together, where that code standardises each agent's own batch (rllab's
 * `center_adv`), so a particle whose returns vary less than the others' gets a smaller driving term
 * k_ij g_i / T here than there.
 *
 * @example
 * const svpg = new SVPG(() => make('Pendulum-v1'), { particles: 8, numEnvs: 8 });
 * await svpg.learn({ totalSteps: 400_000 });
 */
import { Adam, Tensor, mul, noGrad, parametersToVector, sum, type Optimizer } from '../engine/index.ts';
import { defineAlgorithm } from './common/algorithm.ts';
import { CONFIG_LIMITS, inRange, integerIn, type ConfigRules } from './common/config.ts';
import type { EnvSource } from './common/env-vector.ts';
import type { Metrics, TrainingProgress } from './common/learner.ts';
import { ON_POLICY_CHOICES, ON_POLICY_DEFAULTS, OnPolicyAgent, onPolicyChecks, type OnPolicyConfig } from './common/on-policy-agent.ts';
import { explainedVariance, reinforceLoss } from './policy-gradient/losses.ts';
import { flatGradient } from './policy-gradient/natural-gradient.ts';
import { ParticlePolicy, svgdDirections } from './policy-gradient/particles.ts';

export interface SVPGConfig extends OnPolicyConfig {
  /** n, the number of policy particles; numEnvs must be a multiple of it. */
  particles: number;
  /** T of p(θ) ∝ exp(J(θ)/T). */
  temperature: number;
  /** Adam step size of the particles. */
  learningRate: number;
  valueLearningRate: number;
  /** Full-batch baseline regression steps per rollout. */
  valueSteps: number;
}

/** The reference code's defaults where they exist (16 agents, T = 10, Adam 5e-3, (100, 50, 25) tanh); 8 particles and 500 steps per particle per rollout (there 5000) to fit two cores. */
export const SVPG_DEFAULTS: Readonly<SVPGConfig> = Object.freeze({
  ...ON_POLICY_DEFAULTS,
  particles: 8,
  numEnvs: 8,
  rolloutSteps: 500,
  gaeLambda: 1,
  hiddenSizes: [100, 50, 25],
  temperature: 10,
  learningRate: 5e-3,
  valueLearningRate: 1e-3,
  valueSteps: 20,
} as SVPGConfig);

export const SVPG_RULES: ConfigRules = {
  choices: { ...ON_POLICY_CHOICES, posterior: ['point'] },
  nullable: ['finalPosteriorTemperature'],
  check: (c) =>
    onPolicyChecks(c) ?? integerIn(c, 'particles', 1, 1024) ?? inRange(c, 'temperature', 1e-12, Infinity)
    ?? inRange(c, 'learningRate', 0, Infinity) ?? inRange(c, 'valueLearningRate', 0, Infinity)
    ?? integerIn(c, 'valueSteps', 0, CONFIG_LIMITS.repetitions)
    ?? ((c.numEnvs as number) % (c.particles as number) !== 0 ? `'numEnvs' ${c.numEnvs} must be a multiple of 'particles' ${c.particles}` : undefined),
};

export class SVPG extends OnPolicyAgent<SVPGConfig> {
  readonly metricNames = ['policy_loss', 'value_loss', 'bandwidth', 'mean_kernel', 'explained_variance'] as const;
  override readonly gaugeNames = ['action_std', 'leader'] as const;
  declare readonly policy: ParticlePolicy;
  readonly optimizer: Adam;
  readonly valueOptimizer: Adam;

  /** @param env an env (numEnvs 1), a function making envs, or a SAME_STEP vector env. */
  constructor(env: EnvSource, config: Partial<SVPGConfig> = {}) {
    super({ name: 'SVPG', defaults: SVPG_DEFAULTS, rules: SVPG_RULES }, env, config, (c, options) => new ParticlePolicy(options, c.particles));
    this.optimizer = new Adam(this.policy.trainable(), { lr: this.config.learningRate });
    this.valueOptimizer = new Adam(this.value.parameters(), { lr: this.config.valueLearningRate });
  }

  protected trainOnRollout(_progress: TrainingProgress): Metrics {
    const c = this.config;
    const explained = explainedVariance(this.rollout.values, this.rollout.returns);
    this.scoreParticles();
    const batch = this.rollout.fullBatch({ normalizeAdvantages: 'rollout' });

    // g_i = ∇J(θ_i): each particle's REINFORCE gradient from its own rows (the sum over particles decouples).
    const policyLoss = reinforceLoss(this.policy.distribution(batch).logProb(batch.actions), batch.advantages).mul(c.particles);
    const particles = this.policy.particles;
    const gradients = particles.map((p) => Float64Array.from(flatGradient(policyLoss, p.parameters()).data, (g) => -g));
    const thetas = particles.map((p) => Float64Array.from(parametersToVector(p.parameters()).data));
    const { directions, bandwidth, kernel } = svgdDirections(thetas, gradients, c.temperature);

    // Ascend φ_j: minimise −Σ_j ⟨φ_j, θ_j⟩, whose gradient in θ_j is −φ_j.
    const surrogate = particles
      .map((p, j) => sum(mul(parametersToVector(p.parameters()), new Tensor(Float32Array.from(directions[j]), [thetas[j].length]))))
      .reduce((a, b) => a.add(b))
      .neg();
    this.optimizer.zeroGrad();
    surrogate.backward();
    this.optimizer.step();

    const lastValueLoss = this.fitValue(batch, this.valueOptimizer, c.valueSteps);
    return {
      policy_loss: noGrad(() => policyLoss.item()) / c.particles, value_loss: lastValueLoss, bandwidth,
      mean_kernel: kernel.reduce((a, b) => a + b, 0) / kernel.length,
      ...(Number.isFinite(explained) ? { explained_variance: explained } : {}),
    };
  }

  /** Mean (possibly normalised) reward per step of each particle in this rollout. */
  private scoreParticles(): void {
    const n = this.config.particles;
    const E = this.config.numEnvs;
    const rewards = this.rollout.rewards;
    const sums = new Float64Array(n);
    for (let i = 0; i < rewards.length; i++) sums[(i % E) % n] += rewards[i];
    const perParticle = rewards.length / n;
    this.policy.scores.mutate_((s) => {
      for (let i = 0; i < n; i++) s[i] = sums[i] / perParticle;
    });
  }

  override gauges(): Record<string, number> {
    const stds = this.policy.particles.map((p) => Array.from(p.logStd.data, Math.exp));
    return { action_std: stds.flat().reduce((a, b) => a + b, 0) / stds.flat().length, leader: this.policy.leader };
  }

  checkpointOptimizers(): Readonly<Record<string, Optimizer>> {
    return { particles: this.optimizer, value: this.valueOptimizer };
  }

  describe(): string {
    const c = this.config;
    return `${c.particles} particles T ${c.temperature} lr ${c.learningRate} envs ${c.numEnvs}×${c.rolloutSteps} γ ${c.gamma} net ${c.hiddenSizes.join('×')}`;
  }
}

export const SVPG_ALGORITHM = defineAlgorithm<SVPGConfig, SVPG>({
  name: 'svpg',
  summary: 'Stein variational policy gradient (Liu et al. 2017): REINFORCE particles moved by SVGD with an RBF kernel',
  defaults: SVPG_DEFAULTS,
  rules: SVPG_RULES,
  kind: 'on-policy',
  create: (env, config) => new SVPG(env, config),
});
