/**
 * Hostile safetensors headers (engine/io/safetensors.ts): every buffer either decodes into the
 * tensors it describes or throws a SafetensorsError, the cost of refusing is bounded before the
 * header is parsed, and no key of a header reaches Object.prototype.
 */
import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import {
  MAX_HEADER_BYTES, MAX_HEADER_ENTRIES, SafetensorsError, decodeSafetensors, encodeSafetensors,
} from '../../engine/io/safetensors.ts';
import { Tensor, tensor } from '../../engine/index.ts';

const u64le = (n: number): number[] => {
  const out = new Array<number>(8).fill(0);
  for (let i = 0; i < 8; i++) out[i] = Math.floor(n / 2 ** (8 * i)) % 256;
  return out;
};

/** A safetensors buffer from header text and raw data bytes (no padding). */
function rawFile(headerText: string, data: ArrayLike<number> = []): Uint8Array {
  const h = new TextEncoder().encode(headerText);
  const out = new Uint8Array(8 + h.length + data.length);
  out.set(u64le(h.length), 0);
  out.set(h, 8);
  out.set(Array.from(data), 8 + h.length);
  return out;
}

function rejects(bytes: Uint8Array, pattern: RegExp): void {
  assert.throws(() => decodeSafetensors(bytes), (e: unknown) => e instanceof SafetensorsError && pattern.test(e.message), String(pattern));
}

const prototypeKeys = (): string[] => Object.getOwnPropertyNames(Object.prototype).sort();

describe('engine hardening: safetensors headers', () => {
  describe('bounded cost before parsing', () => {
    it('MAX_HEADER_BYTES is at most 16 MiB and is checked from the length field alone', () => {
      assert.ok(MAX_HEADER_BYTES <= 16 * 2 ** 20);
      const bytes = new Uint8Array(8);
      bytes.set(u64le(MAX_HEADER_BYTES + 1));
      rejects(bytes, new RegExp(`header length ${MAX_HEADER_BYTES + 1} exceeds the limit of ${MAX_HEADER_BYTES}`));
      bytes.set(u64le(2 ** 60));
      rejects(bytes, /exceeds the limit/);
    });

    it('a header with 10⁶ entries is refused by the entry limit, not by parsing', () => {
      // entries that would each fail parseEntry: the message proves the pre-scan refused first
      const parts = new Array<string>(1_000_000);
      for (let i = 0; i < parts.length; i++) parts[i] = `"${i}":0`;
      const text = `{${parts.join(',')}}`;
      assert.ok(text.length <= MAX_HEADER_BYTES);
      rejects(rawFile(text), new RegExp(`more than MAX_HEADER_ENTRIES = ${MAX_HEADER_ENTRIES} entries \\(refused before parsing\\)`));
    });

    it('exactly MAX_HEADER_ENTRIES entries pass the pre-scan (and decode when valid)', () => {
      const tensors: Record<string, Tensor> = {};
      for (let i = 0; i < MAX_HEADER_ENTRIES; i++) tensors[`t${i}`] = tensor([], { shape: [0] });
      const { tensors: back } = decodeSafetensors(encodeSafetensors(tensors));
      assert.equal(Object.keys(back).length, MAX_HEADER_ENTRIES);
    });

    it('nested objects and deep arrays are refused before parsing', () => {
      rejects(rawFile('{"a":{"dtype":"F32","shape":[0],"data_offsets":[0,0],"x":{"y":1}}}'), /object nested at depth 3/);
      rejects(rawFile(`{"a":${'['.repeat(100_000)}}`), /nests arrays to depth 4/);
      rejects(rawFile(`{"a":{"dtype":"F32","shape":[[0]],"data_offsets":[0,0]}}`), /nests arrays to depth 4/);
      // braces inside strings are text, not nesting
      const { tensors } = decodeSafetensors(rawFile('{"{[{[":{"dtype":"F32","shape":[0],"data_offsets":[0,0]}}'));
      assert.deepEqual(Object.keys(tensors), ['{[{[']);
    });

    it('offsets beyond the data part are refused naming the entry before any tensor is allocated', () => {
      rejects(rawFile('{"w":{"dtype":"F32","shape":[1000000000],"data_offsets":[0,4000000000]}}', [0, 0, 0, 0]),
        /tensor 'w': data_offsets \[0, 4000000000\] run past the 4-byte data part/);
      rejects(rawFile('{"w":{"dtype":"F32","shape":[4294967296,4294967296],"data_offsets":[0,4]}}', [0, 0, 0, 0]),
        /tensor 'w': F32 \[4294967296, 4294967296\] needs/);
    });
  });

  describe('names and fields are own properties only', () => {
    it('__proto__, constructor, toString name tensors like any other name', () => {
      const header = '{"__proto__":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},'
        + '"constructor":{"dtype":"F32","shape":[1],"data_offsets":[4,8]},'
        + '"toString":{"dtype":"F32","shape":[1],"data_offsets":[8,12]}}';
      const data = new Uint8Array(new Float32Array([1, 2, 3]).buffer);
      const before = prototypeKeys();
      const { tensors } = decodeSafetensors(rawFile(header, data));
      assert.deepEqual(Object.keys(tensors), ['__proto__', 'constructor', 'toString']);
      assert.equal(Object.getPrototypeOf(tensors), Object.prototype);
      assert.deepEqual(Object.getOwnPropertyDescriptor(tensors, '__proto__')?.value.toArray(), [1]);
      assert.deepEqual(prototypeKeys(), before);
    });

    it('dtype names inherited from Object.prototype are not dtypes', () => {
      for (const dtype of ['toString', 'constructor', '__proto__', 'hasOwnProperty']) {
        rejects(rawFile(`{"a":{"dtype":"${dtype}","shape":[0],"data_offsets":[0,0]}}`), new RegExp(`tensor 'a': unsupported dtype "${dtype}"`));
      }
    });

    it('fields are not read through a polluted prototype', () => {
      const proto = Object.prototype as Record<string, unknown>;
      proto.dtype = 'F32';
      proto.shape = [0];
      proto.data_offsets = [0, 0];
      try {
        rejects(rawFile('{"a":{}}'), /tensor 'a': unsupported dtype undefined/);
      } finally {
        delete proto.dtype;
        delete proto.shape;
        delete proto.data_offsets;
      }
    });

    it('__metadata__ with a __proto__ key is kept as a plain key', () => {
      const { metadata } = decodeSafetensors(rawFile('{"__metadata__":{"__proto__":"x","k":"v"}}'));
      assert.deepEqual(Object.keys(metadata), ['__proto__', 'k']);
      assert.equal(Object.getPrototypeOf(metadata), Object.prototype);
      rejects(rawFile('{"__metadata__":{"k":{"nested":"x"}}}'), /object nested at depth 3/);
      rejects(rawFile('{"__metadata__":{"k":1}}'), /__metadata__ 'k' must be a string, got number/);
    });
  });

  describe('fuzzing (property-based)', () => {
    const hostileKey = fc.oneof(
      fc.constantFrom('__proto__', 'constructor', 'prototype', 'toString', '__metadata__', 'dtype', 'shape', 'data_offsets', 'valueOf'),
      fc.string({ maxLength: 6 }),
    );
    const hostileValue = fc.letrec((tie) => ({
      value: fc.oneof(
        { depthSize: 'small' },
        fc.constantFrom('F32', 'F64', 'F16', 'BF16', 'I64', 'toString'),
        fc.integer({ min: -2, max: 64 }),
        fc.constantFrom(2 ** 53, 2 ** 64, 1e300, -0, 0.5, null, true),
        fc.array(fc.integer({ min: -1, max: 64 }), { maxLength: 3 }),
        fc.array(tie('value'), { maxLength: 3 }),
        fc.dictionary(hostileKey, tie('value'), { maxKeys: 4 }),
      ),
    })).value;
    const entry = fc.record({
      dtype: fc.oneof(fc.constantFrom('F32', 'F64', 'F16', 'BF16'), hostileValue),
      shape: fc.oneof(fc.array(fc.integer({ min: 0, max: 4 }), { maxLength: 3 }), hostileValue),
      data_offsets: fc.oneof(fc.tuple(fc.integer({ min: 0, max: 64 }), fc.integer({ min: 0, max: 64 })), hostileValue),
    }, { requiredKeys: [] });
    const header = fc.dictionary(hostileKey, fc.oneof(entry, hostileValue), { maxKeys: 5 });

    /** JSON text keeping '__proto__' as a key (JSON.stringify of a literal would drop it). */
    const text = (pairs: [string, unknown][]): string => `{${pairs.map(([k, v]) => `${JSON.stringify(k)}:${JSON.stringify(v)}`).join(',')}}`;

    it('every hostile header decodes or throws SafetensorsError; Object.prototype is untouched', () => {
      const before = prototypeKeys();
      fc.assert(fc.property(
        header, fc.constantFrom('__proto__', 'constructor', 'x'), fc.uint8Array({ maxLength: 64 }), fc.nat({ max: 80 }),
        (h, extraKey, data, cut) => {
          const pairs: [string, unknown][] = [...Object.entries(h), [extraKey, h[extraKey] ?? 0]];
          const full = rawFile(text(pairs), data);
          for (const bytes of [full, full.subarray(0, Math.min(full.length, 8 + cut))]) {
            try {
              const { tensors } = decodeSafetensors(bytes);
              for (const t of Object.values(tensors)) assert.ok(t instanceof Tensor);
            } catch (e) {
              assert.ok(e instanceof SafetensorsError, `unexpected ${(e as Error).name}: ${(e as Error).message}`);
              assert.match(e.message, /^safetensors: /);
            }
          }
          assert.deepEqual(prototypeKeys(), before);
          assert.equal(({} as Record<string, unknown>).dtype, undefined);
        },
      ), { numRuns: 400 });
    });

    it('valid files round-trip under names drawn from the hostile key set', () => {
      fc.assert(fc.property(
        fc.uniqueArray(hostileKey.filter((k) => k !== '__metadata__'), { maxLength: 5 }),
        (names) => {
          const tensors: Record<string, Tensor> = {};
          names.forEach((name, i) => Object.defineProperty(tensors, name, { value: tensor([i, i + 0.5]), enumerable: true }));
          const back = decodeSafetensors(encodeSafetensors(tensors)).tensors;
          assert.deepEqual(Object.keys(back).sort(), [...names].sort());
          names.forEach((name, i) => assert.deepEqual(Object.getOwnPropertyDescriptor(back, name)?.value.toArray(), [i, i + 0.5]));
        },
      ), { numRuns: 100 });
    });
  });
});
