/**
 * The WebAssembly SIMD kernel set ('wasm'): float32 kernels generated at run time (module.ts),
 * tensors stored in the module's memory (heap.ts). float64, and the few float32 cases without a
 * wasm kernel (pow other than x², `where` over short rows), run the JS kernels.
 *
 * Operands that are not views on the heap's memory (user arrays, or arrays allocated while the
 * pool was full) are copied for the call into a staging area kept outside the pool (1/16 of the
 * memory, at most 64 MiB), or into pool blocks beyond that, and results copied back; when neither
 * has room the call runs the JS kernel.
 */
import { jsKernels } from '../js.ts';
import type {
  AdamHyper, BinaryKernel, BroadcastLayout, DType, FloatArray, Kernels, ReduceKernel, StridedView, UnaryKernel,
} from '../types.ts';
import { WasmHeap, type HeapStats } from './heap.ts';
import { buildKernelModule, relaxedSimdProbe, simdProbe } from './module.ts';
import { type GemmOptions, defaultGemmOptions, edgeTileBytes, packBufferBytes } from './gemm.ts';
import type { OperandKind } from './elementwise.ts';
import { webAssembly } from './runtime.ts';

import { WASM_MEMORY_MB_RANGE, readKernelEnvironment } from '../environment.ts';

/** Whether this runtime validates WebAssembly SIMD128. */
export function simdSupported(): boolean {
  try {
    return webAssembly !== undefined && webAssembly.validate(simdProbe());
  } catch {
    return false;
  }
}

/**
 * Whether relaxed SIMD (f32x4.relaxed_madd) validates. Node 20 needs `--experimental-wasm-relaxed-simd`
 * on the command line; with `enable`, the flag is set at run time first (V8 allows this before the
 * first relaxed module is compiled; Node calls run-time flag changes unsupported, hence opt-in).
 */
export function relaxedSimdSupported(enable = false): boolean {
  try {
    if (!webAssembly) return false;
    if (webAssembly.validate(relaxedSimdProbe())) return true;
    if (!enable) return false;
    const proc = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process;
    const v8 = proc?.getBuiltinModule?.('node:v8') as { setFlagsFromString(flags: string): void } | undefined;
    v8?.setFlagsFromString('--experimental-wasm-relaxed-simd');
    return webAssembly.validate(relaxedSimdProbe());
  } catch {
    return false;
  }
}

export interface WasmKernelOptions {
  /** Name under which the set registers (default 'wasm'). */
  readonly name?: string;
  /** Use relaxed-SIMD FMA in GEMM (must validate). Default: VARL_WASM_FMA, else when it validates. */
  readonly fma?: boolean;
  /** Size of the memory in MiB. Default: VARL_WASM_MEMORY_MB, else 512. */
  readonly memoryMB?: number;
  readonly gemm?: Partial<Pick<GemmOptions, 'kc' | 'nc' | 'mr' | 'packAFromStride'>>;
  /** Bytes of the staging area for operands outside the heap (default: 1/16 of the memory, ≤ 64 MiB). */
  readonly stagingBytes?: number;
}

/** The wasm kernel set, with its heap exposed for statistics. */
export interface WasmKernels extends Kernels {
  readonly heap: WasmHeap;
  /** Whether GEMM uses relaxed-SIMD FMA. */
  readonly fma: boolean;
  heapStats(): HeapStats;
}

type Fn = (...args: number[]) => void;

/** Dims of size 1 dropped and adjacent dims merged where every operand is contiguous across them. */
function mergeDims(shape: readonly number[], strides: readonly (readonly number[])[]): { shape: number[]; strides: number[][] } {
  const outShape: number[] = [];
  const outStrides: number[][] = strides.map(() => []);
  for (let i = 0; i < shape.length; i++) {
    if (shape[i] === 1) continue;
    const last = outShape.length - 1;
    if (last >= 0 && strides.every((s, j) => outStrides[j][last] === s[i] * shape[i])) {
      outShape[last] *= shape[i];
      strides.forEach((s, j) => (outStrides[j][last] = s[i]));
    } else {
      outShape.push(shape[i]);
      strides.forEach((s, j) => outStrides[j].push(s[i]));
    }
  }
  return { shape: outShape, strides: outStrides };
}

/** Calls `body(offsets)` for every index of the leading `shape` dims, offsets per operand in elements. */
function forEachLeading(shape: readonly number[], strides: readonly (readonly number[])[], body: (offsets: readonly number[]) => void): void {
  const rank = shape.length;
  const offsets = strides.map(() => 0);
  const index = new Array<number>(rank).fill(0);
  let total = 1;
  for (const d of shape) total *= d;
  for (let t = 0; t < total; t++) {
    body(offsets);
    for (let axis = rank - 1; axis >= 0; axis--) {
      index[axis]++;
      for (let j = 0; j < offsets.length; j++) offsets[j] += strides[j][axis];
      if (index[axis] < shape[axis]) break;
      for (let j = 0; j < offsets.length; j++) offsets[j] -= strides[j][axis] * shape[axis];
      index[axis] = 0;
    }
  }
}

const isF32 = (a: FloatArray): a is Float32Array => a instanceof Float32Array;
const padTo64 = (bytes: number): number => Math.ceil(bytes / 64) * 64;
const kindOf = (colStride: number): OperandKind => (colStride === 0 ? 's' : 'v');

/** Builds, instantiates and returns a wasm kernel set. Throws when SIMD is unsupported. */
export function createWasmKernels(options: WasmKernelOptions = {}): WasmKernels {
  if (!simdSupported()) throw new Error('createWasmKernels: this runtime does not validate WebAssembly SIMD128');
  const environment = readKernelEnvironment();
  const fmaSetting = environment.wasmFma;
  const fma = options.fma ?? (fmaSetting === false ? false : relaxedSimdSupported(fmaSetting === true));
  if (fma && !relaxedSimdSupported()) throw new Error('createWasmKernels: fma requested but relaxed SIMD does not validate');
  const gemmOptions: GemmOptions = { ...defaultGemmOptions, ...options.gemm, fma };
  const memoryMB = options.memoryMB ?? environment.wasmMemoryMB ?? 512;
  const { min, max } = WASM_MEMORY_MB_RANGE;
  if (!(Number.isInteger(memoryMB) && memoryMB >= min && memoryMB <= max)) {
    throw new RangeError(`createWasmKernels: memoryMB ${memoryMB} (expected an integer ${min}–${max} MiB)`);
  }

  const packBytes = padTo64(packBufferBytes(gemmOptions));
  // staging area for operands that are not on the heap: outside the pool, so that it stays
  // available when the pool is full (only the pages actually used are ever touched)
  const stagingBytes = padTo64(options.stagingBytes ?? Math.min(64, memoryMB / 16) * 2 ** 20);
  const heap = new WasmHeap({ memoryMB, staticBytes: packBytes + padTo64(edgeTileBytes) + stagingBytes });
  const packPtr = heap.staticBase;
  const tilePtr = packPtr + packBytes;
  const stagingBase = tilePtr + padTo64(edgeTileBytes);
  const wasm = webAssembly!;
  const instance = new wasm.Instance(
    new wasm.Module(buildKernelModule({ ...gemmOptions, pages: heap.pages })),
    { env: { memory: heap.memory } },
  );
  const exports = instance.exports as Record<string, Fn>;
  const fnOf = (name: string): Fn => {
    const f = exports[name];
    if (typeof f !== 'function') throw new Error(`wasm kernels: no export ${name}`);
    return f;
  };
  const heapF32 = new Float32Array(heap.buffer);

  // ----- staging of operands that are not on the heap -----

  const scratchBlocks: number[] = [];
  const scratchSizes: number[] = [];
  const copyBacks: [Float32Array, number][] = [];
  let stagingUsed = 0;

  /** Room for `bytes` for one call: in the staging area, else a pool block; −1 when neither has any. */
  function room(bytes: number): number {
    const padded = padTo64(bytes);
    if (stagingUsed + padded <= stagingBytes) {
      const ptr = stagingBase + stagingUsed;
      stagingUsed += padded;
      return ptr;
    }
    const ptr = heap.scratch(bytes);
    if (ptr >= 0) {
      scratchBlocks.push(ptr);
      scratchSizes.push(bytes);
    }
    return ptr;
  }

  /** Byte address of `a` in memory, copying it into staging when it is not resident; −1 when no room. */
  function input(a: Float32Array): number {
    if (heap.isResident(a)) return a.byteOffset;
    const ptr = room(a.byteLength);
    if (ptr >= 0) heapF32.set(a, ptr >> 2);
    return ptr;
  }

  /** Like `input`; the result is copied back to `a` by `finish` (for outputs and in-place operands). */
  function output(a: Float32Array, copyIn: boolean): number {
    if (heap.isResident(a)) return a.byteOffset;
    const ptr = copyIn ? input(a) : room(a.byteLength);
    if (ptr >= 0) copyBacks.push([a, ptr]);
    return ptr;
  }

  /** Copies staged outputs back and releases staging and scratch; with `ok` false only releases. */
  function finish(ok: boolean): void {
    if (ok) for (const [a, ptr] of copyBacks) a.set(heapF32.subarray(ptr >> 2, (ptr >> 2) + a.length));
    for (let i = 0; i < scratchBlocks.length; i++) heap.releaseScratch(scratchBlocks[i], scratchSizes[i]);
    scratchBlocks.length = 0;
    scratchSizes.length = 0;
    copyBacks.length = 0;
    stagingUsed = 0;
  }

  /** Stages inputs and outputs; returns their addresses, or null (after releasing) when out of room. */
  function stage(inputs: readonly Float32Array[], outputs: readonly Float32Array[], inPlace = false): number[] | null {
    const ptrs: number[] = [];
    for (const a of inputs) {
      const p = input(a);
      if (p < 0) return (finish(false), null);
      ptrs.push(p);
    }
    for (const a of outputs) {
      const p = output(a, inPlace);
      if (p < 0) return (finish(false), null);
      ptrs.push(p);
    }
    return ptrs;
  }

  // ----- kernels -----

  const unaryFns = new Map<UnaryKernel, Fn>();
  const unaryFn = (op: UnaryKernel): Fn => {
    let f = unaryFns.get(op);
    if (!f) unaryFns.set(op, (f = fnOf(`unary_${op}`)));
    return f;
  };

  function unary(op: UnaryKernel, x: FloatArray, out: FloatArray, param: number): void {
    if (!isF32(x) || !isF32(out) || out.length === 0) return jsKernels.unary(op, x, out, param);
    const p = stage([x], [out]);
    if (!p) return jsKernels.unary(op, x, out, param);
    unaryFn(op)(p[0], p[1], out.length, param);
    finish(true);
  }

  const binaryFns = new Map<string, Fn>();
  const binaryFn = (op: BinaryKernel, kinds: string): Fn => {
    const key = `binary_${op}_${kinds}`;
    let f = binaryFns.get(key);
    if (!f) binaryFns.set(key, (f = fnOf(key)));
    return f;
  };

  function binary(op: BinaryKernel, a: FloatArray, b: FloatArray, out: FloatArray, layout: BroadcastLayout): void {
    const js = (): void => jsKernels.binary(op, a, b, out, layout);
    if (!isF32(a) || !isF32(b) || !isF32(out) || out.length === 0) return js();
    let kernelOp: BinaryKernel = op;
    let right = b;
    let strides: readonly (readonly number[])[] = [layout.aStrides, layout.bStrides];
    if (op === 'pow') {
      // x² exactly as Math.pow(x, 2) rounds it; other exponents need the JS kernel's accuracy
      if (b.length !== 1 || b[0] !== 2) return js();
      kernelOp = 'mul';
      right = a;
      strides = [layout.aStrides, layout.aStrides];
    }
    const merged = mergeDims(layout.outShape, strides);
    const rank = merged.shape.length;
    const [sa, sb] = merged.strides;
    // innermost strides 0 (one value per row) or 1 (a row); never both 0 for a broadcast layout
    const colA = rank === 0 ? 1 : sa[rank - 1];
    const colB = rank === 0 ? 1 : sb[rank - 1];
    if (colA > 1 || colB > 1 || colA + colB === 0) return js();
    const p = stage([a, right], [out]);
    if (!p) return js();
    const f = binaryFn(kernelOp, kindOf(colA) + kindOf(colB));
    if (rank <= 1) f(p[0], p[1], p[2], 1, rank === 0 ? 1 : merged.shape[0], 0, 0);
    else {
      const rows = merged.shape[rank - 2];
      const cols = merged.shape[rank - 1];
      const aRow = sa[rank - 2] * 4;
      const bRow = sb[rank - 2] * 4;
      if (rank === 2) f(p[0], p[1], p[2], rows, cols, aRow, bRow);
      else {
        let o = p[2];
        forEachLeading(merged.shape.slice(0, -2), [sa.slice(0, -2), sb.slice(0, -2)], ([oa, ob]) => {
          f(p[0] + oa * 4, p[1] + ob * 4, o, rows, cols, aRow, bRow);
          o += rows * cols * 4;
        });
      }
    }
    finish(true);
  }

  function where(
    cond: FloatArray, a: FloatArray, b: FloatArray, out: FloatArray,
    outShape: readonly number[], strides: readonly [readonly number[], readonly number[], readonly number[]],
  ): void {
    const merged = mergeDims(outShape, strides);
    const rank = merged.shape.length;
    const cols = rank === 0 ? 1 : merged.shape[rank - 1];
    if (!isF32(cond) || !isF32(a) || !isF32(b) || !isF32(out) || out.length === 0 || (rank > 1 && cols < 16)) {
      return jsKernels.where(cond, a, b, out, outShape, strides);
    }
    const p = stage([cond, a, b], [out]);
    if (!p) return jsKernels.where(cond, a, b, out, outShape, strides);
    const last = merged.strides.map((s) => (rank === 0 ? 1 : s[rank - 1]));
    const f = fnOf(`where_${last.map(kindOf).join('')}`);
    if (rank <= 1) f(p[0], p[1], p[2], p[3], cols);
    else {
      let o = p[3];
      forEachLeading(merged.shape.slice(0, -1), merged.strides.map((s) => s.slice(0, -1)), ([oc, oa, ob]) => {
        f(p[0] + oc * 4, p[1] + oa * 4, p[2] + ob * 4, o, cols);
        o += cols * 4;
      });
    }
    finish(true);
  }

  const clampFn = fnOf('clamp');
  function clamp(x: FloatArray, lo: number, hi: number, out: FloatArray): void {
    if (!isF32(x) || !isF32(out) || out.length === 0) return jsKernels.clamp(x, lo, hi, out);
    const p = stage([x], [out]);
    if (!p) return jsKernels.clamp(x, lo, hi, out);
    clampFn(p[0], p[1], out.length, Math.fround(lo), Math.fround(hi));
    finish(true);
  }

  const gemm = fnOf('gemm_f32');
  function matmul(
    a: FloatArray, b: FloatArray, out: FloatArray,
    batch: number, m: number, k: number, n: number,
    transA: boolean, transB: boolean, aBatchStride: number, bBatchStride: number,
    bias?: FloatArray,
  ): void {
    const js = (): void => jsKernels.matmul(a, b, out, batch, m, k, n, transA, transB, aBatchStride, bBatchStride, bias);
    if (!isF32(a) || !isF32(b) || !isF32(out) || (bias && !isF32(bias)) || k === 0) return js();
    if (batch === 0 || m === 0 || n === 0) return;
    const p = stage(bias ? [a, b, bias as Float32Array] : [a, b], [out]);
    if (!p) return js();
    const biasPtr = bias ? p[2] : 0;
    const outPtr = p[p.length - 1];
    for (let i = 0; i < batch; i++) {
      gemm(p[0] + i * aBatchStride * 4, p[1] + i * bBatchStride * 4, outPtr + i * m * n * 4,
        m, k, n, transA ? 1 : 0, transB ? 1 : 0, biasPtr, packPtr, tilePtr);
    }
    finish(true);
  }

  const adamFn = fnOf('adam');
  function adam(param: FloatArray, grad: FloatArray, m: FloatArray, v: FloatArray, hyper: AdamHyper): void {
    if (!isF32(param) || !isF32(grad) || !isF32(m) || !isF32(v) || param.length === 0) return jsKernels.adam(param, grad, m, v, hyper);
    const { lr, beta1, beta2, eps, weightDecay, decoupled, step } = hyper;
    const p = stage([grad], [param, m, v], true);
    if (!p) return jsKernels.adam(param, grad, m, v, hyper);
    adamFn(p[1], p[0], p[2], p[3], param.length, beta1, 1 - beta1, beta2, 1 - beta2, eps,
      lr / (1 - beta1 ** step), Math.sqrt(1 - beta2 ** step),
      decoupled && weightDecay !== 0 ? 1 - lr * weightDecay : 1,
      decoupled ? 0 : weightDecay);
    finish(true);
  }

  const reduceRows: Record<ReduceKernel, Fn> = { sum: fnOf('reduce_sum_rows'), max: fnOf('reduce_max_rows'), min: fnOf('reduce_min_rows') };
  const reduceCols: Record<ReduceKernel, Fn> = { sum: fnOf('reduce_sum_cols'), max: fnOf('reduce_max_cols'), min: fnOf('reduce_min_cols') };
  function reduce(op: ReduceKernel, x: FloatArray, outer: number, len: number, inner: number, out: FloatArray): void {
    if (!isF32(x) || !isF32(out) || len === 0 || out.length === 0) return jsKernels.reduce(op, x, outer, len, inner, out);
    const p = stage([x], [out]);
    if (!p) return jsKernels.reduce(op, x, outer, len, inner, out);
    if (inner === 1) reduceRows[op](p[0], p[1], outer, len);
    else reduceCols[op](p[0], p[1], outer, len, inner);
    finish(true);
  }

  const copy2d = fnOf('copy_2d');
  function copyStrided(x: FloatArray, view: StridedView, out: FloatArray): void {
    if (!isF32(x) || !isF32(out) || out.length === 0) return jsKernels.copyStrided(x, view, out);
    const merged = mergeDims(view.shape, [view.strides]);
    const rank = merged.shape.length;
    const strides = merged.strides[0];
    const p = stage([x], [out]);
    if (!p) return jsKernels.copyStrided(x, view, out);
    const src = p[0] + view.offset * 4;
    if (rank === 0) copy2d(src, p[1], 1, 1, 0, 4);
    else if (rank === 1) copy2d(src, p[1], 1, merged.shape[0], 0, strides[0] * 4);
    else {
      const rows = merged.shape[rank - 2];
      const cols = merged.shape[rank - 1];
      const rowStride = strides[rank - 2] * 4;
      const colStride = strides[rank - 1] * 4;
      let o = p[1];
      forEachLeading(merged.shape.slice(0, -2), [strides.slice(0, -2)], ([offset]) => {
        copy2d(src + offset * 4, o, rows, cols, rowStride, colStride);
        o += rows * cols * 4;
      });
    }
    finish(true);
  }

  return {
    name: options.name ?? 'wasm',
    heap,
    fma,
    heapStats: () => ({ ...heap.stats }),
    allocate: (dtype: DType, size: number) => heap.allocate(dtype, size),
    unary,
    binary,
    where,
    clamp,
    matmul,
    adam,
    reduce,
    copyStrided,
  };
}
