import assert from 'node:assert/strict';
import {
  Adam, AdamW, Optimizer, SGD, ShapeError, Tensor, ValueError, clipGradNorm, kernels, tensor, zeroGrad, type Kernels,
} from '../../engine/index.ts';
import { clip, p0, trajectories } from './torch-reference.ts';

const TARGET = [tensor([1, 2, -3]), tensor([[0.5, 0.5], [-0.5, -0.5]])];
const WEIGHT = [tensor([1, 0.5, 2]), tensor([[3, 1], [0.25, 1]])];

const makeParams = (): Tensor[] => [tensor(p0[0]).requiresGrad_(), tensor(p0[1]).requiresGrad_()];

const optimizers: Record<string, (ps: Tensor[]) => Optimizer> = {
  adam: (ps) => new Adam(ps, { lr: 0.1 }),
  adamL2: (ps) => new Adam(ps, { lr: 0.05, betas: [0.8, 0.99], eps: 1e-6, weightDecay: 0.1 }),
  adamw: (ps) => new AdamW(ps, { lr: 0.05, weightDecay: 0.1 }),
  sgd: (ps) => new SGD(ps, { lr: 0.05 }),
  sgdMomentum: (ps) => new SGD(ps, { lr: 0.05, momentum: 0.9, dampening: 0.1, weightDecay: 0.01 }),
  sgdNesterov: (ps) => new SGD(ps, { lr: 0.05, momentum: 0.9, nesterov: true }),
};

/** |ours − torch| / max(1, |torch|) over a list of flat float32 arrays, against the recorded values. */
function maxError(ours: readonly Tensor[], reference: readonly (readonly number[])[]): number {
  let worst = 0;
  ours.forEach((t, i) => t.data.forEach((v, j) => {
    const r = Math.fround(reference[i][j]);
    worst = Math.max(worst, Math.abs(v - r) / Math.max(1, Math.abs(r)));
  }));
  return worst;
}

/** Float32 carries 24 bits: a few units in the last place after 12 steps. */
const FLOAT32_TOLERANCE = 4e-6;

describe('optimizers against PyTorch-recorded trajectories', () => {
  for (const [name, make] of Object.entries(optimizers)) {
    describe(name, () => {
      it('follows torch on prescribed gradients', () => {
        const ps = makeParams();
        const opt = make(ps);
        const { grads, params } = trajectories[name].prescribed;
        grads.forEach((g, k) => {
          opt.zeroGrad();
          ps.forEach((p, i) => (p.grad = tensor(g[i].map(Math.fround), { shape: p.shape })));
          opt.step();
          const err = maxError(ps, params[k]);
          assert.ok(err < FLOAT32_TOLERANCE, `step ${k + 1}: relative error ${err}`);
        });
      });

      it('follows torch in a closed loop with engine gradients', () => {
        const ps = makeParams();
        const opt = make(ps);
        const { grads, params } = trajectories[name].closedLoop;
        grads.forEach((g, k) => {
          opt.zeroGrad();
          ps.map((p, i) => p.sub(TARGET[i]).square().mul(WEIGHT[i]).sum()).reduce((a, b) => a.add(b)).backward();
          assert.ok(maxError(ps.map((p) => p.grad as Tensor), g) < FLOAT32_TOLERANCE, `gradient at step ${k + 1}`);
          opt.step();
          const err = maxError(ps, params[k]);
          assert.ok(err < FLOAT32_TOLERANCE, `step ${k + 1}: relative error ${err}`);
        });
      });
    });
  }
});

describe('Adam', () => {
  it('runs every update through the fused kernels().adam', () => {
    // Spy on the active kernel set's adam (restored afterwards; the registry is left alone).
    const set = kernels() as { adam: Kernels['adam'] };
    const original = set.adam;
    const calls: number[] = [];
    set.adam = function (this: unknown, param, grad, m, v, hyper) {
      calls.push(hyper.step);
      return original.call(this, param, grad, m, v, hyper);
    };
    try {
      const ps = makeParams();
      const opt = new Adam(ps);
      ps.forEach((p) => (p.grad = tensor(new Float32Array(p.size).fill(1), { shape: p.shape })));
      opt.step();
      opt.step();
    } finally {
      set.adam = original;
    }
    assert.deepEqual(calls, [1, 1, 2, 2]);
  });

  it('skips parameters without a gradient (their step count does not advance)', () => {
    const ps = makeParams();
    const opt = new Adam(ps, { lr: 0.1 });
    ps[0].grad = tensor([1, 1, 1]);
    opt.step();
    assert.deepEqual([...ps[1].data], p0[1].flat().map(Math.fround));
    const state = opt.stateDict();
    assert.equal(state.parameters[0]?.step, 1);
    assert.equal(state.parameters[1], null);
  });

  it('validates hyperparameters and gradients', () => {
    assert.throws(() => new Adam(makeParams(), { lr: -1 }), ValueError);
    assert.throws(() => new Adam(makeParams(), { betas: [1, 0.999] }), /beta1/);
    assert.throws(() => new AdamW(makeParams(), { weightDecay: NaN }), /weightDecay/);
    const p = tensor([1, 2]).requiresGrad_();
    assert.throws(() => new Adam([p, p]), /twice/);
    p.grad = tensor([1, 2, 3]);
    assert.throws(() => new Adam([p]).step(), ShapeError);
  });
});

describe('SGD', () => {
  it('needs momentum > 0 and no dampening for Nesterov', () => {
    assert.throws(() => new SGD(makeParams(), { lr: 0.1, nesterov: true }), /Nesterov/);
    assert.throws(() => new SGD(makeParams(), { lr: 0.1, momentum: 0.9, dampening: 0.1, nesterov: true }), /Nesterov/);
  });

  it('maximize ascends', () => {
    const p = tensor([1]).requiresGrad_();
    const opt = new SGD([p], { lr: 0.5, maximize: true });
    p.grad = tensor([2]);
    opt.step();
    assert.equal(p.data[0], 2);
  });
});

describe('optimizer state', () => {
  for (const name of ['adam', 'adamw', 'sgdMomentum']) {
    it(`${name}: a restored optimizer continues exactly where the saved one was`, () => {
      const { grads } = trajectories[name].prescribed;
      const feed = (ps: Tensor[], k: number): void => ps.forEach((p, i) => (p.grad = tensor(grads[k][i], { shape: p.shape })));
      const ps = makeParams();
      const opt = optimizers[name](ps);
      for (let k = 0; k < 5; k++) { feed(ps, k); opt.step(); }
      const saved = opt.stateDict();
      const savedParams = ps.map((p) => p.data.slice());
      for (let k = 5; k < 12; k++) { feed(ps, k); opt.step(); }

      const resumed = savedParams.map((d, i) => tensor(d, { shape: ps[i].shape }).requiresGrad_());
      const opt2 = optimizers[name](resumed);
      opt2.loadStateDict(saved);
      for (let k = 5; k < 12; k++) { feed(resumed, k); opt2.step(); }
      resumed.forEach((p, i) => assert.deepEqual(p.data, ps[i].data));
    });
  }

  it('saves copies, and loading restores hyperparameters', () => {
    const ps = makeParams();
    const opt = new Adam(ps, { lr: 0.1 });
    ps.forEach((p) => (p.grad = tensor(new Float32Array(p.size).fill(0.5), { shape: p.shape })));
    opt.step();
    const state = opt.stateDict();
    const m = state.parameters[0]?.tensors.expAvg as Tensor;
    opt.step();
    assert.notDeepEqual(m.data, opt.stateDict().parameters[0]?.tensors.expAvg.data);
    const other = new Adam(makeParams(), { lr: 0.5 });
    other.loadStateDict(state);
    assert.equal(other.lr, 0.1);
  });

  it('refuses mismatched state and changes nothing', () => {
    const ps = makeParams();
    const opt = new Adam(ps, { lr: 0.1 });
    ps.forEach((p) => (p.grad = tensor(new Float32Array(p.size).fill(0.5), { shape: p.shape })));
    opt.step();
    const good = opt.stateDict();
    const other = new Adam(makeParams(), { lr: 0.3 });
    const before = JSON.stringify(other.stateDict());
    assert.throws(() => other.loadStateDict({ ...good, kind: 'SGD' }), /SGD/);
    assert.throws(() => other.loadStateDict({ ...good, parameters: good.parameters.slice(0, 1) }), /1 parameters/);
    assert.throws(() => other.loadStateDict({ ...good, hyper: { ...good.hyper, beta2: 2 } }), /beta2/);
    const badShape = {
      ...good,
      parameters: [good.parameters[0], { step: 1, tensors: { expAvg: tensor([1, 2]), expAvgSq: tensor([1, 2]) } }],
    };
    assert.throws(() => other.loadStateDict(badShape), (e: Error) => e instanceof ShapeError && /expAvg/.test(e.message));
    assert.equal(JSON.stringify(other.stateDict()), before);
    assert.equal(other.lr, 0.3);
  });
});

describe('clipGradNorm', () => {
  it('matches torch.nn.utils.clip_grad_norm_', () => {
    const ps = [tensor([0, 0, 0]).requiresGrad_(), tensor([[0, 0], [0, 0]]).requiresGrad_()];
    ps.forEach((p, i) => (p.grad = tensor(clip.grads[i], { shape: p.shape })));
    const norm = clipGradNorm(ps, clip.maxNorm);
    assert.ok(Math.abs(norm - clip.norm) / clip.norm < 1e-6, `norm ${norm} vs ${clip.norm}`);
    const err = maxError(ps.map((p) => p.grad as Tensor), clip.clipped);
    assert.ok(err < FLOAT32_TOLERANCE, `clipped gradients: error ${err}`);
  });

  it('leaves small gradients alone, ignores missing ones, supports the ∞-norm', () => {
    const a = tensor([3, -4]).requiresGrad_();
    const b = tensor([1]).requiresGrad_();
    a.grad = tensor([0.3, -0.4]);
    const before = a.grad;
    assert.ok(Math.abs(clipGradNorm([a, b], 1) - 0.5) < 1e-7);
    assert.equal(a.grad, before);
    assert.ok(Math.abs(clipGradNorm([a], 0.1, { normType: Infinity }) - Math.fround(0.4)) < 1e-7);
    assert.ok(Math.abs((a.grad as Tensor).data[1] + 0.1) < 1e-6);
    assert.equal(clipGradNorm([b], 1), 0);
  });

  it('does not write through gradients that share storage', () => {
    const a = tensor([3, 4]).requiresGrad_();
    const b = tensor([3, 4]).requiresGrad_();
    a.add(b).sum().backward(); // add's VJP hands both leaves the same cotangent
    const norm = clipGradNorm([a, b], 1);
    assert.ok(Math.abs(norm - 2) < 1e-6);
    for (const p of [a, b]) (p.grad as Tensor).data.forEach((v) => assert.ok(Math.abs(v - 0.5) < 1e-6));
  });

  it('errors on a non-finite norm when asked to', () => {
    const a = tensor([1]).requiresGrad_();
    a.grad = tensor([Infinity]);
    assert.throws(() => clipGradNorm([a], 1, { errorIfNonfinite: true }), /Infinity/);
    zeroGrad([a]);
    assert.equal(a.grad, null);
  });
});
