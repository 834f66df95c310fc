import assert from 'node:assert/strict';
import ndarray from 'ndarray';
import * as E from '../../engine/index.ts';
import { Generator, tensor } from '../../engine/index.ts';

describe('tensor creation', () => {
  it('from nested arrays, typed arrays and numbers, float32 by default', () => {
    const t = tensor([[1, 2, 3], [4, 5, 6]]);
    assert.deepEqual(t.shape, [2, 3]);
    assert.equal(t.dtype, 'float32');
    assert.deepEqual(t.toArray(), [[1, 2, 3], [4, 5, 6]]);
    assert.equal(tensor(Float64Array.of(1, 2)).dtype, 'float64');
    assert.deepEqual(tensor([1, 2, 3, 4], { shape: [2, 2] }).toArray(), [[1, 2], [3, 4]]);
    assert.equal(tensor(7).item(), 7);
    assert.deepEqual(tensor(7).shape, []);
    assert.equal(tensor([0.1], { dtype: 'float64' }).item(), 0.1);
    assert.equal(tensor([0.1]).item(), Math.fround(0.1));
  });

  it('zeros, ones, full, arange, eye, and their dtype option', () => {
    assert.deepEqual(E.zeros([2]).toArray(), [0, 0]);
    assert.deepEqual(E.ones([1, 2], { dtype: 'float64' }).toArray(), [[1, 1]]);
    assert.deepEqual(E.full([2], 3.5).toArray(), [3.5, 3.5]);
    assert.deepEqual(E.arange(4).toArray(), [0, 1, 2, 3]);
    assert.deepEqual(E.arange(1, 2, 0.25).toArray(), [1, 1.25, 1.5, 1.75]);
    assert.deepEqual(E.arange(3, 0, -1).toArray(), [3, 2, 1]);
    assert.deepEqual(E.eye(2, 3).toArray(), [[1, 0, 0], [0, 1, 0]]);
  });

  it('rand and randn are reproducible from a seed and advance a generator', () => {
    const a = E.randn([3], { generator: 42 });
    const b = E.randn([3], { generator: 42 });
    assert.deepEqual(a.toArray(), b.toArray());
    const g = new Generator(1);
    const first = E.rand([4], { generator: g, low: -1, high: 1 });
    const second = E.rand([4], { generator: g, low: -1, high: 1 });
    assert.notDeepEqual(first.toArray(), second.toArray());
    for (const v of first.data) assert.ok(v >= -1 && v < 1);
  });

  it('rejects ragged arrays and mismatched sizes, naming the position', () => {
    assert.throws(() => tensor([[1, 2], [3]]), /tensor: ragged nested array at \[1\]: expected 2 entries/);
    assert.throws(() => tensor([1, 2, 3], { shape: [2, 2] }), /tensor: 3 values do not fill shape \[2, 2\]/);
    assert.throws(() => E.full([2, -1], 0), /full: invalid shape \[2, -1\]/);
  });

  it('item() needs one element', () => {
    assert.throws(() => tensor([1, 2]).item(), /item: tensor of shape \[2\] has 2 elements, expected 1/);
  });

  it('is immutable from the user view: ops return new tensors, reshape shares storage safely', () => {
    const t = tensor([1, 2, 3, 4]);
    const r = t.reshape([2, 2]);
    const s = t.add(1);
    assert.deepEqual(t.toArray(), [1, 2, 3, 4]);
    assert.deepEqual(r.toArray(), [[1, 2], [3, 4]]);
    assert.deepEqual(s.toArray(), [2, 3, 4, 5]);
    const copy = t.toTypedArray();
    copy[0] = 99;
    assert.equal(t.data[0], 1);
  });
});

describe('shape ops (forward values)', () => {
  const x = tensor([[1, 2, 3], [4, 5, 6]]);
  it('reshape with −1, transpose, permute', () => {
    assert.deepEqual(x.reshape([3, -1]).toArray(), [[1, 2], [3, 4], [5, 6]]);
    assert.deepEqual(x.transpose().toArray(), [[1, 4], [2, 5], [3, 6]]);
    assert.deepEqual(E.permute(E.arange(6).reshape([1, 2, 3]), [2, 0, 1]).toArray(), [[[0, 3]], [[1, 4]], [[2, 5]]]);
  });
  it('expand / broadcastTo with NumPy rules', () => {
    assert.deepEqual(tensor([1, 2]).expand([2, 2]).toArray(), [[1, 2], [1, 2]]);
    assert.deepEqual(tensor([[1], [2]]).expand([2, 3]).toArray(), [[1, 1, 1], [2, 2, 2]]);
    assert.throws(() => tensor([1, 2]).expand([3]), /broadcastTo: cannot broadcast shape \[2\] to \[3\]/);
  });
  it('slice, concat, stack, split', () => {
    assert.deepEqual(E.slice(x, [0, 1], [2, -1]).toArray(), [[2], [5]]);
    assert.deepEqual(E.slice(x, [1]).toArray(), [[4, 5, 6]]);
    assert.deepEqual(E.slice(x, [0, 0], [2, 3], [1, 2]).toArray(), [[1, 3], [4, 6]]);
    assert.deepEqual(E.concat([x, x], 1).shape, [2, 6]);
    assert.deepEqual(E.stack([tensor([1, 2]), tensor([3, 4])], 1).toArray(), [[1, 3], [2, 4]]);
    assert.deepEqual(E.split(x, [1, 2], 1).map((t) => t.toArray()), [[[1], [4]], [[2, 3], [5, 6]]]);
  });
  it('gather along an axis, as torch.gather', () => {
    const idx = tensor([[0, 0], [1, 0]]);
    assert.deepEqual(E.gather(tensor([[1, 2], [3, 4]]), 1, idx).toArray(), [[1, 1], [4, 3]]);
    assert.throws(() => E.gather(x, 1, tensor([[3]])), /gather: index value 3 at flat position 0 is not an integer in \[0, 3\)/);
  });
  it('where broadcasts condition and branches', () => {
    assert.deepEqual(E.where(tensor([1, 0, 1]), tensor([1, 2, 3]), 0).toArray(), [1, 0, 3]);
  });
});

describe('numerics of reductions and composites', () => {
  it('sum/mean/max/min over several axes with keepdims', () => {
    const t = E.arange(24).reshape([2, 3, 4]);
    assert.deepEqual(t.sum([0, 2]).toArray(), [60, 92, 124]);
    assert.deepEqual(t.sum([0, 2], true).shape, [1, 3, 1]);
    assert.deepEqual(t.max(-1).toArray(), [[3, 7, 11], [15, 19, 23]]);
    assert.deepEqual(t.min([1, 2]).toArray(), [0, 12]);
    assert.equal(t.mean().item(), 11.5);
  });
  it('variance with PyTorch’s default correction and the population form', () => {
    const t = tensor([1, 2, 3, 4], { dtype: 'float64' });
    assert.equal(E.variance(t).item(), 5 / 3);
    assert.equal(E.variance(t, undefined, { correction: 0 }).item(), 1.25);
    assert.equal(E.std(t, 0, { correction: 0 }).item(), Math.sqrt(1.25));
  });
  it('logsumexp is stable for large and −∞ inputs; softmax sums to one', () => {
    const big = tensor([1000, 1000], { dtype: 'float64' });
    assert.equal(E.logsumexp(big).item(), 1000 + Math.log(2));
    assert.equal(E.logsumexp(tensor([-Infinity, -Infinity])).item(), -Infinity);
    const p = E.softmax(tensor([[1, 2, 3]], { dtype: 'float64' }));
    assert.ok(Math.abs(p.sum().item() - 1) < 1e-15);
    assert.ok(Math.abs(E.logSoftmax(big).data[0] + Math.log(2)) < 1e-12);
  });
  it('max shares the gradient equally among ties; maximum splits ties in half', () => {
    const x = tensor([1, 3, 3], { dtype: 'float64' });
    assert.deepEqual(E.grad((z: E.Tensor) => z.max())(x).toArray(), [0, 0.5, 0.5]);
    assert.deepEqual(E.grad((a: E.Tensor) => E.maximum(a, 3).sum())(x).toArray(), [0, 0.5, 0.5]);
  });
  it('clamp passes the gradient on the closed interval (bounds included)', () => {
    const x = tensor([-2, -1, 0, 1, 2], { dtype: 'float64' });
    assert.deepEqual(E.grad((z: E.Tensor) => z.clamp(-1, 1).sum())(x).toArray(), [0, 1, 1, 1, 0]);
  });
  it('softplus, sigmoid and their gradients stay finite for large |x|', () => {
    const x = tensor([-800, 800], { dtype: 'float64' });
    assert.deepEqual(E.softplus(x).toArray(), [0, 800]);
    assert.deepEqual(E.sigmoid(x).toArray(), [0, 1]);
    assert.deepEqual(E.grad((z: E.Tensor) => E.softplus(z).sum())(x).toArray(), [0, 1]);
  });
  it('matmul: 2-D, batched with broadcast batch dims, 1-D operands', () => {
    const a = tensor([[1, 2], [3, 4]]);
    assert.deepEqual(E.matmul(a, a).toArray(), [[7, 10], [15, 22]]);
    assert.deepEqual(E.matmul(a, tensor([1, 1])).toArray(), [3, 7]);
    assert.deepEqual(E.matmul(tensor([1, 1]), a).toArray(), [4, 6]);
    const batch = E.stack([a, E.eye(2)]);
    assert.deepEqual(E.matmul(batch, a).toArray(), [[[7, 10], [15, 22]], [[1, 2], [3, 4]]]);
    assert.deepEqual(E.matmul(a, a, { transA: true }).toArray(), [[10, 14], [14, 20]]);
  });
});

describe('errors name the op and the shapes', () => {
  it('broadcasting mismatch', () => {
    assert.throws(() => E.mul(tensor([[1, 2, 3]]), tensor([[1, 2]])), (e: Error) =>
      e.name === 'ShapeError' && /^mul: cannot broadcast shapes \[1, 3\] and \[1, 2\]$/.test(e.message));
  });
  it('matmul inner dimensions', () => {
    assert.throws(() => E.matmul(E.zeros([2, 3]), E.zeros([2, 3])), /matmul: inner dimensions differ: \[2, 3\] · \[2, 3\]/);
    assert.throws(() => E.linear(E.zeros([2, 3]), E.zeros([4, 5])), /linear: input \[2, 3\] does not fit weight \[4, 5\]/);
  });
  it('reshape, axes, concat', () => {
    assert.throws(() => E.zeros([2, 3]).reshape([4]), /reshape: cannot reshape \[2, 3\] \(6 elements\) to \[4\]/);
    assert.throws(() => E.zeros([2, 3]).sum(2), /sum: axis 2 is out of range for a tensor of rank 2/);
    assert.throws(() => E.concat([E.zeros([2, 3]), E.zeros([3, 3])], 1), /concat: shapes \[2, 3\], \[3, 3\] differ outside axis 1/);
  });
});

describe('ndarray interop', () => {
  it('fromNdarray respects the strides and offset of a view', () => {
    const base = ndarray(new Float32Array([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]), [3, 4]);
    assert.deepEqual(E.fromNdarray(base.transpose(1, 0)).toArray(), [[0, 4, 8], [1, 5, 9], [2, 6, 10], [3, 7, 11]]);
    assert.deepEqual(E.fromNdarray(base.hi(3, 4).lo(1, 1).step(1, 2)).toArray(), [[5, 7], [9, 11]]);
    assert.deepEqual(E.fromNdarray(base.pick(null, 2).step(-1)).toArray(), [10, 6, 2]);
    assert.equal(E.fromNdarray(ndarray(new Float64Array([1]), [1])).dtype, 'float64');
  });
  it('toNdarray shares the values with the shape of the tensor', () => {
    const t = tensor([[1, 2], [3, 4]]);
    const nd = E.toNdarray(t);
    assert.deepEqual(nd.shape, [2, 2]);
    assert.equal(nd.get(1, 0), 3);
    assert.deepEqual(E.fromNdarray(nd).toArray(), t.toArray());
  });
});

describe('edge sizes', () => {
  it('empty tensors and zero-length contractions', () => {
    assert.equal(E.tensor([]).sum().item(), 0);
    assert.deepEqual(E.zeros([0, 3]).sum(0).toArray(), [0, 0, 0]);
    assert.deepEqual(E.matmul(E.zeros([2, 0]), E.zeros([0, 3])).toArray(), [[0, 0, 0], [0, 0, 0]]);
    assert.deepEqual(E.linear(E.zeros([2, 0]), E.zeros([3, 0]), tensor([1, 2, 3])).toArray(), [[1, 2, 3], [1, 2, 3]]);
    assert.throws(() => E.tensor([]).max(), /max: cannot reduce over an empty axis of shape \[0\]/);
  });
  it('rank-0 tensors through ops and gradients', () => {
    assert.equal(E.tensor(2).mul(3).exp().log().item(), 6);
    assert.equal(E.grad((x: E.Tensor) => x.mul(x))(tensor(3)).item(), 6);
  });
});
