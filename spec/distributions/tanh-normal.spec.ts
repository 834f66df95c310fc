import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Generator, Normal, TanhNormal, Tensor, tensor, withAnomalyCheck } from '../../engine/index.ts';
import { checkGrads } from '../engine/gradcheck.ts';

const f64 = (values: number[] | number[][]): Tensor => tensor(values, { dtype: 'float64' });
const normalLogDensity = (u: number, m: number, s: number): number =>
  -((u - m) ** 2) / (2 * s * s) - Math.log(s) - 0.5 * Math.log(2 * Math.PI);

/**
 * log|d(inverse map)/da| by central differences: the numerical change of variables. The step is a
 * small fraction of `room`, the distance from a to the nearest edge of the support, so the
 * difference stays accurate where the inverse map steepens.
 */
function numericalLogJacobian(inverse: (a: number) => number, a: number, room: number): number {
  const h = 1e-6 * Math.max(1e-3, room);
  return Math.log(Math.abs((inverse(a + h) - inverse(a - h)) / (2 * h)));
}

const squashedCase = fc.integer({ min: 1, max: 4 }).chain((d) =>
  fc.record({
    loc: fc.array(fc.double({ min: -3, max: 3, noNaN: true }), { minLength: d, maxLength: d }),
    scale: fc.array(fc.double({ min: 0.1, max: 3, noNaN: true }), { minLength: d, maxLength: d }),
    y: fc.array(fc.double({ min: -0.999, max: 0.999, noNaN: true }), { minLength: d, maxLength: d }),
    low: fc.array(fc.double({ min: -5, max: 0, noNaN: true }), { minLength: d, maxLength: d }),
    width: fc.array(fc.double({ min: 0.1, max: 10, noNaN: true }), { minLength: d, maxLength: d }),
  }),
);

describe('TanhNormal', () => {
  describe('log-density', () => {
    it('matches a numerical change of variables from the Normal (property-based)', () => {
      fc.assert(fc.property(squashedCase, ({ loc, scale, y }) => {
        const expected = y.reduce((acc, yi, i) =>
          acc + normalLogDensity(Math.atanh(yi), loc[i], scale[i]) + numericalLogJacobian(Math.atanh, yi, 1 - Math.abs(yi)), 0);
        const q = new TanhNormal(f64(loc), f64(scale));
        const fromValue = q.logProb(f64(y)).item();
        const fromPreTanh = q.logProb(f64(y), f64(y.map(Math.atanh))).item();
        assert.ok(Math.abs(fromValue - expected) < 1e-5 * (1 + Math.abs(expected)), `${fromValue} vs ${expected}`);
        assert.ok(Math.abs(fromPreTanh - expected) < 1e-5 * (1 + Math.abs(expected)), `${fromPreTanh} vs ${expected}`);
      }));
    });

    it('includes the affine map onto an action box (property-based)', () => {
      fc.assert(fc.property(squashedCase, ({ loc, scale, y, low, width }) => {
        const high = low.map((l, i) => l + width[i]);
        const a = y.map((yi, i) => low[i] + (yi + 1) * width[i] / 2);
        const expected = a.reduce((acc, ai, i) => {
          const inverse = (v: number): number => Math.atanh((2 * (v - low[i])) / width[i] - 1);
          return acc + normalLogDensity(inverse(ai), loc[i], scale[i]) + numericalLogJacobian(inverse, ai, (1 - Math.abs(y[i])) * width[i] / 2);
        }, 0);
        const q = new TanhNormal(f64(loc), f64(scale), { box: { low, high } });
        const actual = q.logProb(f64(a)).item();
        assert.ok(Math.abs(actual - expected) < 1e-4 * (1 + Math.abs(expected)), `${actual} vs ${expected}`);
      }));
    });

    it('integrates to 1 in one dimension', () => {
      const q = new TanhNormal(f64([0.7]), f64([1.3]));
      // y = tanh(u): ∫ q(y) dy = ∫ q(tanh u)·(1 − tanh²u) du, trapezoid on u ∈ [−15, 15]
      const n = 3001;
      const u = Array.from({ length: n }, (_, i) => -15 + (30 * i) / (n - 1));
      const logq = q.logProb(f64(u.map(Math.tanh)).reshape([n, 1]), f64(u).reshape([n, 1])).data;
      let integral = 0;
      for (let i = 0; i < n; i++) integral += (i === 0 || i === n - 1 ? 0.5 : 1) * Math.exp(logq[i]) * (1 - Math.tanh(u[i]) ** 2);
      integral *= 30 / (n - 1);
      assert.ok(Math.abs(integral - 1) < 1e-6, `integral ${integral}`);
    });

    it('stays finite and exact where tanh saturates (float32, with preTanh)', () => {
      const q = new TanhNormal(tensor([0]), tensor([5]));
      const u = [-40, -12, 12, 40];
      const logp = withAnomalyCheck(() => q.logProb(tensor(u.map(Math.tanh)).reshape([4, 1]), tensor(u).reshape([4, 1])));
      u.forEach((ui, i) => {
        // log(1 − tanh²u) = 2·(log 2 − |u| − log1p(e^(−2|u|)))
        const expected = normalLogDensity(ui, 0, 5) - 2 * (Math.log(2) - Math.abs(ui) - Math.log1p(Math.exp(-2 * Math.abs(ui))));
        assert.ok(Math.abs(logp.data[i] - expected) < 1e-5 * Math.abs(expected), `u = ${ui}: ${logp.data[i]} vs ${expected}`);
      });
      // From the value alone, the clamp keeps the result finite.
      assert.ok(q.logProb(tensor([[1], [-1]])).data.every(Number.isFinite));
    });
  });

  describe('sampling and mode', () => {
    it('rsample returns the pre-tanh Normal draw and its squashed value in the box', () => {
      const loc = f64([[0.5, -1]]);
      const scale = f64([[0.3, 2]]);
      const q = new TanhNormal(loc, scale, { box: { low: [-2, 0], high: [2, 1] } });
      const { value, preTanh } = q.rsample(new Generator(4), [1000]);
      const u = new Normal(loc, scale).rsample(new Generator(4), [1000]);
      assert.deepEqual(preTanh.data, u.data);
      for (let i = 0; i < 1000; i++) {
        assert.ok(Math.abs(value.data[2 * i] - 2 * Math.tanh(u.data[2 * i])) < 1e-12);
        assert.ok(Math.abs(value.data[2 * i + 1] - (0.5 + 0.5 * Math.tanh(u.data[2 * i + 1]))) < 1e-12);
      }
      assert.ok(value.data.every((v, i) => (i % 2 === 0 ? v > -2 && v < 2 : v > 0 && v < 1)));
      const s = q.sample(new Generator(4), [1000]);
      assert.equal(s.value.requiresGrad, false);
      assert.deepEqual(s.value.data, value.data);
    });

    it('mode is tanh(loc) mapped to the box', () => {
      const q = new TanhNormal(f64([0.5, -1]), 1, { box: { low: -3, high: 1 } });
      const expected = [0.5, -1].map((m) => -1 + 2 * Math.tanh(m));
      q.mode.data.forEach((v, i) => assert.ok(Math.abs(v - expected[i]) < 1e-15));
    });

    it('rejects empty or inverted boxes', () => {
      assert.throws(() => new TanhNormal(f64([0]), 1, { box: { low: 1, high: 1 } }), /low < high/);
      assert.throws(() => new TanhNormal(f64([0]), 1, { box: { low: [0, 2], high: [1, 1] } }), /low < high/);
    });
  });

  describe('KL to Uniform(−1, 1)ᵈ', () => {
    it('the Monte-Carlo estimate agrees with quadrature in one dimension', () => {
      const q = new TanhNormal(f64([0.4]), f64([0.6]));
      // KL = ∫ q(y)(log q(y) + log 2) dy = E_u[log q(tanh u)] + log 2, by quadrature over u
      const n = 4001;
      const u = Array.from({ length: n }, (_, i) => 0.4 + 0.6 * (-10 + (20 * i) / (n - 1)));
      const logq = q.logProb(f64(u.map(Math.tanh)).reshape([n, 1]), f64(u).reshape([n, 1])).data;
      let exact = 0;
      for (let i = 0; i < n; i++) exact += Math.exp(normalLogDensity(u[i], 0.4, 0.6)) * (logq[i] + Math.log(2));
      exact *= (0.6 * 20) / (n - 1);
      const estimate = q.klToUniform(new Generator(1), 20_000).item();
      assert.ok(exact > 0);
      assert.ok(Math.abs(estimate - exact) < 0.02, `MC ${estimate} vs quadrature ${exact}`);
    });

    it('is the same with or without a box, and has the batch shape', () => {
      const loc = f64([[0.1, 0.2], [-0.5, 1]]);
      const scale = f64([[0.5, 0.5], [1, 0.2]]);
      const plain = new TanhNormal(loc, scale).klToUniform(new Generator(2), 8);
      const boxed = new TanhNormal(loc, scale, { box: { low: -4, high: 9 } }).klToUniform(new Generator(2), 8);
      assert.deepEqual(plain.shape, [2]);
      assert.deepEqual(plain.data, boxed.data);
    });
  });

  describe('gradients to second order (float64, finite differences)', () => {
    const loc = f64([[0.3, -1.2], [1.5, 0.1]]);
    const logScale = f64([[-0.5, 0.2], [0.4, -1.0]]);

    it('logProb in the parameters, the value and the pre-tanh value', () => {
      const y = f64([[0.2, -0.9], [0.95, 0.0]]);
      checkGrads((l, s, v) => TanhNormal.fromLogScale(l, s).logProb(v), [loc, logScale, y]);
      checkGrads((l, s, u) => TanhNormal.fromLogScale(l, s, { box: { low: -2, high: 3 } }).logProb(u.tanh(), u), [loc, logScale, y.mul(3)]);
    });

    it('the reparameterised path: logProb of rsample and the squashed value (fixed noise)', () => {
      checkGrads((l, s) => {
        const q = TanhNormal.fromLogScale(l, s, { box: { low: [-1, 0], high: [2, 4] } });
        const { value, preTanh } = q.rsample(7, [3]);
        return q.logProb(value, preTanh).add(value.sum(-1));
      }, [loc, logScale]);
    });

    it('klToUniform and mode', () => {
      checkGrads((l, s) => TanhNormal.fromLogScale(l, s).klToUniform(11, 4), [loc, logScale]);
      checkGrads((l) => new TanhNormal(l, 1, { box: { low: -2, high: 2 } }).mode, [loc]);
    });
  });
});
