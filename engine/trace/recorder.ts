/**
 * Recording a computation as a fixed schedule of kernel calls.
 *
 * While a `Recording` is active, the active kernel set is a wrapper that runs every call on the
 * real set and appends it, bound to the very arrays it was given, to the schedule. Work that does
 * not go through a kernel (a JavaScript loop in an op, an optimizer's bookkeeping, a random draw)
 * declares itself with `hostCall`, which runs it now and appends it too, so that replay runs it
 * again with live state. Replaying the schedule therefore repeats exactly the arithmetic of the
 * recorded run on the same buffers, with no tensors, graph or allocation.
 *
 * Each step carries a signature (kernel, operation, scalars, and for every array either its
 * allocation number within the recording or the identity of an array that existed before), and
 * arrays that JavaScript filled before any recorded step wrote them (constants) are copied. Two
 * recordings of the same step that agree in all of that can be replayed; traced-function.ts checks it.
 */
import { TraceError, ValueError, describeValue, expectArray, expectFunction, expectObject } from '../errors.ts';
import { cleanupSome, fullCollector } from '../kernels/collector.ts';
import { kernels, swapActiveKernels } from '../kernels/index.ts';
import type {
  AdamHyper, BinaryKernel, BroadcastLayout, DType, FloatArray, Kernels, ReduceKernel, StridedView, UnaryKernel,
} from '../kernels/types.ts';

export interface HostAccess {
  /** Arrays the call reads (state it depends on). */
  readonly reads?: readonly FloatArray[];
  /** Arrays the call writes. */
  readonly writes?: readonly FloatArray[];
  /** Anything else that fixes what the call does (e.g. gather indices), compared between recordings. */
  readonly detail?: string;
}

/** An array JavaScript filled during recording and replay keeps as it was (a literal, zeros, ones). */
export interface RecordedConstant {
  readonly allocation: number;
  readonly bytes: Uint8Array;
}

let nextPersistentId = 0;
const persistentIds = new WeakMap<FloatArray, number>();

function persistentId(a: FloatArray): number {
  let id = persistentIds.get(a);
  if (id === undefined) persistentIds.set(a, (id = nextPersistentId++));
  return id;
}

/** Gives the array a recorded step should use in place of the one it was recorded with. */
export type Resolve = <A extends FloatArray>(array: A) => A;

/** Makes a recorded kernel call again over the arrays `resolve` gives (memory-plan.ts). */
export type Rebind = (resolve: Resolve) => () => void;

/** What a recorded step touches, for memory planning. */
export interface RecordedStep {
  /** Every array the step reads or writes. */
  readonly arrays: readonly FloatArray[];
  /** How to make the step over other arrays; null for a host call, which stays bound to its own. */
  readonly rebind: Rebind | null;
}

export interface RecordingOptions {
  /**
   * Note the tensors created while recording, so that `reachableAllocations` can tell afterwards
   * which allocations are still held by a tensor (needs synchronous collection: fullCollector).
   */
  readonly trackTensors?: boolean;
}

let current: Recording | null = null;

export class Recording {
  /** The schedule: one function per recorded kernel or host call. */
  readonly runs: (() => void)[] = [];
  readonly signatures: string[] = [];
  readonly steps: RecordedStep[] = [];
  /** Arrays allocated while recording, in allocation order (kept alive by the recording). */
  readonly allocations: FloatArray[] = [];
  readonly constants: RecordedConstant[] = [];
  private readonly allocationIndex = new Map<FloatArray, number>();
  private readonly written = new Set<FloatArray>();
  private readonly recorder: RecordingKernels;
  /** Per allocation, how many tensors created while recording hold it and are not yet collected. */
  private readonly tensorHolders: number[] = [];
  private readonly tensorRegistry: FinalizationRegistry<number> | null = null;
  /** A tensor holding allocation `index` was collected. */
  private readonly tensorCollected = (index: number): void => {
    this.tensorHolders[index]--;
  };

  constructor(readonly real: Kernels, options: RecordingOptions = {}) {
    this.recorder = new RecordingKernels(this, real);
    const collector = options.trackTensors ? fullCollector() : null;
    if (collector) this.tensorRegistry = new collector.Registry<number>(this.tensorCollected);
  }

  /** @internal Called by the Tensor constructor while this recording is active. */
  tensorCreated(tensor: object, data: FloatArray): void {
    if (this.tensorRegistry === null) return;
    const index = this.allocationIndex.get(data);
    if (index === undefined) return;
    this.tensorHolders[index] = (this.tensorHolders[index] ?? 0) + 1;
    this.tensorRegistry.register(tensor, index);
  }

  /**
   * After a full collection: per allocation, whether it may still be reached from outside the
   * recording: true when a tensor created while recording still holds it, or when no such tensor
   * ever held it (an array made by other means, which cannot be followed). Null when not tracking.
   */
  reachableAllocations(): boolean[] | null {
    const registry = this.tensorRegistry;
    const collector = fullCollector();
    if (registry === null || collector === null) return null;
    collector.gc();
    cleanupSome(registry, this.tensorCollected);
    return this.allocations.map((_, i) => this.tensorHolders[i] === undefined || this.tensorHolders[i] > 0);
  }

  /** Runs `fn` with this recording active; the kernel calls and host calls it makes are appended. */
  record<R>(fn: () => R): R {
    if (current !== null) throw new TraceError('a traced step cannot record inside another traced step');
    current = this;
    const previous = swapActiveKernels(this.recorder);
    try {
      return fn();
    } finally {
      swapActiveKernels(previous);
      current = null;
    }
  }

  /** @internal */
  allocated(a: FloatArray): FloatArray {
    this.allocationIndex.set(a, this.allocations.length);
    this.allocations.push(a);
    return a;
  }

  /** @internal The reference of an array the next step reads; copies it first when it is a constant. */
  read(a: FloatArray): string {
    const index = this.allocationIndex.get(a);
    if (index === undefined) return `p${persistentId(a)}`;
    if (!this.written.has(a)) {
      this.written.add(a);
      this.constants.push({ allocation: index, bytes: new Uint8Array(a.buffer, a.byteOffset, a.byteLength).slice() });
    }
    return `a${index}`;
  }

  /** @internal The reference of an array the next step writes. */
  write(a: FloatArray): string {
    this.written.add(a);
    const index = this.allocationIndex.get(a);
    return index === undefined ? `p${persistentId(a)}` : `a${index}`;
  }

  /** @internal */
  append(run: () => void, signature: string, step: RecordedStep): void {
    this.runs.push(run);
    this.signatures.push(signature);
    this.steps.push(step);
  }

  /** @internal Runs a host call with the real kernels and no recording, then appends it. */
  host(label: string, run: () => void, access: HostAccess): void {
    const reads = (access.reads ?? []).map((a) => this.read(a));
    current = null;
    const previous = swapActiveKernels(this.real);
    try {
      run();
    } finally {
      swapActiveKernels(previous);
      current = this;
    }
    const writes = (access.writes ?? []).map((a) => this.write(a));
    const arrays = [...(access.reads ?? []), ...(access.writes ?? [])];
    this.append(run, `host ${label} ${reads.join(',')} -> ${writes.join(',')}${access.detail ? ` ${access.detail}` : ''}`, { arrays, rebind: null });
  }
}

/** The recording in progress, if any (and not inside one of its host calls). */
export function activeRecording(): Recording | null {
  return current;
}

/** hostCall's `reads` and `writes`: omitted, or arrays of the typed arrays themselves (not tensors). */
function expectFloatArrays(what: string, arrays: unknown): void {
  if (arrays === undefined) return;
  expectArray('hostCall', what, arrays);
  for (let i = 0; i < arrays.length; i++) {
    const a: unknown = arrays[i];
    if (!(a instanceof Float32Array || a instanceof Float64Array)) {
      throw new ValueError(`hostCall: ${what}[${i}] must be a Float32Array or Float64Array, got ${describeValue(a)}${a instanceof Object && 'data' in a ? ' (pass tensor.data)' : ''}`);
    }
  }
}

/**
 * Runs `run`, and when a step is being traced also appends it to the schedule so that replay runs
 * it again. For work outside the kernels: `run` must read everything that changes between steps
 * when it runs (not capture it beforehand), and name in `access` the arrays it reads and writes.
 * @example hostCall('randn', () => generator.fillNormal(out), { writes: [out] })
 */
export function hostCall(label: string, run: () => void, access: HostAccess = {}): void {
  if (typeof label !== 'string') throw new ValueError(`hostCall: label must be a string, got ${describeValue(label)}`);
  expectFunction('hostCall', 'run', run);
  expectObject('hostCall', 'access', access);
  expectFloatArrays('access.reads', access.reads);
  expectFloatArrays('access.writes', access.writes);
  if (current === null) run();
  else current.host(label, run, access);
}

/** Throws a TraceError when a step is being traced: `what` reads values into JavaScript, which replay would not redo. */
export function assertNotRecording(what: string): void {
  if (current !== null) {
    throw new TraceError(
      `${what} inside a traced step reads tensor values into JavaScript, which replay would not recompute; ` +
        'return the tensor from the traced function and read it after the call (or run the step eagerly)',
    );
  }
}

function layoutSignature(layout: BroadcastLayout): string {
  return `${layout.outShape.join('x')}|${layout.aStrides.join(',')}|${layout.bStrides.join(',')}`;
}

const unchanged: Resolve = (array) => array;

/** The kernel set in front of the real one while recording: runs each call and appends it. */
class RecordingKernels implements Kernels {
  readonly name: string;

  constructor(private readonly recording: Recording, private readonly real: Kernels) {
    this.name = real.name;
  }

  /** Binds the call to the arrays it was given, runs it, and appends it with the means to rebind it. */
  private run(signature: string, arrays: FloatArray[], rebind: Rebind): void {
    const run = rebind(unchanged);
    run();
    this.recording.append(run, signature, { arrays, rebind });
  }

  allocate(dtype: DType, size: number): FloatArray {
    return this.recording.allocated(this.real.allocate(dtype, size));
  }

  unary(op: UnaryKernel, x: FloatArray, out: FloatArray, param: number): void {
    const { real, recording } = this;
    this.run(`unary ${op} ${param} ${recording.read(x)} -> ${recording.write(out)}`, [x, out], (r) => {
      const [x1, out1] = [r(x), r(out)];
      return real.bindUnary?.(op, x1, out1, param) ?? ((): void => real.unary(op, x1, out1, param));
    });
  }

  binary(op: BinaryKernel, a: FloatArray, b: FloatArray, out: FloatArray, layout: BroadcastLayout): void {
    const { real, recording } = this;
    const signature = `binary ${op} ${layoutSignature(layout)} ${recording.read(a)},${recording.read(b)} -> ${recording.write(out)}`;
    this.run(signature, [a, b, out], (r) => {
      const [a1, b1, out1] = [r(a), r(b), r(out)];
      return real.bindBinary?.(op, a1, b1, out1, layout) ?? ((): void => real.binary(op, a1, b1, out1, layout));
    });
  }

  where(
    cond: FloatArray, a: FloatArray, b: FloatArray, out: FloatArray,
    outShape: readonly number[], strides: readonly [readonly number[], readonly number[], readonly number[]],
  ): void {
    const { real, recording } = this;
    const reads = [cond, a, b].map((t) => recording.read(t)).join(',');
    const signature = `where ${outShape.join('x')}|${strides.map((s) => s.join(',')).join('|')} ${reads} -> ${recording.write(out)}`;
    this.run(signature, [cond, a, b, out], (r) => {
      const [cond1, a1, b1, out1] = [r(cond), r(a), r(b), r(out)];
      return (): void => real.where(cond1, a1, b1, out1, outShape, strides);
    });
  }

  clamp(x: FloatArray, lo: number, hi: number, out: FloatArray): void {
    const { real, recording } = this;
    this.run(`clamp ${lo} ${hi} ${recording.read(x)} -> ${recording.write(out)}`, [x, out], (r) => {
      const [x1, out1] = [r(x), r(out)];
      return (): void => real.clamp(x1, lo, hi, out1);
    });
  }

  matmul(
    a: FloatArray, b: FloatArray, out: FloatArray,
    batch: number, m: number, k: number, n: number,
    transA: boolean, transB: boolean, aBatchStride: number, bBatchStride: number,
    bias?: FloatArray, relu = false,
  ): void {
    const { real, recording } = this;
    const reads = [a, b, ...(bias ? [bias] : [])].map((t) => recording.read(t)).join(',');
    const signature = `matmul ${batch} ${m} ${k} ${n} ${transA} ${transB} ${aBatchStride} ${bBatchStride} ${relu} ${reads} -> ${recording.write(out)}`;
    this.run(signature, [a, b, out, ...(bias ? [bias] : [])], (r) => {
      const [a1, b1, out1, bias1] = [r(a), r(b), r(out), bias && r(bias)];
      return real.bindMatmul?.(a1, b1, out1, batch, m, k, n, transA, transB, aBatchStride, bBatchStride, bias1, relu)
        ?? ((): void => real.matmul(a1, b1, out1, batch, m, k, n, transA, transB, aBatchStride, bBatchStride, bias1, relu));
    });
  }

  adam(param: FloatArray, grad: FloatArray, m: FloatArray, v: FloatArray, hyper: AdamHyper): void {
    const { real, recording } = this;
    const fixed: AdamHyper = { ...hyper };
    const reads = [param, grad, m, v].map((t) => recording.read(t)).join(',');
    const writes = [param, m, v].map((t) => recording.write(t)).join(',');
    this.run(`adam ${JSON.stringify(fixed)} ${reads} -> ${writes}`, [param, grad, m, v], (r) => {
      const [param1, grad1, m1, v1] = [r(param), r(grad), r(m), r(v)];
      return (): void => real.adam(param1, grad1, m1, v1, fixed);
    });
  }

  polyak(target: FloatArray, source: FloatArray, tau: number): void {
    const { real, recording } = this;
    this.run(`polyak ${tau} ${recording.read(target)},${recording.read(source)} -> ${recording.write(target)}`, [target, source], (r) => {
      const [target1, source1] = [r(target), r(source)];
      return (): void => real.polyak(target1, source1, tau);
    });
  }

  sumOfSquares(): number {
    throw new TraceError('sumOfSquares reads a value into JavaScript, which replay would not redo: call it inside a hostCall');
  }

  scale(x: FloatArray, coefficient: number, out: FloatArray): void {
    const { real, recording } = this;
    this.run(`scale ${coefficient} ${recording.read(x)} -> ${recording.write(out)}`, [x, out], (r) => {
      const [x1, out1] = [r(x), r(out)];
      return (): void => real.scale(x1, coefficient, out1);
    });
  }

  reduce(op: ReduceKernel, x: FloatArray, outer: number, len: number, inner: number, out: FloatArray): void {
    const { real, recording } = this;
    this.run(`reduce ${op} ${outer} ${len} ${inner} ${recording.read(x)} -> ${recording.write(out)}`, [x, out], (r) => {
      const [x1, out1] = [r(x), r(out)];
      return real.bindReduce?.(op, x1, outer, len, inner, out1) ?? ((): void => real.reduce(op, x1, outer, len, inner, out1));
    });
  }

  copyStrided(x: FloatArray, view: StridedView, out: FloatArray): void {
    const { real, recording } = this;
    const signature = `copy ${view.shape.join('x')}|${view.strides.join(',')}|${view.offset} ${recording.read(x)} -> ${recording.write(out)}`;
    this.run(signature, [x, out], (r) => {
      const [x1, out1] = [r(x), r(out)];
      return (): void => real.copyStrided(x1, view, out1);
    });
  }
}

/** The kernel set the recording runs on, for callers outside a recording (the active set). */
export function realKernels(): Kernels {
  return current?.real ?? kernels();
}
