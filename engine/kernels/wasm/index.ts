/**
 * The WebAssembly SIMD kernel set ('wasm'): float32 kernels generated at run time (module.ts),
 * tensors stored in the module's memory (heap.ts). float64, and the few float32 cases without a
 * wasm kernel (pow other than x², `where` over short rows), run the JS kernels.
 *
 * With more than one thread the memory is shared and large calls are split across worker threads
 * (threads.ts; when to split: scheduler.ts) so that every output element is computed by the same
 * instructions as in a single call: GEMM by blocks of columns or rows of C, each element summed in
 * the same k order from the same values; elementwise ops and Adam by contiguous ranges (multiples of
 * 16 floats), row-broadcast binary ops and copies by rows; reductions by independent outputs (rows,
 * or blocks of columns), never by splitting one sum. Results are therefore bit-identical for every
 * thread count.
 *
 * Operands that are not views on the heap's memory (user arrays, or arrays allocated while the
 * pool was full) are copied for the call into a staging area kept outside the pool (staging.ts;
 * 1/16 of the memory, at most 64 MiB), or into pool blocks beyond that, and results copied back;
 * when neither has room the call runs in JavaScript, with the kernel's float32 arithmetic where the
 * JS reference rounds otherwise (GEMM, row reductions, Adam), so it gives the same bits.
 */
import { adamFloat32, adamScalars, jsKernels, matmulFloat32, reduceRowsInLanes } from '../js.ts';
import type {
  AdamHyper, BinaryKernel, BroadcastLayout, DType, FloatArray, Kernels, ReduceKernel, StridedView, UnaryKernel,
} from '../types.ts';
import { WasmHeap, type HeapStats } from './heap.ts';
import { buildKernelModule, relaxedSimdProbe, simdProbe } from './module.ts';
import { type GemmOptions, defaultGemmOptions, defaultMr, edgeTileBytes, packBufferBytes } from './gemm.ts';
import type { OperandKind } from './elementwise.ts';
import { webAssembly } from './runtime.ts';
import {
  FLAG_THREAD_BUFFERS, type ThreadStats, type WorkerTransport, defaultThreadCount, defaultTransport,
} from './threads.ts';
import { CHUNKS_PER_THREAD, KernelScheduler, splitRange } from './scheduler.ts';
import { OperandStaging } from './staging.ts';
import { unaryBodies } from './elementwise.ts';

import { THREADS_RANGE, WASM_MEMORY_MB_RANGE, readKernelEnvironment } from '../environment.ts';

export type { ThreadStats, WorkerTransport } from './threads.ts';

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
  /**
   * Threads, the calling one included. Default: VARL_THREADS, else all cores (`os.availableParallelism()`
   * in Node; `navigator.hardwareConcurrency` on a cross-origin isolated page, else 1). With 1 no worker
   * is started and the memory is not shared; with more, the memory is shared and `setThreads` can
   * change the count later.
   */
  readonly threads?: number;
  /** Size thresholds and worker start-up; the defaults are measured (engine/README.md). */
  readonly threading?: ThreadingOptions;
}

/** When a call is split across threads, and how workers are started. */
export interface ThreadingOptions {
  /** Multiply-adds (batch·m·n·k) each thread must get before a GEMM is split (default GEMM_WORK_PER_THREAD). */
  readonly gemmWorkPerThread?: number;
  /** Element-operations each thread must get before an elementwise op, copy, reduction or Adam step is split. */
  readonly elementWorkPerThread?: number;
  /** Microseconds a worker spins for the next call before sleeping. */
  readonly workerSpinMicros?: number;
  /** How workers are started (default: worker_threads in Node, Web Workers where cross-origin isolated). */
  readonly transport?: WorkerTransport;
  /**
   * Back off to one thread for a while when split calls stop paying (default true): on a machine
   * with more runnable threads than cores, a worker is often descheduled while it holds a chunk,
   * and the caller waits for it. Results never depend on it.
   */
  readonly adaptive?: boolean;
}

/**
 * Multiply-adds per thread below which a GEMM stays on one thread. Measured on 2 cores (Zen 4, the
 * caller and one worker, bench/threads.bench.ts --sweep): a split 48³ product runs at 0.7–0.8× the
 * speed of one call, 64³ and 256×4×256 (2¹⁸ multiply-adds) at 1.2–1.3×, 128³ at 1.6–2×.
 */
export const GEMM_WORK_PER_THREAD = 2 ** 17;
/**
 * Element-operations per thread below which elementwise ops, copies, reductions and Adam stay on
 * one thread. An element of a cheap op (add, relu, copies: memory-bound) counts 1, of a reduction
 * 4, of Adam 8, of a transcendental function (the f64 path: exp, tanh, …) 32, after their measured
 * costs per element. Measured as above: a split add of 2¹⁷ floats runs at 0.93×, of 2¹⁸ at 1.05–1.15×;
 * tanh of 2¹¹ at 1.1–1.3×, of 2¹³ at 1.4–1.8×; Adam of 2¹⁶ at 1.5–1.7×; a row sum of 256×256 at 1.25–1.5×.
 */
export const ELEMENT_WORK_PER_THREAD = 2 ** 17;
/** Element weights for ELEMENT_WORK_PER_THREAD. */
const TRANSCENDENTAL_WEIGHT = 32;
const ADAM_WEIGHT = 8;
const REDUCE_WEIGHT = 4;

/** The wasm kernel set, with its heap exposed for statistics. */
export interface WasmKernels extends Kernels {
  readonly heap: WasmHeap;
  bindUnary: NonNullable<Kernels['bindUnary']>;
  bindBinary: NonNullable<Kernels['bindBinary']>;
  bindMatmul: NonNullable<Kernels['bindMatmul']>;
  bindReduce: NonNullable<Kernels['bindReduce']>;
  /** Whether GEMM uses relaxed-SIMD FMA. */
  readonly fma: boolean;
  /** Whether that FMA rounds once on this machine (relaxed SIMD allows once or twice); false without FMA. */
  readonly fusedMultiplyAdd: boolean;
  heapStats(): HeapStats;
  /** Threads kernel calls may use, the caller included. */
  readonly threads: number;
  /**
   * Sets the thread count (integer ≥ 1). Above 1 it needs a set created with more than one thread
   * (its memory is shared); above the count it was created with, workers are started anew.
   * Results do not depend on it.
   */
  setThreads(threads: number): void;
  /** Resolves true once the workers have started (calls never wait for them: until then they run on the caller). */
  whenThreadsReady(timeoutMs?: number): Promise<boolean>;
  /** Calls split across threads, and those that stayed on the caller. */
  threadStats(): ThreadStats;
  /** Terminates the workers (the set keeps working on one thread). */
  dispose(): void;
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

function checkThreads(where: string, threads: number): void {
  const { min, max } = THREADS_RANGE;
  if (!(Number.isInteger(threads) && threads >= min && threads <= max)) {
    throw new RangeError(`${where}: threads ${threads} (expected an integer ${min}–${max})`);
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

  const threads = options.threads ?? environment.threads ?? Math.min(defaultThreadCount(), THREADS_RANGE.max);
  checkThreads('createWasmKernels', threads);
  const threading = options.threading ?? {};
  const transport = threading.transport ?? defaultTransport();
  const shared = threads > 1 && transport !== null;

  const packBytes = padTo64(packBufferBytes(gemmOptions));
  const threadBufferBytes = packBytes + padTo64(edgeTileBytes);
  // staging area for operands that are not on the heap: outside the pool, so that it stays
  // available when the pool is full (only the pages actually used are ever touched)
  const stagingBytes = padTo64(options.stagingBytes ?? Math.min(64, memoryMB / 16) * 2 ** 20);
  const heap = new WasmHeap({ memoryMB, staticBytes: threadBufferBytes + stagingBytes, shared });
  const packPtr = heap.staticBase;
  const tilePtr = packPtr + packBytes;
  const stagingBase = tilePtr + padTo64(edgeTileBytes);
  const wasm = webAssembly!;
  const module = new wasm.Module(buildKernelModule({ ...gemmOptions, pages: heap.pages, shared }));
  const instance = new wasm.Instance(module, { env: { memory: heap.memory } });
  const exports = instance.exports as Record<string, Fn>;
  const fnOf = (name: string): Fn => {
    const f = exports[name];
    if (typeof f !== 'function') throw new Error(`wasm kernels: no export ${name}`);
    return f;
  };
  const exportNames = Object.keys(exports).filter((name) => typeof exports[name] === 'function');
  const fnsById = exportNames.map((name) => exports[name]);
  const mr = gemmOptions.mr ?? defaultMr(fma);

  const gemmWork = threading.gemmWorkPerThread ?? GEMM_WORK_PER_THREAD;
  const elementWork = threading.elementWorkPerThread ?? ELEMENT_WORK_PER_THREAD;
  const scheduler = new KernelScheduler({
    heap, module, exportNames, functions: fnsById, callerBuffers: [packPtr, tilePtr], packBytes, threadBufferBytes,
    transport, threads, shared, workerSpinMicros: threading.workerSpinMicros, adaptive: threading.adaptive ?? true,
  });
  const staging = new OperandStaging(heap, stagingBase, stagingBytes);

  // ----- kernels -----

  const unaryFns = new Map<UnaryKernel, Fn>();
  const unaryFn = (op: UnaryKernel): Fn => {
    let f = unaryFns.get(op);
    if (!f) unaryFns.set(op, (f = fnOf(`unary_${op}`)));
    return f;
  };

  function unary(op: UnaryKernel, x: FloatArray, out: FloatArray, param: number): void {
    if (!isF32(x) || !isF32(out) || out.length === 0) return jsKernels.unary(op, x, out, param);
    const p = staging.stage([x], [out]);
    if (!p) return jsKernels.unary(op, x, out, param);
    const n = out.length;
    const parts = scheduler.threadsFor(n * (unaryBodies[op].kind === 'f64' ? TRANSCENDENTAL_WEIGHT : 1), elementWork);
    if (parts < 2 || !scheduler.ranges(`unary_${op}`, n, parts, (s, len) => [p[0] + s * 4, p[1] + s * 4, len, param])) {
      unaryFn(op)(p[0], p[1], n, param);
    }
    staging.finish(true);
  }

  const binaryFns = new Map<string, Fn>();
  const binaryFn = (op: BinaryKernel, kinds: string): Fn => {
    const key = `binary_${op}_${kinds}`;
    let f = binaryFns.get(key);
    if (!f) binaryFns.set(key, (f = fnOf(key)));
    return f;
  };

  /** How `binary` runs on a wasm kernel: which one, its right operand and the merged layout. */
  interface BinaryPlan {
    readonly f: Fn;
    readonly name: string;
    readonly right: Float32Array;
    readonly shape: readonly number[];
    readonly sa: readonly number[];
    readonly sb: readonly number[];
    readonly colA: number;
    readonly colB: number;
  }

  /** The plan of `binary(op, a, b, …, layout)`, or null when the JS kernel must run it. */
  function binaryPlan(op: BinaryKernel, a: Float32Array, b: Float32Array, layout: BroadcastLayout): BinaryPlan | null {
    let kernelOp: BinaryKernel = op;
    let right = b;
    let strides: readonly (readonly number[])[] = [layout.aStrides, layout.bStrides];
    if (op === 'pow') {
      // x² exactly as Math.pow(x, 2) rounds it; other exponents need the JS kernel's accuracy
      if (b.length !== 1 || b[0] !== 2) return null;
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
    if (colA > 1 || colB > 1 || colA + colB === 0) return null;
    const kinds = kindOf(colA) + kindOf(colB);
    return { f: binaryFn(kernelOp, kinds), name: `binary_${kernelOp}_${kinds}`, right, shape: merged.shape, sa, sb, colA, colB };
  }

  function binary(op: BinaryKernel, a: FloatArray, b: FloatArray, out: FloatArray, layout: BroadcastLayout): void {
    const js = (): void => jsKernels.binary(op, a, b, out, layout);
    if (!isF32(a) || !isF32(b) || !isF32(out) || out.length === 0) return js();
    const plan = binaryPlan(op, a, b, layout);
    if (!plan) return js();
    const p = staging.stage([a, plan.right], [out]);
    if (!p) return js();
    const { f, name, shape, sa, sb, colA, colB } = plan;
    const rank = shape.length;
    const parts = rank <= 2 ? scheduler.threadsFor(out.length, elementWork) : 1;
    if (rank <= 1) {
      const n = rank === 0 ? 1 : shape[0];
      // a vector operand moves with the range, a scalar one stays
      if (parts < 2 || !scheduler.ranges(name, n, parts, (s, len) => [p[0] + colA * s * 4, p[1] + colB * s * 4, p[2] + s * 4, 1, len, 0, 0])) {
        f(p[0], p[1], p[2], 1, n, 0, 0);
      }
    } else {
      const rows = shape[rank - 2];
      const cols = shape[rank - 1];
      const aRow = sa[rank - 2] * 4;
      const bRow = sb[rank - 2] * 4;
      if (rank === 2) {
        if (parts < 2 || !scheduler.rows(name, rows, parts, (r, count) => [p[0] + r * aRow, p[1] + r * bRow, p[2] + r * cols * 4, count, cols, aRow, bRow])) {
          f(p[0], p[1], p[2], rows, cols, aRow, bRow);
        }
      } else {
        let o = p[2];
        forEachLeading(shape.slice(0, -2), [sa.slice(0, -2), sb.slice(0, -2)], ([oa, ob]) => {
          f(p[0] + oa * 4, p[1] + ob * 4, o, rows, cols, aRow, bRow);
          o += rows * cols * 4;
        });
      }
    }
    staging.finish(true);
  }

  /** Whether `arrays` all live on the heap (so a call needs no staging). */
  const resident = (...arrays: FloatArray[]): boolean => arrays.every((a) => isF32(a) && heap.isResident(a));

  /** `unary` with everything fixed, for replay: the same function and arguments its serial path uses. */
  function bindUnary(op: UnaryKernel, x: FloatArray, out: FloatArray, param: number): (() => void) | null {
    const n = out.length;
    if (n === 0 || !resident(x, out) || scheduler.threadsFor(n * (unaryBodies[op].kind === 'f64' ? TRANSCENDENTAL_WEIGHT : 1), elementWork) > 1) return null;
    const f = unaryFn(op);
    const px = x.byteOffset, po = out.byteOffset;
    return () => f(px, po, n, param);
  }

  /** `binary` with everything fixed, for replay (rank ≤ 2 after merging, serial, operands on the heap). */
  function bindBinary(op: BinaryKernel, a: FloatArray, b: FloatArray, out: FloatArray, layout: BroadcastLayout): (() => void) | null {
    if (out.length === 0 || !resident(a, b, out)) return null;
    const plan = binaryPlan(op, a as Float32Array, b as Float32Array, layout);
    if (!plan || plan.shape.length > 2 || scheduler.threadsFor(out.length, elementWork) > 1) return null;
    const { f, right, shape, sa, sb } = plan;
    const pa = a.byteOffset, pb = right.byteOffset, po = out.byteOffset;
    if (shape.length <= 1) {
      const n = shape.length === 0 ? 1 : shape[0];
      return () => f(pa, pb, po, 1, n, 0, 0);
    }
    const rows = shape[0], cols = shape[1], aRow = sa[0] * 4, bRow = sb[0] * 4;
    return () => f(pa, pb, po, rows, cols, aRow, bRow);
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
    const p = staging.stage([cond, a, b], [out]);
    if (!p) return jsKernels.where(cond, a, b, out, outShape, strides);
    const last = merged.strides.map((s) => (rank === 0 ? 1 : s[rank - 1]));
    const name = `where_${last.map(kindOf).join('')}`;
    const f = fnOf(name);
    if (rank <= 1) {
      const parts = scheduler.threadsFor(cols, elementWork);
      if (parts < 2 || !scheduler.ranges(name, cols, parts, (s, len) => [p[0] + last[0] * s * 4, p[1] + last[1] * s * 4, p[2] + last[2] * s * 4, p[3] + s * 4, len])) {
        f(p[0], p[1], p[2], p[3], cols);
      }
    } else {
      let o = p[3];
      forEachLeading(merged.shape.slice(0, -1), merged.strides.map((s) => s.slice(0, -1)), ([oc, oa, ob]) => {
        f(p[0] + oc * 4, p[1] + oa * 4, p[2] + ob * 4, o, cols);
        o += cols * 4;
      });
    }
    staging.finish(true);
  }

  const clampFn = fnOf('clamp');
  function clamp(x: FloatArray, lo: number, hi: number, out: FloatArray): void {
    if (!isF32(x) || !isF32(out) || out.length === 0) return jsKernels.clamp(x, lo, hi, out);
    const p = staging.stage([x], [out]);
    if (!p) return jsKernels.clamp(x, lo, hi, out);
    const n = out.length;
    const parts = scheduler.threadsFor(n, elementWork);
    if (parts < 2 || !scheduler.ranges('clamp', n, parts, (s, len) => [p[0] + s * 4, p[1] + s * 4, len, Math.fround(lo), Math.fround(hi)])) {
      clampFn(p[0], p[1], n, Math.fround(lo), Math.fround(hi));
    }
    staging.finish(true);
  }

  const gemm = fnOf('gemm_f32');
  function matmul(
    a: FloatArray, b: FloatArray, out: FloatArray,
    batch: number, m: number, k: number, n: number,
    transA: boolean, transB: boolean, aBatchStride: number, bBatchStride: number,
    bias?: FloatArray, relu = false,
  ): void {
    if (!isF32(a) || !isF32(b) || !isF32(out) || (bias && !isF32(bias)) || k === 0) {
      return jsKernels.matmul(a, b, out, batch, m, k, n, transA, transB, aBatchStride, bBatchStride, bias, relu);
    }
    if (batch === 0 || m === 0 || n === 0) return;
    const p = staging.stage(bias ? [a, b, bias as Float32Array] : [a, b], [out]);
    // no room for the operands: the kernel's own arithmetic in JavaScript, so the bits do not depend on where they live
    if (!p) return matmulFloat32(a, b, out, batch, m, k, n, transA, transB, aBatchStride, bBatchStride, fusedMultiplyAdd, bias as Float32Array | undefined, relu);
    const biasPtr = bias ? p[2] : 0;
    const outPtr = p[p.length - 1];
    const parts = scheduler.threadsFor(batch * m * n * k, gemmWork);
    if (parts < 2 || !parallelGemm(p[0], p[1], outPtr, biasPtr, relu ? 1 : 0, batch, m, k, n, transA ? 1 : 0, transB ? 1 : 0, aBatchStride, bBatchStride, parts)) {
      serialGemm(p[0], p[1], outPtr, biasPtr, relu, batch, m, k, n, transA, transB, aBatchStride, bBatchStride);
    }
    staging.finish(true);
  }

  /** The batched GEMM on this thread, operands at byte addresses. */
  function serialGemm(
    a: number, b: number, out: number, bias: number, relu: boolean, batch: number, m: number, k: number, n: number,
    transA: boolean, transB: boolean, aBatchStride: number, bBatchStride: number,
  ): void {
    // byte distances between stored rows: A is m×k (k×m when transposed), B k×n (n×k)
    const lda = (transA ? m : k) * 4;
    const ldb = (transB ? k : n) * 4;
    const ldc = n * 4;
    for (let i = 0; i < batch; i++) {
      gemm(a + i * aBatchStride * 4, b + i * bBatchStride * 4, out + i * m * n * 4,
        m, k, n, transA ? 1 : 0, transB ? 1 : 0, bias, relu ? 1 : 0, lda, ldb, ldc, packPtr, tilePtr);
    }
  }

  /** `matmul` with everything fixed, for replay (operands on the heap, one thread's worth of work). */
  function bindMatmul(
    a: FloatArray, b: FloatArray, out: FloatArray, batch: number, m: number, k: number, n: number,
    transA: boolean, transB: boolean, aBatchStride: number, bBatchStride: number, bias?: FloatArray, relu = false,
  ): (() => void) | null {
    if (k === 0 || batch === 0 || m === 0 || n === 0 || !resident(a, b, out, ...(bias ? [bias] : []))) return null;
    if (scheduler.threadsFor(batch * m * n * k, gemmWork) > 1) return null;
    const pa = a.byteOffset, pb = b.byteOffset, po = out.byteOffset, pbias = bias ? bias.byteOffset : 0;
    return () => serialGemm(pa, pb, po, pbias, relu, batch, m, k, n, transA, transB, aBatchStride, bBatchStride);
  }

  /**
   * One batched GEMM in chunks for `parts` threads, each thread packing into its own buffers: whole
   * products per chunk when the batch has at least as many as threads; otherwise each product by
   * blocks of columns of C (multiples of 16: whole cache lines of C; each chunk packs only its own
   * columns of B) or, when C has fewer than 32 columns per thread, of rows (multiples of the
   * register tile's height). Every element of C is summed in the same k order from the same values
   * as in one call, so the result does not depend on the split or on which thread runs a chunk.
   */
  function parallelGemm(
    a: number, b: number, out: number, bias: number, relu: number, batch: number, m: number, k: number, n: number,
    aCols: number, bTrans: number, aBatchStride: number, bBatchStride: number, parts: number,
  ): boolean {
    const lda = (aCols ? m : k) * 4;
    const ldb = (bTrans ? k : n) * 4;
    const ldc = n * 4;
    const id = scheduler.begin('gemm_f32');
    if (batch >= parts) {
      splitRange(batch, Math.min(batch, parts * CHUNKS_PER_THREAD), 1, (start, count) => {
        scheduler.chunk();
        for (let i = start; i < start + count; i++) {
          scheduler.call(id, FLAG_THREAD_BUFFERS, a + i * aBatchStride * 4, b + i * bBatchStride * 4, out + i * m * n * 4,
            m, k, n, aCols, bTrans, bias, relu, lda, ldb, ldc);
        }
      });
      return scheduler.run();
    }
    const byColumns = n >= 32 * parts;
    const quantum = byColumns ? 16 : mr;
    const pieces = Math.ceil((byColumns ? n : m) / quantum);
    const chunks = Math.min(parts * CHUNKS_PER_THREAD, pieces);
    if (chunks < 2) return false;
    splitRange(byColumns ? n : m, chunks, quantum, (start, count) => {
      scheduler.chunk();
      for (let i = 0; i < batch; i++) {
        const ai = a + i * aBatchStride * 4;
        const bi = b + i * bBatchStride * 4;
        const ci = out + i * m * n * 4;
        if (byColumns) {
          // columns start…start+count of op(B), C and the bias
          scheduler.call(id, FLAG_THREAD_BUFFERS, ai, bi + start * (bTrans ? ldb : 4), ci + start * 4,
            m, k, count, aCols, bTrans, bias === 0 ? 0 : bias + start * 4, relu, lda, ldb, ldc);
        } else {
          // rows start…start+count of op(A) and C
          scheduler.call(id, FLAG_THREAD_BUFFERS, ai + start * (aCols ? 4 : lda), bi, ci + start * ldc,
            count, k, n, aCols, bTrans, bias, relu, lda, ldb, ldc);
        }
      }
    });
    return scheduler.run();
  }

  const adamFn = fnOf('adam');
  const polyakFn = fnOf('polyak');
  function polyak(target: FloatArray, source: FloatArray, tau: number): void {
    if (!isF32(target) || !isF32(source) || target.length === 0) return jsKernels.polyak(target, source, tau);
    const p = staging.stage([source], [target], true);
    if (!p) return jsKernels.polyak(target, source, tau);
    polyakFn(p[1], p[0], target.length, 1 - tau, tau);
    staging.finish(true);
  }

  const sumOfSquaresFn = fnOf('sum_of_squares') as unknown as (x: number, n: number) => number;
  function sumOfSquares(x: FloatArray): number {
    if (!isF32(x) || x.length === 0) return jsKernels.sumOfSquares(x);
    const p = staging.stage([x], []);
    if (!p) return jsKernels.sumOfSquares(x);
    const total = sumOfSquaresFn(p[0], x.length);
    staging.finish(true);
    return total;
  }

  const scaleFn = fnOf('scale');
  function scale(x: FloatArray, coefficient: number, out: FloatArray): void {
    if (!isF32(x) || !isF32(out) || out.length === 0) return jsKernels.scale(x, coefficient, out);
    const p = staging.stage([x], [out]);
    if (!p) return jsKernels.scale(x, coefficient, out);
    scaleFn(p[0], p[1], out.length, coefficient);
    staging.finish(true);
  }

  function adam(param: FloatArray, grad: FloatArray, m: FloatArray, v: FloatArray, hyper: AdamHyper): void {
    if (!isF32(param) || !isF32(grad) || !isF32(m) || !isF32(v) || param.length === 0) return jsKernels.adam(param, grad, m, v, hyper);
    const p = staging.stage([grad], [param, m, v], true);
    if (!p) return adamFloat32(param, grad, m, v, hyper);
    const n = param.length;
    const scalars = adamScalars(hyper);
    const parts = scheduler.threadsFor(n * ADAM_WEIGHT, elementWork);
    if (parts < 2 || !scheduler.ranges('adam', n, parts, (s, len) => [p[1] + s * 4, p[0] + s * 4, p[2] + s * 4, p[3] + s * 4, len, ...scalars])) {
      adamFn(p[1], p[0], p[2], p[3], n, ...scalars);
    }
    staging.finish(true);
  }

  const reduceRows: Record<ReduceKernel, Fn> = { sum: fnOf('reduce_sum_rows'), max: fnOf('reduce_max_rows'), min: fnOf('reduce_min_rows') };
  const reduceCols: Record<ReduceKernel, Fn> = { sum: fnOf('reduce_sum_cols'), max: fnOf('reduce_max_cols'), min: fnOf('reduce_min_cols') };
  function reduce(op: ReduceKernel, x: FloatArray, outer: number, len: number, inner: number, out: FloatArray): void {
    if (!isF32(x) || !isF32(out) || len === 0 || out.length === 0) return jsKernels.reduce(op, x, outer, len, inner, out);
    const p = staging.stage([x], [out]);
    // no room: columns in JavaScript give the kernel's bits; rows need its lane order
    if (!p) return inner === 1 ? reduceRowsInLanes(op, x, outer, len, out) : jsKernels.reduce(op, x, outer, len, inner, out);
    // only independent outputs are split: rows of the result, or blocks of its columns
    const parts = outer * inner > 1 ? scheduler.threadsFor(outer * len * inner * REDUCE_WEIGHT, elementWork) : 1;
    if (inner === 1) {
      const name = `reduce_${op}_rows`;
      if (parts < 2 || !scheduler.ranges(name, outer, parts, (o, count) => [p[0] + o * len * 4, p[1] + o * 4, count, len])) {
        reduceRows[op](p[0], p[1], outer, len);
      }
    } else {
      const name = `reduce_${op}_cols`;
      const done = parts >= 2 && (outer >= parts
        ? scheduler.rows(name, outer, parts, (o, count) => [p[0] + o * len * inner * 4, p[1] + o * inner * 4, count, len, inner, inner])
        : scheduler.ranges(name, inner, parts, (i, count) => [p[0] + i * 4, p[1] + i * 4, outer, len, inner, count]));
      if (!done) reduceCols[op](p[0], p[1], outer, len, inner, inner);
    }
    staging.finish(true);
  }

  /** `reduce` with everything fixed, for replay (operands on the heap, one thread's worth of work). */
  function bindReduce(op: ReduceKernel, x: FloatArray, outer: number, len: number, inner: number, out: FloatArray): (() => void) | null {
    if (len === 0 || out.length === 0 || !resident(x, out)) return null;
    if (outer * inner > 1 && scheduler.threadsFor(outer * len * inner * REDUCE_WEIGHT, elementWork) > 1) return null;
    const px = x.byteOffset, po = out.byteOffset;
    if (inner === 1) {
      const f = reduceRows[op];
      return () => f(px, po, outer, len);
    }
    const f = reduceCols[op];
    return () => f(px, po, outer, len, inner, inner);
  }

  const copy2d = fnOf('copy_2d');
  function copyStrided(x: FloatArray, view: StridedView, out: FloatArray): void {
    if (!isF32(x) || !isF32(out) || out.length === 0) return jsKernels.copyStrided(x, view, out);
    const merged = mergeDims(view.shape, [view.strides]);
    const rank = merged.shape.length;
    const strides = merged.strides[0];
    const p = staging.stage([x], [out]);
    if (!p) return jsKernels.copyStrided(x, view, out);
    const src = p[0] + view.offset * 4;
    const parts = rank === 1 || rank === 2 ? scheduler.threadsFor(out.length, elementWork) : 1;
    if (rank === 0) copy2d(src, p[1], 1, 1, 0, 4);
    else if (rank === 1) {
      const n = merged.shape[0];
      const step = strides[0] * 4;
      if (parts < 2 || !scheduler.ranges('copy_2d', n, parts, (s, count) => [src + s * step, p[1] + s * 4, 1, count, 0, step])) {
        copy2d(src, p[1], 1, n, 0, step);
      }
    } else if (rank === 2) {
      const rows = merged.shape[0];
      const cols = merged.shape[1];
      const rowStride = strides[0] * 4;
      const colStride = strides[1] * 4;
      if (parts < 2 || !scheduler.rows('copy_2d', rows, parts, (r, count) => [src + r * rowStride, p[1] + r * cols * 4, count, cols, rowStride, colStride])) {
        copy2d(src, p[1], rows, cols, rowStride, colStride);
      }
    } else {
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
    staging.finish(true);
  }

  // Whether relaxed_madd fuses here (the spec lets it round once or twice): (1 + 2⁻¹²)² − (1 + 2⁻¹¹) is 2⁻²⁴ fused
  // and 0 rounded twice (the product's 2⁻²⁴ is a tie, to even). The JS fallback of `matmul` rounds the same way.
  let fusedMultiplyAdd = false;
  if (fma) {
    const probe = new Float32Array(1);
    const step = Math.fround(1 + 2 ** -12);
    matmul(Float32Array.of(step), Float32Array.of(step), probe, 1, 1, 1, 1, false, false, 0, 0, Float32Array.of(-(1 + 2 ** -11)));
    fusedMultiplyAdd = probe[0] !== 0;
  }

  return {
    name: options.name ?? 'wasm',
    heap,
    fma,
    fusedMultiplyAdd,
    heapStats: () => ({ ...heap.stats }),
    get threads() {
      return scheduler.threads;
    },
    setThreads(count: number): void {
      checkThreads('setThreads', count);
      scheduler.setThreads(count);
    },
    whenThreadsReady: (timeoutMs?: number) => scheduler.whenReady(timeoutMs),
    threadStats: () => scheduler.stats(),
    dispose: () => scheduler.dispose(),
    allocate: (dtype: DType, size: number) => heap.allocate(dtype, size),
    unary,
    binary,
    bindUnary,
    bindBinary,
    bindMatmul,
    bindReduce,
    where,
    clamp,
    matmul,
    adam,
    polyak,
    sumOfSquares,
    scale,
    reduce,
    copyStrided,
  };
}
