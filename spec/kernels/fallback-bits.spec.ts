/**
 * A wasm kernel set whose heap and staging area have no room for a call's operands computes it in
 * JavaScript. For GEMM and row reductions, whose JS reference rounds differently, that fallback
 * reproduces the kernel's own float32 arithmetic, so a result has the same bits wherever its operands
 * live (a full heap depends on when the garbage collector ran, which a seed does not fix):
 * - `fusedMultiplyAddFloat32` against exact rational arithmetic (BigInt), including the sums that
 *   float64 rounds exactly onto a float32 tie;
 * - GEMM (mul + add and FMA, every layout, bias, relu, special values) and row sum/max/min (±0 ties,
 *   NaN) on a set with no room, against the same set's kind with its operands on the heap.
 */
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { fusedMultiplyAddFloat32 } from '../../engine/kernels/js.ts';
import { createWasmKernels, relaxedSimdSupported, simdSupported, type WasmKernels } from '../../engine/kernels/wasm/index.ts';
import { assertIdentical, data, fillPool, gemmDim, rng } from './helpers.ts';

/** a·b + c rounded once to float32 (to nearest, ties to even), in exact integer arithmetic. */
function exactFusedMultiplyAdd(a: number, b: number, c: number): number {
  if (![a, b, c].every(Number.isFinite)) return Math.fround(a * b + c);
  // units of 2⁻²⁹⁸: float32s are multiples of 2⁻¹⁴⁹, so their products are multiples of 2⁻²⁹⁸
  const sum = BigInt(a * 2 ** 149) * BigInt(b * 2 ** 149) + BigInt(c * 2 ** 149) * (1n << 149n);
  if (sum === 0n) return a * b + c; // an exact zero: its sign follows IEEE's rule, as float64's does
  const magnitude = sum < 0n ? -sum : sum;
  const exponent = magnitude.toString(2).length - 1 - 298; // |a·b + c| ∈ [2^exponent, 2^(exponent+1))
  const shift = BigInt(Math.max(exponent - 23, -149) + 298); // the float32 spacing there, in units
  let units = magnitude >> shift;
  const rest = magnitude - (units << shift);
  const half = 1n << (shift - 1n);
  if (rest > half || (rest === half && (units & 1n) === 1n)) units += 1n;
  const value = Math.fround(Number(units) * 2 ** (Number(shift) - 298)); // 2¹²⁸ becomes ∞
  return sum < 0n ? -value : value;
}

/** A float32 from random bits: every exponent, both signs, subnormals; NaN and ∞ when `finite` is false. */
function anyFloat32(next: () => number, finite = true): number {
  const bits = new Uint32Array(1);
  const view = new Float32Array(bits.buffer);
  do bits[0] = Math.floor(next() * 2 ** 32);
  while (finite && !Number.isFinite(view[0]));
  return view[0];
}

/**
 * Triples whose exact a·b + c lies within a float64 ulp of a float32 tie: c = ±(1 + m·2⁻²³)·2ˢ, whose
 * float32 spacing is 2ˢ⁻²³, and a·b = ±2ˢ⁻²⁴·(1 − u²) with u = 2⁻ʲ (a = 2ⁱ(1 + u), b = 2ˢ⁻²⁴⁻ⁱ(1 − u)), so
 * float64 may round the sum onto the tie while the exact sum is off it.
 */
function nearTie(next: () => number): [number, number, number] {
  const s = Math.floor(next() * 200) - 100;
  const c = Math.fround((1 + Math.floor(next() * 2 ** 23) * 2 ** -23) * 2 ** s) * (next() < 0.5 ? -1 : 1);
  const u = 2 ** -(13 + Math.floor(next() * 11));
  const i = Math.floor((s - 24) / 2);
  const sign = next() < 0.5 ? -1 : 1;
  return [sign * 2 ** i * (1 + u), 2 ** (s - 24 - i) * (1 - u), c];
}

describe('fusedMultiplyAddFloat32 rounds a·b + c once', () => {
  it('the sum that float64 puts on a tie: (2⁻¹²(1 + 2⁻¹⁸))·(2⁻¹²(1 − 2⁻¹⁸)) + (1 + 2⁻²³) is 1 + 2⁻²³, not the tie\'s even neighbour', () => {
    const a = Math.fround(2 ** -12 * (1 + 2 ** -18)), b = Math.fround(2 ** -12 * (1 - 2 ** -18)), c = Math.fround(1 + 2 ** -23);
    assert.equal(Math.fround(a * b + c), 1 + 2 ** -22, 'float64 then float32 rounds twice');
    assert.equal(fusedMultiplyAddFloat32(a, b, c), 1 + 2 ** -23);
    assert.equal(exactFusedMultiplyAdd(a, b, c), 1 + 2 ** -23);
  });

  it('equals exact rational arithmetic on random float32s of every exponent and on near-tie triples', () => {
    fc.assert(fc.property(fc.integer(), fc.boolean(), (seed, tie) => {
      const next = rng(seed);
      const [a, b, c] = tie ? nearTie(next) : [anyFloat32(next), anyFloat32(next), anyFloat32(next)];
      const got = fusedMultiplyAddFloat32(a, b, c);
      const want = exactFusedMultiplyAdd(a, b, c);
      assert.ok(Object.is(got, want), `fma(${a}, ${b}, ${c}) = ${got}, exactly ${want}`);
    }), { numRuns: 3000 });
  });

  it('passes NaN and ∞ through as IEEE arithmetic does', () => {
    assert.ok(Number.isNaN(fusedMultiplyAddFloat32(0, Infinity, 1)));
    assert.ok(Number.isNaN(fusedMultiplyAddFloat32(1, Infinity, -Infinity)));
    assert.equal(fusedMultiplyAddFloat32(2, 3, Infinity), Infinity);
    assert.ok(Object.is(fusedMultiplyAddFloat32(-0, 1, -0), -0));
    assert.equal(fusedMultiplyAddFloat32(3.4e38, 3.4e38, -Infinity), -Infinity);
  });
});

interface Pair {
  readonly name: string;
  /** Operands on the heap: the kernels themselves. */
  readonly roomy: WasmKernels;
  /** A full pool and no staging area: every call takes the JS fallback. */
  readonly full: WasmKernels;
}

let made: Pair[] | null = null;

function pairs(): Pair[] {
  if (made) return made;
  if (!simdSupported()) return (made = []);
  const make = (fma: boolean): Pair => {
    const full = createWasmKernels({ name: `wasm-full${fma ? '-fma' : ''}`, memoryMB: 16, fma, stagingBytes: 0, threads: 1 });
    fillPool(full);
    return { name: fma ? 'FMA' : 'mul + add', roomy: createWasmKernels({ name: `wasm-roomy${fma ? '-fma' : ''}`, memoryMB: 32, fma, threads: 1 }), full };
  };
  return (made = [make(false), ...(relaxedSimdSupported(true) ? [make(true)] : [])]);
}

/** `values` copied onto `set`'s heap. */
function onHeap(set: WasmKernels, values: Float32Array): Float32Array {
  const copy = set.allocate('float32', values.length) as Float32Array;
  copy.set(values);
  return copy;
}

describe('with no room for its operands, the wasm set gives the bits it gives on its heap', () => {
  if (!simdSupported()) {
    it.skip('(WebAssembly SIMD is not supported here)', () => {});
    return;
  }
  for (const { name, roomy, full } of pairs()) {
    it(`GEMM, ${name}: every layout, batch stride, bias and relu, special values and k across K blocks`, () => {
      assert.ok(roomy.heap.isResident(onHeap(roomy, new Float32Array(4))));
      const cases = fc.record({
        m: gemmDim, n: gemmDim, k: fc.oneof(gemmDim, fc.integer({ min: 250, max: 300 })),
        batch: fc.integer({ min: 1, max: 2 }), transA: fc.boolean(), transB: fc.boolean(), broadcastA: fc.boolean(), broadcastB: fc.boolean(),
        bias: fc.boolean(), relu: fc.boolean(), specials: fc.constantFrom(0, 0.02), seed: fc.integer(),
      });
      fc.assert(fc.property(cases, (c) => {
        const aSize = c.m * c.k, bSize = c.k * c.n, aStride = c.broadcastA ? 0 : aSize, bStride = c.broadcastB ? 0 : bSize;
        const A = data(aStride ? aSize * c.batch : aSize, c.seed, { specials: c.specials, ties: 0.1 });
        const B = data(bStride ? bSize * c.batch : bSize, c.seed + 1, { specials: c.specials, ties: 0.1 });
        const bias = c.bias ? data(c.n, c.seed + 2) : undefined;
        const heapOut = onHeap(roomy, new Float32Array(c.batch * c.m * c.n));
        roomy.matmul(onHeap(roomy, A), onHeap(roomy, B), heapOut, c.batch, c.m, c.k, c.n, c.transA, c.transB, aStride, bStride,
          bias && onHeap(roomy, bias), c.relu);
        const fallbackOut = new Float32Array(heapOut.length);
        full.matmul(A, B, fallbackOut, c.batch, c.m, c.k, c.n, c.transA, c.transB, aStride, bStride, bias, c.relu);
        assertIdentical(fallbackOut, heapOut, `${name} ${JSON.stringify(c)}`);
      }), { numRuns: 60 });
      assert.equal(full.fusedMultiplyAdd, roomy.fusedMultiplyAdd);
      // one product plus a bias near a float32 tie, where rounding once and rounding in float64 first part
      const next = rng(11);
      const [a, b, bias, out] = [1, 1, 1, 1].map((n) => onHeap(roomy, new Float32Array(n)));
      for (let i = 0; i < 2000; i++) {
        [a[0], b[0], bias[0]] = nearTie(next);
        roomy.matmul(a, b, out, 1, 1, 1, 1, false, false, 0, 0, bias);
        const fallback = new Float32Array(1);
        full.matmul(Float32Array.of(a[0]), Float32Array.of(b[0]), fallback, 1, 1, 1, 1, false, false, 0, 0, Float32Array.of(bias[0]));
        assert.ok(Object.is(fallback[0], out[0]), `${name}: ${a[0]}·${b[0]} + ${bias[0]} = ${out[0]} on the heap, ${fallback[0]} with no room`);
      }
    });
  }

  it('row sum, max and min: ±0 ties, NaN and lengths around the vector width', () => {
    const [{ roomy, full }] = pairs();
    const cases = fc.record({
      outer: fc.integer({ min: 1, max: 5 }), len: fc.oneof(fc.integer({ min: 1, max: 9 }), fc.integer({ min: 1, max: 200 })),
      specials: fc.constantFrom(0, 0.1), seed: fc.integer(),
    });
    for (const op of ['sum', 'max', 'min'] as const) {
      fc.assert(fc.property(cases, ({ outer, len, specials, seed }) => {
        // sums: ±2⁴⁰, which cancel, among values 2⁶⁰ smaller, which float64 partial sums keep or lose by their order;
        // max/min: mostly ±0 below (above) a few ±1, so which zero wins depends on the order of comparison
        const next = rng(seed);
        const x = Float32Array.from({ length: outer * len }, () => {
          const u = next();
          if (op === 'sum') return u < 0.3 ? (next() < 0.5 ? 2 ** 40 : -(2 ** 40)) : 2 ** -20 * (2 * next() - 1);
          if (u < specials) return NaN;
          return u < 0.4 ? (op === 'max' ? -1 : 1) : u < 0.7 ? -0 : 0;
        });
        const heapOut = onHeap(roomy, new Float32Array(outer));
        roomy.reduce(op, onHeap(roomy, x), outer, len, 1, heapOut);
        const fallbackOut = new Float32Array(outer);
        full.reduce(op, x, outer, len, 1, fallbackOut);
        assertIdentical(fallbackOut, heapOut, `${op} [${outer}, ${len}]`);
      }), { numRuns: 150 });
    }
  });
});
