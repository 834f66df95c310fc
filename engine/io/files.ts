/**
 * Files on disk, written so that a crash never leaves a part (Node only: imports node:fs; browser
 * code uses the byte-level encoders of engine/io/safetensors.ts and engine/io/checkpoint.ts).
 *
 * - A single file is written to a fresh temporary file beside it, fsynced, and renamed over the
 *   target: a reader sees the old file or the new one.
 * - A directory of files is written in full to `<dir>.tmp`, every file fsynced, and swapped in with
 *   renames (`dir` → `dir.old`, `dir.tmp` → `dir`, remove `dir.old`). A process killed at any point
 *   (SIGKILL included) leaves the previous complete directory or the new one: `resolveDirectory`
 *   falls back to `dir.old` when the kill came between the two renames, and a half-written
 *   `dir.tmp` is never read.
 */
import { randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ValueError, describeValue, expectObject } from '../errors.ts';
import type { Tensor } from '../tensor.ts';
import { checkEncodeArguments, decodeSafetensors, encodeSafetensors, type SafetensorsContents } from './safetensors.ts';

/** File name → contents; strings are written as UTF-8. */
export type DirectoryFiles = Readonly<Record<string, string | Uint8Array>>;

const utf8 = new TextEncoder();

/** Throws a ValueError naming `op` unless `file` is a non-empty path string (`${undefined}.tmp` would be a file name). */
function checkPath(op: string, what: string, file: unknown): asserts file is string {
  if (typeof file !== 'string' || file === '') throw new ValueError(`${op}: ${what} must be a non-empty path string, got ${describeValue(file)}`);
}

function bytesOf(contents: string | Uint8Array): Uint8Array {
  return typeof contents === 'string' ? utf8.encode(contents) : contents;
}

/** Writes every byte; a failure names `file` (a write through a descriptor would not). */
function writeAll(fd: number, bytes: Uint8Array, file: string): void {
  let written = 0;
  try {
    while (written < bytes.length) written += fs.writeSync(fd, bytes, written, bytes.length - written);
  } catch (error) {
    const io = error as NodeJS.ErrnoException;
    if (io.path === undefined) io.path = file;
    throw io;
  }
}

/** fsync of a directory, so that renames inside it are durable; best effort. */
function syncDirectory(dir: string): void {
  try {
    const fd = fs.openSync(dir, 'r');
    try {
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
  } catch {
    // not every platform lets a directory be opened for fsync; the renames are still atomic
  }
}

/**
 * Writes `contents` to `file` atomically: into a fresh temporary file beside it, flushed to disk,
 * then renamed over `file`. On any failure the temporary file is removed and `file` is untouched.
 */
export function writeFileAtomic(file: string, contents: string | Uint8Array): void {
  checkPath('writeFileAtomic', 'file', file);
  if (typeof contents !== 'string' && !(contents instanceof Uint8Array)) {
    throw new ValueError(`writeFileAtomic: contents must be a string or a Uint8Array, got ${describeValue(contents)}`);
  }
  const temporary = `${file}.${randomUUID()}.tmp`;
  let fd: number | null = null;
  try {
    fd = fs.openSync(temporary, 'wx');
    writeAll(fd, bytesOf(contents), file);
    fs.fsyncSync(fd);
    fs.closeSync(fd);
    fd = null;
    fs.renameSync(temporary, file);
  } catch (error) {
    if (fd !== null) fs.closeSync(fd);
    fs.rmSync(temporary, { force: true });
    throw error;
  }
  syncDirectory(path.dirname(file));
}

/** Saves tensors (and string metadata) as a safetensors file, atomically. */
export function saveSafetensors(file: string, tensors: Record<string, Tensor>, metadata?: Record<string, string>): void {
  checkPath('saveSafetensors', 'file', file);
  checkEncodeArguments('saveSafetensors', tensors, metadata);
  writeFileAtomic(file, encodeSafetensors(tensors, metadata));
}

/** Reads a safetensors file (see `decodeSafetensors` for the checks). */
export function loadSafetensors(file: string): SafetensorsContents {
  checkPath('loadSafetensors', 'file', file);
  return decodeSafetensors(fs.readFileSync(file));
}

function writeSynced(file: string, contents: string | Uint8Array): void {
  const fd = fs.openSync(file, 'w');
  try {
    writeAll(fd, bytesOf(contents), file);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * Replaces directory `dir` with exactly `files` (plain names, no subdirectories), atomically with
 * respect to crashes; parent directories are created. Read it back with `resolveDirectory`.
 * @example writeDirectoryAtomic('runs/sac/checkpoint', encodeCheckpoint({ modules: { actor }, meta: { step } }))
 */
export function writeDirectoryAtomic(dir: string, files: DirectoryFiles): void {
  checkPath('writeDirectoryAtomic', 'dir', dir);
  expectObject('writeDirectoryAtomic', 'files', files);
  for (const [name, contents] of Object.entries(files)) {
    if (name === '' || name.includes('/') || name.includes('\\') || name.startsWith('.')) {
      throw new RangeError(`writeDirectoryAtomic: bad file name '${name}' (a plain name: no '/', '\\' or leading '.')`);
    }
    if (typeof contents !== 'string' && !(contents instanceof Uint8Array)) {
      throw new TypeError(`writeDirectoryAtomic: contents of '${name}' must be a string or a Uint8Array, got ${describeValue(contents)}`);
    }
  }
  const target = path.resolve(dir);
  const tmp = `${target}.tmp`;
  const old = `${target}.old`;
  fs.mkdirSync(path.dirname(target), { recursive: true });
  fs.rmSync(tmp, { recursive: true, force: true });
  fs.mkdirSync(tmp);
  try {
    for (const [name, contents] of Object.entries(files)) writeSynced(path.join(tmp, name), contents);
  } catch (error) {
    fs.rmSync(tmp, { recursive: true, force: true }); // the previous complete directory stays as it was
    throw error;
  }
  syncDirectory(tmp);
  // If a previous swap was interrupted after its first rename, `old` is the last complete directory
  // and `target` is missing: keep `old` until the new one is in place.
  if (fs.existsSync(target)) {
    fs.rmSync(old, { recursive: true, force: true });
    fs.renameSync(target, old);
  }
  fs.renameSync(tmp, target);
  syncDirectory(path.dirname(target));
  fs.rmSync(old, { recursive: true, force: true });
}

/**
 * The directory holding the latest complete copy written by `writeDirectoryAtomic(dir, …)`:
 * `dir` itself (as an absolute path) when it holds the file `marker`, else `dir.old` when it does
 * (a swap was interrupted between its renames), else null.
 * @example const dir = resolveDirectory('runs/sac/checkpoint', 'meta.json') ?? fail('no checkpoint')
 */
export function resolveDirectory(dir: string, marker: string): string | null {
  checkPath('resolveDirectory', 'dir', dir);
  checkPath('resolveDirectory', 'marker', marker);
  const target = path.resolve(dir);
  const complete = (d: string): boolean => fs.existsSync(path.join(d, marker));
  if (complete(target)) return target;
  if (complete(`${target}.old`)) return `${target}.old`;
  return null;
}

/** `target` itself if it exists, else its nearest ancestor that does: where creating `target` would start. */
export function nearestExistingPath(target: string): string {
  let existing = path.resolve(target);
  while (!fs.existsSync(existing)) existing = path.dirname(existing);
  return existing;
}

/**
 * The regular files of directory `dir` (not its subdirectories), by name — the inverse of
 * `writeDirectoryAtomic`; pass it `resolveDirectory`'s answer to read the latest complete copy.
 */
export function readDirectoryFiles(dir: string): Record<string, Uint8Array> {
  checkPath('readDirectoryFiles', 'dir', dir);
  const files: Record<string, Uint8Array> = {};
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    if (entry.isFile()) files[entry.name] = fs.readFileSync(path.join(dir, entry.name));
  }
  return files;
}
