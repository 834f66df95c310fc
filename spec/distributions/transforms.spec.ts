import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import {
  AffineCouplingTransform, AffineTransform, ComposeTransform, Generator, Linear, Normal, TanhNormal, TanhTransform, Tensor,
  TransformedDistribution, add, broadcastTo, log, mul, sliceAxis, softplus, square, sub, sum, tanh, tensor, type Transform,
} from '../../engine/index.ts';

const f64 = { dtype: 'float64' as const };

/** A coupling conditioner: a small linear map of the masked input, float64. */
function conditioner(size: number, seed: number): { fn: (x: Tensor) => { logScale: Tensor; shift: Tensor }; layer: Linear } {
  const layer = new Linear(size, 2 * size, { generator: seed, dtype: 'float64' });
  return {
    layer,
    fn: (x) => {
      const out = layer.forward(x);
      return { logScale: tanh(sliceAxis(out, -1, 0, size)), shift: sliceAxis(out, -1, size, 2 * size) };
    },
  };
}

/** Transforms of `size`-dimensional events, built from a seed. */
function transforms(size: number, seed: number): [string, Transform][] {
  const rng = new Generator(seed);
  const mask = Array.from({ length: size }, (_, i) => (i % 2 === seed % 2 ? 1 : 0));
  const coupling = new AffineCouplingTransform(tensor(mask, f64), conditioner(size, seed).fn);
  const affine = new AffineTransform(tensor(Array.from({ length: size }, () => rng.normal()), f64), tensor(Array.from({ length: size }, () => 0.5 + rng.uniform()), f64));
  return [
    ['tanh', new TanhTransform()],
    ['tanh ε', new TanhTransform({ epsilon: 1e-6 })],
    ['affine', affine],
    ['coupling', coupling],
    ['coupling ∘ affine ∘ tanh', new ComposeTransform([coupling, affine, new TanhTransform()])],
  ];
}

/** log|det ∂f/∂x| at one point, from a central-difference Jacobian (float64). */
function numericLogDet(t: Transform, x: number[]): number {
  const n = x.length;
  const h = 1e-6;
  const J: number[][] = [];
  for (let j = 0; j < n; j++) {
    const plus = x.slice(); plus[j] += h;
    const minus = x.slice(); minus[j] -= h;
    const yp = t.forward(tensor([plus], f64)).data;
    const ym = t.forward(tensor([minus], f64)).data;
    J.push(Array.from({ length: n }, (_, i) => (yp[i] - ym[i]) / (2 * h)));
  }
  // LU determinant of Jᵀ (same determinant).
  const a = J.map((row) => row.slice());
  let logDet = 0;
  for (let k = 0; k < n; k++) {
    let p = k;
    for (let i = k + 1; i < n; i++) if (Math.abs(a[i][k]) > Math.abs(a[p][k])) p = i;
    [a[k], a[p]] = [a[p], a[k]];
    logDet += Math.log(Math.abs(a[k][k]));
    for (let i = k + 1; i < n; i++) {
      const f = a[i][k] / a[k][k];
      for (let j = k; j < n; j++) a[i][j] -= f * a[k][j];
    }
  }
  return logDet;
}

describe('invertible transforms', () => {
  it('inverse(forward(x)) = x (property, float64)', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 4 }), fc.integer({ min: 0, max: 1e6 }), fc.array(fc.double({ min: -2, max: 2, noNaN: true }), { minLength: 4, maxLength: 4 }), (size, seed, values) => {
      const x = tensor([values.slice(0, size)], f64);
      for (const [name, t] of transforms(size, seed)) {
        const back = t.inverse(t.forward(x)).data;
        x.data.forEach((v, i) => assert.ok(Math.abs(back[i] - v) < 1e-8, `${name}: ${back[i]} vs ${v}`));
      }
    }), { numRuns: 100 });
  });

  it('log|det J| summed over the event equals the log-determinant of the numerical Jacobian (property)', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 4 }), fc.integer({ min: 0, max: 1e6 }), fc.array(fc.double({ min: -1.5, max: 1.5, noNaN: true }), { minLength: 4, maxLength: 4 }), (size, seed, values) => {
      const point = values.slice(0, size);
      for (const [name, t] of transforms(size, seed)) {
        if (name === 'tanh ε') continue; // the ε form is deliberately not the exact log-determinant
        const x = tensor([point], f64);
        const analytic = sum(t.logAbsDetJacobian(x, t.forward(x)), -1).data[0];
        const numeric = numericLogDet(t, point);
        assert.ok(Math.abs(analytic - numeric) < 1e-6 * Math.max(1, Math.abs(numeric)), `${name}: ${analytic} vs ${numeric}`);
      }
    }), { numRuns: 100 });
  });

  it('refuses bad masks, scales and conditioner outputs, naming them', () => {
    assert.throws(() => new AffineCouplingTransform([0, 2], () => ({ logScale: tensor([0]), shift: tensor([0]) })), /entry 1 is 2/);
    assert.throws(() => new AffineTransform(0, [1, 0]), /scale at index 1 is 0/);
    assert.throws(() => new TanhTransform({ epsilon: -1 }), /epsilon must be a finite number ≥ 0/);
    const wrong = new AffineCouplingTransform([1, 0], () => ({ logScale: tensor([[0]]), shift: tensor([[0, 0]]) }));
    assert.throws(() => wrong.forward(tensor([[1, 2]])), /logScale has shape \[1, 1\], the input \[1, 2\]/);
    assert.throws(() => new ComposeTransform([]), /at least one transform/);
  });
});

describe('TransformedDistribution', () => {
  it('an affine map of a Normal has the Normal(loc + scale·μ, |scale|·σ) density', () => {
    const base = new Normal(tensor([[0.3, -1]], f64), tensor([[0.7, 1.4]], f64));
    const affine = new AffineTransform(tensor([1, -2], f64), tensor([-2, 0.5], f64));
    const flow = new TransformedDistribution(base, [affine]);
    const closed = new Normal(tensor([[1 - 0.6, -2 - 0.5]], f64), tensor([[1.4, 0.7]], f64));
    for (const value of [[[0.1, 0.2]], [[-3, 4]], [[2, -2.5]]]) {
      const y = tensor(value, f64);
      assert.ok(Math.abs(flow.logProb(y).data[0] - closed.logProb(y).data[0]) < 1e-12);
    }
  });

  it('a 1-D flow (coupling-free affine then tanh) integrates to 1', () => {
    const flow = new TransformedDistribution(new Normal(tensor([[0.4]], f64), tensor([[0.8]], f64)), [new AffineTransform(0.2, 1.5, f64), new TanhTransform()]);
    const n = 20_000;
    let total = 0;
    for (let i = 1; i < n; i++) {
      const y = -1 + (2 * i) / n;
      total += Math.exp(flow.logProb(tensor([[y]], f64)).data[0]) * (2 / n);
    }
    assert.ok(Math.abs(total - 1) < 2e-3, `∫p = ${total}`);
  });

  it('logProb with the sampled intermediates equals logProb by inversion, and gradients reach the conditioner', () => {
    const { fn, layer } = conditioner(2, 3);
    const loc = tensor([[0.1, -0.2]], f64).requiresGrad_();
    const flow = new TransformedDistribution(Normal.fromLogScale(loc, tensor([[-0.5, 0.2]], f64)), [new AffineCouplingTransform(tensor([1, 0], f64), fn), new TanhTransform()]);
    const { value, intermediates } = flow.rsample(new Generator(4), [5]);
    const direct = flow.logProb(value, intermediates).data;
    const inverted = flow.logProb(value).data;
    direct.forEach((v, i) => assert.ok(Math.abs(v - inverted[i]) < 1e-7));
    sum(flow.logProb(value, intermediates)).backward();
    assert.ok(layer.weight.grad && Array.from(layer.weight.grad.data).some((g) => g !== 0));
    assert.ok(loc.grad && Array.from(loc.grad.data).some((g) => g !== 0));
  });
});

describe('TanhNormal on the transformed distribution keeps its numbers', () => {
  const mu = tensor([[0.3, -1.2], [2.5, 0.1]]);
  const logStd = tensor([[-0.5, 0.3], [0.1, -2]]);
  const sample = () => TanhNormal.fromLogScale(mu, logStd).rsample(new Generator(9));

  it('exact correction: log N(u) − Σ 2(log 2 − u − softplus(−2u)), bit for bit', () => {
    const { value, preTanh } = sample();
    const pi = TanhNormal.fromLogScale(mu, logStd);
    const expected = sub(pi.base.logProb(preTanh), sum(mul(sub(sub(Math.log(2), preTanh), softplus(mul(preTanh, -2))), 2), -1));
    assert.deepEqual(Array.from(pi.logProb(value, preTanh).data), Array.from(expected.data));
  });

  it('epsilon correction: log N(u) − Σ log(1 − a² + 1e-6), bit for bit (SAC/SB3/CleanRL form)', () => {
    const pi = TanhNormal.fromLogScale(mu, logStd, { epsilon: 1e-6 });
    const { value, preTanh } = pi.rsample(new Generator(9));
    const expected = sub(pi.base.logProb(preTanh), sum(log(add(sub(1, square(value)), 1e-6)), -1));
    assert.deepEqual(Array.from(pi.logProb(value, preTanh).data), Array.from(expected.data));
  });

  it('with a box: the box term is Σ log halfRange, bit for bit', () => {
    const box = { low: [-2, 0], high: [2, 1] };
    const pi = TanhNormal.fromLogScale(mu, logStd, { box });
    const { value, preTanh } = pi.rsample(new Generator(9));
    const exact = sub(pi.base.logProb(preTanh), pi.logAbsDetJacobian(preTanh));
    const expected = sub(exact, pi.base.sumEvent(broadcastTo(pi.box!.logHalfRange, pi.shape)));
    assert.deepEqual(Array.from(pi.logProb(value, preTanh).data), Array.from(expected.data));
  });
});
