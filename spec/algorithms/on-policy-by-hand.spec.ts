/**
 * The on-policy family's quantities computed by hand on small cases: the surrogate losses, the
 * trust-region step on an exactly quadratic KL, the gradient each SVPG particle feeds into SVGD,
 * the rows a variational posterior rebuilds, the agent's bookkeeping around a rollout
 * (log-probabilities of the stored actions, θ redrawn per rollout, the bootstrap with V(s_n), α's
 * schedule), TRPO's KL and PPO's target-KL stop at agent level, and the direction of the entropy terms.
 */
import { strict as assert } from 'node:assert';
import {
  Generator, Tensor, matmul, mul, noGrad, parametersToVector, reshape, square, sub, sum, type Optimizer,
} from '../../engine/index.ts';
import {
  PPO, REINFORCE, SVPG, TRPO, type ContinuousEnv, type Metrics, type PPOConfig, type REINFORCEConfig, type StepResult, type TrainingProgress,
} from '../../algorithms/index.ts';
import {
  approximateKl, clipFraction, clippedSurrogateLoss, explainedVariance, importanceSurrogate, reinforceLoss, valueLoss,
} from '../../algorithms/policy-gradient/losses.ts';
import { flatGradient, trustRegionStep } from '../../algorithms/policy-gradient/natural-gradient.ts';
import { ParticlePolicy, svgdDirections } from '../../algorithms/policy-gradient/particles.ts';
import {
  GaussianPolicy, ParameterPosteriorPolicy, StateNoisePolicy, selectRows, type PolicyModel,
} from '../../algorithms/policy-gradient/policies.ts';
import { BanditEnv } from './bandit-env.ts';

const f64 = (values: number[], shape = [values.length]): Tensor => new Tensor(Float64Array.from(values), shape);
const close = (actual: number, expected: number, tolerance: number, what: string): void =>
  assert.ok(Math.abs(actual - expected) <= tolerance * Math.max(1, Math.abs(expected)), `${what}: ${actual} vs ${expected}`);
const softplus = (x: number): number => Math.log1p(Math.exp(x));

describe('on-policy surrogates by hand (float64)', () => {
  // ε = 0.2; rows: ρ = 1.5 with A > 0 (clipped to 1.2), ρ = 1.5 with A < 0 (unclipped), ρ = 0.5 with A > 0
  // (unclipped), ρ = 0.5 with A < 0 (clipped to 0.8), ρ = 1.1 with A > 0 (inside the range).
  const ratios = [1.5, 1.5, 0.5, 0.5, 1.1];
  const advantages = [2, -2, 3, -3, 1];
  const old = [-1, -0.5, 0.3, -2, 0.7];

  it("PPO's clipped surrogate (eq. 7): −E[min(ρA, clip(ρ, 1 ± ε)A)], with zero gradient on the clipped rows", () => {
    const logProbs = f64(ratios.map((r, i) => Math.log(r) + old[i])).requiresGrad_();
    const { loss, ratio } = clippedSurrogateLoss(logProbs, f64(old), f64(advantages), 0.2);
    const terms = [1.2 * 2, 1.5 * -2, 0.5 * 3, 0.8 * -3, 1.1 * 1];
    close(loss.item(), -terms.reduce((a, b) => a + b) / 5, 1e-12, 'loss');
    ratios.forEach((r, i) => close(ratio.data[i], r, 1e-12, `ratio ${i}`));
    loss.backward();
    // d/d log π of −ρA/n is −ρA/n on the unclipped rows, 0 on the clipped ones.
    const expected = [0, (-1.5 * -2) / 5, (-0.5 * 3) / 5, 0, (-1.1 * 1) / 5];
    expected.forEach((g, i) => close(logProbs.grad!.data[i], g, 1e-12, `∂/∂log π_${i}`));
    assert.equal(clipFraction(ratio, 0.2), 4 / 5);
  });

  it("TRPO's surrogate E[ρA] (eq. 14) and REINFORCE's −E[log π·A] (eq. 5) have the same gradient at ρ = 1", () => {
    const logProbs = f64(ratios.map((r, i) => Math.log(r) + old[i])).requiresGrad_();
    const surrogate = importanceSurrogate(logProbs, f64(old), f64(advantages));
    close(surrogate.item(), ratios.reduce((s, r, i) => s + r * advantages[i], 0) / 5, 1e-12, 'E[ρA]');
    surrogate.backward();
    ratios.forEach((r, i) => close(logProbs.grad!.data[i], (r * advantages[i]) / 5, 1e-12, `∂E[ρA]/∂log π_${i}`));

    const atOld = f64(old).requiresGrad_();
    importanceSurrogate(atOld, f64(old), f64(advantages)).backward();
    const scoreFunction = f64(old).requiresGrad_();
    const loss = reinforceLoss(scoreFunction, f64(advantages));
    close(loss.item(), -old.reduce((s, l, i) => s + l * advantages[i], 0) / 5, 1e-12, 'REINFORCE loss');
    loss.backward();
    advantages.forEach((a, i) => {
      close(atOld.grad!.data[i], a / 5, 1e-12, `∂E[ρA] at ρ = 1, row ${i}`);
      close(scoreFunction.grad!.data[i], -a / 5, 1e-12, `∂(−E[log π A]), row ${i}`);
    });
  });

  it('the value loss, with and without clipping of V − V_old (SB3 clip_range_vf)', () => {
    const values = f64([1, 2, 3]);
    const oldValues = f64([0, 2.5, 3.1]);
    const returns = f64([2, 1, 4]);
    close(valueLoss(values, returns, oldValues, null).item(), (1 + 1 + 1) / 3, 1e-12, 'unclipped');
    // V̂ = V_old + clip(V − V_old, ±0.3) = (0.3, 2.2, 3): errors (1.7, −1.2, 1).
    close(valueLoss(values, returns, oldValues, 0.3).item(), (1.7 ** 2 + 1.2 ** 2 + 1) / 3, 1e-12, 'clipped');
  });

  it('the k3 estimate of KL(π_old ‖ π) and the explained variance', () => {
    const logRatio = [0.5, -0.25, 0];
    const k3 = logRatio.reduce((s, l) => s + Math.exp(l) - 1 - l, 0) / 3;
    close(approximateKl(f64(logRatio.map((l) => l - 1)), f64([-1, -1, -1])), k3, 1e-12, 'approx KL');
    // returns (1, 2, 3, 6), values (1, 1, 4, 5): errors (0, 1, −1, 1), Var = 0.6875 against Var[R] = 3.5.
    close(explainedVariance([1, 1, 4, 5], [1, 2, 3, 6]), 1 - 0.6875 / 3.5, 1e-12, 'explained variance');
  });
});

describe('trust-region step on an exactly quadratic KL (float64)', () => {
  // KL(x) = ½ yᵀFy (+ β q²) with y = x − x₀: its Hessian at x₀ is F, so conjugate gradient meets the
  // damped system (F + λI)s = g exactly and every quantity of the step is known in closed form.
  const F = [[2, 0.5, 0], [0.5, 1, 0.2], [0, 0.2, 0.5]];
  const g = [1, -2, 0.5];
  const x0 = [0.3, -0.1, 0.7];
  const damping = 0.1;
  const maxKl = 0.01;

  function solve(a: number[][], b: number[]): number[] {
    const m = a.map((row, i) => [...row, b[i]]);
    const n = b.length;
    for (let c = 0; c < n; c++) {
      for (let r = c + 1; r < n; r++) {
        const f = m[r][c] / m[c][c];
        for (let k = c; k <= n; k++) m[r][k] -= f * m[c][k];
      }
    }
    const x = new Array<number>(n).fill(0);
    for (let r = n - 1; r >= 0; r--) {
      let s = m[r][n];
      for (let k = r + 1; k < n; k++) s -= m[r][k] * x[k];
      x[r] = s / m[r][r];
    }
    return x;
  }
  const dotp = (a: number[], b: number[]): number => a.reduce((s, v, i) => s + v * b[i], 0);
  const times = (a: number[][], v: number[]): number[] => a.map((row) => dotp(row, v));

  // s = (F + λI)⁻¹g, the step scaled so that ½ (βs)ᵀ(F + λI)(βs) = δ.
  const s = solve(F.map((row, i) => row.map((v, j) => v + (i === j ? damping : 0))), g);
  const scale = Math.sqrt((2 * maxKl) / dotp(g, s));
  const fullStep = s.map((v) => scale * v);
  const klOfFullStep = 0.5 * dotp(fullStep, times(F, fullStep));

  function problem(options: { curvature?: number; quartic?: number } = {}) {
    const x = f64(x0).requiresGrad_();
    const y = (): Tensor => sub(x, f64(x0));
    const quadratic = (): Tensor => mul(sum(mul(y(), reshape(matmul(f64(F.flat(), [3, 3]), reshape(y(), [3, 1])), [3]))), 0.5);
    const meanKl = (): Tensor => (options.quartic ? quadratic().add(mul(square(quadratic()), options.quartic)) : quadratic());
    const surrogate = (): Tensor => sum(mul(f64(g), y())).sub(mul(sum(square(y())), options.curvature ?? 0));
    return { x, meanKl, surrogate };
  }
  const run = (p: ReturnType<typeof problem>, maxBacktracks = 10) =>
    trustRegionStep([p.x], p.surrogate, p.meanKl, { maxKl, cgSteps: 10, damping, shrink: 0.8, maxBacktracks });

  it('takes β·s with β = √(2δ / sᵀ(F + λI)s) and s = (F + λI)⁻¹g when the first candidate passes', () => {
    const p = problem();
    const result = run(p);
    assert.equal(result.accepted, true);
    assert.equal(result.backtracks, 0);
    fullStep.forEach((v, i) => close(p.x.data[i] - x0[i], v, 1e-6, `step[${i}]`));
    close(result.kl, klOfFullStep, 1e-6, 'KL of the step');
    assert.ok(klOfFullStep < maxKl && klOfFullStep > 0.8 * maxKl, 'with damping the step stays just inside the region');
    close(result.improvement, dotp(g, fullStep), 1e-6, 'surrogate improvement');
  });

  it('shrinks the step by 0.8 per backtrack until the surrogate improves', () => {
    // S(y) = gᵀy − c‖y‖² improves along the step only for fractions below 0.45: 1, 0.8, 0.64, 0.512 fail, 0.4096 passes.
    const curvature = dotp(g, fullStep) / (0.45 * dotp(fullStep, fullStep));
    const p = problem({ curvature });
    const result = run(p);
    assert.equal(result.accepted, true);
    assert.equal(result.backtracks, 4);
    fullStep.forEach((v, i) => close(p.x.data[i] - x0[i], 0.8 ** 4 * v, 1e-6, `step[${i}]`));
    const y = fullStep.map((v) => 0.8 ** 4 * v);
    close(result.improvement, dotp(g, y) - curvature * dotp(y, y), 1e-6, 'surrogate improvement');
  });

  it('refuses candidates whose measured KL exceeds δ', () => {
    // KL = q + βq² with β such that the fraction 0.7 sits on the boundary: 1 and 0.8 exceed δ, 0.64 is inside.
    const quartic = (maxKl - 0.49 * klOfFullStep) / (0.7 ** 4 * klOfFullStep ** 2);
    const p = problem({ quartic });
    const result = run(p);
    assert.equal(result.accepted, true);
    assert.equal(result.backtracks, 2);
    assert.ok(result.kl <= maxKl);
    fullStep.forEach((v, i) => close(p.x.data[i] - x0[i], 0.64 * v, 1e-6, `step[${i}]`));
  });

  it('restores the parameters exactly when no candidate passes', () => {
    const curvature = dotp(g, fullStep) / (0.45 * dotp(fullStep, fullStep));
    const p = problem({ curvature });
    const result = run(p, 3);
    assert.equal(result.accepted, false);
    assert.equal(result.backtracks, 3);
    assert.deepEqual(Array.from(p.x.data), x0);
  });
});

/** Rows of a rollout whose flat indices t·E + e are `indices`, observation and action of env e. */
function rowsOf(indices: number[], envs: number, observations: Tensor, actions: Tensor) {
  const envOf = indices.map((i) => i % envs);
  return {
    rows: { observations: selectRows(observations, envOf), indices: Uint32Array.from(indices) },
    actions: selectRows(actions, envOf),
    envOf,
  };
}

describe('variational posteriors rebuild the rows they acted with', () => {
  const options = (seed: number) => ({
    observationSize: 3, actionSize: 2, hiddenSizes: [5], activation: 'tanh' as const, initialLogStd: -0.3, orthogonalInit: false, generator: new Generator(seed),
  });
  const observations = new Tensor(Float32Array.from([0.2, -1, 0.5, 1.1, 0.3, -0.4, -0.7, 0.9, 0.1]), [3, 3]);

  it('parameter posterior: row t·E + e is π under θ_e = μ + σ⊙ξ_e, in any row order', () => {
    const rng = new Generator(2);
    const policy = new ParameterPosteriorPolicy(options(1), 3, 0.3);
    policy.beginRollout(rng);
    const acted = noGrad(() => policy.act(observations, 0, rng));
    const { rows, actions, envOf } = rowsOf([5, 0, 7, 3, 1, 8, 2], 3, observations, acted.actions);
    const logProbs = noGrad(() => policy.distribution(rows).logProb(actions));
    envOf.forEach((e, r) => close(logProbs.data[r], acted.logProbs.data[e], 1e-5, `row ${r} (env ${e})`));
  });

  it('state posterior: μ of row r is MLP_Ψ([μ_φ(s) + ξ_r·softplus(σ-net(s)), s]) and log|det| is the mean over rows of Σ log σ_φ(s)', () => {
    const rng = new Generator(4);
    for (const auxiliary of [true, false]) {
      const policy = new StateNoisePolicy(options(3), 3, 2, auxiliary, 0.4);
      for (let t = 0; t < 2; t++) noGrad(() => policy.act(observations, t, rng));
      const { rows } = rowsOf([4, 0, 5, 2], 3, observations, observations);
      const { loc, logDet, mu, sigmaNet } = noGrad(() => ({
        loc: policy.distribution(rows).loc, logDet: policy.logDetJacobian(rows).item(),
        mu: policy.thetaMean.forward(rows.observations), sigmaNet: policy.thetaStd.forward(rows.observations),
      }));
      let expectedLogDet = 0;
      const theta: number[] = [];
      Array.from(rows.indices).forEach((index, r) => {
        for (let d = 0; d < 2; d++) {
          const sigma = softplus(sigmaNet.data[r * 2 + d]);
          expectedLogDet += Math.log(sigma) / rows.indices.length;
          theta.push(mu.data[r * 2 + d] + policy.noise.data[index * 2 + d] * sigma);
        }
      });
      close(logDet, expectedLogDet, 1e-5, `log|det| (auxiliary ${auxiliary})`);
      const expectedLoc = auxiliary
        ? noGrad(() => {
          const inputs = Float32Array.from({ length: 4 * 5 }, (_, k) => {
            const [r, c] = [Math.floor(k / 5), k % 5];
            return c < 2 ? theta[r * 2 + c] : rows.observations.data[r * 3 + c - 2];
          });
          return Array.from(policy.auxiliary!.forward(new Tensor(inputs, [4, 5])).data);
        })
        : theta;
      expectedLoc.forEach((v, k) => close(loc.data[k], v, 1e-5, `μ[${k}] (auxiliary ${auxiliary})`));
    }
  });

  it('particles: row t·E + e is particle e mod n', () => {
    const policy = new ParticlePolicy(options(5), 3);
    const indices = [4, 0, 5, 2, 7];
    const rows = { observations: new Tensor(Float32Array.from({ length: 15 }, (_, k) => Math.sin(k)), [5, 3]), indices: Uint32Array.from(indices) };
    const loc = noGrad(() => policy.distribution(rows).loc);
    Array.from(rows.indices).forEach((index, r) => {
      const own = noGrad(() => policy.particles[index % 3].meanAction(selectRows(rows.observations, [r])));
      for (let d = 0; d < 2; d++) close(loc.data[r * 2 + d], own.data[d], 1e-6, `row ${r}`);
    });
  });
});

describe('SVPG feeds each particle its own REINFORCE gradient', () => {
  it('the step applied to particle j is −φ_j of svgdDirections with g_i = ∇ mean over particle i\'s rows of log π·Â', async () => {
    const n = 2;
    const agent = new SVPG(() => new BanditEnv(), { numEnvs: 4, particles: n, rolloutSteps: 6, hiddenSizes: [4], temperature: 0.7, seed: 3, valueSteps: 1 });
    const checks: number[] = [];
    const optimizer = agent.optimizer as Optimizer;
    const step = optimizer.step.bind(optimizer);
    optimizer.step = () => {
      const batch = agent.rollout.fullBatch({ normalizeAdvantages: 'rollout' });
      const particles = agent.policy.particles;
      const gradients = particles.map((p, i) => {
        const rows = Array.from(batch.indices).flatMap((index, r) => ((index % 4) % n === i ? [r] : []));
        const pi = p.forwardDistribution(selectRows(batch.observations, rows));
        const objective = sum(mul(pi.logProb(selectRows(batch.actions, rows)), new Tensor(Float32Array.from(rows, (r) => batch.advantages.data[r]), [rows.length])))
          .mul(1 / rows.length);
        return Float64Array.from(flatGradient(objective, p.parameters()).data);
      });
      const thetas = particles.map((p) => Float64Array.from(noGrad(() => parametersToVector(p.parameters())).data));
      const { directions } = svgdDirections(thetas, gradients, 0.7);
      particles.forEach((p, j) => {
        const applied = p.parameters().flatMap((q) => Array.from(q.grad!.data, (v) => -v));
        const largest = Math.max(...Array.from(directions[j], Math.abs));
        assert.ok(largest > 0);
        applied.forEach((v, k) => close(v / largest, directions[j][k] / largest, 1e-4, `φ_${j}[${k}]`));
        checks.push(j);
      });
      step();
    };
    await agent.learn({ totalSteps: 2 * 4 * 6 });
    assert.deepEqual(checks, [0, 1, 0, 1]);
  });
});

/** A 1-D walk that never ends within a rollout (reward 1 per step). */
class Walk implements ContinuousEnv {
  readonly observationSpace = { shape: [1] };
  readonly actionSpace = { shape: [1], low: Float32Array.of(-1), high: Float32Array.of(1) };
  private position = 0;
  reset(): { obs: Float32Array } {
    this.position = 0;
    return { obs: Float32Array.of(0) };
  }
  step(action: Float32Array): StepResult {
    this.position += action[0];
    return { obs: Float32Array.of(this.position), reward: 1, terminated: false, truncated: false };
  }
}

interface RolloutProbe {
  /** Largest |log π(a|s) − log π_old(a|s)| over the rollout, before the update. */
  readonly ratioError: number[];
  /** Largest |a| stored. */
  readonly largestAction: number[];
  readonly noise: number[][];
}

function probe(policy: PolicyModel, rollout: PPO['rollout'], record: RolloutProbe): void {
  const batch = rollout.fullBatch();
  const logProbs = noGrad(() => policy.distribution(batch).logProb(batch.actions));
  (record.ratioError as number[]).push(Math.max(...Array.from(logProbs.data, (l, i) => Math.abs(l - batch.oldLogProbs.data[i]))));
  (record.largestAction as number[]).push(Math.max(...Array.from(batch.actions.data, Math.abs)));
  const noise = policy.namedBuffers().find(([name]) => name === 'noise');
  if (noise) (record.noise as number[][]).push(Array.from(noise[1].data));
}

class ProbedPPO extends PPO {
  readonly record: RolloutProbe = { ratioError: [], largestAction: [], noise: [] };
  bootstrap: { returns: Float64Array; rewards: Float64Array; last: number } | null = null;
  override train(lastObservations: Float32Array, progress?: TrainingProgress): Metrics {
    const last = noGrad(() => this.value.forward(new Tensor(Float32Array.from(lastObservations), [this.config.numEnvs, 1])).data[0]);
    this.bootstrap = { returns: new Float64Array(), rewards: new Float64Array(), last };
    return super.train(lastObservations, progress);
  }
  protected override trainOnRollout(progress: TrainingProgress): Metrics {
    probe(this.policy, this.rollout, this.record);
    if (this.bootstrap) Object.assign(this.bootstrap, { returns: this.rollout.returns, rewards: this.rollout.rewards });
    return super.trainOnRollout(progress);
  }
  alphaAt(step: number, totalSteps: number): number {
    return this.temperature({ step, totalSteps } as TrainingProgress);
  }
}

class ProbedSVPG extends SVPG {
  readonly record: RolloutProbe = { ratioError: [], largestAction: [], noise: [] };
  protected override trainOnRollout(progress: TrainingProgress): Metrics {
    probe(this.policy, this.rollout, this.record);
    return super.trainOnRollout(progress);
  }
}

describe('on-policy agents around a rollout', () => {
  for (const posterior of ['point', 'parameter', 'state'] as const) {
    it(`${posterior}: the update starts at ρ = 1, from unclipped actions stored with their log-probabilities`, async () => {
      const agent = new ProbedPPO(() => new BanditEnv(), { numEnvs: 3, rolloutSteps: 8, batchSize: 12, epochs: 2, hiddenSizes: [8], initialLogStd: 1, posterior, seed: 2 });
      await agent.learn({ totalSteps: 3 * 3 * 8 });
      assert.equal(agent.record.ratioError.length, 3);
      agent.record.ratioError.forEach((e, i) => assert.ok(e < 1e-4, `rollout ${i}: |log ρ| up to ${e}`));
      assert.ok(agent.record.largestAction.every((a) => a > 1), `stored actions ${agent.record.largestAction} are the unclipped samples`);
      if (posterior === 'parameter') {
        const [a, b, c] = agent.record.noise;
        assert.notDeepEqual(a, b, 'θ samples are drawn afresh for every rollout');
        assert.notDeepEqual(b, c);
      }
    });
  }

  it('SVPG: the update starts at ρ = 1 for every particle', async () => {
    const agent = new ProbedSVPG(() => new BanditEnv(), { numEnvs: 4, particles: 2, rolloutSteps: 6, hiddenSizes: [4], initialLogStd: 1, seed: 2, valueSteps: 1 });
    await agent.learn({ totalSteps: 2 * 4 * 6 });
    agent.record.ratioError.forEach((e, i) => assert.ok(e < 1e-4, `rollout ${i}: |log ρ| up to ${e}`));
  });

  it('a rollout that ends mid-episode bootstraps the returns with V(s_n) (λ = 1: Σ γᵏ r + γⁿ⁻ᵗ V(s_n))', async () => {
    const gamma = 0.9;
    const agent = new ProbedPPO(new Walk(), { numEnvs: 1, rolloutSteps: 4, batchSize: 4, epochs: 1, hiddenSizes: [4], gamma, gaeLambda: 1, seed: 1 });
    await agent.learn({ totalSteps: 4 });
    const { returns, rewards, last } = agent.bootstrap!;
    assert.ok(Math.abs(last) > 1e-3, 'V(s_n) is not zero');
    let g = last;
    for (let t = 3; t >= 0; t--) {
      g = rewards[t] + gamma * g;
      close(returns[t], g, 1e-6, `return ${t}`);
    }
  });

  it('anneals α linearly from posteriorTemperature to finalPosteriorTemperature, and holds it after the end', () => {
    const agent = new ProbedPPO(() => new BanditEnv(), { posteriorTemperature: 0.1, finalPosteriorTemperature: 0.01, rolloutSteps: 64, batchSize: 64 });
    close(agent.alphaAt(0, 100), 0.1, 1e-15, 'start');
    close(agent.alphaAt(25, 100), 0.1 - 0.25 * 0.09, 1e-15, 'a quarter in');
    close(agent.alphaAt(100, 100), 0.01, 1e-15, 'end');
    close(agent.alphaAt(150, 100), 0.01, 1e-15, 'after the end');
    const constant = new ProbedPPO(() => new BanditEnv(), { posteriorTemperature: 0.1, rolloutSteps: 64, batchSize: 64 });
    close(constant.alphaAt(50, 100), 0.1, 0, 'constant without a final value');
  });
});

/** μ and σ of π(· | s) for every row of the rollout, as float64 copies (σ broadcast to μ's shape). */
function gaussians(policy: PolicyModel, batch: ReturnType<TRPO['rollout']['fullBatch']>): { loc: Float64Array; scale: Float64Array } {
  return noGrad(() => {
    const d = policy.distribution(batch);
    const loc = Float64Array.from(d.loc.data);
    return { loc, scale: Float64Array.from(loc, (_, k) => d.scale.data[k % d.scale.size]) };
  });
}

class ProbedTRPO extends TRPO {
  readonly steps: { byHand: number; reported: number; accepted: boolean }[] = [];
  protected override trainOnRollout(progress: TrainingProgress): Metrics {
    const before = gaussians(this.policy, this.rollout.fullBatch());
    const metrics = super.trainOnRollout(progress);
    const after = gaussians(this.policy, this.rollout.fullBatch());
    // KL(π_old ‖ π) per dimension: log(σ/σ_old) + (σ_old² + (μ_old − μ)²)/(2σ²) − ½, summed over dimensions, averaged over rows.
    let kl = 0;
    for (let k = 0; k < before.loc.length; k++) {
      kl += Math.log(after.scale[k] / before.scale[k]) + (before.scale[k] ** 2 + (before.loc[k] - after.loc[k]) ** 2) / (2 * after.scale[k] ** 2) - 0.5;
    }
    this.steps.push({ byHand: (kl * this.actionSize) / before.loc.length, reported: metrics.kl, accepted: metrics.step_accepted === 1 });
    return metrics;
  }
}

describe("TRPO's step at agent level", () => {
  for (const posterior of ['point', 'parameter'] as const) {
    it(`${posterior}: the mean KL(π_old ‖ π) over the rollout, by hand, is the reported one and within δ`, async () => {
      const targetKl = 0.01;
      const agent = new ProbedTRPO(() => new BanditEnv(), { numEnvs: 4, rolloutSteps: 8, batchSize: 32, criticUpdates: 1, hiddenSizes: [8], targetKl, posterior, seed: 3 });
      await agent.learn({ totalSteps: 32 * 3 });
      assert.equal(agent.steps.length, 3);
      assert.ok(agent.steps.some((s) => s.accepted));
      for (const [i, { byHand, reported, accepted }] of agent.steps.entries()) {
        if (!accepted) {
          assert.equal(byHand, 0, `rollout ${i}: a refused step leaves π unchanged`);
          continue;
        }
        assert.ok(byHand > 0 && byHand <= targetKl * (1 + 1e-4), `rollout ${i}: KL ${byHand}`);
        assert.ok(Math.abs(byHand - reported) < 1e-6 + 1e-4 * reported, `rollout ${i}: KL by hand ${byHand}, reported ${reported}`);
      }
    });
  }
});

describe("PPO's target KL (SB3)", () => {
  it('steps on every minibatch whose approximate KL before the step is at most 1.5 × targetKl and stops the epochs at the first that exceeds it', async () => {
    const targetKl = 1e-4;
    const agent = new PPO(() => new BanditEnv(), { numEnvs: 4, rolloutSteps: 8, batchSize: 8, epochs: 20, learningRate: 3e-4, targetKl, seed: 1 });
    const seen: { kl: number; stepped: boolean }[] = [];
    const minibatches = agent.rollout.minibatches.bind(agent.rollout);
    agent.rollout.minibatches = (...args: Parameters<typeof minibatches>) => (function* () {
      for (const batch of minibatches(...args)) {
        seen.push({ kl: approximateKl(noGrad(() => agent.policy.distribution(batch).logProb(batch.actions)), batch.oldLogProbs), stepped: false });
        yield batch;
      }
    })();
    const optimizer = agent.optimizer as Optimizer;
    const step = optimizer.step.bind(optimizer);
    optimizer.step = () => {
      seen[seen.length - 1].stepped = true;
      step();
    };
    await agent.learn({ totalSteps: 32 * 5 });
    assert.ok(seen.some((b) => !b.stepped), 'some epoch stopped early');
    seen.forEach((b, k) => assert.equal(b.stepped, b.kl <= 1.5 * targetKl, `minibatch ${k}: KL ${b.kl}, stepped ${b.stepped}`));
  });
});

describe('the entropy terms raise the entropy they reward', () => {
  const SMALL = { numEnvs: 4, rolloutSteps: 8, hiddenSizes: [8], seed: 4 };
  const weightStd = (agent: { policy: PolicyModel }): number => {
    const policy = agent.policy as ParameterPosteriorPolicy;
    return noGrad(() => Array.from(policy.weightStd.data).reduce((a, b) => a + b, 0) / policy.weightStd.size);
  };
  const logStd = (agent: { policy: PolicyModel }): number => (agent.policy as GaussianPolicy).logStd.data[0];

  const posteriors: [string, () => REINFORCE | PPO | TRPO][] = [
    ['REINFORCE', () => new REINFORCE(() => new BanditEnv(), { ...SMALL, posterior: 'parameter', posteriorTemperature: 10 })],
    ['PPO', () => new PPO(() => new BanditEnv(), { ...SMALL, batchSize: 32, epochs: 1, posterior: 'parameter', posteriorTemperature: 10 })],
    ['TRPO', () => new TRPO(() => new BanditEnv(), { ...SMALL, batchSize: 32, criticUpdates: 1, posterior: 'parameter', posteriorTemperature: 10 })],
  ];
  for (const [name, build] of posteriors) {
    it(`${name}: α·log|det ∂h/∂ξ| with a large α widens q_φ`, async () => {
      const agent = build();
      const before = weightStd(agent);
      await agent.learn({ totalSteps: 32 });
      assert.ok(weightStd(agent) > before, `mean weight σ ${before} → ${weightStd(agent)}`);
    });
  }

  const bonuses: [string, () => REINFORCE | PPO][] = [
    ['REINFORCE', () => new REINFORCE(() => new BanditEnv(), { ...SMALL, entropyCoefficient: 100 } as Partial<REINFORCEConfig>)],
    ['PPO', () => new PPO(() => new BanditEnv(), { ...SMALL, batchSize: 32, epochs: 1, entropyCoefficient: 100 } as Partial<PPOConfig>)],
  ];
  for (const [name, build] of bonuses) {
    it(`${name}: a large entropy coefficient widens π`, async () => {
      const agent = build();
      const before = logStd(agent);
      await agent.learn({ totalSteps: 32 });
      assert.ok(logStd(agent) > before, `log σ ${before} → ${logStd(agent)}`);
    });
  }
});
