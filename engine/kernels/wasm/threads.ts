/**
 * Worker threads for the wasm kernels: the kernel module instantiated once more in each of N − 1
 * workers over the same shared memory, so that one kernel call can be split across N threads. The
 * calling thread is worker 0 and does its share itself; workers only run kernels, and the heap's
 * allocator stays on the calling thread.
 *
 * A split call is a job of chunks, each a short list of export calls, written into a control block
 * (a SharedArrayBuffer of its own, outside the wasm memory's layout):
 *
 *   Int32 words   0 generation: bumped (and notified) when a job is published; idle workers wait on it
 *                 1 claim: next chunk | chunk count << 16; a thread takes a chunk by compare-exchange
 *                 2 done: chunks finished (the thread finishing the last one notifies)
 *                 3 stop, 4 error (1 + the index of a worker whose call threw)
 *                 16… chunk offsets into the queue; then one ready flag per worker
 *   Float64 queue per call: export id, argument count, flags, arguments (flag 1: append the running
 *                 thread's own GEMM packing buffer and edge tile)
 *
 * The caller writes the queue and the offsets, resets `done`, then stores the claim word, which
 * publishes them (Atomics order every plain write before it), bumps the generation and notifies.
 * Then it claims chunks itself like any worker, and waits until `done` reaches the count. A chunk
 * can only be claimed from the claim word of the published job, and the caller writes the next job
 * only once every chunk of this one is done, so a worker that wakes late finds nothing left and
 * never reads a queue being rewritten. Which thread runs a chunk varies (a descheduled worker simply
 * takes fewer), never what it computes: index.ts splits every call so that each output element is
 * computed by the same instructions as in a single call. Workers that have not reported ready yet
 * (start-up takes tens of milliseconds) leave everything to the caller.
 *
 * Waiting: a worker spins on `generation` for a short while after each job (the kernel calls of a
 * training step come in bursts), then sleeps in `Atomics.wait`; the caller spins for the last
 * chunks, then `Atomics.wait`s, except where the calling thread may not block (a browser's main
 * thread), where it only spins.
 */
import type { WasmMemory } from './runtime.ts';

const GENERATION = 0;
/** (next chunk) | (chunk count << 16) of the published job; claimed by compare-exchange. */
const CLAIM = 1;
/** Chunks of the published job finished. */
const DONE = 2;
const STOP = 3;
/** 1 + the index of a worker whose call threw; 0 when none. */
const ERROR = 4;
const OFFSETS = 16;
/** Most chunks in one job (the chunk index and count share the 32-bit claim word). */
export const MAX_CHUNKS = 4096;
const READY = OFFSETS + MAX_CHUNKS + 1;
const MAX_WORKERS = 256;
const WORDS = READY + MAX_WORKERS;
const QUEUE_BYTE_OFFSET = Math.ceil((WORDS * 4) / 64) * 64;
/** Doubles of call data one job may hold. */
const QUEUE_DOUBLES = 32768;
const CONTROL_BYTES = QUEUE_BYTE_OFFSET + QUEUE_DOUBLES * 8;
/** A call entry is [export id, argument count, flags, arguments…]; flag 1 appends the running thread's GEMM buffers. */
const ENTRY_HEADER = 3;
export const FLAG_THREAD_BUFFERS = 1;

/** A started worker, as the pool sees it. */
export interface WorkerHandle {
  terminate(): void;
}

/** What a worker needs: the memory, the compiled module, the control block, its index and buffers. */
export interface WorkerData {
  readonly memory: WasmMemory;
  readonly module: object;
  readonly control: SharedArrayBuffer;
  readonly index: number;
  /** Export names by id. */
  readonly exports: readonly string[];
  /** This worker's GEMM packing buffer and edge tile (byte addresses). */
  readonly buffers: readonly [number, number];
  /** Microseconds a worker spins for the next job before it sleeps. */
  readonly spinMicros: number;
}

/**
 * How workers are started where the kernels run: Node's worker_threads, or Web Workers. `source` is
 * a classic script that reads its `WorkerData` from Node's `workerData` or from its first message.
 */
export interface WorkerTransport {
  readonly name: string;
  /** Whether the calling thread may block in `Atomics.wait` (not on a browser's main thread). */
  readonly canBlock: boolean;
  spawn(source: string, data: WorkerData): WorkerHandle;
}

/**
 * Claims and runs chunks of the published job until none is left; returns the number run. The
 * workers run the same loop, written out in `workerSource` (kept as text there so that no build or
 * coverage tool can rewrite it).
 */
function drainChunks(
  words: Int32Array, queue: Float64Array, fns: readonly ((...args: number[]) => void)[],
  buffers: readonly [number, number], args: number[], errors: unknown[],
): number {
  let ran = 0;
  for (;;) {
    const claim = Atomics.load(words, CLAIM);
    const next = claim & 0xffff;
    const total = claim >>> 16;
    if (next >= total) return ran;
    if (Atomics.compareExchange(words, CLAIM, claim, claim + 1) !== claim) continue;
    try {
      for (let at = words[OFFSETS + next], end = words[OFFSETS + next + 1]; at < end;) {
        const argc = queue[at + 1];
        args.length = 0;
        for (let a = 0; a < argc; a++) args.push(queue[at + ENTRY_HEADER + a]);
        if (queue[at + 2] === FLAG_THREAD_BUFFERS) args.push(buffers[0], buffers[1]);
        fns[queue[at]](...args);
        at += ENTRY_HEADER + argc;
      }
    } catch (error) {
      errors.push(error); // reported once the workers are done with the job
    }
    ran++;
    if (Atomics.add(words, DONE, 1) + 1 === total) Atomics.notify(words, DONE);
  }
}

/** The worker's script, transport-neutral (plain JavaScript: it is not compiled by TypeScript). */
export const workerSource = `'use strict';
const drainChunks = (words, queue, fns, buffers, args) => {
  for (;;) {
    const claim = Atomics.load(words, ${CLAIM});
    const next = claim & 0xffff;
    const total = claim >>> 16;
    if (next >= total) return;
    if (Atomics.compareExchange(words, ${CLAIM}, claim, claim + 1) !== claim) continue;
    for (let at = words[${OFFSETS} + next], end = words[${OFFSETS} + next + 1]; at < end;) {
      const argc = queue[at + 1];
      args.length = 0;
      for (let a = 0; a < argc; a++) args.push(queue[at + ${ENTRY_HEADER} + a]);
      if (queue[at + 2] === ${FLAG_THREAD_BUFFERS}) args.push(buffers[0], buffers[1]);
      fns[queue[at]](...args);
      at += ${ENTRY_HEADER} + argc;
    }
    if (Atomics.add(words, ${DONE}, 1) + 1 === total) Atomics.notify(words, ${DONE});
  }
};
const start = (data) => {
  const { memory, module, control, index, exports: names, buffers, spinMicros } = data;
  const instance = new WebAssembly.Instance(module, { env: { memory } });
  const fns = names.map((name) => instance.exports[name]);
  const words = new Int32Array(control);
  const queue = new Float64Array(control, ${QUEUE_BYTE_OFFSET}, ${QUEUE_DOUBLES});
  const args = [];
  let seen = Atomics.load(words, ${GENERATION});
  Atomics.store(words, ${READY} + index, 1);
  for (;;) {
    let generation = Atomics.load(words, ${GENERATION});
    if (generation === seen) {
      const until = performance.now() + spinMicros / 1000;
      for (let spin = 0; generation === seen; spin++) {
        if ((spin & 255) === 255 && performance.now() > until) break;
        generation = Atomics.load(words, ${GENERATION});
      }
      while (generation === seen) {
        Atomics.wait(words, ${GENERATION}, seen);
        generation = Atomics.load(words, ${GENERATION});
      }
    }
    seen = generation;
    if (Atomics.load(words, ${STOP}) !== 0) return;
    try {
      drainChunks(words, queue, fns, buffers, args);
    } catch (error) {
      // the chunk that threw counts as finished, so that the caller returns and reports it
      Atomics.compareExchange(words, ${ERROR}, 0, index + 1);
      Atomics.add(words, ${DONE}, 1);
      Atomics.notify(words, ${DONE});
    }
  }
};
// Node evaluates this as CommonJS or, under --input-type=module, as a module: reach worker_threads
// through process either way; a Web Worker gets its data in its first message
const node = typeof process === 'object' && typeof process.getBuiltinModule === 'function';
if (node) start(process.getBuiltinModule('node:worker_threads').workerData);
else self.onmessage = (event) => { self.onmessage = null; start(event.data); };
`;

interface NodeWorker {
  unref(): void;
  terminate(): Promise<number>;
  on(event: 'error', listener: (error: Error) => void): void;
}
type NodeWorkerConstructor = new (source: string, options: { eval: true; workerData: unknown; name?: string }) => NodeWorker;

function nodeBuiltin<T>(id: string): T | undefined {
  const proc = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process;
  try {
    return proc?.getBuiltinModule?.(id) as T | undefined;
  } catch {
    return undefined;
  }
}

/** worker_threads, with the source evaluated in place (no file to resolve, under tsx or from dist/). */
export function nodeTransport(): WorkerTransport | null {
  const Worker = nodeBuiltin<{ Worker: NodeWorkerConstructor }>('node:worker_threads')?.Worker;
  if (!Worker) return null;
  return {
    name: 'worker_threads',
    canBlock: true,
    spawn(source, data) {
      const worker = new Worker(source, { eval: true, workerData: data, name: `varl kernels ${data.index}` });
      worker.unref(); // never keeps the process alive
      worker.on('error', () => {}); // a worker that fails to start is simply never ready
      return { terminate: () => void worker.terminate() };
    },
  };
}

interface BrowserWorker {
  postMessage(message: unknown): void;
  terminate(): void;
}
interface BrowserGlobals {
  Worker?: new (url: string) => BrowserWorker;
  Blob?: new (parts: string[], options: { type: string }) => object;
  URL?: { createObjectURL(blob: object): string; revokeObjectURL(url: string): void };
  crossOriginIsolated?: boolean;
}

/** Whether Atomics.wait may block on this thread (it throws on a browser's main thread). */
function canBlockHere(): boolean {
  try {
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 1, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * Web Workers from a Blob URL of the source; needs a cross-origin isolated page (SharedArrayBuffer).
 * A worker created while its creator never yields may not start until it does: the pool then runs
 * on the caller alone until the workers report ready.
 */
export function browserTransport(): WorkerTransport | null {
  const g = globalThis as BrowserGlobals;
  if (!g.Worker || !g.Blob || !g.URL || g.crossOriginIsolated !== true || typeof SharedArrayBuffer !== 'function') return null;
  const { Worker, Blob, URL } = g;
  return {
    name: 'web workers',
    canBlock: canBlockHere(),
    spawn(source, data) {
      const url = URL.createObjectURL(new Blob([source], { type: 'text/javascript' }));
      const worker = new Worker(url);
      URL.revokeObjectURL(url);
      worker.postMessage(data);
      return { terminate: () => worker.terminate() };
    },
  };
}

/** The transport of this runtime, or null where workers over shared memory are unavailable. */
export function defaultTransport(): WorkerTransport | null {
  if (typeof SharedArrayBuffer !== 'function' || typeof Atomics !== 'object') return null;
  return nodeTransport() ?? browserTransport();
}

/** The runtime's core count: `os.availableParallelism()` in Node, `navigator.hardwareConcurrency` where isolated. */
export function defaultThreadCount(): number {
  const os = nodeBuiltin<{ availableParallelism?: () => number; cpus(): unknown[] }>('node:os');
  if (os) return Math.max(1, os.availableParallelism?.() ?? os.cpus().length);
  const g = globalThis as BrowserGlobals & { navigator?: { hardwareConcurrency?: number } };
  if (g.crossOriginIsolated === true) return Math.max(1, g.navigator?.hardwareConcurrency ?? 1);
  return 1;
}

export class ThreadPoolError extends Error {
  override name = 'ThreadPoolError';
}

/** Counters of a pool, for tests and benchmarks. */
export interface ThreadStats {
  /** Kernel calls split into chunks for the threads. */
  parallelCalls: number;
  /** Kernel calls that stayed on the calling thread (below the size thresholds, or no worker ready). */
  serialCalls: number;
  /** Chunks of split calls that workers ran (the caller ran the rest). */
  workerChunks: number;
  /** Workers that have reported ready. */
  readyWorkers: number;
}

export interface ThreadPoolOptions {
  readonly memory: WasmMemory;
  readonly module: object;
  readonly exports: readonly string[];
  /** Per worker index 1…N−1, its GEMM packing buffer and edge tile (index 0: the caller's). */
  readonly buffers: readonly (readonly [number, number])[];
  readonly transport: WorkerTransport;
  /** Microseconds a worker spins for the next job before sleeping (default 200). */
  readonly workerSpinMicros?: number;
  /** Microseconds the caller spins for its workers before waiting (default 1000). */
  readonly callerSpinMicros?: number;
}

/**
 * Workers over a shared memory and the protocol to hand them work: `begin()`, then for each chunk
 * `chunk()` followed by its `call(…)`s, then `run(exports)`. Chunks are claimed dynamically, so
 * which thread runs a chunk varies, never what the chunk computes.
 */
export class ThreadPool {
  /** Threads including the caller. */
  readonly threads: number;
  readonly stats = { parallelCalls: 0, workerChunks: 0 };
  /**
   * The last job's speed-up estimate: the caller's time per chunk times the chunk count, over the
   * job's wall time (about the thread count when the workers kept up; below 1 when the caller
   * waited on a worker the OS had descheduled).
   */
  lastGain = 1;
  private readonly words: Int32Array;
  private readonly queue: Float64Array;
  private readonly handles: WorkerHandle[] = [];
  private readonly ids = new Map<string, number>();
  private readonly canBlock: boolean;
  private readonly callerSpinMicros: number;
  private readonly callerBuffers: readonly [number, number];
  private readyCount = 0;
  private chunks = 0;
  private cursor = 0;
  private overflow = false;
  private readonly args: number[] = [];
  private disposed = false;

  constructor(options: ThreadPoolOptions) {
    const workers = options.buffers.length - 1;
    if (!(workers >= 1 && workers <= MAX_WORKERS)) throw new RangeError(`ThreadPool: ${workers} workers (expected 1…${MAX_WORKERS})`);
    this.threads = workers + 1;
    this.canBlock = options.transport.canBlock;
    this.callerSpinMicros = options.callerSpinMicros ?? 1000;
    this.callerBuffers = options.buffers[0];
    options.exports.forEach((name, id) => this.ids.set(name, id));
    const control = new SharedArrayBuffer(CONTROL_BYTES);
    this.words = new Int32Array(control);
    this.queue = new Float64Array(control, QUEUE_BYTE_OFFSET, QUEUE_DOUBLES);
    for (let w = 1; w <= workers; w++) {
      const data: WorkerData = {
        memory: options.memory, module: options.module, control, index: w, exports: options.exports,
        buffers: options.buffers[w], spinMicros: options.workerSpinMicros ?? 200,
      };
      try {
        this.handles.push(options.transport.spawn(workerSource, data));
      } catch {
        break; // fewer workers; the others still help
      }
    }
  }

  /** The id of an export, for `call`. */
  id(name: string): number {
    const id = this.ids.get(name);
    if (id === undefined) throw new ThreadPoolError(`ThreadPool: no export ${name}`);
    return id;
  }

  /** Workers that have reported ready (calls are split only once at least one has). */
  ready(): number {
    if (this.readyCount < this.handles.length) {
      let count = 0;
      for (let w = 1; w <= this.handles.length; w++) if (Atomics.load(this.words, READY + w) === 1) count++;
      this.readyCount = count;
    }
    return this.readyCount;
  }

  /** Resolves true once every worker has reported ready, false after `timeoutMs`. */
  async whenReady(timeoutMs = 10_000): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (this.ready() < this.handles.length) {
      if (Date.now() > deadline) return false;
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
    return true;
  }

  /** Starts building a job. */
  begin(): void {
    this.chunks = 0;
    this.cursor = 0;
    this.overflow = false;
  }

  /** Starts the next chunk of the job: the calls that follow, until the next `chunk()`, run in order on one thread. */
  chunk(): void {
    if (this.chunks >= MAX_CHUNKS) {
      this.overflow = true;
      return;
    }
    this.words[OFFSETS + this.chunks] = this.cursor;
    this.chunks++;
  }

  /** Adds a call of export `id` to the current chunk; `flags` 1 appends the running thread's GEMM buffers. */
  call(id: number, flags: number, ...args: number[]): void {
    const at = this.cursor;
    if (at + ENTRY_HEADER + args.length > QUEUE_DOUBLES) {
      this.overflow = true;
      return;
    }
    const queue = this.queue;
    queue[at] = id;
    queue[at + 1] = args.length;
    queue[at + 2] = flags;
    for (let a = 0; a < args.length; a++) queue[at + ENTRY_HEADER + a] = args[a];
    this.cursor = at + ENTRY_HEADER + args.length;
  }

  /**
   * Publishes the job, runs chunks on the caller with `fns` (its instance's exports by id) until
   * none is left, and returns once every chunk has finished. Returns false, running nothing, when
   * the job did not fit the control block (the caller then runs it serially).
   * Throws if a call on a worker threw.
   */
  run(fns: readonly ((...args: number[]) => void)[]): boolean {
    if (this.overflow || this.chunks === 0) return false;
    const words = this.words;
    const total = this.chunks;
    words[OFFSETS + total] = this.cursor;
    Atomics.store(words, DONE, 0);
    Atomics.store(words, CLAIM, total << 16); // publishes the queue written above
    Atomics.add(words, GENERATION, 1);
    Atomics.notify(words, GENERATION);
    this.stats.parallelCalls++;
    const errors: unknown[] = [];
    const started = performance.now();
    const own = drainChunks(words, this.queue, fns, this.callerBuffers, this.args, errors);
    const ownMs = performance.now() - started;
    this.stats.workerChunks += total - own;
    let done = Atomics.load(words, DONE);
    if (done < total) {
      const until = performance.now() + this.callerSpinMicros / 1000;
      for (let spin = 0; done < total; spin++) {
        if (this.canBlock && (spin & 255) === 255 && performance.now() > until) break;
        done = Atomics.load(words, DONE);
      }
      while (done < total) {
        Atomics.wait(words, DONE, done, 1000);
        done = Atomics.load(words, DONE);
      }
    }
    const wallMs = performance.now() - started;
    this.lastGain = own > 0 && wallMs > 0 ? ((ownMs / own) * total) / wallMs : this.threads;
    const failed = Atomics.exchange(words, ERROR, 0);
    if (errors.length > 0) throw errors[0];
    if (failed !== 0) throw new ThreadPoolError(`kernel threads: a call on worker ${failed - 1} threw (an out-of-bounds address?)`);
    return true;
  }

  /** Stops and terminates the workers; the pool must not be used afterwards. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    Atomics.store(this.words, STOP, 1);
    Atomics.add(this.words, GENERATION, 1);
    Atomics.notify(this.words, GENERATION);
    for (const h of this.handles) h.terminate();
  }
}
