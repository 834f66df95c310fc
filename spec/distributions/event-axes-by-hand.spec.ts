import assert from 'node:assert/strict';
import { Normal, TanhNormal, TanhTransform, type Tensor, tensor } from '../../engine/index.ts';

// Values recomputed by hand in float64 from the closed forms (log-density, entropy and KL of a
// univariate normal; log(1 − tanh²u + ε) and log halfRange of the squash and the box map).
const HALF_LOG_TWO_PI = 0.5 * Math.log(2 * Math.PI);
const f64 = (values: number[], shape: number[]): Tensor => tensor(values, { shape, dtype: 'float64' });

function assertClose(actual: ArrayLike<number>, expected: readonly number[], what: string, tolerance = 1e-12): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  expected.forEach((e, i) => assert.ok(Math.abs(actual[i] - e) <= tolerance * Math.max(1, Math.abs(e)), `${what}[${i}]: ${actual[i]}, expected ${e}`));
}

/** Sums consecutive runs of `width` entries. */
const sumRuns = (values: readonly number[], width: number): number[] =>
  Array.from({ length: values.length / width }, (_, r) => values.slice(r * width, (r + 1) * width).reduce((a, b) => a + b, 0));

describe('Normal with two event axes', () => {
  // batch [2], event [2, 3]: every per-element term is summed over 6 elements
  const shape = [2, 2, 3];
  const mu = [0.1, -0.4, 1.2, 0.0, 0.7, -1.1, 0.3, 0.2, -0.6, 1.5, -0.2, 0.05];
  const sigma = [0.5, 1.3, 0.8, 2.0, 0.4, 1.0, 0.9, 0.6, 1.7, 0.3, 1.1, 0.75];
  const mu2 = [0.0, 0.3, 1.0, -0.5, 0.2, -1.0, 0.8, -0.1, -0.2, 1.0, 0.4, 0.0];
  const sigma2 = [1.0, 0.7, 0.9, 1.5, 0.6, 2.2, 0.5, 1.2, 1.0, 0.8, 0.9, 0.35];
  const x = [0.3, 0.1, 0.9, -1.0, 0.5, -0.3, 0.0, 0.4, -1.2, 1.1, 0.6, 0.2];
  const p = new Normal(f64(mu, shape), f64(sigma, shape), { eventDims: 2 });
  const q = new Normal(f64(mu2, shape), f64(sigma2, shape), { eventDims: 2 });

  it('has batch shape [2] and event shape [2, 3]', () => {
    assert.deepEqual(p.batchShape, [2]);
    assert.deepEqual(p.eventShape, [2, 3]);
  });

  it('logProb sums −(x − μ)²/2σ² − log σ − ½ log 2π over both event axes', () => {
    const terms = x.map((v, i) => -((v - mu[i]) ** 2) / (2 * sigma[i] ** 2) - Math.log(sigma[i]) - HALF_LOG_TWO_PI);
    const logp = p.logProb(f64(x, shape));
    assert.deepEqual(logp.shape, [2]);
    assertClose(logp.data, sumRuns(terms, 6), 'logProb');
  });

  it('entropy sums ½ + ½ log 2π + log σ over both event axes', () => {
    const h = p.entropy();
    assert.deepEqual(h.shape, [2]);
    assertClose(h.data, sumRuns(sigma.map((s) => 0.5 + HALF_LOG_TWO_PI + Math.log(s)), 6), 'entropy');
  });

  it('KL(p ‖ q) sums log(σ₂/σ₁) + (σ₁² + (μ₁ − μ₂)²)/2σ₂² − ½ over both event axes', () => {
    const terms = mu.map((m, i) => Math.log(sigma2[i] / sigma[i]) + (sigma[i] ** 2 + (m - mu2[i]) ** 2) / (2 * sigma2[i] ** 2) - 0.5);
    const kl = p.klDivergence(q);
    assert.deepEqual(kl.shape, [2]);
    assertClose(kl.data, sumRuns(terms, 6), 'KL');
  });
});

describe('TanhTransform.inverse in float64', () => {
  it('clamps only at 1 − 1e-12, so values nearer to ±1 than float32 can hold still invert', () => {
    const y = [1 - 1e-9, -(1 - 1e-10), 0.5];
    const u = new TanhTransform().inverse(tensor(y, { dtype: 'float64' }));
    // atanh y = ½ log((1 + y)/(1 − y)), each 1 − |y| exact in float64 up to one rounding of y
    assertClose(u.data, y.map((v) => 0.5 * Math.log((1 + v) / (1 - v))), 'atanh', 1e-6);
    const clamped = new TanhTransform().inverse(tensor([1, -1], { dtype: 'float64' }));
    const atBound = 0.5 * Math.log((2 - 1e-12) / 1e-12);
    assertClose(clamped.data, [atBound, -atBound], 'atanh at the clamp', 1e-3);
  });
});

describe('TanhNormal with a box and ε', () => {
  // log q(a) = log N(u; μ, σ) − Σ log(1 − tanh²u + ε) − Σ log halfRange, with the ε correction on the
  // squashed value y = tanh u (not on the action a in the box)
  it('logProb(value, preTanh) applies log(1 − y² + ε) to tanh(u) and log halfRange to the box map', () => {
    const mu = [0.2, -0.5, 1.0];
    const sigma = [0.7, 1.2, 0.4];
    const u = [0.9, -1.4, 0.3];
    const low = [-2, 0, -1];
    const high = [2, 3, -0.5];
    const epsilon = 1e-6;
    const pi = new TanhNormal(f64(mu, [1, 3]), f64(sigma, [1, 3]), { box: { low, high }, epsilon });
    const preTanh = f64(u, [1, 3]);
    const value = f64(u.map((v, i) => (high[i] + low[i]) / 2 + ((high[i] - low[i]) / 2) * Math.tanh(v)), [1, 3]);
    const expected = u.reduce((sum, v, i) => sum
      - ((v - mu[i]) ** 2) / (2 * sigma[i] ** 2) - Math.log(sigma[i]) - HALF_LOG_TWO_PI
      - Math.log(1 - Math.tanh(v) ** 2 + epsilon)
      - Math.log((high[i] - low[i]) / 2), 0);
    assertClose(pi.logProb(value, preTanh).data, [expected], 'logProb with preTanh');
    assertClose(pi.logProb(value).data, [expected], 'logProb by inversion', 1e-9);
    const { value: drawn, intermediates } = pi.transformed.rsample(3);
    const direct = pi.transformed.logProb(drawn, intermediates).data[0];
    assert.ok(Math.abs(direct - pi.logProb(drawn, intermediates[0]).data[0]) < 1e-12);
  });
});
