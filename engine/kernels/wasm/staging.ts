/**
 * Operands of one kernel call that are not views on the heap (user arrays, or arrays allocated
 * while the pool was full): copied for the call into a staging area kept outside the pool, or into
 * pool blocks beyond that, and outputs copied back when the call finishes.
 */
import type { WasmHeap } from './heap.ts';

const padTo64 = (bytes: number): number => Math.ceil(bytes / 64) * 64;

export class OperandStaging {
  private readonly heapF32: Float32Array;
  private readonly scratchBlocks: number[] = [];
  private readonly scratchSizes: number[] = [];
  private readonly copyBacks: [Float32Array, number][] = [];
  private used = 0;

  /** `base`, `bytes`: the staging area, a static region of `heap`. */
  constructor(private readonly heap: WasmHeap, private readonly base: number, private readonly bytes: number) {
    this.heapF32 = new Float32Array(heap.buffer);
  }

  /**
   * Byte addresses of `inputs` then `outputs` for one call, staging the ones not on the heap (with
   * `inPlace`, staged outputs are copied in first); null, with everything released, when out of room.
   * A call that got addresses ends with `finish(true)`.
   */
  stage(inputs: readonly Float32Array[], outputs: readonly Float32Array[], inPlace = false): number[] | null {
    const ptrs: number[] = [];
    for (const a of inputs) {
      const p = this.input(a);
      if (p < 0) return (this.finish(false), null);
      ptrs.push(p);
    }
    for (const a of outputs) {
      const p = this.output(a, inPlace);
      if (p < 0) return (this.finish(false), null);
      ptrs.push(p);
    }
    return ptrs;
  }

  /** Copies staged outputs back and releases staging and scratch; with `ok` false only releases. */
  finish(ok: boolean): void {
    if (ok) for (const [a, ptr] of this.copyBacks) a.set(this.heapF32.subarray(ptr >> 2, (ptr >> 2) + a.length));
    for (let i = 0; i < this.scratchBlocks.length; i++) this.heap.releaseScratch(this.scratchBlocks[i], this.scratchSizes[i]);
    this.scratchBlocks.length = 0;
    this.scratchSizes.length = 0;
    this.copyBacks.length = 0;
    this.used = 0;
  }

  /** Room for `bytes` for one call: in the staging area, else a pool block; −1 when neither has any. */
  private room(bytes: number): number {
    const padded = padTo64(bytes);
    if (this.used + padded <= this.bytes) {
      const ptr = this.base + this.used;
      this.used += padded;
      return ptr;
    }
    const ptr = this.heap.scratch(bytes);
    if (ptr >= 0) {
      this.scratchBlocks.push(ptr);
      this.scratchSizes.push(bytes);
    }
    return ptr;
  }

  /** Byte address of `a` in memory, copying it into staging when it is not resident; −1 when no room. */
  private input(a: Float32Array): number {
    if (this.heap.isResident(a)) return a.byteOffset;
    const ptr = this.room(a.byteLength);
    if (ptr >= 0) this.heapF32.set(a, ptr >> 2);
    return ptr;
  }

  /** Like `input`; the result is copied back to `a` by `finish` (for outputs and in-place operands). */
  private output(a: Float32Array, copyIn: boolean): number {
    if (this.heap.isResident(a)) return a.byteOffset;
    const ptr = copyIn ? this.input(a) : this.room(a.byteLength);
    if (ptr >= 0) this.copyBacks.push([a, ptr]);
    return ptr;
  }
}
