/**
 * When a kernel call is split across worker threads, and the splitting: the worker pool (threads.ts)
 * with each worker's GEMM packing buffers, the threshold of work per thread, and an adaptive
 * back-off to one thread while split calls stop paying. Which thread runs a chunk never changes a
 * result: every split computes each output element with the same instructions as one call.
 */
import type { WasmHeap } from './heap.ts';
import { orderOf } from './heap.ts';
import { ThreadPool, type WorkerTransport } from './threads.ts';

/** Milliseconds calls stay on one thread once split calls have stopped paying. */
const BACKOFF_MS = 100;
/**
 * Below this smoothed speed-up estimate, split calls are losing: the caller waits on workers. (A
 * worker still asleep when a small call finishes gives 1, no loss: the caller just ran it alone.)
 */
const MIN_GAIN = 0.95;
/** Chunks per thread of a split call: threads claim them as they come free, so a late thread does less. */
export const CHUNKS_PER_THREAD = 4;

type Fn = (...args: number[]) => void;

export interface SchedulerOptions {
  readonly heap: WasmHeap;
  /** The compiled kernel module, its exports' names and the functions by export id. */
  readonly module: object;
  readonly exportNames: readonly string[];
  readonly functions: readonly Fn[];
  /** The caller's GEMM packing buffer and edge tile (static), and the bytes a worker's pair takes. */
  readonly callerBuffers: readonly [number, number];
  readonly packBytes: number;
  readonly threadBufferBytes: number;
  readonly transport: WorkerTransport | null;
  /** Threads to start with; more than one only when the memory is shared. */
  readonly threads: number;
  readonly shared: boolean;
  readonly workerSpinMicros?: number;
  readonly adaptive: boolean;
}

/**
 * Splits [0, count) into `chunks` contiguous ranges of whole `quantum`s and calls `each(start,
 * length)` for each non-empty one.
 */
export function splitRange(count: number, chunks: number, quantum: number, each: (start: number, length: number) => void): void {
  const units = Math.ceil(count / quantum);
  for (let c = 0; c < chunks; c++) {
    const start = Math.floor((c * units) / chunks) * quantum;
    const end = Math.min(count, Math.floor(((c + 1) * units) / chunks) * quantum);
    if (end > start) each(start, end - start);
  }
}

export class KernelScheduler {
  private threadCount: number;
  private pool: ThreadPool | null = null;
  /** The workers' GEMM packing buffers (each followed by its edge tile), pool blocks held while they run. */
  private workerBuffers: number[] = [];
  private serialCalls = 0;
  /** Smoothed speed-up of recent split calls, and the time before which calls stay serial. */
  private gain = 1.5;
  private serialUntil = 0;

  constructor(private readonly options: SchedulerOptions) {
    this.threadCount = options.shared ? options.threads : 1;
    if (this.threadCount > 1) this.startPool(this.threadCount);
  }

  get threads(): number {
    return this.threadCount;
  }

  /** Uses `count` threads from now on (the caller checked it); starts workers when more are needed. */
  setThreads(count: number): void {
    if (count > 1 && !this.options.shared) {
      throw new RangeError(`setThreads(${count}): this kernel set was created with one thread (VARL_THREADS=1, threads: 1, `
        + 'or no workers over shared memory in this runtime), so its memory is not shared; create it with threads > 1');
    }
    if (count > 1 && (this.pool === null || count > this.pool.threads)) this.startPool(count);
    this.threadCount = count;
  }

  whenReady(timeoutMs?: number): Promise<boolean> {
    return this.pool ? this.pool.whenReady(timeoutMs) : Promise.resolve(this.threadCount === 1);
  }

  stats(): { parallelCalls: number; serialCalls: number; workerChunks: number; readyWorkers: number } {
    return {
      parallelCalls: this.pool?.stats.parallelCalls ?? 0,
      serialCalls: this.serialCalls,
      workerChunks: this.pool?.stats.workerChunks ?? 0,
      readyWorkers: this.pool?.ready() ?? 0,
    };
  }

  dispose(): void {
    this.stopPool();
    this.threadCount = 1;
  }

  /** Threads for a call of `work` units when each thread should get at least `perThread` (1: stay serial). */
  threadsFor(work: number, perThread: number): number {
    const pool = this.pool;
    if (this.threadCount < 2 || pool === null || work < 2 * perThread || (this.options.adaptive && this.serialUntil > 0 && performance.now() < this.serialUntil)) {
      this.serialCalls++;
      return 1;
    }
    this.serialUntil = 0;
    const n = Math.min(this.threadCount, pool.ready() + 1, Math.floor(work / perThread));
    if (n < 2) this.serialCalls++;
    return n;
  }

  /**
   * Starts a job of chunks of export `name` (after `threadsFor` gave more than one thread) and returns
   * the export's id for `call`; then `chunk()` before each chunk's calls, and `run()`.
   */
  begin(name: string): number {
    const pool = this.pool!;
    pool.begin();
    return pool.id(name);
  }

  chunk(): void {
    this.pool!.chunk();
  }

  call(id: number, flags: number, ...args: number[]): void {
    this.pool!.call(id, flags, ...args);
  }

  /** Runs the job built since `begin` and updates the speed-up estimate; false when it did not fit (nothing ran). */
  run(): boolean {
    const pool = this.pool!;
    if (!pool.run(this.options.functions)) return false;
    if (this.options.adaptive) {
      this.gain = 0.75 * this.gain + 0.25 * Math.min(pool.lastGain, 4);
      if (this.gain < MIN_GAIN) {
        this.serialUntil = performance.now() + BACKOFF_MS;
        this.gain = 1.5; // probe afresh when the back-off ends
      }
    }
    return true;
  }

  /**
   * Runs export `name` over [0, count) split into chunks for `parts` threads (CHUNKS_PER_THREAD each,
   * claimed dynamically), whole `quantum`s per chunk; `args(start, length)` gives a chunk's
   * arguments. False when the job did not fit (nothing ran: run the call serially).
   */
  parallel(name: string, count: number, quantum: number, parts: number, args: (start: number, length: number) => number[]): boolean {
    const id = this.begin(name);
    splitRange(count, Math.min(parts * CHUNKS_PER_THREAD, Math.ceil(count / quantum)), quantum, (start, length) => {
      this.chunk();
      this.call(id, 0, ...args(start, length));
    });
    return this.run();
  }

  /** `parallel` over contiguous floats: chunks of whole 64-byte lines, so no two threads write one line. */
  ranges(name: string, count: number, parts: number, args: (start: number, length: number) => number[]): boolean {
    return this.parallel(name, count, 16, parts, args);
  }

  /** `parallel` over rows (or other independent units). */
  rows(name: string, count: number, parts: number, args: (start: number, length: number) => number[]): boolean {
    return this.parallel(name, count, 1, parts, args);
  }

  private startPool(size: number): void {
    this.stopPool();
    const { heap, transport, callerBuffers, packBytes, threadBufferBytes } = this.options;
    if (size < 2 || !transport) return;
    // each worker packs into its own buffers, held from the pool for the workers' lifetime
    const buffers: [number, number][] = [[callerBuffers[0], callerBuffers[1]]];
    for (let w = 1; w < size; w++) {
      // at most an eighth of the pool goes to packing buffers; beyond that, fewer workers
      if (2 ** orderOf(threadBufferBytes) * w > heap.stats.poolBytes / 8) break;
      const ptr = heap.scratch(threadBufferBytes);
      if (ptr < 0) break;
      buffers.push([ptr, ptr + packBytes]);
    }
    this.workerBuffers = buffers.slice(1).map(([ptr]) => ptr);
    if (this.workerBuffers.length === 0) return;
    this.pool = new ThreadPool({
      memory: heap.memory, module: this.options.module, exports: this.options.exportNames, buffers, transport, workerSpinMicros: this.options.workerSpinMicros,
    });
  }

  private stopPool(): void {
    this.pool?.dispose();
    this.pool = null;
    for (const ptr of this.workerBuffers) this.options.heap.releaseScratch(ptr, this.options.threadBufferBytes);
    this.workerBuffers = [];
  }
}
