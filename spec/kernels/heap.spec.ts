/**
 * The wasm heap: size classes, zero-filled and aligned views, reclamation of collected views, and the
 * fallback to ordinary arrays when the pool is full.
 */
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { WasmHeap, orderOf } from '../../engine/kernels/wasm/heap.ts';
import { simdSupported } from '../../engine/kernels/wasm/index.ts';

describe('wasm heap', () => {
  before(function () {
    if (!simdSupported()) this.skip();
  });

  describe('buddy blocks', () => {
    it('fit every size in the smallest power of two of at least 64 bytes', () => {
      fc.assert(fc.property(fc.integer({ min: 1, max: 2 ** 31 }), (bytes) => {
        const size = 2 ** orderOf(bytes);
        assert.ok(size >= bytes && size >= 64);
        assert.ok(size === 64 || size / 2 < bytes, `${size} B for ${bytes} B`);
      }));
    });

    it('serve any size from memory freed in another size (blocks merge with their buddies)', () => {
      const heap = new WasmHeap({ memoryMB: 2, staticBytes: 0 });
      // fill the pool with 1 KiB scratch blocks, free them all, then take 512 KiB blocks
      const small: number[] = [];
      for (let p = heap.scratch(1024); p >= 0; p = heap.scratch(1024)) small.push(p);
      assert.ok(small.length > 1000);
      assert.equal(heap.scratch(512 * 1024), -1);
      for (const p of small) heap.releaseScratch(p, 1024);
      const big = [heap.scratch(512 * 1024), heap.scratch(512 * 1024)];
      assert.ok(big.every((p) => p >= 0), 'two 512 KiB blocks out of a 2 MiB heap');
      assert.equal(heap.stats.poolBytesOutstanding, 1024 * 1024);
    });

    it('hand out disjoint blocks under random allocation and release', () => {
      fc.assert(fc.property(fc.array(fc.tuple(fc.integer({ min: 1, max: 70000 }), fc.boolean()), { maxLength: 300 }), (ops) => {
        const heap = new WasmHeap({ memoryMB: 1, staticBytes: 0 });
        const live: [number, number][] = [];
        for (const [bytes, release] of ops) {
          if (release && live.length > 0) {
            const [p, b] = live.splice(bytes % live.length, 1)[0];
            heap.releaseScratch(p, b);
            continue;
          }
          const p = heap.scratch(bytes);
          if (p < 0) continue;
          for (const [q, c] of live) assert.ok(p + bytes <= q || q + c <= p, `[${p}, ${p + bytes}) overlaps [${q}, ${q + c})`);
          live.push([p, bytes]);
        }
        for (const [p, b] of live) heap.releaseScratch(p, b);
        assert.equal(heap.stats.poolBytesOutstanding, 0);
        assert.ok(heap.scratch(heap.stats.poolBytes / 2) >= 0, 'everything merged back');
      }), { numRuns: 100 });
    });
  });

  describe('allocation', () => {
    const heap = new WasmHeap({ memoryMB: 16, staticBytes: 1000 });

    it('hands out zero-filled, 64-byte-aligned float32 views on the memory; float64 as ordinary arrays', () => {
      const a = heap.allocate('float32', 13) as Float32Array;
      assert.ok(heap.isResident(a));
      assert.equal(a.byteOffset % 64, 0);
      assert.ok(a.byteOffset >= 1000);
      assert.ok(a.every((v) => v === 0));
      const d = heap.allocate('float64', 5);
      assert.ok(d instanceof Float64Array && !heap.isResident(d));
    });

    it('gives scratch blocks back for reuse, and reused views are zero-filled', () => {
      const p = heap.scratch(400);
      new Float32Array(heap.buffer, p, 100).fill(3);
      heap.releaseScratch(p, 400);
      const again = heap.allocate('float32', 100) as Float32Array;
      assert.equal(again.byteOffset, p);
      assert.ok(again.every((v) => v === 0));
    });

    it('falls back to ordinary arrays when the pool is full', () => {
      const small = new WasmHeap({ memoryMB: 1, staticBytes: 0 });
      const keep = small.scratch(64); // so that no single block covers the whole pool
      const held = [];
      let fallback: Float32Array | null = null;
      for (let i = 0; i < 100 && !fallback; i++) {
        const a = small.allocate('float32', 16384) as Float32Array;
        if (small.isResident(a)) held.push(a);
        else fallback = a;
      }
      assert.ok(fallback, 'a non-resident array once 1 MiB is used up');
      assert.equal(fallback.length, 16384);
      assert.ok(small.stats.fallbackAllocations >= 1);
      assert.equal(small.scratch(65536), -1);
      assert.ok(held.length >= 10 && keep >= 0);
    });
  });

  describe('reclamation', () => {
    it('returns the blocks of collected views when the pool runs out, whatever their size', function () {
      const heap = new WasmHeap({ memoryMB: 4, staticBytes: 0 });
      if (!heap.canCollect) this.skip();
      // 16 MiB of 16 KiB arrays, then 16 MiB of 256 KiB arrays, through a 4 MiB pool, keeping nothing alive
      for (let i = 0; i < 1024; i++) heap.allocate('float32', 4096)[0] = i;
      for (let i = 0; i < 64; i++) heap.allocate('float32', 65536)[0] = i;
      assert.equal(heap.stats.fallbackAllocations, 0, JSON.stringify(heap.stats));
      assert.ok(heap.stats.reclaimedBlocks > 0);
      assert.ok(heap.stats.poolBytesTouched <= 4 * 2 ** 20);
    });
  });
});
