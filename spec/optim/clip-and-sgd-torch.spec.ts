import assert from 'node:assert/strict';
import { SGD, type Tensor, clipGradNorm, tensor } from '../../engine/index.ts';

// Reference numbers from torch 1.13 (torch.optim.SGD, torch.nn.utils.clip_grad_norm_) in float64,
// fixed here; every tensor below is float64 so the comparisons are at double precision.
const f64 = (values: number[]): Tensor => tensor(values, { dtype: 'float64' });

function assertClose(actual: ArrayLike<number>, expected: readonly number[], what: string, tolerance = 1e-12): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  expected.forEach((e, i) => {
    const a = actual[i];
    assert.ok(Math.abs(a - e) <= tolerance * Math.max(1, Math.abs(e)), `${what}[${i}]: ${a}, expected ${e}`);
  });
}

describe('SGD maximize with weight decay (torch.optim.SGD)', () => {
  // torch negates the gradient first and then adds the decay: d = −g + wd·θ, so the decay still
  // pulls θ towards 0 while the step ascends the objective.
  it('negates the gradient before adding the L2 term', () => {
    const p = f64([1, -2]).requiresGrad_();
    const opt = new SGD([p], { lr: 0.1, weightDecay: 0.1, maximize: true });
    p.grad = f64([0.5, 0.25]);
    opt.step();
    // θ − lr·(−g + wd·θ) = [1 + 0.05 − 0.01, −2 + 0.025 + 0.02]
    assertClose(p.data, [1.04, -1.955], 'θ after one step');
  });

  it('feeds the decayed, negated gradient into the momentum buffer', () => {
    const p = f64([1, -2]).requiresGrad_();
    const opt = new SGD([p], { lr: 0.1, momentum: 0.9, dampening: 0.25, weightDecay: 0.1, maximize: true });
    const expected = [[1.04, -1.955], [0.9932000000000001, -1.7498375000000002]];
    [[0.5, 0.25], [-1, 2]].forEach((g, k) => {
      p.grad = f64(g);
      opt.step();
      assertClose(p.data, expected[k], `θ after step ${k + 1}`);
    });
  });
});

describe('clipGradNorm against torch.nn.utils.clip_grad_norm_', () => {
  const grads = (): [Tensor, Tensor] => {
    const a = f64([0, 0]).requiresGrad_();
    const b = f64([0]).requiresGrad_();
    a.grad = f64([1, -2]);
    b.grad = f64([-3]);
    return [a, b];
  };

  const cases: { normType: number; norm: number; a: number[]; b: number[] }[] = [
    { normType: 1, norm: 6, a: [0.16666663888889352, -0.33333327777778704], b: [-0.49999991666668053] },
    { normType: 3, norm: 3.3019272488946263, a: [0.30285334041851636, -0.6057066808370327], b: [-0.9085600212555491] },
    { normType: 2, norm: 3.7416573867739413, a: [0.26726117048387205, -0.5345223409677441], b: [-0.8017835114516161] },
    { normType: Infinity, norm: 3, a: [0.33333322222225925, -0.6666664444445185], b: [-0.9999996666667778] },
  ];
  for (const { normType, norm, a: clippedA, b: clippedB } of cases) {
    it(`takes the ${normType}-norm of |g| over all gradients as one vector, and scales by maxNorm/(norm + 1e-6)`, () => {
      const [a, b] = grads();
      const total = clipGradNorm([a, b], 1, { normType });
      assert.ok(Math.abs(total - norm) <= 1e-12 * norm, `norm ${total}, expected ${norm}`);
      assertClose((a.grad as Tensor).data, clippedA, 'clipped a');
      assertClose((b.grad as Tensor).data, clippedB, 'clipped b');
    });
  }

  it('adds 1e-6 to the norm in the coefficient, which matters for small norms', () => {
    const a = f64([0, 0]).requiresGrad_();
    a.grad = f64([3e-6, -4e-6]);
    const total = clipGradNorm([a], 1e-6);
    assert.ok(Math.abs(total - 5e-6) < 1e-18, `norm ${total}`);
    // coefficient 1e-6 / (5e-6 + 1e-6) = 1/6, not 1/5
    assertClose((a.grad as Tensor).data, [5e-7, -6.666666666666666e-7], 'clipped', 1e-9);
  });

  for (const normType of [2, Infinity]) {
    it(`a NaN gradient gives a NaN ${normType}-norm that turns every gradient to NaN, or throws when asked to`, () => {
      const a = f64([0, 0, 0]).requiresGrad_();
      a.grad = f64([NaN, 1, 0.5]);
      assert.ok(Number.isNaN(clipGradNorm([a], 1, { normType })));
      (a.grad as Tensor).data.forEach((v, i) => assert.ok(Number.isNaN(v), `gradient ${i} is ${v}`));
      a.grad = f64([NaN, 1, 0.5]);
      assert.throws(() => clipGradNorm([a], 1, { normType, errorIfNonfinite: true }), /NaN/);
    });
  }
});
