/**
 * The functional API called from plain JavaScript: a missing or mistyped argument is refused with
 * an error that names the op, the argument and what it was given, instead of a TypeError from
 * inside the op; valid calls give what they always gave.
 */
import assert from 'node:assert/strict';
import ndarray from 'ndarray';
import * as E from '../../engine/index.ts';
import {
  GradientError, ShapeError, Tensor, TracedFunction, ValueError, broadcastTo, cast, clamp, concat, elu, fromNdarray, gather,
  grad, gradients, hostCall, hvp, identity, jvp, kernels, linear, logSoftmax, matmul, mean, noGrad, ones, onesLike, permute,
  registerKernels, reshape, setKernelThreads, slice, sliceAxis, softmax, split, squeeze, stack, std, sum, sumTo, tensor,
  toNdarray, transpose, unsqueeze, useKernels, valueAndGrad, variance, vjp, where, withAnomalyCheck, withGradMode, zerosLike,
} from '../../engine/index.ts';
import { apply } from '../../engine/autograd/graph.ts';
import { primitives } from '../../engine/ops/primitives.ts';
import { refuses, untyped } from '../support/plain-js.ts';

/** What a plain-JS caller might pass instead of a Tensor, and how the message shows it. */
const notTensors: readonly (readonly [unknown, string])[] = [
  [undefined, 'undefined'], [null, 'null'], ['1', 'the string "1"'], [{}, 'an Object'],
];

/** Refuses `call(v)` for every value of `notTensors`, with `message(shown)`. */
function refusesNonTensors(call: (v: unknown) => unknown, message: (shown: string) => string): void {
  for (const [v, shown] of notTensors) refuses(() => call(v), ValueError, message(shown));
}

const x = tensor([[1, -2, 3], [4, 5, -6]]);
const sameValues = (t: unknown, expected: E.NestedArray): void => {
  assert.ok(t instanceof Tensor);
  assert.deepEqual(t.toArray(), expected);
};

describe('argument checks of the functional API', () => {
  describe('elementwise ops', () => {
    const unary = [
      'neg', 'exp', 'log', 'log1p', 'expm1', 'sqrt', 'abs', 'square', 'reciprocal', 'tanh', 'atanh', 'sigmoid', 'softplus',
      'relu', 'sign', 'step', 'isFinite',
    ] as const;

    it('every unary op names its argument: tanh(undefined), relu(null), exp("1"), abs({})', () => {
      for (const name of unary) refusesNonTensors((v) => untyped(E[name])(v), (shown) => `${name}: its argument must be a Tensor, got ${shown}`);
    });

    it('elu names x and alpha', () => {
      refusesNonTensors((v) => untyped(elu)(v), (shown) => `elu: x must be a Tensor, got ${shown}`);
      refuses(() => untyped(elu)(x, '2'), ValueError, 'elu: alpha must be a number, got the string "2"');
      refuses(() => untyped(elu)(x, null), ValueError, 'elu: alpha must be a number, got null');
    });

    it('where names cond; clamp names x, min and max; identity its argument', () => {
      refusesNonTensors((v) => untyped(where)(v, x, 0), (shown) => `where: cond must be a Tensor, got ${shown}`);
      refusesNonTensors((v) => untyped(clamp)(v, 0, 1), (shown) => `clamp: x must be a Tensor, got ${shown}`);
      refuses(() => untyped(clamp)(x), ValueError, 'clamp: min must be a number, got undefined');
      refuses(() => untyped(clamp)(x, 0, '1'), ValueError, 'clamp: max must be a number, got the string "1"');
      refuses(() => clamp(x, 1, 0), ValueError, 'clamp: min 1 must not exceed max 0');
      refusesNonTensors((v) => untyped(identity)(v), (shown) => `identity: its argument must be a Tensor, got ${shown}`);
    });

    it('valid calls still work, through the functions and the Tensor methods', () => {
      sameValues(E.relu(x), [[1, 0, 3], [4, 5, 0]]);
      sameValues(x.abs(), [[1, 2, 3], [4, 5, 6]]);
      sameValues(elu(tensor([0, 1]), 2), [0, 1]);
      sameValues(x.clamp(-1, 1), [[1, -1, 1], [1, 1, -1]]);
      sameValues(where(E.greater(x, 0), x, 0), [[1, 0, 3], [4, 5, 0]]);
      sameValues(identity(x), x.toArray());
    });
  });

  describe('every primitive checks its inputs where it is applied', () => {
    it('apply names the input by position when a primitive has several', () => {
      refuses(() => apply(primitives.add, [x, undefined as unknown as Tensor], undefined), ValueError, 'add: input 1 must be a Tensor, got undefined');
      refuses(() => apply(primitives.cast, [null as unknown as Tensor], 'float64'), ValueError, 'cast: its argument must be a Tensor, got null');
    });
  });

  describe('reductions', () => {
    const reductions = { sum: E.sum, max: E.max, min: E.min, mean, logsumexp: E.logsumexp } as const;

    it('name x, axes and keepdims', () => {
      for (const [name, f] of Object.entries(reductions)) {
        refusesNonTensors((v) => untyped(f)(v), (shown) => `${name}: x must be a Tensor, got ${shown}`);
        refuses(() => untyped(f)(x, '1'), ValueError, `${name}: axes must be an integer or an array of integers, got the string "1"`);
        refuses(() => untyped(f)(x, {}), ValueError, `${name}: axes must be an integer or an array of integers, got an Object`);
        refuses(() => untyped(f)(x, null), ValueError, `${name}: axes must be an integer or an array of integers, got null`);
        refuses(() => untyped(f)(x, [0, '1']), ValueError, `${name}: axes must be an integer or an array of integers, got [0,"1"]`);
        refuses(() => untyped(f)(x, 0.5), ValueError, `${name}: axes must be an integer or an array of integers, got 0.5`);
        refuses(() => untyped(f)(x, 0, {}), ValueError, `${name}: keepdims must be true or false, got an Object`);
        refuses(() => untyped(f)(x, 0, 'true'), ValueError, `${name}: keepdims must be true or false, got the string "true"`);
      }
    });

    it('axes out of range are named under the function called (mean, not the sum inside it)', () => {
      refuses(() => mean(x, 2), ValueError, 'mean: axis 2 is out of range for a tensor of rank 2');
      refuses(() => sum(x, [0, 0]), ValueError, 'sum: repeated axis in [0, 0]');
    });

    it('variance and std name x, axes and their options', () => {
      for (const [name, f] of [['variance', variance], ['std', std]] as const) {
        refusesNonTensors((v) => untyped(f)(v), (shown) => `${name}: x must be a Tensor, got ${shown}`);
        refuses(() => untyped(f)(x, 'a'), ValueError, `${name}: axes must be an integer or an array of integers, got the string "a"`);
        // keepdims passed where the options go would otherwise be ignored silently
        refuses(() => untyped(f)(x, 0, true), ValueError, `${name}: options must be an object, got true`);
        refuses(() => untyped(f)(x, 0, null), ValueError, `${name}: options must be an object, got null`);
        refuses(() => untyped(f)(x, 0, { correction: '1' }), ValueError, `${name}: options.correction must be a number, got the string "1"`);
        refuses(() => untyped(f)(x, 0, { keepdims: 1 }), ValueError, `${name}: options.keepdims must be true or false, got 1`);
      }
    });

    it('softmax and logSoftmax name x and axis', () => {
      for (const [name, f] of [['softmax', softmax], ['logSoftmax', logSoftmax]] as const) {
        refusesNonTensors((v) => untyped(f)(v), (shown) => `${name}: x must be a Tensor, got ${shown}`);
        refuses(() => untyped(f)(x, '0'), ValueError, `${name}: axis must be an integer, got the string "0"`);
        refuses(() => untyped(f)(x, null), ValueError, `${name}: axis must be an integer, got null`);
        refuses(() => f(x, 2), ValueError, `${name}: axis 2 is out of range for a tensor of rank 2`);
      }
    });

    it('valid calls still work', () => {
      sameValues(sum(x), 5);
      sameValues(sum(x, [1], true), [[2], [3]]);
      sameValues(x.max(0), [4, 5, 3]);
      sameValues(E.min(x, -1), [-2, -6]);
      sameValues(mean(x, 1), [2 / 3, 1].map(Math.fround));
      sameValues(variance(tensor([1, 2, 3, 4]), 0, { correction: 0 }), 1.25);
      sameValues(std(tensor([[1, 3]]), -1, { keepdims: true }), [[Math.fround(Math.SQRT2)]]);
      assert.ok(Math.abs(softmax(x).sum(-1).data[0] - 1) < 1e-6);
      assert.deepEqual(logSoftmax(x, 0).shape, [2, 3]);
    });
  });

  describe('matrix products', () => {
    it('matmul names its operands and options', () => {
      refusesNonTensors((v) => untyped(matmul)(v, x), (shown) => `matmul: the first argument must be a Tensor, got ${shown}`);
      refusesNonTensors((v) => untyped(matmul)(x, v), (shown) => `matmul: the second argument must be a Tensor, got ${shown}`);
      refuses(() => untyped(matmul)(x, x, null), ValueError, 'matmul: options must be an object, got null');
      refuses(() => untyped(matmul)(x, x, { transB: 'yes' }), ValueError, 'matmul: options.transB must be true or false, got the string "yes"');
      refuses(() => untyped(matmul)(x, x, { transA: 1 }), ValueError, 'matmul: options.transA must be true or false, got 1');
    });

    it('linear names x, weight, bias and options', () => {
      const w = ones([4, 3]);
      refusesNonTensors((v) => untyped(linear)(v, w), (shown) => `linear: x must be a Tensor, got ${shown}`);
      refusesNonTensors((v) => untyped(linear)(x, v), (shown) => `linear: weight must be a Tensor, got ${shown}`);
      refuses(() => untyped(linear)(x, w, [1, 2, 3, 4]), ValueError, 'linear: bias must be a Tensor, got an Array');
      refuses(() => untyped(linear)(x, w, undefined, null), ValueError, 'linear: options must be an object, got null');
      refuses(() => untyped(linear)(x, w, undefined, { relu: 'yes' }), ValueError, 'linear: options.relu must be true or false, got the string "yes"');
    });

    it('valid calls still work (a null bias is no bias, as before)', () => {
      sameValues(matmul(x, x, { transB: true }), [[14, -24], [-24, 77]]);
      sameValues(matmul(tensor([1, 2]), tensor([[1], [1]])), [3]);
      const w = ones([2, 3]);
      sameValues(linear(x, w), [[2, 2], [3, 3]]);
      sameValues(untyped(linear)(x, w, null) as Tensor, [[2, 2], [3, 3]]);
      sameValues(linear(x, w, tensor([1, -10]), { relu: true }), [[3, 0], [4, 0]]);
    });
  });

  describe('shape ops', () => {
    it('reshape, unsqueeze, squeeze, permute and transpose name x and their axes or shape', () => {
      refusesNonTensors((v) => untyped(reshape)(v, [6]), (shown) => `reshape: x must be a Tensor, got ${shown}`);
      refuses(() => untyped(reshape)(x, undefined), ValueError, 'reshape: shape must be an array of integers, got undefined');
      refuses(() => untyped(reshape)(x, '6'), ValueError, 'reshape: shape must be an array of integers, got the string "6"');
      refuses(() => untyped(reshape)(x, [3, '2']), ValueError, 'reshape: shape must be an array of integers, got [3,"2"]');
      refuses(() => reshape(x, [4]), ShapeError, 'reshape: cannot reshape [2, 3] (6 elements) to [4]');

      refusesNonTensors((v) => untyped(unsqueeze)(v, 0), (shown) => `unsqueeze: x must be a Tensor, got ${shown}`);
      refuses(() => untyped(unsqueeze)(x), ValueError, 'unsqueeze: axis must be an integer, got undefined');
      refusesNonTensors((v) => untyped(squeeze)(v), (shown) => `squeeze: x must be a Tensor, got ${shown}`);
      refuses(() => untyped(squeeze)(x, {}), ValueError, 'squeeze: axes must be an integer or an array of integers, got an Object');

      refusesNonTensors((v) => untyped(permute)(v, [1, 0]), (shown) => `permute: x must be a Tensor, got ${shown}`);
      refuses(() => untyped(permute)(x), ValueError, 'permute: perm must be an array of integers, got undefined');
      refuses(() => untyped(permute)(x, '10'), ValueError, 'permute: perm must be an array of integers, got the string "10"');
      refusesNonTensors((v) => untyped(transpose)(v), (shown) => `transpose: x must be a Tensor, got ${shown}`);
      refuses(() => untyped(transpose)(x, 'a'), ValueError, 'transpose: axis0 must be an integer, got the string "a"');
      refuses(() => untyped(transpose)(tensor([1]), 0, null), ValueError, 'transpose: axis1 must be an integer, got null');
    });

    it('broadcastTo and sumTo name x and shape', () => {
      for (const [name, f] of [['broadcastTo', broadcastTo], ['sumTo', sumTo]] as const) {
        refusesNonTensors((v) => untyped(f)(v, [2, 3]), (shown) => `${name}: x must be a Tensor, got ${shown}`);
        refuses(() => untyped(f)(x, null), ValueError, `${name}: shape must be an array of integers, got null`);
        refuses(() => untyped(f)(x, { length: 2 }), ValueError, `${name}: shape must be an array of integers, got an Object`);
      }
      refuses(() => broadcastTo(tensor([1]), [-1]), ShapeError, 'broadcastTo: invalid shape [-1]');
      refuses(() => broadcastTo(tensor([1, 2]), [3]), ShapeError, 'broadcastTo: cannot broadcast shape [2] to [3]');
    });

    it('slice and sliceAxis name x and the bound that is not an integer', () => {
      refusesNonTensors((v) => untyped(slice)(v, [0]), (shown) => `slice: x must be a Tensor, got ${shown}`);
      refuses(() => untyped(slice)(x), ValueError, 'slice: starts must be an array, got undefined');
      refuses(() => untyped(slice)(x, [0, '1']), ValueError, 'slice: starts[1] must be an integer, got "1"');
      refuses(() => untyped(slice)(x, [0.5]), ValueError, 'slice: starts[0] must be an integer, got 0.5');
      refuses(() => untyped(slice)(x, [0], 2), ValueError, 'slice: ends must be an array, got the number 2');
      refuses(() => untyped(slice)(x, [0], [NaN]), ValueError, 'slice: ends[0] must be an integer, got NaN');
      refuses(() => untyped(slice)(x, [0], undefined, {}), ValueError, 'slice: steps must be an array, got an Object');
      refuses(() => untyped(slice)(x, [0], undefined, ['2']), ValueError, 'slice: step "2" on axis 0 must be a positive integer');

      refusesNonTensors((v) => untyped(sliceAxis)(v, 0, 0), (shown) => `sliceAxis: x must be a Tensor, got ${shown}`);
      refuses(() => untyped(sliceAxis)(x, '0', 0), ValueError, 'sliceAxis: axis must be an integer, got the string "0"');
      refuses(() => untyped(sliceAxis)(x, 0), ValueError, 'sliceAxis: start must be an integer, got undefined');
      refuses(() => untyped(sliceAxis)(x, 0, 0, '1'), ValueError, 'sliceAxis: end must be an integer or undefined, got "1"');
    });

    it('concat and stack name the list and the entry that is not a Tensor; split names sections and axis', () => {
      for (const [name, f] of [['concat', concat], ['stack', stack]] as const) {
        refuses(() => untyped(f)(undefined), ValueError, `${name}: xs must be an array of Tensors, got undefined`);
        refuses(() => untyped(f)(x), ValueError, `${name}: xs must be an array of Tensors, got a Tensor`);
        refuses(() => untyped(f)([x, null]), ValueError, `${name}: xs[1] must be a Tensor, got null`);
        refuses(() => untyped(f)([x], '0'), ValueError, `${name}: axis must be an integer, got the string "0"`);
        refuses(() => f([]), ValueError, `${name}: needs at least one tensor`);
      }
      refusesNonTensors((v) => untyped(split)(v, 2), (shown) => `split: x must be a Tensor, got ${shown}`);
      refuses(() => untyped(split)(x), ValueError, 'split: sections must be an integer or an array of integers, got undefined');
      refuses(() => untyped(split)(x, 2, null), ValueError, 'split: axis must be an integer, got null');
      refuses(() => split(x, 4), ShapeError, 'split: axis 0 of size 2 does not divide into 4 equal parts');
    });

    it('gather names x, axis and index; cast names x and dtype', () => {
      const index = tensor([[0, 1, 0]]);
      refusesNonTensors((v) => untyped(gather)(v, 0, index), (shown) => `gather: x must be a Tensor, got ${shown}`);
      refuses(() => untyped(gather)(x, undefined, index), ValueError, 'gather: axis must be an integer, got undefined');
      refusesNonTensors((v) => untyped(gather)(x, 0, v), (shown) => `gather: index must be a Tensor, got ${shown}`);
      refusesNonTensors((v) => untyped(cast)(v, 'float64'), (shown) => `cast: x must be a Tensor, got ${shown}`);
      refuses(() => untyped(cast)(x), ValueError, `cast: dtype must be 'float32' or 'float64', got undefined`);
      refuses(() => untyped(cast)(x, 'int32'), ValueError, `cast: dtype must be 'float32' or 'float64', got the string "int32"`);
    });

    it('valid calls still work', () => {
      sameValues(reshape(x, [3, -1]), [[1, -2], [3, 4], [5, -6]]);
      assert.deepEqual(unsqueeze(x, -1).shape, [2, 3, 1]);
      assert.deepEqual(squeeze(unsqueeze(x, 0), 0).shape, [2, 3]);
      sameValues(permute(x, [1, 0]), [[1, 4], [-2, 5], [3, -6]]);
      sameValues(transpose(x), [[1, 4], [-2, 5], [3, -6]]);
      sameValues(broadcastTo(tensor([1, 2, 3]), [2, 3]), [[1, 2, 3], [1, 2, 3]]);
      sameValues(sumTo(x, [1, 3]), [[5, 3, -3]]);
      sameValues(slice(x, [0, 1], [undefined, Infinity], [1, 2]), [[-2], [5]]);
      sameValues(sliceAxis(x, 1, -2), [[-2, 3], [5, -6]]);
      sameValues(concat([x, x], 0).sum(0), [10, 6, -6]);
      assert.deepEqual(stack([x, x], 1).shape, [2, 2, 3]);
      assert.deepEqual(split(x, [1, 2], 1).map((t) => t.shape), [[2, 1], [2, 2]]);
      sameValues(gather(x, 0, tensor([[1, 0, 1]])), [[4, -2, -6]]);
      assert.equal(cast(x, 'float64').dtype, 'float64');
      assert.equal(cast(x, 'float32'), x);
    });
  });

  describe('tensor helpers and ndarray interop', () => {
    it('zerosLike, onesLike and toNdarray name their argument; fromNdarray names nd and dtype', () => {
      refusesNonTensors((v) => untyped(zerosLike)(v), (shown) => `zerosLike: its argument must be a Tensor, got ${shown}`);
      refusesNonTensors((v) => untyped(onesLike)(v), (shown) => `onesLike: its argument must be a Tensor, got ${shown}`);
      refusesNonTensors((v) => untyped(toNdarray)(v), (shown) => `toNdarray: its argument must be a Tensor, got ${shown}`);
      refuses(() => untyped(fromNdarray)(undefined), ValueError, 'fromNdarray: nd must be an object, got undefined');
      refuses(() => untyped(fromNdarray)(null), ValueError, 'fromNdarray: nd must be an object, got null');
      refuses(() => untyped(fromNdarray)({}), ValueError, 'fromNdarray: nd must be an ndarray (data, shape, stride, offset), got an Object');
      refuses(() => untyped(fromNdarray)([1, 2]), ValueError, 'fromNdarray: nd must be an ndarray (data, shape, stride, offset), got an Array');
      refuses(() => untyped(fromNdarray)(ndarray([1, 2]), 'int32'), ValueError, `fromNdarray: dtype must be 'float32' or 'float64', got the string "int32"`);
    });

    it('valid calls still work', () => {
      sameValues(zerosLike(x), [[0, 0, 0], [0, 0, 0]]);
      assert.equal(onesLike(cast(x, 'float64')).dtype, 'float64');
      sameValues(fromNdarray(toNdarray(x)), x.toArray());
      assert.equal(fromNdarray(ndarray([1, 2]), 'float64').dtype, 'float64');
    });
  });

  describe('autodiff', () => {
    const f = (t: Tensor): Tensor => t.square().sum();

    it('noGrad, withGradMode and withAnomalyCheck name their callback; withGradMode its mode', () => {
      refuses(() => untyped(noGrad)(), ValueError, 'noGrad: fn must be a function, got undefined');
      refuses(() => untyped(noGrad)(x), ValueError, 'noGrad: fn must be a function, got a Tensor');
      refuses(() => untyped(withGradMode)(false), ValueError, 'withGradMode: fn must be a function, got undefined');
      // a truthy string would have switched recording on
      refuses(() => untyped(withGradMode)('false', () => 0), ValueError, 'withGradMode: enabled must be true or false, got the string "false"');
      refuses(() => untyped(withGradMode)(() => 0), ValueError, 'withGradMode: enabled must be true or false, got a function');
      refuses(() => untyped(withAnomalyCheck)(null), ValueError, 'withAnomalyCheck: fn must be a function, got null');
      assert.ok(E.isGradEnabled(), 'a refused call leaves the mode as it was');
    });

    it('gradients names each list, a non-Tensor entry, the seed count and createGraph', () => {
      const leaf = tensor([1, 2]).requiresGrad_();
      const y = leaf.square().sum();
      refuses(() => untyped(gradients)(), ValueError, 'gradients: outputs must be an array of Tensors, got undefined');
      refuses(() => untyped(gradients)(y), ValueError, 'gradients: outputs must be an array of Tensors, got a Tensor');
      refuses(() => untyped(gradients)([y], undefined, [leaf], false), ValueError, 'gradients: seeds must be an array of Tensors, got undefined');
      refuses(() => untyped(gradients)([y], [onesLike(y)], [leaf, null], false), ValueError, 'gradients: targets[1] must be a Tensor, got null');
      refuses(() => gradients([y], [], [leaf], false), ValueError, 'gradients: one seed per output is needed, got 0 seed(s) for 1 output(s)');
      refuses(() => untyped(gradients)([y], [onesLike(y)], [leaf]), ValueError, `gradients: createGraph must be true, false or 'auto', got undefined`);
      sameValues(gradients([y], [onesLike(y)], [leaf], false)[0], [2, 4]);
    });

    it('backward names a createGraph that is not a boolean; mutate_ names its callback', () => {
      const leaf = tensor([1, 2]).requiresGrad_();
      refuses(() => leaf.square().sum().backward({ createGraph: 1 } as unknown as E.BackwardOptions), GradientError,
        'backward: createGraph must be true or false, got the number 1');
      refuses(() => untyped(leaf.mutate_.bind(leaf))(), ValueError, 'mutate_: fn must be a function, got undefined');
      leaf.square().sum().backward({ createGraph: false });
      sameValues(leaf.grad, [2, 4]);
    });

    it('grad and valueAndGrad name f and argnums when made, and a differentiated argument when called', () => {
      for (const [name, transform] of [['grad', grad], ['valueAndGrad', valueAndGrad]] as const) {
        refuses(() => untyped(transform)(), ValueError, `${name}: f must be a function, got undefined`);
        refuses(() => untyped(transform)(x), ValueError, `${name}: f must be a function, got a Tensor`);
        refuses(() => untyped(transform)(f, '0'), ValueError, `${name}: argnums must be an integer or an array of integers, got the string "0"`);
        refusesNonTensors((v) => untyped(untyped(transform)(f))(v), (shown) => `${name}: argument 0 must be a Tensor, got ${shown}`);
        refuses(() => untyped(untyped(transform)((a: Tensor, b: Tensor) => a.mul(b).sum(), [0, 1]))(x, null), ValueError,
          `${name}: argument 1 must be a Tensor, got null`);
        refuses(() => untyped(untyped(transform)(() => 1))(x), ValueError, `${name}: the function must return a Tensor, got the number 1`);
      }
    });

    it('vjp, jvp and hvp name f, their tensors and the cotangent', () => {
      refuses(() => untyped(vjp)(), ValueError, 'vjp: f must be a function, got undefined');
      refuses(() => untyped(vjp)(x, x), ValueError, 'vjp: f must be a function, got a Tensor');
      refusesNonTensors((v) => untyped(vjp)(f, x, v), (shown) => `vjp: xs[1] must be a Tensor, got ${shown}`);
      refuses(() => vjp(untyped(() => 3) as typeof f, x), ValueError, 'vjp: the function must return a Tensor, got the number 3');
      const [, pullback] = vjp((t) => t.mul(2), x);
      refuses(() => untyped(pullback)(), ValueError, 'vjp: cotangent must be a Tensor, got undefined');

      refuses(() => untyped(jvp)(null, [x], [x]), ValueError, 'jvp: f must be a function, got null');
      refuses(() => untyped(jvp)(f), ValueError, 'jvp: xs must be an array of Tensors, got undefined');
      refuses(() => untyped(jvp)(f, x, [x]), ValueError, 'jvp: xs must be an array of Tensors, got a Tensor');
      refuses(() => untyped(jvp)(f, [x], [{}]), ValueError, 'jvp: tangents[0] must be a Tensor, got an Object');
      refuses(() => jvp(untyped(() => 'y') as typeof f, [x], [x]), ValueError, 'jvp: the function must return a Tensor, got the string "y"');

      refuses(() => untyped(hvp)(undefined, x, x), ValueError, 'hvp: f must be a function, got undefined');
      refusesNonTensors((v) => untyped(hvp)(f, v, x), (shown) => `hvp: x must be a Tensor, got ${shown}`);
      refusesNonTensors((v) => untyped(hvp)(f, x, v), (shown) => `hvp: v must be a Tensor, got ${shown}`);
    });

    it('valid calls still work', () => {
      const t = tensor([1, 2], { dtype: 'float64' });
      sameValues(grad(f)(t), [2, 4]);
      const [value, gradient] = valueAndGrad(f)(t);
      sameValues(value, 5);
      sameValues(gradient, [2, 4]);
      const [y, pullback] = vjp((a) => a.mul(3), t);
      sameValues(y, [3, 6]);
      sameValues(pullback(tensor([1, 1], { dtype: 'float64' }))[0], [3, 3]);
      sameValues(jvp(f, [t], [tensor([1, 0], { dtype: 'float64' })])[1], 2);
      sameValues(hvp(f, t, tensor([1, 1], { dtype: 'float64' })), [2, 2]);
      sameValues(noGrad(() => t.mul(2)), [2, 4]);
      sameValues(withGradMode(true, () => t.add(1)), [2, 3]);
      sameValues(withAnomalyCheck(() => t.sqrt().square()), [1, 2].map((v) => Math.sqrt(v) * Math.sqrt(v)));
    });
  });

  describe('trace and kernels', () => {
    it('hostCall names label, run and access, and refuses a tensor where its data belongs', () => {
      refuses(() => untyped(hostCall)(), ValueError, 'hostCall: label must be a string, got undefined');
      refuses(() => untyped(hostCall)('fill'), ValueError, 'hostCall: run must be a function, got undefined');
      refuses(() => untyped(hostCall)('fill', () => {}, null), ValueError, 'hostCall: access must be an object, got null');
      refuses(() => untyped(hostCall)('fill', () => {}, { reads: x.data }), ValueError, 'hostCall: access.reads must be an array, got a Float32Array');
      refuses(() => untyped(hostCall)('fill', () => {}, { writes: [x] }), ValueError,
        'hostCall: access.writes[0] must be a Float32Array or Float64Array, got a Tensor (pass tensor.data)');
      let ran = false;
      hostCall('fill', () => (ran = true), { reads: [x.data], writes: [] });
      assert.ok(ran);
    });

    it('TracedFunction names its name and options', () => {
      refuses(() => new TracedFunction(undefined as unknown as string, () => 0), ValueError, 'TracedFunction: name must be a string, got undefined');
      refuses(() => new TracedFunction('step', () => 0, null as unknown as E.TracedFunctionOptions), ValueError, 'TracedFunction step: options must be an object, got null');
      assert.equal(new TracedFunction('step', () => 7).call(), 7);
    });

    it('registerKernels, useKernels and setKernelThreads name what they were given', () => {
      const active = kernels().name;
      refuses(() => untyped(registerKernels)(), ValueError, 'registerKernels: set must be an object, got undefined');
      refuses(() => untyped(registerKernels)({}), ValueError, 'registerKernels: set.name must be a string, got undefined');
      refuses(() => untyped(useKernels)(), ValueError, `useKernels: unknown kernel set undefined (known: ${E.availableKernels().join(', ')})`);
      refuses(() => useKernels('cuda'), ValueError, `useKernels: unknown kernel set "cuda" (known: ${E.availableKernels().join(', ')})`);
      refuses(() => untyped(setKernelThreads)('2'), RangeError, 'setKernelThreads: threads "2" (expected an integer 1–256)');
      registerKernels(kernels());
      useKernels(active);
      assert.equal(kernels().name, active);
    });
  });

  describe('creation functions', () => {
    it('scalar, full, zeros, ones and arange name a value, a dtype or options of the wrong kind', () => {
      const untypedE = E as unknown as Record<string, (...args: unknown[]) => unknown>;
      refuses(() => untypedE.scalar(undefined), ValueError, 'scalar: value must be a number, got undefined');
      refuses(() => untypedE.scalar('1'), ValueError, 'scalar: value must be a number, got the string "1"');
      refuses(() => untypedE.scalar(1, 'int32'), ValueError, `scalar: dtype must be 'float32' or 'float64', got the string "int32"`);
      refuses(() => untypedE.full([2], null), ValueError, 'full: value must be a number, got null');
      refuses(() => untypedE.zeros([2], { dtype: 'int32' }), ValueError, `zeros: options.dtype must be 'float32' or 'float64', got the string "int32"`);
      refuses(() => untypedE.ones([2], 5), ValueError, 'ones: options must be an object, got the number 5');
      refuses(() => untypedE.zeros([2], { requiresGrad: 'yes' }), ValueError, 'zeros: options.requiresGrad must be true or false, got the string "yes"');
      refuses(() => untypedE.arange(null), ValueError, 'arange: start must be a finite number, got null');
      refuses(() => untypedE.arange(0, '3'), ValueError, 'arange: stop must be a finite number, got the string "3"');
      refuses(() => untypedE.arange(0, 3, '1'), ValueError, 'arange: step must be finite and non-zero, got the string "1"');
      assert.deepEqual(Array.from(E.arange(3).data), [0, 1, 2]);
      assert.equal(E.scalar(2, 'float64').dtype, 'float64');
      assert.equal(E.zeros([2], { dtype: 'float64', requiresGrad: true }).requiresGrad, true);
    });
  });
});
