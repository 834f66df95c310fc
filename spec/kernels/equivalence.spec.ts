/**
 * The wasm kernel set computes what the JS reference computes: property-based comparisons on random
 * shapes, including sizes that are not multiples of the SIMD width (4) or the GEMM tile (4×8), in
 * every configuration of helpers.ts (operands on the heap, outside it, mixed, pool exhausted so the
 * set falls back to JS, relaxed-SIMD FMA).
 *
 * Tolerances (the JS kernels compute each step in double precision and round to float32):
 * - elementwise, where, clamp, strided copies, max/min and column sums: identical values (NaN = NaN,
 *   +0 ≠ −0, except ±0 ties in row max/min, where lanes meet in another order);
 * - GEMM: |Δc_ij| ≤ (k+1)·2⁻²³·(Σ_t |a_it·b_tj| + |bias_j|) (JS rounds once per step, as an FMA does;
 *   mul + add rounds twice); with relaxed FMA the same bound, since fusion is up to the engine;
 * - row sums: at most 1 ulp of the result plus 2⁻⁴⁸·Σ|x| (both accumulate in double, in another order);
 * - Adam: identical to `adamFloat32` (float32 arithmetic in the wasm kernel's order, what the set
 *   runs when the pool has no room); against the JS set's double precision (bounds scale with the magnitudes of the
 *   summed terms, since β₁m and (1−β₁)g may cancel): |Δm| ≤ 2⁻²¹(β₁|m| + (1−β₁)|g|),
 *   |Δv| ≤ 2⁻²¹(β₂v + (1−β₂)g²), |Δθ| ≤ 2⁻²²|θ| + 2⁻¹⁸·(lr/bc₁)(β₁|m| + (1−β₁)|g|)/(√(v/bc₂) + eps).
 */
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { adamFloat32 } from '../../engine/kernels/js.ts';
import { binaryKernelNames, unaryKernelNames, type AdamHyper } from '../../engine/kernels/types.ts';
import {
  type KernelConfig, assertIdentical, data, gemmDim, jsKernels, layoutArb, place, placeOutput, sizeOf, ulpDistance, wasmConfigs,
} from './helpers.ts';

const configs = wasmConfigs();
const runs = (n: number): { numRuns: number } => ({ numRuns: n });

function forEachConfig(body: (config: KernelConfig) => void): void {
  if (configs.length === 0) {
    it.skip('(WebAssembly SIMD is not supported here)', () => {});
    return;
  }
  for (const config of configs) describe(config.name, () => body(config));
}

describe('wasm kernels agree with the JS kernels', () => {
  forEachConfig((config) => {
    const k = config.kernels;

    describe('matmul: C = op(A)·op(B) (+ bias), batched', () => {
      const caseFields = {
        m: gemmDim, k: gemmDim, n: gemmDim,
        batch: fc.integer({ min: 1, max: 3 }),
        transA: fc.boolean(), transB: fc.boolean(),
        broadcastA: fc.boolean(), broadcastB: fc.boolean(),
        bias: fc.boolean(),
        seed: fc.integer(),
      };
      const caseArb = fc.record(caseFields);

      it('within (k+1)·2⁻²³·(Σ|a·b| + |bias|) for every layout, edge size and batch stride (including 0)', () => {
        fc.assert(fc.property(caseArb, (c) => {
          const aSize = c.m * c.k, bSize = c.k * c.n;
          const aStride = c.broadcastA ? 0 : aSize, bStride = c.broadcastB ? 0 : bSize;
          const A = data(aStride ? aSize * c.batch : aSize, c.seed);
          const B = data(bStride ? bSize * c.batch : bSize, c.seed + 1);
          const bias = c.bias ? data(c.n, c.seed + 2) : undefined;
          const expected = new Float32Array(c.batch * c.m * c.n);
          jsKernels.matmul(A, B, expected, c.batch, c.m, c.k, c.n, c.transA, c.transB, aStride, bStride, bias);
          const out = placeOutput(config, expected.length, 3);
          k.matmul(place(config, A, 0), place(config, B, 1), out, c.batch, c.m, c.k, c.n, c.transA, c.transB, aStride, bStride,
            bias && place(config, bias, 2));
          for (let p = 0; p < c.batch; p++) {
            for (let i = 0; i < c.m; i++) {
              for (let j = 0; j < c.n; j++) {
                let mass = 0;
                for (let t = 0; t < c.k; t++) {
                  const a = A[p * aStride + (c.transA ? t * c.m + i : i * c.k + t)];
                  const b = B[p * bStride + (c.transB ? j * c.k + t : t * c.n + j)];
                  mass += Math.abs(a * b);
                }
                const at = p * c.m * c.n + i * c.n + j;
                const bound = (c.k + 1) * 2 ** -23 * (mass + Math.abs(bias?.[j] ?? 0));
                assert.ok(Math.abs(out[at] - expected[at]) <= bound,
                  `C[${p}][${i}][${j}] = ${out[at]}, JS ${expected[at]}, bound ${bound} (${JSON.stringify(c)})`);
              }
            }
          }
        }), runs(120));
      });

      it('with relu, stores exactly the unary relu of the product (NaN kept, −0 to +0), also across K blocks', () => {
        // k beyond the K block (256) puts the relu on the last block's stores only
        const reluArb = fc.record({ ...caseFields, k: fc.oneof(gemmDim, fc.integer({ min: 250, max: 600 })) });
        fc.assert(fc.property(reluArb, (c) => {
          const aSize = c.m * c.k, bSize = c.k * c.n;
          const aStride = c.broadcastA ? 0 : aSize, bStride = c.broadcastB ? 0 : bSize;
          const A = data(aStride ? aSize * c.batch : aSize, c.seed);
          const B = data(bStride ? bSize * c.batch : bSize, c.seed + 1);
          if (A.length > 2) [A[0], A[1]] = [NaN, -0];
          const bias = c.bias ? data(c.n, c.seed + 2) : undefined;
          const plain = placeOutput(config, c.batch * c.m * c.n, 3);
          k.matmul(place(config, A, 0), place(config, B, 1), plain, c.batch, c.m, c.k, c.n, c.transA, c.transB, aStride, bStride, bias && place(config, bias, 2));
          const expected = new Float32Array(plain.length);
          jsKernels.unary('relu', plain, expected, 0);
          const fused = placeOutput(config, plain.length, 4);
          k.matmul(place(config, A, 0), place(config, B, 1), fused, c.batch, c.m, c.k, c.n, c.transA, c.transB, aStride, bStride,
            bias && place(config, bias, 2), true);
          assertIdentical(fused, expected, `matmul + relu (${JSON.stringify(c)})`);
        }), runs(60));
      });

      it('propagates NaN and ∞ as IEEE arithmetic does (0·∞ = NaN)', () => {
        const A = new Float32Array([0, 1, 2, 3, 0, NaN]); // 2×3
        const B = new Float32Array([Infinity, 1, 1, 1, 1, 1]); // 3×2
        const expected = new Float32Array(4);
        jsKernels.matmul(A, B, expected, 1, 2, 3, 2, false, false, 0, 0);
        const out = placeOutput(config, 4, 3);
        k.matmul(place(config, A, 0), place(config, B, 1), out, 1, 2, 3, 2, false, false, 0, 0);
        assertIdentical(out, expected, 'matmul with NaN/∞');
        assert.ok(Number.isNaN(out[0]) && Number.isNaN(out[2]));
      });

      it('k = 0 gives the bias row (or zeros)', () => {
        const bias = new Float32Array([1, 2, 3]);
        const out = placeOutput(config, 6, 3);
        out.fill(7);
        k.matmul(new Float32Array(0), new Float32Array(0), out, 1, 2, 0, 3, false, true, 0, 0, place(config, bias, 2));
        assert.deepEqual(Array.from(out), [1, 2, 3, 1, 2, 3]);
      });
    });

    describe('unary ops', () => {
      for (const op of unaryKernelNames) {
        it(`${op}: identical values, special values included`, () => {
          fc.assert(fc.property(fc.integer({ min: 1, max: 300 }), fc.integer(), fc.double({ min: 0.1, max: 3, noNaN: true }), (n, seed, param) => {
            const scale = op === 'atanh' ? 1.2 : 30;
            const x = data(n, seed, { scale, specials: 0.15 });
            const expected = new Float32Array(n);
            jsKernels.unary(op, x, expected, param);
            const out = placeOutput(config, n, 1);
            k.unary(op, place(config, x, 0), out, param);
            assertIdentical(out, expected, `${op}(${Array.from(x.slice(0, 8))}…)`);
          }), runs(40));
        });
      }
    });

    describe('binary ops with broadcasting (same shape, rows, columns, scalars, higher rank)', () => {
      for (const op of binaryKernelNames) {
        it(`${op}: identical values`, () => {
          fc.assert(fc.property(layoutArb(2), fc.integer(), fc.boolean(), (layout, seed, square) => {
            const [sa, sb] = layout.shapes;
            const a = data(sizeOf(sa), seed, { specials: 0.1, ties: 0.3 });
            const b = op === 'pow' && square && sizeOf(sb) === 1
              ? new Float32Array([2])
              : data(sizeOf(sb), seed + 1, { specials: 0.1, ties: 0.3 });
            const shape = { outShape: layout.outShape, aStrides: layout.strides[0], bStrides: layout.strides[1] };
            const expected = new Float32Array(sizeOf(layout.outShape));
            jsKernels.binary(op, a, b, expected, shape);
            const out = placeOutput(config, expected.length, 2);
            k.binary(op, place(config, a, 0), place(config, b, 1), out, shape);
            assertIdentical(out, expected, `${op} ${JSON.stringify(layout.shapes)} → ${JSON.stringify(layout.outShape)}`);
          }), runs(60));
        });
      }
    });

    it('where: identical values for every broadcast of cond, a and b', () => {
      fc.assert(fc.property(layoutArb(3), fc.integer(), (layout, seed) => {
        const [sc, sa, sb] = layout.shapes;
        const cond = data(sizeOf(sc), seed, { ties: 0.8, specials: 0.1 });
        const a = data(sizeOf(sa), seed + 1, { specials: 0.1 });
        const b = data(sizeOf(sb), seed + 2, { specials: 0.1 });
        const strides = layout.strides as [number[], number[], number[]];
        const expected = new Float32Array(sizeOf(layout.outShape));
        jsKernels.where(cond, a, b, expected, layout.outShape, strides);
        const out = placeOutput(config, expected.length, 3);
        k.where(place(config, cond, 0), place(config, a, 1), place(config, b, 2), out, layout.outShape, strides);
        assertIdentical(out, expected, `where ${JSON.stringify(layout.shapes)}`);
      }), runs(80));
    });

    it('clamp: identical values, NaN and −0 passing through', () => {
      fc.assert(fc.property(fc.integer({ min: 1, max: 200 }), fc.integer(), fc.float({ noNaN: true }), fc.float({ noNaN: true }), (n, seed, p, q) => {
        const [lo, hi] = p <= q ? [p, q] : [q, p];
        const x = data(n, seed, { specials: 0.2, scale: 10 });
        const expected = new Float32Array(n);
        jsKernels.clamp(x, lo, hi, expected);
        const out = placeOutput(config, n, 1);
        k.clamp(place(config, x, 0), lo, hi, out);
        assertIdentical(out, expected, `clamp to [${lo}, ${hi}]`);
      }), runs(60));
    });

    describe('reductions over [outer, len, inner]', () => {
      const dims = fc.record({
        outer: fc.integer({ min: 1, max: 6 }),
        len: fc.oneof(fc.integer({ min: 1, max: 9 }), fc.integer({ min: 1, max: 70 })),
        inner: fc.oneof(fc.constant(1), fc.integer({ min: 1, max: 9 }), fc.integer({ min: 1, max: 40 })),
        seed: fc.integer(),
        specials: fc.constantFrom(0, 0.05),
      });
      for (const op of ['sum', 'max', 'min'] as const) {
        it(`${op}: ${op === 'sum' ? 'columns identical, rows within 1 ulp + 2⁻⁴⁸·Σ|x|' : 'identical values (±0 ties aside)'}`, () => {
          fc.assert(fc.property(dims, ({ outer, len, inner, seed, specials }) => {
            const x = data(outer * len * inner, seed, { specials: op === 'sum' ? 0 : specials, ties: 0.2 });
            const expected = new Float32Array(outer * inner);
            jsKernels.reduce(op, x, outer, len, inner, expected);
            const out = placeOutput(config, expected.length, 1);
            k.reduce(op, place(config, x, 0), outer, len, inner, out);
            for (let i = 0; i < expected.length; i++) {
              const context = `${op} [${outer}, ${len}, ${inner}] at ${i}: ${out[i]} vs JS ${expected[i]}`;
              if (op !== 'sum' || inner > 1) {
                assert.ok(Object.is(out[i], expected[i]) || (out[i] === 0 && expected[i] === 0), context);
              } else {
                let mass = 0;
                for (let r = 0; r < len; r++) mass += Math.abs(x[Math.floor(i / inner) * len * inner + r * inner + (i % inner)]);
                assert.ok(ulpDistance(out[i], expected[i]) <= 1 || Math.abs(out[i] - expected[i]) <= 2 ** -48 * mass, context);
              }
            }
          }), runs(80));
        });
      }
    });

    it('copyStrided: identical copies of permuted, sliced, broadcast and flipped views', () => {
      const viewArb = fc.array(fc.integer({ min: 1, max: 9 }), { minLength: 0, maxLength: 4 }).chain((shape) => fc.record({
        shape: fc.constant(shape),
        strides: fc.array(fc.integer({ min: -12, max: 40 }), { minLength: shape.length, maxLength: shape.length }),
        seed: fc.integer(),
      }));
      fc.assert(fc.property(viewArb, ({ shape, strides, seed }) => {
        // offset so that every index is within the source
        let low = 0, high = 0;
        shape.forEach((d, i) => (strides[i] < 0 ? (low += strides[i] * (d - 1)) : (high += strides[i] * (d - 1))));
        const x = data(high - low + 1, seed);
        const view = { shape, strides, offset: -low };
        const expected = new Float32Array(sizeOf(shape));
        jsKernels.copyStrided(x, view, expected);
        const out = placeOutput(config, expected.length, 1);
        k.copyStrided(place(config, x, 0), view, out);
        assertIdentical(out, expected, `copyStrided ${JSON.stringify(view)}`);
      }), runs(120));
    });

    it('adam: identical to adamFloat32, and within the bounds above of double precision, for Adam and AdamW', () => {
      const hyperArb = fc.record({
        lr: fc.double({ min: 1e-5, max: 0.1, noNaN: true }),
        beta1: fc.constantFrom(0, 0.5, 0.9, 0.99),
        beta2: fc.constantFrom(0.9, 0.99, 0.999),
        eps: fc.constantFrom(1e-8, 1e-6, 1e-3),
        weightDecay: fc.constantFrom(0, 1e-2, 0.1),
        decoupled: fc.boolean(),
        step: fc.integer({ min: 1, max: 2000 }),
      });
      fc.assert(fc.property(fc.integer({ min: 1, max: 300 }), fc.integer(), hyperArb, (n, seed, hyper: AdamHyper) => {
        const param = data(n, seed), grad = data(n, seed + 1, { scale: 0.5 });
        const m = data(n, seed + 2, { scale: 0.1 }), v = data(n, seed + 3, { scale: 0.01 }).map(Math.abs);
        const [pj, mj, vj] = [param.slice(), m.slice(), v.slice()];
        jsKernels.adam(pj, grad, mj, vj, hyper);
        const [pf, mf, vf] = [param.slice(), m.slice(), v.slice()];
        adamFloat32(pf, grad, mf, vf, hyper);
        const [pw, mw, vw] = [place(config, param, 0), place(config, m, 2), place(config, v, 3)];
        k.adam(pw, place(config, grad, 1), mw, vw, hyper);
        assertIdentical(mw, mf, `adam ${JSON.stringify(hyper)}: m`);
        assertIdentical(vw, vf, `adam ${JSON.stringify(hyper)}: v`);
        assertIdentical(pw, pf, `adam ${JSON.stringify(hyper)}: θ`);
        const { lr, beta1, beta2, eps, weightDecay, decoupled, step } = hyper;
        const l2 = decoupled ? 0 : weightDecay;
        for (let i = 0; i < n; i++) {
          const context = `adam ${JSON.stringify(hyper)} at ${i}`;
          // magnitudes of the summed terms: rounding errors scale with them, not with a cancelled sum
          const gMass = Math.abs(grad[i]) + l2 * Math.abs(param[i]);
          const mMass = beta1 * Math.abs(m[i]) + (1 - beta1) * gMass;
          const vMass = beta2 * v[i] + (1 - beta2) * gMass * gMass;
          const stepMass = (lr / (1 - beta1 ** step)) * mMass / (Math.sqrt(vj[i] / (1 - beta2 ** step)) + eps);
          assert.ok(Math.abs(mw[i] - mj[i]) <= 2 ** -21 * mMass, `${context}: m ${mw[i]} vs ${mj[i]}`);
          assert.ok(Math.abs(vw[i] - vj[i]) <= 2 ** -21 * vMass, `${context}: v ${vw[i]} vs ${vj[i]}`);
          assert.ok(Math.abs(pw[i] - pj[i]) <= 2 ** -22 * Math.abs(param[i]) + 2 ** -18 * stepMass, `${context}: θ ${pw[i]} vs ${pj[i]}`);
        }
      }), runs(80));
    });
  });
});
