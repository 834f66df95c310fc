import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { Generator, Normal, Tensor, add, matmul, mean, mul, noGrad, reshape, square, sub, sum, tensor, transpose } from '../../engine/index.ts';
import {
  conjugateGradient, dot, fisherVectorProduct, trustRegionStep,
} from '../../algorithms/policy-gradient/natural-gradient.ts';
import { ParameterPosteriorPolicy, StateNoisePolicy } from '../../algorithms/policy-gradient/policies.ts';
import { importanceSurrogate } from '../../algorithms/policy-gradient/losses.ts';
import { svgdDirections } from '../../algorithms/policy-gradient/particles.ts';

function randomMatrix(rng: Generator, rows: number, columns: number): Float64Array {
  return Float64Array.from({ length: rows * columns }, () => rng.normal());
}

describe('conjugate gradient', () => {
  it('solves random symmetric positive-definite systems A x = b to 1e-8', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 12 }), fc.integer({ min: 0, max: 2 ** 31 }), (n, seed) => {
      const rng = new Generator(seed);
      const m = randomMatrix(rng, n, n);
      // A = MᵀM + I
      const a = new Float64Array(n * n);
      for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) {
        let s = i === j ? 1 : 0;
        for (let k = 0; k < n; k++) s += m[k * n + i] * m[k * n + j];
        a[i * n + j] = s;
      }
      const b = Float64Array.from({ length: n }, () => rng.normal());
      const times = (v: Float64Array): Float64Array => Float64Array.from({ length: n }, (_, i) => dot(a.subarray(i * n, (i + 1) * n), v));
      const x = conjugateGradient(times, b, 4 * n, 1e-28);
      const residual = times(x).map((v, i) => v - b[i]);
      assert.ok(Math.sqrt(dot(residual, residual)) < 1e-8 * Math.max(1, Math.sqrt(dot(b, b))), `residual ${Math.sqrt(dot(residual, residual))}`);
    }), { numRuns: 60 });
  });
});

/** A copy (detach() shares the data, which the step writes in place). */
const frozen = (t: Tensor): Tensor => new Tensor(Float64Array.from(t.data), t.shape);

/** A linear Gaussian policy μ(s) = W s + b, log σ = ℓ, in float64. */
function linearPolicy(weight: Tensor, bias: Tensor, logStd: Tensor, states: Tensor): Normal {
  return Normal.fromLogScale(add(matmul(states, transpose(weight)), bias), logStd);
}

describe('Fisher-vector products (TRPO)', () => {
  it('equal the explicit Fisher matrix times v for a linear Gaussian policy (float64, to 1e-10)', () => {
    const rng = new Generator(3);
    const [A, O, N] = [2, 3, 7];
    const f64 = (data: Float64Array, shape: number[]) => new Tensor(data, shape).requiresGrad_();
    const weight = f64(randomMatrix(rng, A, O), [A, O]);
    const bias = f64(randomMatrix(rng, 1, A), [A]);
    const logStd = f64(Float64Array.from({ length: A }, () => 0.3 * rng.normal()), [A]);
    const states = new Tensor(randomMatrix(rng, N, O), [N, O]);
    const params = [weight, bias, logStd];
    const old = noGrad(() => linearPolicy(frozen(weight), frozen(bias), frozen(logStd), states));
    const meanKl = mean(old.klDivergence(linearPolicy(weight, bias, logStd, states)));
    const fvp = fisherVectorProduct(meanKl, params, 0);

    // Explicit Fisher: (1/N) Σ_s J_sᵀ diag(1/σ²) J_s for the mean parameters (W row-major, then b), 2·I for log σ.
    const P = A * O + A + A;
    const fisher = new Float64Array(P * P);
    const sigma2 = Array.from(logStd.data, (l) => Math.exp(2 * l));
    for (let s = 0; s < N; s++) {
      for (let a = 0; a < A; a++) {
        const jacobian = new Float64Array(P); // ∂μ_a/∂params at state s
        for (let j = 0; j < O; j++) jacobian[a * O + j] = states.data[s * O + j];
        jacobian[A * O + a] = 1;
        for (let p = 0; p < P; p++) for (let q = 0; q < P; q++) fisher[p * P + q] += (jacobian[p] * jacobian[q]) / sigma2[a] / N;
      }
    }
    for (let a = 0; a < A; a++) fisher[(A * O + A + a) * P + (A * O + A + a)] = 2;

    for (let trial = 0; trial < 5; trial++) {
      const v = Float64Array.from({ length: P }, () => rng.normal());
      const got = fvp(v);
      for (let p = 0; p < P; p++) {
        const expected = dot(fisher.subarray(p * P, (p + 1) * P), v);
        assert.ok(Math.abs(got[p] - expected) < 1e-10, `component ${p}: ${got[p]} vs ${expected}`);
      }
    }
  });

  it('a trust-region step keeps the mean KL within δ (measured afresh) and improves the surrogate', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 2 ** 31 }), fc.constantFrom(0.001, 0.01, 0.05), (seed, maxKl) => {
      const rng = new Generator(seed);
      const [A, O, N] = [2, 3, 32];
      const weight = new Tensor(randomMatrix(rng, A, O), [A, O]).requiresGrad_();
      const bias = new Tensor(new Float64Array(A), [A]).requiresGrad_();
      const logStd = new Tensor(new Float64Array(A), [A]).requiresGrad_();
      const states = new Tensor(randomMatrix(rng, N, O), [N, O]);
      const old = noGrad(() => linearPolicy(frozen(weight), frozen(bias), frozen(logStd), states));
      const actions = noGrad(() => old.sample(rng));
      const oldLogProbs = noGrad(() => old.logProb(actions));
      const advantages = new Tensor(Float64Array.from({ length: N }, () => rng.normal()), [N]);
      const surrogate = () => importanceSurrogate(linearPolicy(weight, bias, logStd, states).logProb(actions), oldLogProbs, advantages);
      const meanKl = () => mean(old.klDivergence(linearPolicy(weight, bias, logStd, states)));
      const result = trustRegionStep([weight, bias, logStd], surrogate, meanKl, { maxKl, cgSteps: 10, damping: 0.1, shrink: 0.8, maxBacktracks: 10 });
      const klAfter = noGrad(() => meanKl().item());
      assert.ok(klAfter <= maxKl * (1 + 1e-9), `KL ${klAfter} > δ ${maxKl}`);
      if (result.accepted) {
        assert.ok(result.improvement > 0);
        assert.ok(klAfter > 0);
      } else {
        assert.equal(klAfter, 0, 'a refused step leaves the parameters where they were');
      }
    }), { numRuns: 30 });
  });
});

describe('variational policy posteriors (Xu 2018)', () => {
  const options = { observationSize: 3, actionSize: 2, hiddenSizes: [4], activation: 'tanh' as const, initialLogStd: -0.5, orthogonalInit: true };

  it("parameter posterior: the φ-gradient of R(μ + σ⊙ξ) + α Σ log σ is Example 1's closed form on a quadratic R", () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 2 ** 31 }), fc.double({ min: 0.01, max: 2, noNaN: true }), (seed, alpha) => {
      const rng = new Generator(seed);
      const policy = new ParameterPosteriorPolicy({ ...options, generator: new Generator(seed + 1) }, 2, 0.1 + rng.uniform());
      policy.beginRollout(rng);
      const P = policy.weightMean.size;
      const curvature = new Tensor(Float32Array.from({ length: P }, () => 0.5 + rng.uniform()), [P]);
      const centre = new Tensor(Float32Array.from({ length: P }, () => rng.normal()), [P]);
      const m = 1;
      const theta = policy.sampleWeights(m);
      // R(θ) = −½ Σ c_i (θ_i − centre_i)², ∇R = −c ⊙ (θ − centre).
      const reward = mul(sum(mul(curvature, square(sub(theta, centre)))), -0.5);
      const objective = add(reward, mul(policy.logDetJacobian(), alpha));
      objective.backward();
      const gradR = Array.from(theta.data, (t, i) => -curvature.data[i] * (t - centre.data[i]));
      const xi = policy.noise.data.subarray(m * P, (m + 1) * P);
      const rho = policy.weightStdParameter.data;
      for (let i = 0; i < P; i++) {
        const sigma = Math.log1p(Math.exp(rho[i]));
        // Example 1, times α (we ascend R + αH rather than R/α + H): ∂/∂μ = ∂R/∂θ, ∂/∂σ = ξ ∂R/∂θ + α/σ; then σ = softplus(ρ).
        const dMu = gradR[i];
        const dSigma = xi[i] * gradR[i] + alpha / sigma;
        const dRho = dSigma / (1 + Math.exp(-rho[i]));
        const tolerance = (x: number) => 1e-4 * Math.max(1, Math.abs(x));
        assert.ok(Math.abs(policy.weightMean.grad!.data[i] - dMu) < tolerance(dMu), `∂/∂μ_${i}: ${policy.weightMean.grad!.data[i]} vs ${dMu}`);
        assert.ok(Math.abs(policy.weightStdParameter.grad!.data[i] - dRho) < tolerance(dRho), `∂/∂ρ_${i}: ${policy.weightStdParameter.grad!.data[i]} vs ${dRho}`);
        // The paper's own form: −∂KL/∂σ = (1/α) ξ ∂R/∂θ + 1/σ.
        assert.ok(Math.abs(dSigma / alpha - (xi[i] * gradR[i] / alpha + 1 / sigma)) < 1e-9 * Math.max(1, Math.abs(dSigma / alpha)));
      }
    }), { numRuns: 20 });
  });

  it('parameter posterior: log|det ∂h/∂ξ| = Σ log σ = H(q_φ) − H(N(0, I)) (eq. 1)', () => {
    const policy = new ParameterPosteriorPolicy({ ...options, generator: new Generator(5) }, 1, 0.3);
    const P = policy.weightMean.size;
    const sigma = noGrad(() => policy.weightStd);
    const entropy = noGrad(() => new Normal(policy.weightMean, sigma).entropy().item() - new Normal(tensor(new Array(P).fill(0)), 1).entropy().item());
    assert.ok(Math.abs(noGrad(() => policy.logDetJacobian().item()) - entropy) < 1e-3 * P * 1e-3 + 1e-4);
  });

  it('state posterior: θ = μ_φ(s) + ξσ_φ(s) with the stored ξ reproduces the acting log-probabilities, and ∂/∂φ reaches μ_φ, σ_φ and MLP_Ψ', () => {
    const rng = new Generator(9);
    const policy = new StateNoisePolicy({ ...options, generator: new Generator(4) }, 2, 3, true, 0.2);
    const observations: Tensor[] = [];
    const logProbs: number[] = [];
    const actions: Tensor[] = [];
    for (let t = 0; t < 3; t++) {
      const obs = new Tensor(Float32Array.from({ length: 6 }, () => rng.normal()), [2, 3]);
      const acted = noGrad(() => policy.act(obs, t, rng));
      observations.push(obs);
      actions.push(acted.actions);
      logProbs.push(...acted.logProbs.data);
    }
    const rows = { observations: reshape(new Tensor(Float32Array.from(observations.flatMap((o) => [...o.data])), [6, 3]), [6, 3]), indices: Uint32Array.from([0, 1, 2, 3, 4, 5]) };
    const allActions = new Tensor(Float32Array.from(actions.flatMap((a) => [...a.data])), [6, 2]);
    const logProb = policy.distribution(rows).logProb(allActions);
    logProbs.forEach((lp, i) => assert.ok(Math.abs(logProb.data[i] - lp) < 1e-5, `row ${i}: ${logProb.data[i]} vs ${lp}`));
    sum(logProb).add(policy.logDetJacobian(rows)).backward();
    for (const [name, p] of policy.namedParameters()) assert.ok(p.grad && p.grad.data.some((g) => g !== 0), `no gradient reaches ${name}`);
  });
});

describe('SVPG kernel term (Liu et al. 2017)', () => {
  it('matches a hand-computed case: θ = 0, 1, 3; g = 1, 0, −1; T = 2', () => {
    const { directions, bandwidth, kernel } = svgdDirections([[0], [1], [3]].map((v) => Float64Array.from(v)), [[1], [0], [-1]].map((v) => Float64Array.from(v)), 2);
    // Squared distances 0 1 9 / 1 0 4 / 9 4 0: sorted 0 0 0 1 1 4 4 9 9, median 1, h = 1 / (2 ln 4).
    const h = 1 / (2 * Math.log(4));
    assert.ok(Math.abs(bandwidth - h) < 1e-15);
    const k = (d: number) => Math.exp(-d / h);
    const expectedKernel = [1, k(1), k(9), k(1), 1, k(4), k(9), k(4), 1];
    expectedKernel.forEach((v, i) => assert.ok(Math.abs(kernel[i] - v) < 1e-15, `k[${i}]`));
    // φ_0 = ⅓[1·1/2 + 0 + k(9)(−1)/2 + k(1)(2/h)(0 − 1) + k(9)(2/h)(0 − 3)]
    const phi0 = (0.5 - k(9) / 2 - k(1) * (2 / h) - 3 * k(9) * (2 / h)) / 3;
    // φ_1 = ⅓[k(1)·1/2 + 0 + k(4)(−1)/2 + k(1)(2/h)(1 − 0) + k(4)(2/h)(1 − 3)]
    const phi1 = (k(1) / 2 - k(4) / 2 + k(1) * (2 / h) - 2 * k(4) * (2 / h)) / 3;
    // φ_2 = ⅓[k(9)·1/2 + 0 − 1/2 + k(9)(2/h)(3 − 0) + k(4)(2/h)(3 − 1)]
    const phi2 = (k(9) / 2 - 0.5 + 3 * k(9) * (2 / h) + 2 * k(4) * (2 / h)) / 3;
    [phi0, phi1, phi2].forEach((phi, j) => assert.ok(Math.abs(directions[j][0] - phi) < 1e-13, `φ_${j}: ${directions[j][0]} vs ${phi}`));
  });

  it('takes the mean of the two middle squared distances as the median for an even count, and h = 1 when all particles coincide', () => {
    const two = svgdDirections([Float64Array.of(0, 0), Float64Array.of(3, 4)], [Float64Array.of(0, 0), Float64Array.of(0, 0)], 1);
    assert.ok(Math.abs(two.bandwidth - 25 / 2 / (2 * Math.log(3))) < 1e-12);
    const same = svgdDirections([Float64Array.of(1), Float64Array.of(1)], [Float64Array.of(2), Float64Array.of(2)], 1);
    assert.equal(same.bandwidth, 1);
    assert.deepEqual(Array.from(same.directions[0]), [2], 'equal particles: only the driving term, k = 1');
  });
});
