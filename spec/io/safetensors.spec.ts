import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { MAX_HEADER_BYTES, SafetensorsError, Tensor, decodeSafetensors, encodeSafetensors, randn, tensor } from '../../engine/index.ts';
import { loadSafetensors, readDirectoryFiles, resolveDirectory, saveSafetensors, writeDirectoryAtomic } from '../../engine/node.ts';

const ascii = (s: string): number[] => [...s].map((c) => c.charCodeAt(0));
const u64le = (n: number): number[] => [n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff, (n >>> 24) & 0xff, 0, 0, 0, 0];

/** A safetensors buffer from a header object and raw data bytes (no padding), for malformed cases. */
function rawFile(header: unknown, data: number[] = [], headerText = JSON.stringify(header)): Uint8Array {
  const h = new TextEncoder().encode(headerText);
  return Uint8Array.from([...u64le(h.length), ...h, ...data]);
}

function assertRejects(bytes: Uint8Array, pattern: RegExp): void {
  assert.throws(() => decodeSafetensors(bytes), (e: Error) => e instanceof SafetensorsError && pattern.test(e.message), String(pattern));
}

describe('safetensors', () => {
  describe('byte-exact encoding (fixture built from the format definition)', () => {
    it('writes length, padded JSON header and little-endian data exactly', () => {
      const json = '{"__metadata__":{"step":"7"},'
        + '"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},'
        + '"b":{"dtype":"F64","shape":[1,1],"data_offsets":[8,16]}}';
      const padded = json + ' '.repeat((8 - (json.length % 8)) % 8);
      const expected = Uint8Array.from([
        ...u64le(padded.length),
        ...ascii(padded),
        0x00, 0x00, 0x80, 0x3f, // 1.0f
        0x00, 0x00, 0x20, 0xc0, // −2.5f
        0x9a, 0x99, 0x99, 0x99, 0x99, 0x99, 0xb9, 0x3f, // 0.1 (binary64)
      ]);
      const bytes = encodeSafetensors(
        { a: tensor([1, -2.5]), b: tensor([[0.1]], { dtype: 'float64' }) },
        { step: '7' },
      );
      assert.equal(padded.length % 8, 0);
      assert.deepEqual(bytes, expected);
      const { tensors, metadata } = decodeSafetensors(expected);
      assert.deepEqual(metadata, { step: '7' });
      assert.deepEqual([...tensors.a.data], [1, -2.5]);
      assert.equal(tensors.a.dtype, 'float32');
      assert.deepEqual(tensors.b.shape, [1, 1]);
      assert.equal(tensors.b.data[0], 0.1);
      assert.equal(tensors.b.dtype, 'float64');
    });

    it('reads files whose header order differs from the data order, unpadded, without metadata', () => {
      // As the reference writer lays files out: data sorted by dtype, header keys in any order.
      const header = {
        z: { dtype: 'F32', shape: [], data_offsets: [8, 12] },
        y: { dtype: 'F64', shape: [1], data_offsets: [0, 8] },
        e: { dtype: 'F32', shape: [0, 3], data_offsets: [12, 12] },
      };
      const data = [0, 0, 0, 0, 0, 0, 0xf0, 0x3f, /* 1.0 */ 0x00, 0x00, 0x40, 0x40 /* 3.0f */];
      const { tensors, metadata } = decodeSafetensors(rawFile(header, data));
      assert.deepEqual(metadata, {});
      assert.equal(tensors.y.data[0], 1);
      assert.deepEqual(tensors.z.shape, []);
      assert.equal(tensors.z.item(), 3);
      assert.deepEqual(tensors.e.shape, [0, 3]);
    });

    it('reads F16 and BF16 into float32', () => {
      const header = {
        h: { dtype: 'F16', shape: [5], data_offsets: [0, 10] },
        b: { dtype: 'BF16', shape: [3], data_offsets: [10, 16] },
      };
      const data = [
        0x00, 0x3c, /* 1 */ 0x00, 0xc0, /* −2 */ 0x55, 0x35, /* 0.333251953125 */ 0x01, 0x00, /* 2^−24 */ 0x00, 0x7c, /* +∞ */
        0x80, 0x3f, /* 1 */ 0x49, 0x40, /* 3.140625 */ 0x80, 0xff, /* −∞ */
      ];
      const { tensors } = decodeSafetensors(rawFile(header, data));
      assert.equal(tensors.h.dtype, 'float32');
      assert.deepEqual([...tensors.h.data], [1, -2, 0.333251953125, 2 ** -24, Infinity]);
      assert.deepEqual([...tensors.b.data], [1, 3.140625, -Infinity]);
    });
  });

  describe('round trip', () => {
    it('preserves names, shapes, dtypes, values and metadata (property-based)', () => {
      const entry = fc.record({
        shape: fc.array(fc.integer({ min: 0, max: 4 }), { maxLength: 3 }),
        dtype: fc.constantFrom('float32' as const, 'float64' as const),
        seed: fc.nat(),
      });
      fc.assert(fc.property(
        fc.dictionary(fc.string({ minLength: 1, maxLength: 12 }).filter((s) => s !== '__metadata__' && s !== '__proto__'), entry, { maxKeys: 5 }),
        fc.dictionary(fc.string(), fc.string(), { maxKeys: 3 }),
        (entries, metadata) => {
          const tensors: Record<string, Tensor> = {};
          for (const [name, { shape, dtype, seed }] of Object.entries(entries)) tensors[name] = randn(shape, { generator: seed, dtype });
          const bytes = encodeSafetensors(tensors, metadata);
          const headerLength = new DataView(bytes.buffer).getUint32(0, true);
          assert.equal(headerLength % 8, 0);
          const decoded = decodeSafetensors(bytes);
          assert.deepEqual(Object.keys(decoded.tensors).sort(), Object.keys(tensors).sort());
          for (const [name, t] of Object.entries(tensors)) {
            const d = decoded.tensors[name];
            assert.deepEqual(d.shape, t.shape);
            assert.equal(d.dtype, t.dtype);
            assert.deepEqual(d.data, t.data);
          }
          assert.deepEqual(decoded.metadata, { ...metadata });
        },
      ), { numRuns: 50 });
    });

    it('saves atomically and loads from disk', () => {
      const dir = mkdtempSync(join(tmpdir(), 'varl-safetensors-'));
      try {
        const path = join(dir, 'w.safetensors');
        saveSafetensors(path, { w: tensor([[1, 2], [3, 4]]) }, { note: 'first' });
        saveSafetensors(path, { w: tensor([[5, 6], [7, 8]]) }, { note: 'second' });
        const { tensors, metadata } = loadSafetensors(path);
        assert.deepEqual([...tensors.w.data], [5, 6, 7, 8]);
        assert.equal(metadata.note, 'second');
        assert.deepEqual(readdirSync(dir), ['w.safetensors']);
        // a failed write (bad metadata) leaves the file as it was
        const before = readFileSync(path);
        assert.throws(() => saveSafetensors(path, { w: tensor([1]) }, { bad: 1 as unknown as string }), SafetensorsError);
        assert.throws(() => saveSafetensors(join(dir, 'missing-dir', 'x.safetensors'), { w: tensor([1]) }));
        assert.deepEqual(readFileSync(path), before);
        assert.deepEqual(readdirSync(dir), ['w.safetensors']);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });

    it('refuses to encode a tensor named __metadata__', () => {
      assert.throws(() => encodeSafetensors({ __metadata__: tensor([1]) }), /reserved/);
    });
  });

  describe('malformed input gives a SafetensorsError', () => {
    const valid = encodeSafetensors({ a: tensor([1, 2, 3]), b: tensor([[4]], { dtype: 'float64' }) }, { k: 'v' });

    it('truncation at every length', () => {
      for (let n = 0; n < valid.length; n++) {
        assert.throws(() => decodeSafetensors(valid.subarray(0, n)), SafetensorsError, `length ${n}`);
      }
    });

    it('an oversized or overlong header length', () => {
      const huge = Uint8Array.from([...u64le(0), ...ascii('{}')]);
      new DataView(huge.buffer).setUint32(0, MAX_HEADER_BYTES + 1, true);
      assertRejects(huge, /exceeds the limit/);
      const far = Uint8Array.from(valid);
      new DataView(far.buffer).setUint32(4, 1, true); // 2^32 + N
      assertRejects(far, /exceeds the limit/);
      const past = Uint8Array.from([...u64le(100), ...ascii('{}')]);
      assertRejects(past, /runs past the end/);
    });

    it('bad JSON, a non-object header, bad UTF-8, bad metadata', () => {
      assertRejects(rawFile(null, [], '{"a": '), /not valid JSON/);
      assertRejects(rawFile([1, 2]), /start with '\{'/);
      assertRejects(rawFile(null, [], ' {}'), /start with '\{'/);
      const badUtf8 = Uint8Array.from([...u64le(3), 0x7b, 0xff, 0x7d]);
      assertRejects(badUtf8, /UTF-8/);
      assertRejects(rawFile({ __metadata__: { n: 1 } }), /__metadata__/);
      assertRejects(rawFile({ __metadata__: ['x'] }), /__metadata__/);
    });

    it('unknown dtypes, bad shapes, inconsistent sizes', () => {
      const t = (dtype: unknown, shape: unknown, offsets: unknown): Uint8Array =>
        rawFile({ x: { dtype, shape, data_offsets: offsets } }, new Array(8).fill(0));
      assertRejects(t('I64', [1], [0, 8]), /unsupported dtype "I64"/);
      assertRejects(t('F32', [-1], [0, 8]), /shape/);
      assertRejects(t('F32', [1.5], [0, 8]), /shape/);
      assertRejects(t('F32', 'x', [0, 8]), /shape/);
      assertRejects(t('F32', [3], [0, 8]), /needs 12 bytes/);
      assertRejects(t('F32', [2], [8, 0]), /data_offsets/);
      assertRejects(t('F32', [2], [0]), /data_offsets/);
      assertRejects(rawFile({ x: 5 }), /not an object/);
    });

    it('overlapping, gapped and out-of-range offsets, and trailing bytes', () => {
      const two = (a: [number, number], b: [number, number], bytes: number): Uint8Array => rawFile({
        a: { dtype: 'F32', shape: [(a[1] - a[0]) / 4], data_offsets: a },
        b: { dtype: 'F32', shape: [(b[1] - b[0]) / 4], data_offsets: b },
      }, new Array(bytes).fill(0));
      assertRejects(two([0, 8], [4, 12], 12), /overlaps/);
      assertRejects(two([0, 4], [8, 12], 12), /gap/);
      assertRejects(two([4, 8], [8, 12], 12), /gap/);
      assertRejects(two([0, 4], [4, 16], 12), /truncated or out-of-range/);
      assertRejects(two([0, 4], [4, 8], 12), /trailing bytes/);
    });

    it('fuzzed headers never escape as another error type (property-based)', () => {
      const entryLike = fc.record({
        dtype: fc.oneof(fc.constantFrom('F32', 'F64', 'F16', 'BF16', 'I8', 'f32', ''), fc.anything()),
        shape: fc.oneof(fc.array(fc.integer({ min: -2, max: 5 }), { maxLength: 3 }), fc.anything()),
        data_offsets: fc.oneof(fc.array(fc.integer({ min: -4, max: 40 }), { maxLength: 3 }), fc.anything()),
      }, { requiredKeys: [] });
      const header = fc.dictionary(fc.oneof(fc.string(), fc.constant('__metadata__')), fc.oneof(entryLike, fc.anything()), { maxKeys: 4 });
      fc.assert(fc.property(header, fc.array(fc.integer({ min: 0, max: 255 }), { maxLength: 40 }), (h, data) => {
        try {
          const { tensors } = decodeSafetensors(rawFile(h, data));
          for (const t of Object.values(tensors)) assert.ok(t instanceof Tensor);
        } catch (e) {
          assert.ok(e instanceof SafetensorsError, `unexpected ${(e as Error).name}: ${(e as Error).message}`);
        }
      }), { numRuns: 300 });
    });

    it('fuzzed byte corruption of a valid file never escapes as another error type (property-based)', () => {
      fc.assert(fc.property(
        fc.array(fc.record({ at: fc.nat({ max: valid.length - 1 }), byte: fc.integer({ min: 0, max: 255 }) }), { minLength: 1, maxLength: 4 }),
        fc.nat({ max: valid.length }),
        (edits, length) => {
          const bytes = Uint8Array.from(valid.subarray(0, Math.max(length, 1)));
          for (const { at, byte } of edits) if (at < bytes.length) bytes[at] = byte;
          try {
            decodeSafetensors(bytes);
          } catch (e) {
            assert.ok(e instanceof SafetensorsError, `unexpected ${(e as Error).name}: ${(e as Error).message}`);
          }
        },
      ), { numRuns: 300 });
    });

    it('a malformed file on disk is refused and left untouched', () => {
      const dir = mkdtempSync(join(tmpdir(), 'varl-safetensors-'));
      try {
        const path = join(dir, 'bad.safetensors');
        const bytes = valid.subarray(0, valid.length - 3);
        writeFileSync(path, bytes);
        assert.throws(() => loadSafetensors(path), SafetensorsError);
        assert.deepEqual(new Uint8Array(readFileSync(path)), bytes);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  });
});

describe('atomic directories (engine/io/files.ts)', () => {
  const text = (s: string): Uint8Array => new TextEncoder().encode(s);
  const decode = (b: Uint8Array): string => new TextDecoder().decode(b);

  it('replaces a directory with exactly the given files and reads them back', () => {
    const root = mkdtempSync(join(tmpdir(), 'varl-files-'));
    try {
      const dir = join(root, 'nested', 'checkpoint');
      writeDirectoryAtomic(dir, { 'meta.json': '{"n":1}', 'stale.bin': new Uint8Array([9]) });
      writeDirectoryAtomic(dir, { 'meta.json': '{"n":2}', 'x.bin': new Uint8Array([1, 2]) });
      assert.equal(resolveDirectory(dir, 'meta.json'), dir);
      const files = readDirectoryFiles(dir);
      assert.deepEqual(Object.keys(files).sort(), ['meta.json', 'x.bin']);
      assert.equal(decode(files['meta.json']), '{"n":2}');
      assert.deepEqual([...files['x.bin']], [1, 2]);
      assert.deepEqual(readdirSync(join(root, 'nested')), ['checkpoint']);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it('falls back to dir.old after a kill between the renames, and never reads dir.tmp', () => {
    const root = mkdtempSync(join(tmpdir(), 'varl-files-'));
    try {
      const dir = join(root, 'checkpoint');
      assert.equal(resolveDirectory(dir, 'meta.json'), null);
      writeDirectoryAtomic(dir, { 'meta.json': text('{"n":1}') });
      // the state after "dir → dir.old" with a half-written "dir.tmp"
      renameSync(dir, `${dir}.old`);
      mkdirSync(`${dir}.tmp`);
      writeFileSync(join(`${dir}.tmp`, 'meta.json'), '{"n":');
      assert.equal(resolveDirectory(dir, 'meta.json'), `${dir}.old`);
      writeDirectoryAtomic(dir, { 'meta.json': text('{"n":2}') });
      assert.equal(resolveDirectory(dir, 'meta.json'), dir);
      assert.equal(decode(readDirectoryFiles(dir)['meta.json']), '{"n":2}');
      assert.deepEqual(readdirSync(root), ['checkpoint']);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it('refuses file names that are not plain, before touching the disk', () => {
    const root = mkdtempSync(join(tmpdir(), 'varl-files-'));
    try {
      const dir = join(root, 'checkpoint');
      for (const name of ['a/b', 'a\\b', '.hidden', '']) {
        assert.throws(() => writeDirectoryAtomic(dir, { [name]: 'x' }), new RegExp(`bad file name '${name.replace(/[.\\]/g, '\\$&')}'`));
      }
      assert.deepEqual(readdirSync(root), []);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
