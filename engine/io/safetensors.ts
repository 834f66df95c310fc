/**
 * The safetensors format (huggingface/safetensors), read and written byte for byte:
 *
 *   [8 bytes]  N, the header length, unsigned 64-bit little-endian
 *   [N bytes]  a UTF-8 JSON object: name → {"dtype": "F32", "shape": [2, 3], "data_offsets": [start, end]},
 *              plus an optional "__metadata__": {string: string}; padded with spaces
 *   [rest]     the tensors' raw little-endian bytes; offsets are relative to the start of this part
 *
 * Reading validates everything before building any tensor: the header length against the file
 * and a limit, UTF-8, JSON, every entry's dtype, shape and offsets, and that the offsets tile the
 * data exactly (no overlap, no gap, nothing out of range).
 *
 * Bytes in, bytes out: this module runs anywhere. Files are read and written (atomically) by the
 * Node-only engine/io/files.ts (`saveSafetensors`, `loadSafetensors`).
 */
import { ValueError, describeValue, expectObject, formatShape } from '../errors.ts';
import { kernels } from '../kernels/index.ts';
import type { DType, FloatArray } from '../kernels/types.ts';
import { Tensor } from '../tensor.ts';

/** A file or buffer that is not valid safetensors, or tensors that cannot be written as safetensors. */
export class SafetensorsError extends Error {
  override name = 'SafetensorsError';
}

/**
 * Headers longer than this (16 MiB) are refused before they are decoded or parsed. The reference
 * implementation allows 100 MB, but a header of that size can describe millions of entries and
 * cost gigabytes to parse; 16 MiB holds far more than MAX_HEADER_ENTRIES ordinary entries.
 */
export const MAX_HEADER_BYTES = 16 * 2 ** 20;

/** Headers with more top-level entries than this (tensors plus `__metadata__`) are refused before parsing. */
export const MAX_HEADER_ENTRIES = 100_000;

/**
 * Deepest nesting a valid header needs: the header object (1), an entry or `__metadata__` object (2),
 * an entry's `shape` or `data_offsets` array (3). Objects may only open at depths 1 and 2.
 */
const MAX_HEADER_DEPTH = 3;

/** Element types this reader understands; F16 and BF16 are read into float32 tensors. */
export type SafetensorsDType = 'F64' | 'F32' | 'F16' | 'BF16';

const BYTES_PER_ELEMENT: { readonly [K in SafetensorsDType]: number } = { F64: 8, F32: 4, F16: 2, BF16: 2 };
const DTYPE_OF_TENSOR: { readonly [K in DType]: SafetensorsDType } = { float64: 'F64', float32: 'F32' };

const METADATA_KEY = '__metadata__';
const hostIsLittleEndian = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

export interface SafetensorsContents {
  /** Tensors by name, in the order of their data in the file. */
  readonly tensors: Record<string, Tensor>;
  /** The `__metadata__` map (empty when absent). */
  readonly metadata: Record<string, string>;
}

function bytesOf(data: FloatArray): Uint8Array {
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

/**
 * The safetensors encoding of `tensors` (float32 → F32, float64 → F64, in the given order) with an
 * optional string→string metadata map.
 * @example const bytes = encodeSafetensors(actor.stateDict(), { step: '1000' }); // or saveSafetensors (engine/io/files.ts)
 */
export function encodeSafetensors(tensors: Record<string, Tensor>, metadata?: Record<string, string>): Uint8Array {
  checkEncodeArguments('encodeSafetensors', tensors, metadata);
  const parts: string[] = [];
  if (metadata !== undefined) {
    for (const [key, value] of Object.entries(metadata)) {
      if (typeof value !== 'string') throw new SafetensorsError(`encodeSafetensors: metadata '${key}' must be a string, got ${describeValue(value)}`);
    }
    parts.push(`${JSON.stringify(METADATA_KEY)}:${JSON.stringify(metadata)}`);
  }
  let offset = 0;
  const entries = Object.entries(tensors);
  for (const [name, t] of entries) {
    if (name === METADATA_KEY) throw new SafetensorsError(`encodeSafetensors: '${METADATA_KEY}' is reserved and cannot name a tensor`);
    if (!(t instanceof Tensor)) throw new SafetensorsError(`encodeSafetensors: '${name}' is not a Tensor`);
    const end = offset + t.data.byteLength;
    const info = { dtype: DTYPE_OF_TENSOR[t.dtype], shape: t.shape, data_offsets: [offset, end] };
    parts.push(`${JSON.stringify(name)}:${JSON.stringify(info)}`);
    offset = end;
  }
  const json = new TextEncoder().encode(`{${parts.join(',')}}`);
  // Pad with spaces so the data starts 8-byte aligned, as the reference writer does.
  const headerLength = Math.ceil(json.length / 8) * 8;
  const out = new Uint8Array(8 + headerLength + offset);
  const view = new DataView(out.buffer);
  view.setUint32(0, headerLength, true);
  view.setUint32(4, Math.floor(headerLength / 2 ** 32), true);
  out.set(json, 8);
  out.fill(0x20, 8 + json.length, 8 + headerLength);
  let at = 8 + headerLength;
  for (const [, t] of entries) {
    if (hostIsLittleEndian) {
      out.set(bytesOf(t.data), at);
    } else {
      const width = t.dtype === 'float64' ? 8 : 4;
      for (let i = 0; i < t.data.length; i++) {
        if (width === 8) view.setFloat64(at + 8 * i, t.data[i], true);
        else view.setFloat32(at + 4 * i, t.data[i], true);
      }
    }
    at += t.data.byteLength;
  }
  return out;
}

/**
 * Throws a ValueError naming `op` unless `tensors` is an object (its entries are checked while
 * encoding) and `metadata` an object or undefined. Exported for `saveSafetensors`.
 */
export function checkEncodeArguments(op: string, tensors: unknown, metadata: unknown): void {
  expectObject(op, 'tensors', tensors);
  if (metadata !== undefined) expectObject(op, 'metadata', metadata);
}

interface EntryInfo {
  readonly name: string;
  readonly dtype: SafetensorsDType;
  readonly shape: number[];
  readonly start: number;
  readonly end: number;
}

function isPlainObject(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

function isIndex(x: unknown): x is number {
  return typeof x === 'number' && Number.isSafeInteger(x) && x >= 0;
}

/** An own property of a parsed header object; never reads through the prototype chain. */
function own(object: Record<string, unknown>, key: string): unknown {
  return Object.hasOwn(object, key) ? object[key] : undefined;
}

function isDType(x: unknown): x is SafetensorsDType {
  return typeof x === 'string' && Object.hasOwn(BYTES_PER_ELEMENT, x);
}

/**
 * Scans the raw header bytes once, before any string is decoded or JSON parsed, and refuses
 * headers whose parse would cost more than their contents justify: more than MAX_HEADER_ENTRIES
 * top-level keys, arrays or objects nested deeper than a valid header needs, objects inside
 * entries. Strings are skipped (UTF-8 continuation bytes are never ASCII, so byte scanning is exact).
 */
function prescanHeader(header: Uint8Array): void {
  let depth = 0;
  let entries = 0;
  let inString = false;
  for (let i = 0; i < header.length; i++) {
    const b = header[i];
    if (inString) {
      if (b === 0x5c) i++; // backslash: skip the escaped byte
      else if (b === 0x22) inString = false;
      continue;
    }
    switch (b) {
      case 0x22: // "
        inString = true;
        break;
      case 0x7b: // {
        if (++depth > MAX_HEADER_DEPTH - 1) {
          throw new SafetensorsError(`safetensors: header has an object nested at depth ${depth} (byte ${i} of the header); entries must be flat {dtype, shape, data_offsets}`);
        }
        break;
      case 0x5b: // [
        if (++depth > MAX_HEADER_DEPTH) {
          throw new SafetensorsError(`safetensors: header nests arrays to depth ${depth} (byte ${i} of the header; at most ${MAX_HEADER_DEPTH})`);
        }
        break;
      case 0x7d: // }
      case 0x5d: // ]
        depth--;
        break;
      case 0x3a: // :
        if (depth === 1 && ++entries > MAX_HEADER_ENTRIES) {
          throw new SafetensorsError(`safetensors: header has more than MAX_HEADER_ENTRIES = ${MAX_HEADER_ENTRIES} entries (refused before parsing)`);
        }
        break;
    }
  }
}

function parseEntry(name: string, value: unknown, dataLength: number): EntryInfo {
  const where = `safetensors: tensor '${name}'`;
  if (!isPlainObject(value)) throw new SafetensorsError(`${where}: header entry is not an object`);
  const dtype = own(value, 'dtype');
  const shape = own(value, 'shape');
  const offsets = own(value, 'data_offsets');
  if (!isDType(dtype)) {
    throw new SafetensorsError(`${where}: unsupported dtype ${JSON.stringify(dtype)} (supported: ${Object.keys(BYTES_PER_ELEMENT).join(', ')})`);
  }
  if (!Array.isArray(shape) || !shape.every(isIndex)) {
    throw new SafetensorsError(`${where}: shape ${JSON.stringify(shape)} is not a list of non-negative integers`);
  }
  if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every(isIndex) || offsets[0] > offsets[1]) {
    throw new SafetensorsError(`${where}: data_offsets ${JSON.stringify(offsets)} is not a pair [start, end] with 0 ≤ start ≤ end`);
  }
  if (offsets[1] > dataLength) {
    throw new SafetensorsError(`${where}: data_offsets [${offsets.join(', ')}] run past the ${dataLength}-byte data part (truncated or out-of-range offsets)`);
  }
  const size = shape.reduce((a: number, b: number) => a * b, 1);
  const bytes = size * BYTES_PER_ELEMENT[dtype];
  if (!Number.isSafeInteger(bytes) || bytes !== offsets[1] - offsets[0]) {
    throw new SafetensorsError(
      `${where}: ${dtype} ${formatShape(shape)} needs ${bytes} bytes but data_offsets [${offsets.join(', ')}] span ${offsets[1] - offsets[0]}`,
    );
  }
  return { name, dtype, shape, start: offsets[0], end: offsets[1] };
}

/** IEEE 754 binary16 bits → number. */
function halfToNumber(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exponent = (h >>> 10) & 0x1f;
  const fraction = h & 0x3ff;
  if (exponent === 0) return sign * fraction * 2 ** -24;
  if (exponent === 0x1f) return fraction === 0 ? sign * Infinity : NaN;
  return sign * (1 + fraction / 1024) * 2 ** (exponent - 15);
}

function decodeData(entry: EntryInfo, bytes: Uint8Array, base: number): Tensor {
  const dtype: DType = entry.dtype === 'F64' ? 'float64' : 'float32';
  const size = entry.shape.reduce((a, b) => a * b, 1);
  const out = kernels().allocate(dtype, size);
  const start = base + entry.start;
  const view = new DataView(bytes.buffer, bytes.byteOffset + start, entry.end - entry.start);
  switch (entry.dtype) {
    case 'F32':
    case 'F64':
      if (hostIsLittleEndian) {
        bytesOf(out).set(bytes.subarray(start, base + entry.end));
      } else {
        for (let i = 0; i < size; i++) out[i] = entry.dtype === 'F64' ? view.getFloat64(8 * i, true) : view.getFloat32(4 * i, true);
      }
      break;
    case 'F16':
      for (let i = 0; i < size; i++) out[i] = halfToNumber(view.getUint16(2 * i, true));
      break;
    case 'BF16': {
      // bfloat16 is the upper half of a float32
      const word = new DataView(new ArrayBuffer(4));
      for (let i = 0; i < size; i++) {
        word.setUint32(0, view.getUint16(2 * i, true) << 16);
        out[i] = word.getFloat32(0);
      }
      break;
    }
  }
  return new Tensor(out, entry.shape);
}

/**
 * Tensors and metadata of a safetensors buffer. Throws a `SafetensorsError` naming the problem
 * (truncation, header length, JSON, dtype, shape, offsets) before allocating any tensor.
 */
export function decodeSafetensors(bytes: Uint8Array): SafetensorsContents {
  if (!(bytes instanceof Uint8Array)) throw new ValueError(`decodeSafetensors: bytes must be a Uint8Array, got ${describeValue(bytes)}`);
  if (bytes.length < 8) throw new SafetensorsError(`safetensors: ${bytes.length} bytes is shorter than the 8-byte header length`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = view.getUint32(0, true) + view.getUint32(4, true) * 2 ** 32;
  if (headerLength > MAX_HEADER_BYTES) {
    throw new SafetensorsError(`safetensors: header length ${headerLength} exceeds the limit of ${MAX_HEADER_BYTES} bytes`);
  }
  if (8 + headerLength > bytes.length) {
    throw new SafetensorsError(`safetensors: header length ${headerLength} runs past the end of the ${bytes.length}-byte buffer (truncated?)`);
  }
  prescanHeader(bytes.subarray(8, 8 + headerLength));
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, 8 + headerLength));
  } catch {
    throw new SafetensorsError('safetensors: header is not valid UTF-8');
  }
  if (!text.startsWith('{')) throw new SafetensorsError(`safetensors: header does not start with '{'`);
  let header: unknown;
  try {
    header = JSON.parse(text);
  } catch (error) {
    throw new SafetensorsError(`safetensors: header is not valid JSON (${(error as Error).message})`);
  }
  if (!isPlainObject(header)) throw new SafetensorsError('safetensors: header is not a JSON object');

  // JSON.parse defines every key as an own data property ('__proto__' included), so Object.entries
  // sees each name once and nothing below reads or writes a prototype.
  const dataLength = bytes.length - 8 - headerLength;
  const metadata: Record<string, string> = {};
  const entries: EntryInfo[] = [];
  for (const [name, value] of Object.entries(header)) {
    if (name === METADATA_KEY) {
      if (!isPlainObject(value)) throw new SafetensorsError(`safetensors: ${METADATA_KEY} must be an object mapping strings to strings`);
      for (const [key, v] of Object.entries(value)) {
        if (typeof v !== 'string') {
          throw new SafetensorsError(`safetensors: ${METADATA_KEY} '${key}' must be a string, got ${Array.isArray(v) ? 'array' : v === null ? 'null' : typeof v}`);
        }
        Object.defineProperty(metadata, key, { value: v, enumerable: true, writable: true, configurable: true });
      }
    } else {
      entries.push(parseEntry(name, value, dataLength));
    }
  }

  // The offsets must tile the data part exactly: sorted by start, each begins where the last ended.
  const byStart = [...entries].sort((a, b) => a.start - b.start || a.end - b.end);
  let expected = 0;
  for (const entry of byStart) {
    if (entry.start !== expected) {
      const what = entry.start < expected ? 'overlaps the previous tensor' : 'leaves a gap after the previous tensor';
      throw new SafetensorsError(`safetensors: tensor '${entry.name}' at data_offsets [${entry.start}, ${entry.end}] ${what} (expected start ${expected})`);
    }
    expected = entry.end;
  }
  if (expected !== dataLength) {
    throw new SafetensorsError(
      `safetensors: tensors cover ${expected} bytes but the data part has ${dataLength} (${expected > dataLength ? 'truncated or out-of-range offsets' : 'trailing bytes'})`,
    );
  }

  const tensors: Record<string, Tensor> = {};
  for (const entry of byStart) {
    // defineProperty: a tensor may be named '__proto__'
    Object.defineProperty(tensors, entry.name, {
      value: decodeData(entry, bytes, 8 + headerLength), enumerable: true, writable: true, configurable: true,
    });
  }
  return { tensors, metadata };
}
