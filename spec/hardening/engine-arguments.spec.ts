/**
 * The engine called from plain JavaScript: arguments the TypeScript types would reject are refused
 * with an error naming the op and the argument, before anything is allocated.
 */
import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import {
  Linear, MLP, ShapeError, Tensor, ValueError, add, mul, rand, randn, showValue, tensor, where, zeros,
} from '../../engine/index.ts';
import { MAX_LAYER_WIDTH, MAX_LINEAR_WEIGHTS } from '../../engine/nn/layers.ts';
import { MAX_TENSOR_ELEMENTS } from '../../engine/shape.ts';
import { refuses, untyped } from '../support/plain-js.ts';

describe('engine hardening: arguments from plain JavaScript', () => {
  const x = tensor([1, 2, 3]);

  describe('binary ops take Tensors and numbers only', () => {
    it("add('1', x), add(undefined, x), mul(x, null), where(c, [1], x)", () => {
      refuses(() => untyped(add)('1', x), ValueError, /^add: the first argument must be a Tensor or a number, got the string "1"$/);
      refuses(() => untyped(add)(undefined, x), ValueError, /^add: the first argument must be a Tensor or a number, got undefined$/);
      refuses(() => untyped(mul)(x, null), ValueError, /^mul: the second argument must be a Tensor or a number, got null$/);
      refuses(() => untyped(add)(x, new Float32Array(3)), ValueError, /add: the second argument .* got a Float32Array/);
      refuses(() => untyped(where)(tensor([1]), [1], x), ValueError, /^where: the first argument .* got an Array$/);
    });

    it('any non-Tensor, non-number operand is refused (property-based)', () => {
      const bad = fc.anything().filter((v) => typeof v !== 'number' && !(v instanceof Tensor));
      fc.assert(fc.property(bad, fc.boolean(), (v, first) => {
        const args = first ? [v, x] : [x, v];
        refuses(() => untyped(add)(...args), ValueError, new RegExp(`^add: the ${first ? 'first' : 'second'} argument must be a Tensor or a number`));
      }), { numRuns: 100 });
    });

    it('numbers and tensors still work', () => {
      assert.deepEqual(add(1, x).toArray(), [2, 3, 4]);
      assert.deepEqual(add(x, x).toArray(), [2, 4, 6]);
    });
  });

  describe('tensor() and new Tensor()', () => {
    it('tensor(undefined), tensor("1"), tensor(Int32Array) are refused naming what was given', () => {
      refuses(() => untyped(tensor)(undefined), ValueError, /^tensor: values must be a number, a nested array of numbers or a Float32Array\/Float64Array, got undefined$/);
      refuses(() => untyped(tensor)('1'), ValueError, /got the string "1"/);
      refuses(() => untyped(tensor)(new Int32Array(3)), ValueError, /got an Int32Array; convert it first/);
      refuses(() => untyped(tensor)([1, '2']), ValueError, /^tensor: the value at \[1\] must be a number, got the string "2"$/);
      refuses(() => untyped(tensor)([1, 2], { dtype: 'int32' }), ValueError, /^tensor: dtype must be 'float32' or 'float64', got the string "int32"$/);
    });

    it('new Tensor(Int32Array) is refused, not labelled float32', () => {
      refuses(() => new Tensor(new Int32Array(3) as unknown as Float32Array, [3]), ValueError,
        /^Tensor: data must be a Float32Array or Float64Array, got an Int32Array/);
      refuses(() => new Tensor([1, 2, 3] as unknown as Float32Array, [3]), ValueError, /got an Array/);
      refuses(() => new Tensor(new Float32Array(3), undefined as unknown as number[]), ShapeError, /^Tensor: shape must be an array/);
      assert.equal(new Tensor(new Float64Array(2), [2]).dtype, 'float64');
    });
  });

  describe('sizes above MAX_TENSOR_ELEMENTS are refused before allocating, naming the shape', () => {
    it('randn([1e6, 1e6]), zeros([2**31]), rand([65536, 65536])', () => {
      refuses(() => randn([1e6, 1e6], { generator: 0 }), ShapeError,
        new RegExp(`^randn: shape \\[1000000, 1000000\\] has 1000000000000 elements, more than MAX_TENSOR_ELEMENTS = ${MAX_TENSOR_ELEMENTS}$`));
      refuses(() => zeros([2 ** 31]), ShapeError, /^zeros: shape \[2147483648\] has/);
      refuses(() => rand([65536, 65536], { generator: 0 }), ShapeError, /^rand: shape \[65536, 65536\]/);
    });

    it('random tensors need a generator and a shape array', () => {
      refuses(() => untyped(randn)([2]), ValueError, /^randn: options.generator must be a seed \(a safe integer\) or a Generator, got undefined$/);
      refuses(() => untyped(randn)([2], {}), ValueError, /^randn: options.generator/);
      refuses(() => untyped(rand)(undefined, { generator: 0 }), ShapeError, /^rand: shape must be an array/);
      assert.deepEqual(randn([2, 3], { generator: 1 }).shape, [2, 3]);
    });
  });

  describe('MLP and Linear', () => {
    it('an MLP without a generator names `generator`', () => {
      refuses(() => new MLP({ inputSize: 3, hiddenSizes: [4], outputSize: 1 } as unknown as ConstructorParameters<typeof MLP>[0]),
        ValueError, /^MLP: options.generator must be a seed \(a safe integer\) or a Generator, got undefined/);
      refuses(() => new Linear(3, 4, {} as unknown as ConstructorParameters<typeof Linear>[2]), ValueError, /^Linear: options.generator/);
    });

    it('sizes that are not positive integers, or absurdly large, are refused before allocating', () => {
      const mlp = (o: Record<string, unknown>) => () => new MLP({ inputSize: 3, hiddenSizes: [4], outputSize: 1, generator: 0, ...o } as unknown as ConstructorParameters<typeof MLP>[0]);
      refuses(mlp({ inputSize: 1e9 }), ValueError, new RegExp(`^MLP: inputSize must be an integer 1…${MAX_LAYER_WIDTH} \\(MAX_LAYER_WIDTH\\), got 1000000000$`));
      refuses(mlp({ inputSize: 0 }), ValueError, /^MLP: inputSize .* got 0$/);
      refuses(mlp({ inputSize: 2.5 }), ValueError, /^MLP: inputSize .* got 2.5$/);
      refuses(mlp({ inputSize: '3' }), ValueError, /^MLP: inputSize .* got "3"$/);
      refuses(mlp({ outputSize: -1 }), ValueError, /^MLP: outputSize .* got -1$/);
      refuses(mlp({ hiddenSizes: [4, NaN] }), ValueError, /^MLP: hiddenSizes\[1\] .* got NaN$/);
      refuses(mlp({ hiddenSizes: 4 }), ValueError, /^MLP: hiddenSizes must be an array/);
      refuses(mlp({ hiddenSizes: [MAX_LAYER_WIDTH, MAX_LAYER_WIDTH] }), ValueError,
        new RegExp(`^Linear: weight \\[${MAX_LAYER_WIDTH}, ${MAX_LAYER_WIDTH}\\] has .* more than MAX_LINEAR_WEIGHTS = ${MAX_LINEAR_WEIGHTS}$`));
      refuses(() => untyped((o: never) => new MLP(o))(undefined), ValueError, /^MLP: options must be an object, got undefined$/);
    });

    it('valid sizes still build the same network as before', () => {
      const a = new MLP({ inputSize: 3, hiddenSizes: [4], outputSize: 1, generator: 7 });
      const b = new MLP({ inputSize: 3, hiddenSizes: [4], outputSize: 1, generator: 7 });
      assert.deepEqual(a.linearLayers[0].weight.toArray(), b.linearLayers[0].weight.toArray());
      assert.deepEqual(new Linear(0, 2, { generator: 0 }).weight.shape, [2, 0]);
    });
  });
});

describe('showValue: values in error messages', () => {
  it('prints what JSON cannot (NaN, ±Infinity, -0, bigints, undefined) as themselves, at any depth, and cuts long text', () => {
    assert.deepEqual([NaN, -Infinity, -0, 2.5, 10n, undefined, null, 'a"b'].map((v) => showValue(v)),
      ['NaN', '-Infinity', '-0', '2.5', '10n', 'undefined', 'null', '"a\\"b"']);
    assert.equal(showValue([1, NaN, [Infinity, -0]]), '[1,NaN,[Infinity,-0]]');
    assert.equal(showValue({ gamma: NaN, sizes: [2n] }), '{"gamma":NaN,"sizes":[2n]}');
    assert.equal(showValue(() => 1), 'a function');
    assert.equal(showValue('x'.repeat(300)).length, 201);
    const cycle: Record<string, unknown> = {};
    cycle.self = cycle;
    assert.equal(showValue(cycle), 'an Object');
    fc.assert(fc.property(fc.jsonValue(), (v) => showValue(v, Infinity) === JSON.stringify(v) || /-0/.test(showValue(v, Infinity))));
  });
});
