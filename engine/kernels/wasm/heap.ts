/**
 * Tensor storage inside one WebAssembly.Memory, so that kernels run on tensors without copies.
 *
 * - The memory is created once at its final size (`VARL_WASM_MEMORY_MB`, default 512) and never
 *   grows: growing would detach every typed-array view already handed out. Pages are backed by the
 *   OS only when first touched.
 * - Layout: [0, 64) is never allocated (pointer 0 means "none"), then the kernels' static scratch
 *   (GEMM packing buffers, the staging area for operands outside the heap), then the pool, then a
 *   256-byte guard that vector tails may read.
 * - The pool is a buddy allocator: blocks of 64 B · 2ᵏ, aligned to their size, split on demand and
 *   merged with their buddy when both are free, so memory freed by one workload serves any other
 *   size. Free lists are LIFO (a block just freed is reused first, while it is in cache); reused
 *   blocks are zero-filled, never-touched ones are zero already.
 * - A block returns to the pool when its typed-array view is garbage-collected
 *   (FinalizationRegistry). V8 clears weak cells only in full (mark-compact) collections, which a
 *   heap of small JS objects rarely needs, so when the pool runs out the heap asks for one: in Node
 *   it obtains `gc` and `FinalizationRegistry.prototype.cleanupSome` from a private vm context
 *   (V8 flags set at runtime, then restored; `VARL_WASM_GC=0` turns this off) and reclaims
 *   synchronously. Where that is unavailable, or the pool is still full, `allocate` returns an
 *   ordinary typed array, and kernels copy such operands through the staging area (index.ts).
 * - Never keep a `subarray` (or a view built from `.buffer`) of tensor data beyond the life of the
 *   tensor's own array: the block may be reused once that array is collected. And `.buffer` is the
 *   whole memory: serialise with `byteOffset`/`byteLength`, or copy with `slice()`.
 */
import type { DType, FloatArray } from '../types.ts';
import { type WasmMemory, webAssembly } from './runtime.ts';
import { cleanupSome, fullCollector, type Collector } from '../collector.ts';
import { readKernelEnvironment } from '../environment.ts';

export const PAGE_BYTES = 65536;
const MIN_ORDER = 6; // 64-byte blocks
const GUARD_BYTES = 256;
/** Held values pack a block's pool offset (a multiple of 64) with its order (< 64). */
const ORDER_BITS = 64;

/** The buddy order of a block holding `bytes`: the smallest k ≥ 6 with 2ᵏ ≥ bytes. */
export function orderOf(bytes: number): number {
  return Math.max(MIN_ORDER, 32 - Math.clz32(Math.max(bytes, 1) - 1));
}

export interface HeapStats {
  /** Views handed out from the pool. */
  residentAllocations: number;
  /** Requests too large for any block of the pool (served as ordinary arrays). */
  oversizeAllocations: number;
  /** Arrays handed out as ordinary typed arrays because the pool was full. */
  fallbackAllocations: number;
  /** Blocks returned by the FinalizationRegistry. */
  reclaimedBlocks: number;
  /** Full collections the heap asked for. */
  forcedCollections: number;
  /** Milliseconds spent in them. */
  forcedCollectionMs: number;
  /** High-water mark of the pool, in bytes (what the process has touched). */
  poolBytesTouched: number;
  /** Bytes of the pool in blocks not on a free list (live or awaiting collection). */
  poolBytesOutstanding: number;
  /** Size of the pool. */
  poolBytes: number;
}

export interface HeapOptions {
  /** Total size of the memory in MiB. */
  readonly memoryMB: number;
  /** Bytes of static scratch to reserve below the pool. */
  readonly staticBytes: number;
  /**
   * Create a shared memory (its buffer a SharedArrayBuffer), which worker threads can import; the
   * allocator itself stays on the thread that owns the heap.
   */
  readonly shared?: boolean;
}

export class WasmHeap {
  readonly memory: WasmMemory;
  readonly buffer: ArrayBuffer | SharedArrayBuffer;
  readonly pages: number;
  readonly shared: boolean;
  /** Start of the static scratch region. */
  readonly staticBase: number;
  readonly stats: HeapStats;

  private readonly poolBase: number;
  /** Largest block order; the pool is tiled by blocks of this order and then smaller ones. */
  private readonly maxOrder: number;
  /** Per order, a LIFO stack of free block offsets (relative to poolBase); may hold stale entries. */
  private readonly freeStacks: number[][] = [];
  /** The order of every free block, by offset: the truth that stale stack entries are checked against. */
  private readonly freeOrder = new Map<number, number>();
  /** Number of free blocks per order (the valid entries of each stack). */
  private readonly freeCount: number[] = [];
  /** Blocks at or above this offset have never been handed out (their bytes are still zero). */
  private touchedTop = 0;
  private readonly registry: FinalizationRegistry<number>;
  private readonly collector: Collector | null;
  /** Bytes handed out as ordinary arrays since the last collection that did not help. */
  private fallbackBytesSinceFailedCollection = 0;
  private collectionFailed = false;
  private readonly release = (held: number): void => {
    const order = held % ORDER_BITS;
    this.free((held - order) / ORDER_BITS, order);
    this.stats.reclaimedBlocks++;
  };

  constructor(options: HeapOptions) {
    this.pages = Math.max(1, Math.ceil((options.memoryMB * 2 ** 20) / PAGE_BYTES));
    if (!webAssembly) throw new Error('WasmHeap: this runtime has no WebAssembly');
    this.shared = options.shared ?? false;
    this.memory = new webAssembly.Memory({ initial: this.pages, maximum: this.pages, ...(this.shared ? { shared: true } : {}) });
    this.buffer = this.memory.buffer;
    this.staticBase = 64;
    this.poolBase = alignUp(this.staticBase + options.staticBytes);
    const poolBytes = Math.floor((this.pages * PAGE_BYTES - GUARD_BYTES - this.poolBase) / 64) * 64;
    if (poolBytes < 64) throw new RangeError(`WasmHeap: ${options.memoryMB} MiB leaves no room for the pool`);
    this.maxOrder = 31 - Math.clz32(poolBytes);
    for (let k = 0; k <= this.maxOrder; k++) {
      this.freeStacks.push([]);
      this.freeCount.push(0);
    }
    // tile [0, poolBytes) with blocks of decreasing order, each aligned to its size
    let offset = 0;
    for (let k = this.maxOrder; k >= MIN_ORDER; k--) {
      if (offset + 2 ** k <= poolBytes) {
        this.pushFree(offset, k);
        offset += 2 ** k;
      }
    }
    this.stats = {
      residentAllocations: 0, oversizeAllocations: 0, fallbackAllocations: 0, reclaimedBlocks: 0,
      forcedCollections: 0, forcedCollectionMs: 0, poolBytesTouched: 0, poolBytesOutstanding: 0, poolBytes: offset,
    };
    this.collector = readKernelEnvironment().wasmGc === false ? null : fullCollector();
    const Registry = this.collector?.Registry ?? FinalizationRegistry;
    this.registry = new Registry<number>(this.release);
  }

  /** Whether `array` is a view on this heap's memory (kernels can then run on it in place). */
  isResident(array: FloatArray): boolean {
    return array.buffer === this.buffer;
  }

  /** Whether full collections can be requested synchronously when the pool is exhausted. */
  get canCollect(): boolean {
    return this.collector !== null;
  }

  /**
   * A zero-filled array of `size` elements (with `uninitialized`, a reused block keeps whatever it
   * held). float32 arrays are views on the pool while it has room; float64 arrays, and float32 ones
   * when the pool is full, are ordinary typed arrays.
   */
  allocate(dtype: DType, size: number, uninitialized = false): FloatArray {
    if (dtype === 'float64' || size === 0) return dtype === 'float64' ? new Float64Array(size) : new Float32Array(size);
    const bytes = size * 4;
    const order = orderOf(bytes);
    const offset = this.take(order, true);
    if (offset < 0) {
      if (order > this.maxOrder) this.stats.oversizeAllocations++;
      else {
        this.stats.fallbackAllocations++;
        this.fallbackBytesSinceFailedCollection += bytes;
      }
      return new Float32Array(size);
    }
    const pristine = offset >= this.touchedTop;
    this.touchedTop = Math.max(this.touchedTop, offset + 2 ** order);
    this.stats.poolBytesTouched = this.touchedTop;
    const view = new Float32Array(this.buffer, this.poolBase + offset, size);
    if (!pristine && !uninitialized) view.fill(0);
    this.registry.register(view, offset * ORDER_BITS + order);
    this.stats.residentAllocations++;
    return view;
  }

  /**
   * The byte address of a scratch block of at least `bytes` for the duration of one kernel call, or
   * −1 when the pool has none; give it back with `releaseScratch`. Never triggers a collection.
   */
  scratch(bytes: number): number {
    const order = orderOf(bytes);
    const offset = this.take(order, false);
    if (offset < 0) return -1;
    this.touchedTop = Math.max(this.touchedTop, offset + 2 ** order);
    return this.poolBase + offset;
  }

  releaseScratch(address: number, bytes: number): void {
    this.free(address - this.poolBase, orderOf(bytes));
  }

  /** Returns the blocks of views already collected; with `collect`, runs a full collection first. */
  reclaim(collect: boolean): void {
    if (!this.collector) return;
    if (collect) {
      const start = performance.now();
      this.collector.gc();
      this.stats.forcedCollections++;
      this.stats.forcedCollectionMs += performance.now() - start;
    }
    cleanupSome(this.registry, this.release);
  }

  /**
   * A free block of `order`, splitting a larger one if needed; −1 when there is none. With
   * `mayCollect`, an exhausted pool first returns what is already collected, then asks for a full
   * collection, except right after one that did not help (nothing of this size, or under a quarter
   * of the pool free): then only once a further eighth of the pool has been handed out as ordinary
   * arrays, so a live set near or above the pool's size costs a collection per eighth of the pool
   * rather than one per allocation.
   */
  private take(order: number, mayCollect: boolean): number {
    if (order > this.maxOrder) return -1;
    let offset = this.split(order);
    if (offset < 0 && mayCollect && this.collector) {
      this.reclaim(false);
      offset = this.split(order);
      if (offset < 0 && (!this.collectionFailed || this.fallbackBytesSinceFailedCollection >= this.stats.poolBytes / 8)) {
        this.reclaim(true);
        offset = this.split(order);
        // a collection that leaves less than a quarter of the pool free would have to run again
        // within a few allocations: back off as if it had failed
        this.collectionFailed = offset < 0 || this.stats.poolBytesOutstanding > 0.75 * this.stats.poolBytes;
        this.fallbackBytesSinceFailedCollection = 0;
      }
    }
    if (offset >= 0) this.stats.poolBytesOutstanding += 2 ** order;
    return offset;
  }

  /** Pops a free block of the smallest order ≥ `order` and splits it down to `order`. */
  private split(order: number): number {
    for (let k = order; k <= this.maxOrder; k++) {
      const offset = this.popFree(k);
      if (offset < 0) continue;
      for (let j = k - 1; j >= order; j--) this.pushFree(offset + 2 ** j, j); // upper halves stay free
      return offset;
    }
    return -1;
  }

  /** Frees a block, merging it with its buddy as long as the buddy is free and of the same order. */
  private free(offset: number, order: number): void {
    this.stats.poolBytesOutstanding -= 2 ** order;
    while (order < this.maxOrder) {
      const buddy = offset ^ (2 ** order);
      if (this.freeOrder.get(buddy) !== order) break;
      this.freeOrder.delete(buddy); // its stack entry is now stale
      this.freeCount[order]--;
      offset = Math.min(offset, buddy);
      order++;
    }
    this.pushFree(offset, order);
  }

  private pushFree(offset: number, order: number): void {
    this.freeOrder.set(offset, order);
    this.freeCount[order]++;
    const stack = this.freeStacks[order];
    stack.push(offset);
    // drop stale entries (left by merges) once they outnumber the live ones
    if (stack.length > 64 + 4 * this.freeCount[order]) {
      const seen = new Set<number>();
      const live: number[] = [];
      for (let i = stack.length - 1; i >= 0; i--) { // keep the topmost entry of each free block
        const o = stack[i];
        if (this.freeOrder.get(o) === order && !seen.has(o)) {
          seen.add(o);
          live.push(o);
        }
      }
      stack.length = 0;
      for (let i = live.length - 1; i >= 0; i--) stack.push(live[i]);
    }
  }

  private popFree(order: number): number {
    const stack = this.freeStacks[order];
    while (stack.length > 0) {
      const offset = stack.pop()!;
      if (this.freeOrder.get(offset) === order) {
        this.freeOrder.delete(offset);
        this.freeCount[order]--;
        return offset;
      }
    }
    return -1;
  }
}

function alignUp(n: number): number {
  return Math.ceil(n / 64) * 64;
}
