import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import {
  AffineCouplingTransform, AffineTransform, ComposeTransform, Generator, Linear, MLP, Normal, TanhNormal, TanhTransform, Tensor,
  TransformedDistribution, add, broadcastTo, functionalCall, log, mul, noGrad, sliceAxis, softplus, square, sub, sum, tanh, tensor,
  type Transform,
} from '../../engine/index.ts';
import { checkGrads } from '../engine/gradcheck.ts';

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

/** Transforms of `size`-dimensional events, built from a seed and a mask (any 0/1 pattern, all-0 and all-1 included). */
function transforms(size: number, seed: number, maskBits: readonly boolean[]): [string, Transform][] {
  const rng = new Generator(seed);
  const mask = tensor(maskBits.slice(0, size).map(Number), f64);
  const coupling = new AffineCouplingTransform(mask, conditioner(size, seed).fn);
  const complement = new AffineCouplingTransform(sub(1, mask), conditioner(size, seed + 1).fn);
  const contextNet = new MLP({ inputSize: size + 2, hiddenSizes: [5], outputSize: 2 * size, generator: seed + 2, dtype: 'float64' });
  const withContext = new AffineCouplingTransform(mask, contextNet, { context: tensor([[0.4, -1.1]], f64) });
  const affine = new AffineTransform(tensor(Array.from({ length: size }, () => rng.normal()), f64), tensor(Array.from({ length: size }, () => (rng.uniform() < 0.5 ? -1 : 1) * (0.5 + rng.uniform())), f64));
  return [
    ['tanh', new TanhTransform()],
    ['tanh ε', new TanhTransform({ epsilon: 1e-6 })],
    ['affine', affine],
    ['coupling', coupling],
    ['coupling (module conditioner, context)', withContext],
    ['coupling ∘ complementary coupling', new ComposeTransform([coupling, complement])],
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
  const masks = fc.array(fc.boolean(), { minLength: 4, maxLength: 4 });

  it('inverse(forward(x)) = x (property, float64)', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 4 }), fc.integer({ min: 0, max: 1e6 }), masks, fc.array(fc.double({ min: -2, max: 2, noNaN: true }), { minLength: 4, maxLength: 4 }), (size, seed, mask, values) => {
      const x = tensor([values.slice(0, size)], f64);
      for (const [name, t] of transforms(size, seed, mask)) {
        const back = t.inverse(t.forward(x)).data;
        x.data.forEach((v, i) => assert.ok(Math.abs(back[i] - v) < 1e-8, `${name}: ${back[i]} vs ${v}`));
      }
    }), { numRuns: 100 });
  });

  it('log|det J| summed over the event equals the log-determinant of the numerical Jacobian (property)', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 4 }), fc.integer({ min: 0, max: 1e6 }), masks, fc.array(fc.double({ min: -1.5, max: 1.5, noNaN: true }), { minLength: 4, maxLength: 4 }), (size, seed, mask, values) => {
      const point = values.slice(0, size);
      for (const [name, t] of transforms(size, seed, mask)) {
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

  it('a 1-D flow (affine then tanh) integrates to 1 over (−1, 1)', () => {
    const flow = new TransformedDistribution(new Normal(tensor([[0.4]], f64), tensor([[0.8]], f64)), [new AffineTransform(0.2, 1.5, { dtype: 'float64' }), new TanhTransform()]);
    const n = 20_000;
    const y = tensor(Array.from({ length: n - 1 }, (_, i) => [-1 + (2 * (i + 1)) / n]), f64);
    const total = Array.from(flow.logProb(y).data).reduce((acc, logp) => acc + Math.exp(logp) * (2 / n), 0);
    assert.ok(Math.abs(total - 1) < 2e-3, `∫p = ${total}`);
  });

  it('a 2-D RealNVP flow (two couplings, then tanh) integrates to 1 over (−1, 1)²', () => {
    const first = conditioner(2, 11);
    const second = conditioner(2, 12);
    const flow = new TransformedDistribution(new Normal(tensor([[0.2, -0.3]], f64), tensor([[0.6, 0.5]], f64)), [
      new AffineCouplingTransform(tensor([1, 0], f64), first.fn), new AffineCouplingTransform(tensor([0, 1], f64), second.fn), new TanhTransform(),
    ]);
    const n = 400;
    const points: number[][] = [];
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) points.push([-1 + (2 * (i + 0.5)) / n, -1 + (2 * (j + 0.5)) / n]);
    const total = Array.from(flow.logProb(tensor(points, f64)).data).reduce((acc, logp) => acc + Math.exp(logp) * (2 / n) ** 2, 0);
    assert.ok(Math.abs(total - 1) < 5e-3, `∫p = ${total}`);
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

describe('AffineCouplingTransform conditioning', () => {
  it('gradients of log q(rsample) in the conditioner\'s weights match finite differences (float64, order 2)', () => {
    const state = tensor([[0.3, -0.7, 1.1]], f64);
    const layer = new Linear(2 + 3, 4, { generator: 5, dtype: 'float64' });
    const [weight, bias] = [layer.weight, layer.bias!];
    const logq = (w: Tensor, b: Tensor): Tensor => functionalCall(layer, { weight: w, bias: b }, () => {
      const flow = new TransformedDistribution(new Normal(tensor([[0.1, -0.2]], f64), tensor([[0.8, 0.6]], f64)), [
        new AffineCouplingTransform(tensor([0, 1], f64), layer, { context: state }), new TanhTransform(),
      ]);
      const { value, intermediates } = flow.rsample(new Generator(8), [3]);
      return sum(flow.logProb(value, intermediates));
    });
    checkGrads(logq, [weight, bias], { order: 2 });
  });

  it('sees its context, broadcast over sample axes; withContext swaps it', () => {
    const seen: number[][] = [];
    const fn = (masked: Tensor, context: Tensor | undefined) => {
      seen.push([...context!.shape]);
      return { logScale: mul(broadcastTo(sliceAxis(context!, -1, 0, 1), masked.shape), 0.5), shift: broadcastTo(sliceAxis(context!, -1, 1, 2), masked.shape) };
    };
    const states = tensor([[0, 1], [2, -1], [-2, 3]], f64);
    const layer = new AffineCouplingTransform(tensor([1, 0], f64), fn, { context: states });
    const x = tensor(Array.from({ length: 4 * 3 * 2 }, (_, i) => Math.cos(i)), { shape: [4, 3, 2], dtype: 'float64' });
    const y = layer.forward(x);
    assert.deepEqual(seen[0], [4, 3, 2]);
    for (let b = 0; b < 3; b++) {
      const [s, t] = [0.5 * states.data[2 * b], states.data[2 * b + 1]];
      for (let k = 0; k < 4; k++) {
        const i = (k * 3 + b) * 2;
        assert.equal(y.data[i], x.data[i]);
        assert.ok(Math.abs(y.data[i + 1] - (x.data[i + 1] * Math.exp(s) + t)) < 1e-12);
      }
    }
    const other = layer.withContext(tensor([[1, 0]], f64));
    assert.ok(Math.abs(other.forward(tensor([[0, 2]], f64)).data[1] - 2 * Math.exp(0.5)) < 1e-12);
    assert.throws(() => layer.forward(tensor([[1, 2]], f64)), /context of shape \[3, 2\] does not broadcast to the input's leading axes \[1\]/);
  });

  it('runs the conditioner once for rsample + logProb(value, intermediates), and again only when it must', () => {
    let calls = 0;
    const { fn } = conditioner(2, 6);
    const counted = (masked: Tensor) => { calls++; return fn(masked); };
    const flow = new TransformedDistribution(Normal.fromLogScale(tensor([[0.1, -0.2]], f64), tensor([[-0.5, 0.2]], f64)), [
      new ComposeTransform([new AffineCouplingTransform(tensor([1, 0], f64), counted), new TanhTransform()]),
    ]);
    const { value, intermediates } = flow.rsample(new Generator(4), [5]);
    const cached = flow.logProb(value, intermediates);
    assert.equal(calls, 1);
    // a new ComposeTransform has no memory of the draw, so it runs the conditioner again: same numbers
    const recomputed = new TransformedDistribution(flow.base, [new ComposeTransform((flow.transforms[0] as ComposeTransform).parts)]);
    assert.deepEqual(Array.from(recomputed.logProb(value, intermediates).data), Array.from(cached.data));
    assert.equal(calls, 2);
    // a draw made without recording is not reused while recording, so no gradient is lost
    const quiet = noGrad(() => flow.rsample(new Generator(4), [5]));
    const before = calls;
    flow.logProb(quiet.value, quiet.intermediates);
    assert.ok(calls > before);
  });

  it('refuses bad conditioners, contexts and masks, naming them', () => {
    const net = new MLP({ inputSize: 2, hiddenSizes: [], outputSize: 3, generator: 1 });
    assert.throws(() => new AffineCouplingTransform([1, 0], net).forward(tensor([[1, 2]])), /conditioner module returned shape \[1, 3\], expected \[1, 4\] \(log-scale then shift\)/);
    assert.throws(() => new AffineCouplingTransform([1, 0], undefined as never), /conditioner must be a function or a module/);
    assert.throws(() => new AffineCouplingTransform([[1, 0]] as never, net), /mask must be one-dimensional/);
    assert.throws(() => new AffineCouplingTransform([1, 0], net, { context: tensor(1) }), /context must be a tensor of rank ≥ 1, got shape \[\]/);
    assert.throws(() => new AffineCouplingTransform([1, 0, 1], net).forward(tensor([[1, 2]])), /input of shape \[1, 2\] does not end in the mask's size 3/);
    assert.throws(() => new TransformedDistribution(undefined as never, []), /base must be a distribution/);
    assert.throws(() => new TransformedDistribution(new Normal(tensor([0]), 1), [new TanhTransform(), {} as never]), /transforms\[1\] is not a Transform/);
    assert.throws(() => new AffineTransform(undefined as never, 1), /loc must be a tensor, a number or an array of numbers, got undefined/);
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
