import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Generator, Normal, Tensor, grad, klDivergence, randn, tensor } from '../../engine/index.ts';
import { checkGrads } from '../engine/gradcheck.ts';

const HALF_LOG_TWO_PI = 0.5 * Math.log(2 * Math.PI);
const f64 = (values: number[] | number[][]): Tensor => tensor(values, { dtype: 'float64' });

/** A diagonal Gaussian's parameters and a point, as plain numbers. */
const gaussianCase = fc.integer({ min: 1, max: 5 }).chain((d) =>
  fc.record({
    loc: fc.array(fc.double({ min: -5, max: 5, noNaN: true }), { minLength: d, maxLength: d }),
    scale: fc.array(fc.double({ min: 0.05, max: 5, noNaN: true }), { minLength: d, maxLength: d }),
    x: fc.array(fc.double({ min: -10, max: 10, noNaN: true }), { minLength: d, maxLength: d }),
  }),
);

function closeTo(actual: number, expected: number, tol: number, what = ''): void {
  assert.ok(Math.abs(actual - expected) <= tol * (1 + Math.abs(expected)), `${what}: ${actual} vs ${expected}`);
}

describe('Normal', () => {
  describe('closed forms (property-based)', () => {
    it('logProb is Σ −(x − μ)²/(2σ²) − log σ − ½ log 2π', () => {
      fc.assert(fc.property(gaussianCase, ({ loc, scale, x }) => {
        const expected = loc.reduce((acc, m, i) => acc - (x[i] - m) ** 2 / (2 * scale[i] ** 2) - Math.log(scale[i]) - HALF_LOG_TWO_PI, 0);
        closeTo(new Normal(f64(loc), f64(scale)).logProb(f64(x)).item(), expected, 1e-12, 'logProb');
        const fromLog = Normal.fromLogScale(f64(loc), f64(scale.map(Math.log)));
        closeTo(fromLog.logProb(f64(x)).item(), expected, 1e-12, 'logProb (fromLogScale)');
      }));
    });

    it('entropy is Σ ½ + ½ log 2π + log σ', () => {
      fc.assert(fc.property(gaussianCase, ({ loc, scale }) => {
        const expected = scale.reduce((acc, s) => acc + 0.5 + HALF_LOG_TWO_PI + Math.log(s), 0);
        closeTo(new Normal(f64(loc), f64(scale)).entropy().item(), expected, 1e-12, 'entropy');
      }));
    });

    it('KL is the closed form, non-negative, and zero from a distribution to itself', () => {
      fc.assert(fc.property(gaussianCase, gaussianCase, (p, q) => {
        const d = Math.min(p.loc.length, q.loc.length);
        const [pl, ps, ql, qs] = [p.loc, p.scale, q.loc, q.scale].map((a) => a.slice(0, d));
        const P = new Normal(f64(pl), f64(ps));
        const Q = new Normal(f64(ql), f64(qs));
        let expected = 0;
        for (let i = 0; i < d; i++) expected += Math.log(qs[i] / ps[i]) + (ps[i] ** 2 + (pl[i] - ql[i]) ** 2) / (2 * qs[i] ** 2) - 0.5;
        const kl = klDivergence(P, Q).item();
        closeTo(kl, expected, 1e-10, 'KL');
        assert.ok(kl >= -1e-12);
        assert.ok(Math.abs(P.klDivergence(P).item()) < 1e-12);
      }));
    });

    it('eventDims = 0 gives elementwise values; the default sums the last axis', () => {
      const loc = f64([[0, 1], [2, 3]]);
      const scale = f64([[1, 2], [0.5, 1]]);
      const x = f64([[0.5, 0.5], [1, 1]]);
      const elementwise = new Normal(loc, scale, { eventDims: 0 }).logProb(x);
      const summed = new Normal(loc, scale).logProb(x);
      assert.deepEqual(elementwise.shape, [2, 2]);
      assert.deepEqual(summed.shape, [2]);
      closeTo(summed.data[1], elementwise.data[2] + elementwise.data[3], 1e-14);
    });

    it('broadcasts parameters and sample shapes', () => {
      const n = new Normal(f64([[0, 1, 2]]), 0.5); // batch [1], event [3], scalar scale
      assert.deepEqual(n.shape, [1, 3]);
      assert.deepEqual(n.batchShape, [1]);
      const s = n.sample(new Generator(0), [4]);
      assert.deepEqual(s.shape, [4, 1, 3]);
      assert.deepEqual(n.logProb(s).shape, [4, 1]);
      assert.deepEqual(n.entropy().shape, [1]);
      assert.throws(() => n.logProb(f64([1, 2])), /event shape/);
    });
  });

  describe('sampling', () => {
    it('is reproducible from an explicit generator and has the right moments', () => {
      const n = new Normal(f64([1, -2]), f64([0.5, 3]));
      const a = n.sample(new Generator(9), [50_000]);
      const b = n.sample(new Generator(9), [50_000]);
      assert.deepEqual(a.data, b.data);
      for (let j = 0; j < 2; j++) {
        let m = 0, v = 0;
        for (let i = 0; i < 50_000; i++) m += a.data[2 * i + j];
        m /= 50_000;
        for (let i = 0; i < 50_000; i++) v += (a.data[2 * i + j] - m) ** 2;
        v /= 50_000;
        const [mu, sigma] = j === 0 ? [1, 0.5] : [-2, 3];
        assert.ok(Math.abs(m - mu) < 5 * sigma / Math.sqrt(50_000), `mean ${m}`);
        assert.ok(Math.abs(Math.sqrt(v) - sigma) < 0.02 * sigma, `std ${Math.sqrt(v)}`);
      }
    });

    it('sample is detached; rsample is loc + scale·ε and differentiable', () => {
      const loc = f64([0.3, -0.7]).requiresGrad_();
      const scale = f64([1.5, 0.2]).requiresGrad_();
      assert.equal(new Normal(loc, scale).sample(1).requiresGrad, false);
      const epsilon = randn([2], { generator: 1, dtype: 'float64' });
      const [dLoc, dScale] = grad((l: Tensor, s: Tensor) => new Normal(l, s).rsample(1).sum(), [0, 1])(loc, scale);
      assert.deepEqual([...dLoc.data], [1, 1]);
      assert.deepEqual([...dScale.data], [...epsilon.data]);
    });

    it('keeps float32 parameters in float32', () => {
      const n = new Normal(tensor([0, 1]), tensor([1, 1]));
      assert.equal(n.rsample(0).dtype, 'float32');
      assert.equal(n.logProb(tensor([0, 0])).dtype, 'float32');
    });
  });

  describe('gradients to second order (float64, finite differences)', () => {
    const loc = f64([[0.3, -1.2, 2.0], [0.1, 0.5, -0.4]]);
    const logScale = f64([[-0.5, 0.2, 0.7], [0.0, -1.0, 0.3]]);
    const x = f64([[0.0, -1.0, 3.5], [1.0, 0.2, -0.1]]);

    it('logProb in loc, log σ and the value', () => {
      checkGrads((l, s, v) => Normal.fromLogScale(l, s).logProb(v), [loc, logScale, x]);
      checkGrads((l, s, v) => new Normal(l, s.exp()).logProb(v), [loc, logScale, x]);
    });

    it('entropy and KL in both distributions', () => {
      checkGrads((s) => Normal.fromLogScale(loc, s).entropy(), [logScale]);
      checkGrads((l1, s1, l2, s2) => Normal.fromLogScale(l1, s1).klDivergence(Normal.fromLogScale(l2, s2)), [loc, logScale, x, logScale.mul(0.5)]);
    });

    it('the rsample path, and logProb of rsample (fixed noise)', () => {
      checkGrads((l, s) => Normal.fromLogScale(l, s).rsample(3, [2]).tanh(), [loc, logScale]);
      checkGrads((l, s) => {
        const n = Normal.fromLogScale(l, s);
        return n.logProb(n.rsample(4)).add(n.rsample(5).square().sum(-1));
      }, [loc, logScale]);
    });
  });
});
