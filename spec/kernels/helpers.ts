/**
 * Kernel-set configurations and data for the equivalence specs: every wasm configuration is run
 * against the JS reference kernels on the same inputs.
 */
import fc from 'fast-check';
// The process's own kernel set is created first, with the process's own flags: the wasm+fma
// configuration below switches V8's relaxed-SIMD flag on, and a default set created after that
// would pick FMA up and change every later result of the process.
import '../../engine/kernels/index.ts';
import { jsKernels } from '../../engine/kernels/js.ts';
import type { FloatArray, Kernels } from '../../engine/kernels/types.ts';
import { createWasmKernels, relaxedSimdSupported, simdSupported, type WasmKernels } from '../../engine/kernels/wasm/index.ts';

export { jsKernels };

/** How a configuration places operands: on the wasm heap, or in ordinary arrays (copied through scratch). */
export type Placement = 'heap' | 'outside' | 'mixed';

export interface KernelConfig {
  readonly name: string;
  readonly kernels: Kernels;
  readonly placement: Placement;
  /** Whether GEMM uses relaxed-SIMD FMA. */
  readonly fma: boolean;
}

let cached: KernelConfig[] | null = null;

/**
 * The wasm configurations under test:
 * - `wasm`: operands on the heap (the normal case);
 * - `wasm, mixed placement`: alternate operands on and off the heap;
 * - `wasm, operands outside the heap`: every operand copied through the staging area;
 * - `wasm, operands beyond the staging area`: a 256-byte staging area, so larger operands are copied
 *   into pool blocks;
 * - `wasm, pool exhausted`: a 16 MiB heap filled up and no staging area, so operands cannot be
 *   staged and every call takes the set's JS fallback;
 * - `wasm+fma`: relaxed-SIMD FMA GEMM (the V8 flag is switched on for this process), when the
 *   runtime validates it.
 */
export function wasmConfigs(): KernelConfig[] {
  if (cached) return cached;
  if (!simdSupported()) return (cached = []);
  const main = createWasmKernels({ name: 'wasm-spec', memoryMB: 64, fma: false });
  const exhausted = createWasmKernels({ name: 'wasm-exhausted', memoryMB: 16, fma: false, stagingBytes: 0 });
  fillPool(exhausted);
  const smallStaging = createWasmKernels({ name: 'wasm-small-staging', memoryMB: 32, fma: false, stagingBytes: 256 });
  const configs: KernelConfig[] = [
    { name: 'wasm', kernels: main, placement: 'heap', fma: false },
    { name: 'wasm, operands outside the heap', kernels: main, placement: 'outside', fma: false },
    { name: 'wasm, mixed placement', kernels: main, placement: 'mixed', fma: false },
    { name: 'wasm, operands beyond the staging area (pool scratch blocks)', kernels: smallStaging, placement: 'outside', fma: false },
    { name: 'wasm, pool exhausted (JS fallback)', kernels: exhausted, placement: 'outside', fma: false },
  ];
  if (relaxedSimdSupported(true)) {
    configs.push({ name: 'wasm+fma', kernels: createWasmKernels({ name: 'wasm-fma-spec', memoryMB: 64, fma: true }), placement: 'heap', fma: true });
  }
  return (cached = configs);
}

const held: FloatArray[] = [];

/** Allocates from `set` until its pool is full, keeping the arrays alive. */
export function fillPool(set: WasmKernels): void {
  for (const size of [1 << 20, 1 << 16, 1 << 12, 1 << 8, 16]) {
    for (;;) {
      const before = set.heap.stats.fallbackAllocations;
      const a = set.allocate('float32', size);
      if (set.heap.stats.fallbackAllocations > before) break;
      held.push(a);
    }
  }
}

/** A copy of `values` placed as the configuration places operand number `index`. */
export function place(config: KernelConfig, values: Float32Array, index: number): Float32Array {
  const onHeap = config.placement === 'heap' || (config.placement === 'mixed' && index % 2 === 0);
  if (!onHeap) return values.slice();
  const a = config.kernels.allocate('float32', values.length) as Float32Array;
  a.set(values);
  return a;
}

/** An output array placed like operand `index`. */
export function placeOutput(config: KernelConfig, length: number, index: number): Float32Array {
  return place(config, new Float32Array(length), index);
}

/** A small deterministic PRNG (mulberry32) for bulk data. */
export function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const specialValues = [0, -0, NaN, Infinity, -Infinity, 1e-40, -1e-40, 3.4e38, -3.4e38, 1, -1, 0.5, 88.7, -103.9];

/**
 * float32 data: uniform in [−scale, scale], with a fraction `specials` of special values and a
 * fraction `ties` of small integers (so comparisons and max/min meet equal operands).
 */
export function data(n: number, seed: number, options: { scale?: number; specials?: number; ties?: number } = {}): Float32Array {
  const { scale = 4, specials = 0, ties = 0 } = options;
  const next = rng(seed);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const u = next();
    if (u < specials) out[i] = specialValues[Math.floor(next() * specialValues.length)];
    else if (u < specials + ties) out[i] = Math.floor(next() * 5) - 2;
    else out[i] = (2 * next() - 1) * scale;
  }
  return out;
}

/** Index of the first element where a and b differ as values (NaN equals NaN; ±0 differ), or −1. */
export function firstMismatch(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return 0;
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) return i;
  return -1;
}

/** Asserts bit-level equality of values, naming the first difference. */
export function assertIdentical(actual: ArrayLike<number>, expected: ArrayLike<number>, context: string): void {
  const i = firstMismatch(actual, expected);
  if (i >= 0) {
    throw new Error(`${context}: element ${i} is ${actual[i]}, JS gives ${expected[i]} (lengths ${actual.length}, ${expected.length})`);
  }
}

/** Distance in float32 units in the last place (0 for equal values and for two NaNs). */
export function ulpDistance(a: number, b: number): number {
  if (Number.isNaN(a) || Number.isNaN(b)) return Number.isNaN(a) && Number.isNaN(b) ? 0 : Infinity;
  if (a === b) return 0;
  if (!Number.isFinite(a) || !Number.isFinite(b)) return Infinity;
  const bits = new Int32Array(new Float32Array([a, b]).buffer);
  const ordered = (v: number): number => (v < 0 ? -(v & 0x7fffffff) : v);
  return Math.abs(ordered(bits[0]) - ordered(bits[1]));
}

/** Shapes with many edge sizes: small dims, SIMD-width ± 1, tile ± 1. */
export const gemmDim = fc.oneof(
  fc.integer({ min: 1, max: 9 }),
  fc.constantFrom(3, 4, 5, 7, 8, 9, 12, 13, 15, 16, 17, 31, 33),
  fc.integer({ min: 1, max: 70 }),
);

/** A broadcast layout for n operands over a random output shape, with strides as the engine makes them. */
export interface LayoutCase {
  readonly outShape: number[];
  readonly shapes: number[][];
  readonly strides: number[][];
}

export function stridesFor(shape: readonly number[], outShape: readonly number[]): number[] {
  const offset = outShape.length - shape.length;
  const own: number[] = new Array(shape.length);
  let s = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    own[i] = s;
    s *= shape[i];
  }
  return outShape.map((d, i) => (i < offset || shape[i - offset] === 1 ? 0 : own[i - offset]));
}

const sizeOf = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);

export function layoutArb(operands: number): fc.Arbitrary<LayoutCase> {
  const dimArb = fc.oneof(fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 37 }));
  return fc.array(dimArb, { minLength: 0, maxLength: 4 })
    .filter((shape) => sizeOf(shape) <= 6000)
    .chain((outShape) => fc.array(
      fc.record({
        drop: fc.integer({ min: 0, max: outShape.length }),
        ones: fc.array(fc.boolean(), { minLength: outShape.length, maxLength: outShape.length }),
      }),
      { minLength: operands, maxLength: operands },
    ).map((choices) => {
      const shapes = choices.map(({ drop, ones }) => outShape.slice(drop).map((d, i) => (ones[i + drop] ? 1 : d)));
      // the output is the broadcast of the operands (an axis every operand drops has size 1)
      const broadcast = outShape.map((_, axis) => Math.max(1, ...shapes.map((s) => s[axis - (outShape.length - s.length)] ?? 1)));
      return { outShape: broadcast, shapes, strides: shapes.map((s) => stridesFor(s, broadcast)) };
    }));
}

export { sizeOf };
