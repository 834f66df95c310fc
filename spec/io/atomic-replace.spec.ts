/**
 * Atomic replacement (engine/io/files.ts): a file is replaced by a rename, so a reader that opened
 * the old file keeps reading the old bytes; a directory swap that fails between its renames leaves
 * the previous complete copy where `resolveDirectory` finds it.
 */
import { strict as assert } from 'node:assert';
import { createRequire, syncBuiltinESMExports } from 'node:module';
import * as fs from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readDirectoryFiles, resolveDirectory, writeDirectoryAtomic, writeFileAtomic } from '../../engine/node.ts';

const fsModule = createRequire(import.meta.url)('node:fs') as typeof fs;

/** Runs `body` with fs.renameSync failing for renames whose source path satisfies `fails`. */
function withFailingRename(fails: (from: string) => boolean, body: () => void): void {
  const original = fsModule.renameSync;
  fsModule.renameSync = (from: fs.PathLike, to: fs.PathLike): void => {
    if (fails(String(from))) throw Object.assign(new Error(`EIO: rename '${String(from)}'`), { code: 'EIO' });
    original(from, to);
  };
  syncBuiltinESMExports();
  try {
    body();
  } finally {
    fsModule.renameSync = original;
    syncBuiltinESMExports();
  }
}

describe('atomic replacement (engine/io/files.ts)', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(join(tmpdir(), 'varl-atomic-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('writeFileAtomic replaces the file rather than overwriting it: an open reader still sees the old bytes', () => {
    const file = join(dir, 'meta.json');
    writeFileAtomic(file, 'old contents');
    const fd = fs.openSync(file, 'r');
    try {
      writeFileAtomic(file, 'new contents, longer');
      const buffer = Buffer.alloc(64);
      const read = fs.readSync(fd, buffer, 0, buffer.length, 0);
      assert.equal(buffer.subarray(0, read).toString(), 'old contents');
    } finally {
      fs.closeSync(fd);
    }
    assert.equal(fs.readFileSync(file, 'utf8'), 'new contents, longer');
    assert.deepEqual(fs.readdirSync(dir), ['meta.json'], 'no temporary file left');
  });

  it('writeFileAtomic leaves the old file and no temporary file when the rename fails', () => {
    const file = join(dir, 'meta.json');
    writeFileAtomic(file, 'old');
    withFailingRename(() => true, () => assert.throws(() => writeFileAtomic(file, 'new'), /EIO/));
    assert.equal(fs.readFileSync(file, 'utf8'), 'old');
    assert.deepEqual(fs.readdirSync(dir), ['meta.json']);
  });

  it('writeDirectoryAtomic failing between its renames leaves the previous complete copy for resolveDirectory', () => {
    const target = join(dir, 'checkpoint');
    writeDirectoryAtomic(target, { 'meta.json': '{"step":1}', 'model.safetensors': new Uint8Array([1, 2, 3]) });
    // The first rename (checkpoint → checkpoint.old) succeeds; the second (checkpoint.tmp → checkpoint) fails.
    withFailingRename((from) => from.endsWith('.tmp'), () => {
      assert.throws(() => writeDirectoryAtomic(target, { 'meta.json': '{"step":2}', 'model.safetensors': new Uint8Array([4]) }), /EIO/);
    });
    const found = resolveDirectory(target, 'meta.json');
    assert.ok(found !== null, 'the previous checkpoint is gone');
    const files = readDirectoryFiles(found);
    assert.equal(new TextDecoder().decode(files['meta.json']), '{"step":1}');
    assert.deepEqual(Array.from(files['model.safetensors']), [1, 2, 3]);
    // The next write completes and cleans up.
    writeDirectoryAtomic(target, { 'meta.json': '{"step":3}' });
    assert.equal(resolveDirectory(target, 'meta.json'), target);
    assert.deepEqual(fs.readdirSync(dir), ['checkpoint']);
  });
});
