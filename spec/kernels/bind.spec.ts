/**
 * The direct calls replayed schedules use (wasm set `bindUnary`, `bindBinary`, `bindMatmul`, `bindReduce`): for
 * operands on the heap and one thread's worth of work they compute exactly what the ordinary call
 * computes, bit for bit, over broadcast layouts, transposes, biases and relu; otherwise they decline
 * (null) and the replay keeps the ordinary call.
 */
import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { binaryKernelNames, unaryKernelNames, type FloatArray } from '../../engine/kernels/types.ts';
import { createWasmKernels, simdSupported } from '../../engine/kernels/wasm/index.ts';

const same = (x: FloatArray, y: FloatArray): boolean => x.length === y.length && x.every((v, i) => Object.is(v, y[i]));

describe('direct kernel calls for replay (bindUnary, bindBinary, bindMatmul, bindReduce)', () => {
  if (!simdSupported()) {
    it.skip('(WebAssembly SIMD is not supported here)', () => {});
    return;
  }
  const k = createWasmKernels({ name: 'wasm-bind-spec', memoryMB: 64, fma: false, threads: 1 });
  const filled = (n: number, seed: number): Float32Array => {
    const a = k.allocate('float32', n) as Float32Array;
    let s = seed >>> 0;
    for (let i = 0; i < n; i++) {
      s = (s * 1664525 + 1013904223) >>> 0;
      a[i] = (s / 2 ** 32) * 6 - 3;
    }
    if (n > 3) [a[0], a[1], a[2]] = [NaN, -0, Infinity];
    return a;
  };

  it('unary: the same bits as the ordinary call', () => {
    fc.assert(fc.property(fc.constantFrom(...unaryKernelNames), fc.integer({ min: 1, max: 3000 }), fc.integer(), (op, n, seed) => {
      const x = filled(n, seed);
      const plain = k.allocate('float32', n) as Float32Array;
      const bound = k.allocate('float32', n) as Float32Array;
      k.unary(op, x, plain, 1.5);
      const run = k.bindUnary(op, x, bound, 1.5);
      assert.ok(run, `${op} binds`);
      run();
      assert.ok(same(bound, plain), op);
    }), { numRuns: 150 });
  });

  it('binary: the same bits over same-shape, row, column and scalar broadcasts (and pow 2)', () => {
    const layouts = (rows: number, cols: number) => [
      { outShape: [rows, cols], aStrides: [cols, 1], bStrides: [cols, 1], bSize: rows * cols },
      { outShape: [rows, cols], aStrides: [cols, 1], bStrides: [0, 1], bSize: cols },
      { outShape: [rows, cols], aStrides: [cols, 1], bStrides: [1, 0], bSize: rows },
      { outShape: [rows, cols], aStrides: [cols, 1], bStrides: [0, 0], bSize: 1 },
    ];
    fc.assert(fc.property(fc.constantFrom(...binaryKernelNames), fc.integer({ min: 1, max: 40 }), fc.integer({ min: 1, max: 70 }), fc.integer({ min: 0, max: 3 }), fc.integer(),
      (op, rows, cols, which, seed) => {
        const { bSize, ...layout } = layouts(rows, cols)[which];
        const a = filled(rows * cols, seed);
        const b = op === 'pow' ? (k.allocate('float32', 1) as Float32Array).fill(2) : filled(bSize, seed + 1);
        const bLayout = op === 'pow' ? { ...layout, bStrides: [0, 0] } : layout;
        const plain = k.allocate('float32', rows * cols) as Float32Array;
        const bound = k.allocate('float32', rows * cols) as Float32Array;
        k.binary(op, a, b, plain, bLayout);
        const run = k.bindBinary(op, a, b, bound, bLayout);
        assert.ok(run, `${op} binds`);
        run();
        assert.ok(same(bound, plain), `${op} ${JSON.stringify(bLayout)}`);
      }), { numRuns: 200 });
  });

  it('matmul: the same bits for every layout, batch stride, bias and relu', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 40 }), fc.integer({ min: 1, max: 300 }), fc.integer({ min: 1, max: 40 }),
      fc.boolean(), fc.boolean(), fc.boolean(), fc.boolean(), fc.boolean(), fc.integer(),
      (batch, m, kk, n, transA, transB, withBias, relu, broadcastB, seed) => {
        const a = filled(batch * m * kk, seed);
        const b = filled((broadcastB ? 1 : batch) * kk * n, seed + 1);
        const bias = withBias ? filled(n, seed + 2) : undefined;
        const plain = k.allocate('float32', batch * m * n) as Float32Array;
        const bound = k.allocate('float32', batch * m * n) as Float32Array;
        k.matmul(a, b, plain, batch, m, kk, n, transA, transB, m * kk, broadcastB ? 0 : kk * n, bias, relu);
        const run = k.bindMatmul(a, b, bound, batch, m, kk, n, transA, transB, m * kk, broadcastB ? 0 : kk * n, bias, relu);
        assert.ok(run);
        run();
        assert.ok(same(bound, plain));
      }), { numRuns: 100 });
  });

  it('reduce: the same bits along rows and columns', () => {
    fc.assert(fc.property(fc.constantFrom('sum' as const, 'max' as const, 'min' as const), fc.integer({ min: 1, max: 6 }), fc.integer({ min: 1, max: 300 }),
      fc.integer({ min: 1, max: 40 }), fc.integer(), (op, outer, len, inner, seed) => {
        const x = filled(outer * len * inner, seed);
        const plain = k.allocate('float32', outer * inner) as Float32Array;
        const bound = k.allocate('float32', outer * inner) as Float32Array;
        k.reduce(op, x, outer, len, inner, plain);
        const run = k.bindReduce(op, x, outer, len, inner, bound);
        assert.ok(run);
        run();
        assert.ok(same(bound, plain), `${op} ${outer}×${len}×${inner}`);
      }), { numRuns: 150 });
  });

  it('declines operands that are not on the heap, and empty calls', () => {
    const onHeap = filled(8, 1);
    const outside = new Float32Array(8);
    assert.equal(k.bindUnary('exp', outside, onHeap, 0), null);
    assert.equal(k.bindUnary('exp', onHeap, outside, 0), null);
    assert.equal(k.bindBinary('add', onHeap, outside, filled(8, 2), { outShape: [8], aStrides: [1], bStrides: [1] }), null);
    assert.equal(k.bindMatmul(onHeap, outside, filled(4, 3), 1, 2, 4, 2, false, false, 0, 0), null);
    assert.equal(k.bindMatmul(onHeap, onHeap, filled(4, 3), 1, 2, 0, 2, false, false, 0, 0), null);
  });
});
