import assert from 'node:assert/strict';
import {
  Generator, LayerNorm, Linear, MLP, Module, ShapeError, Tensor, ValueError, copyParameters, functionalCall, grad, hvp,
  polyakUpdate, tensor, valueAndGrad, vjp,
} from '../../engine/index.ts';
import { checkGrads } from '../engine/gradcheck.ts';

// Key names and shapes of torch.nn.Sequential(Linear(3, 4), LayerNorm(4), Tanh(), Linear(4, 2)).state_dict(),
// printed by /usr/bin/python3 with python3-torch 1.13.1.
const TORCH_SEQUENTIAL_KEYS = ['0.weight', '0.bias', '1.weight', '1.bias', '3.weight', '3.bias'];
const TORCH_SEQUENTIAL_SHAPES = [[4, 3], [4], [4], [4], [2, 4], [2]];

// torch.nn.LayerNorm(4) with weight [1, 2, 0.5, −1], bias [0.1, 0, −0.1, 0.2] on
// x = [[1, 2, 3, 4], [−1, 0.5, 2, −3]] (float32), same PyTorch.
const TORCH_LAYER_NORM = [
  [-1.2416354417800903, -0.8944237232208252, 0.12360589951276779, -1.1416354179382324],
  [-0.23786821961402893, 0.9460310339927673, 0.5419496297836304, 1.6190465688705444],
];

const makeMlp = (seed: number, dtype: 'float32' | 'float64' = 'float32'): MLP =>
  new MLP({ inputSize: 3, hiddenSizes: [4], outputSize: 2, activation: 'tanh', layerNorm: true, generator: seed, dtype });

describe('Module', () => {
  describe('parameter trees', () => {
    it('names an MLP like the equivalent torch nn.Sequential', () => {
      const net = makeMlp(0);
      const named = net.namedParameters();
      assert.deepEqual(named.map(([n]) => n), TORCH_SEQUENTIAL_KEYS);
      assert.deepEqual(named.map(([, p]) => [...p.shape]), TORCH_SEQUENTIAL_SHAPES);
      assert.deepEqual(Object.keys(net.stateDict()), TORCH_SEQUENTIAL_KEYS);
      assert.equal(net.parameters().length, 6);
      assert.ok(net.parameters().every((p) => p.requiresGrad && p.isLeaf));
      assert.equal(net.numParameters(), 12 + 4 + 4 + 4 + 8 + 2);
    });

    it('numbers an MLP without LayerNorm and with an output activation', () => {
      const net = new MLP({ inputSize: 2, hiddenSizes: [8, 8], outputSize: 1, outputActivation: 'tanh', generator: 1 });
      assert.deepEqual(Object.keys(net.stateDict()), ['0.weight', '0.bias', '2.weight', '2.bias', '4.weight', '4.bias']);
      assert.equal(net.layers.length, 6);
      const y = net.forward(tensor([[10, -10], [3, 4]]));
      assert.ok(y.data.every((v) => Math.abs(v) < 1));
    });

    it('rejects duplicate and dotted names', () => {
      class Bad extends Module {
        constructor(name: string, twice: boolean) {
          super();
          this.registerParameter(name, tensor([1]));
          if (twice) this.registerBuffer(name, tensor([1]));
        }
      }
      assert.throws(() => new Bad('a.b', false), ValueError);
      assert.throws(() => new Bad('a', true), /already registered/);
    });

    it('keeps buffers in the state dict but out of the parameters', () => {
      class WithBuffer extends Module {
        constructor() {
          super();
          this.registerParameter('w', tensor([1, 2]));
          this.registerBuffer('count', tensor([0]));
        }
      }
      const m = new WithBuffer();
      assert.equal(m.parameters().length, 1);
      assert.deepEqual(Object.keys(m.stateDict()), ['w', 'count']);
    });
  });

  describe('stateDict / loadStateDict', () => {
    it('round-trips, with copies rather than aliases', () => {
      const a = makeMlp(1);
      const b = makeMlp(2);
      const state = a.stateDict();
      b.loadStateDict(state);
      const x = tensor([[0.1, 0.2, 0.3], [1, -1, 2]]);
      assert.deepEqual(b.forward(x).data, a.forward(x).data);
      state['0.weight'].data[0] = 99; // the dict holds copies
      assert.notEqual(a.parameters()[0].data[0], 99);
      assert.notEqual(b.parameters()[0].data[0], 99);
    });

    it('converts dtype on load (float64 state into a float32 module)', () => {
      const source = makeMlp(3, 'float64');
      const target = makeMlp(4);
      target.loadStateDict(source.stateDict());
      const [, w] = target.namedParameters()[0];
      assert.equal(w.dtype, 'float32');
      assert.equal(w.data[1], Math.fround(source.parameters()[0].data[1]));
    });

    it('refuses shape mismatches, missing and unexpected keys, changing nothing', () => {
      const net = makeMlp(5);
      const before = net.stateDict();
      const wrongShape: Record<string, Tensor> = { ...net.stateDict(), '3.weight': tensor([[1, 2, 3, 4, 5], [1, 2, 3, 4, 5]]) };
      wrongShape['0.weight'] = new Tensor(new Float32Array(12).fill(7), [4, 3]); // valid, listed first
      assert.throws(() => net.loadStateDict(wrongShape), (e: Error) =>
        e instanceof ShapeError && /'3\.weight'/.test(e.message) && /\[2, 5\]/.test(e.message) && /\[2, 4\]/.test(e.message));
      const missing = net.stateDict();
      delete missing['1.bias'];
      assert.throws(() => net.loadStateDict(missing), /missing keys \[1\.bias\]/);
      assert.throws(() => net.loadStateDict({ ...net.stateDict(), extra: tensor([1]) }), /unexpected keys \[extra\]/);
      for (const [name, t] of Object.entries(net.stateDict())) assert.deepEqual(t.data, before[name].data, name);
      net.loadStateDict(missing, { strict: false }); // non-strict: loads what is there
    });
  });

  describe('copyParameters and polyakUpdate', () => {
    it('copy makes the target equal to the source, in place', () => {
      const source = makeMlp(6);
      const target = makeMlp(7);
      const targetTensors = target.parameters();
      copyParameters(target, source);
      target.parameters().forEach((p, i) => {
        assert.equal(p, targetTensors[i]);
        assert.deepEqual(p.data, source.parameters()[i].data);
        assert.notEqual(p.data, source.parameters()[i].data);
      });
    });

    it('polyak computes (1 − τ)·target + τ·source, bumping versions', () => {
      const source = makeMlp(8, 'float64');
      const target = makeMlp(9, 'float64');
      const old = target.parameters().map((p) => p.data.slice());
      const versions = target.parameters().map((p) => p.version);
      polyakUpdate(target, source, 0.005);
      target.parameters().forEach((p, i) => {
        assert.equal(p.version, versions[i] + 1);
        p.data.forEach((v, j) => assert.ok(Math.abs(v - (0.995 * old[i][j] + 0.005 * source.parameters()[i].data[j])) < 1e-15));
      });
      polyakUpdate(target, source, 1);
      target.parameters().forEach((p, i) => assert.deepEqual(p.data, source.parameters()[i].data));
      const snapshot = target.parameters().map((p) => p.data.slice());
      polyakUpdate(target, source, 0);
      target.parameters().forEach((p, i) => assert.deepEqual(p.data, snapshot[i]));
    });

    it('converges geometrically to a fixed source', () => {
      const source = makeMlp(10, 'float64');
      const target = makeMlp(11, 'float64');
      const gap0 = target.parameters()[0].data[0] - source.parameters()[0].data[0];
      for (let k = 0; k < 100; k++) polyakUpdate(target, source, 0.1);
      const gap = target.parameters()[0].data[0] - source.parameters()[0].data[0];
      assert.ok(Math.abs(gap - gap0 * 0.9 ** 100) < 1e-12);
    });

    it('refuses mismatched architectures and bad τ', () => {
      const small = new MLP({ inputSize: 3, hiddenSizes: [4], outputSize: 2, generator: 0 });
      const big = new MLP({ inputSize: 3, hiddenSizes: [5], outputSize: 2, generator: 0 });
      assert.throws(() => polyakUpdate(small, big, 0.5), ShapeError);
      assert.throws(() => copyParameters(small, makeMlp(0)), ValueError);
      assert.throws(() => polyakUpdate(small, small, 1.5), /tau/);
    });

    it('an in-place update invalidates graphs that saved the old values', () => {
      const net = makeMlp(12);
      const y = net.forward(tensor([[1, 2, 3]])).sum();
      polyakUpdate(net, makeMlp(13), 0.5);
      assert.throws(() => y.backward(), /modified in place/);
    });
  });

  describe('inside function transforms', () => {
    it('backward fills the parameters\' gradients; grad of a module wrt its input matches finite differences', () => {
      const net = makeMlp(14, 'float64');
      net.forward(tensor([[0.5, -0.2, 1]], { dtype: 'float64' })).sum().backward();
      assert.ok(net.parameters().every((p) => p.grad !== null));
      checkGrads((x) => net.forward(x), [tensor([[0.5, -0.2, 1], [2, 0, -1]], { dtype: 'float64' })]);
    });

    it('functionalCall differentiates with respect to substituted parameters, to second order', () => {
      const net = new MLP({ inputSize: 2, hiddenSizes: [3], outputSize: 1, activation: 'tanh', generator: 15, dtype: 'float64' });
      const names = net.namedParameters().map(([n]) => n);
      const x = tensor([[0.3, -0.4], [1, 2]], { dtype: 'float64' });
      const loss = (...ps: Tensor[]): Tensor =>
        functionalCall(net, Object.fromEntries(names.map((n, i) => [n, ps[i]])), () => net.forward(x).square().mean());
      checkGrads(loss, net.parameters().map((p) => p.detach()));
      // the module's own parameters are back afterwards
      assert.deepEqual(net.namedParameters().map(([, p]) => p), net.parameters());
      const [value, pullback] = vjp(loss, ...net.parameters());
      const [v2, grads] = valueAndGrad(loss, [0, 1, 2, 3])(...net.parameters());
      assert.equal(value.item(), v2.item());
      pullback(tensor(1, { dtype: 'float64' })).forEach((g, i) => assert.deepEqual(g.data, grads[i].data));
      assert.throws(() => functionalCall(net, { nope: x }, () => 0), /no parameter 'nope'/);
    });

    it('hvp through a LayerNorm network in its input', () => {
      const net = makeMlp(16, 'float64');
      const x = tensor([0.2, -0.3, 0.9], { dtype: 'float64' });
      const v = tensor([1, 0.5, -1], { dtype: 'float64' });
      const f = (z: Tensor): Tensor => net.forward(z).square().sum();
      const h = hvp(f, x, v);
      const eps = 1e-5;
      const gp = grad(f)(x.add(v.mul(eps)).detach()).data;
      const gm = grad(f)(x.sub(v.mul(eps)).detach()).data;
      h.data.forEach((hv, i) => assert.ok(Math.abs(hv - (gp[i] - gm[i]) / (2 * eps)) < 1e-6));
    });
  });
});

describe('layers', () => {
  it('Linear computes x·Wᵀ + b with W [out, in]', () => {
    const layer = new Linear(3, 2, { generator: 0, dtype: 'float64' });
    const x = tensor([[1, 2, 3]], { dtype: 'float64' });
    const y = layer.forward(x);
    const w = layer.weight.data, b = (layer.bias as Tensor).data;
    for (let o = 0; o < 2; o++) {
      assert.ok(Math.abs(y.data[o] - (w[3 * o] + 2 * w[3 * o + 1] + 3 * w[3 * o + 2] + b[o])) < 1e-14);
    }
    const noBias = new Linear(3, 2, { generator: 0, bias: false });
    assert.equal(noBias.bias, undefined);
    assert.deepEqual(Object.keys(noBias.stateDict()), ['weight']);
  });

  it('Linear draws from its generator: same seed, same weights', () => {
    const a = new Linear(5, 4, { generator: new Generator(3) });
    const b = new Linear(5, 4, { generator: 3 });
    assert.deepEqual(a.weight.data, b.weight.data);
    assert.notDeepEqual(a.weight.data, new Linear(5, 4, { generator: 4 }).weight.data);
  });

  it('LayerNorm matches PyTorch', () => {
    const ln = new LayerNorm(4);
    ln.loadStateDict({ weight: tensor([1, 2, 0.5, -1]), bias: tensor([0.1, 0, -0.1, 0.2]) });
    const y = ln.forward(tensor([[1, 2, 3, 4], [-1, 0.5, 2, -3]]));
    let maxError = 0;
    TORCH_LAYER_NORM.flat().forEach((v, i) => (maxError = Math.max(maxError, Math.abs(y.data[i] - v))));
    assert.ok(maxError < 1e-6, `max error ${maxError}`);
  });

  it('LayerNorm gradients to second order', () => {
    const ln = new LayerNorm(3, { dtype: 'float64' });
    checkGrads((x) => ln.forward(x), [tensor([[0.5, -1, 2], [0.1, 0.2, 0.4]], { dtype: 'float64' })]);
  });
});
