/**
 * A full disk while training: the CLI reports one line naming the operation, the path and the
 * errno (no stack trace), exits 1, and the run folder keeps no half-written checkpoint. The disk is a
 * 256 KiB tmpfs mounted by the spec itself (the machines this project runs on give root).
 */
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { childEnv, tempDir } from '../algorithms/helpers.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

describe('hardening: I/O errors', () => {
  let disk = '';
  before(function () {
    disk = tempDir('varl-full-');
    const mounted = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=256k', 'tmpfs', disk], { encoding: 'utf8' });
    if (mounted.status !== 0) throw new Error(`cannot mount a small tmpfs to fill (needs root): ${mounted.stderr.trim()}`);
  });
  after(() => {
    if (disk) spawnSync('umount', [disk]);
  });

  it('ENOSPC while checkpointing is one line with path and errno, exit 1, and no partial checkpoint', function () {
    this.timeout(120_000);
    const config = path.join(tempDir(), 'big.json');
    fs.writeFileSync(config, JSON.stringify({ hiddenSizes: [256, 256], batchSize: 8, learningStarts: 20, bufferSize: 1000 }));
    const out = path.join(disk, 'run');
    const result = spawnSync(process.execPath, [path.join(ROOT, 'bin', 'varl.js'), 'train', '--algo', 'sac', '--env', 'Pendulum-v1',
      '--steps', '40', '--out', out, '--config', config, '--quiet', '--eval-every', '0'], { encoding: 'utf8', env: childEnv(), timeout: 100_000 });
    assert.equal(result.status, 1, result.stderr);
    const lines = result.stderr.trim().split('\n');
    assert.equal(lines.length, 1, result.stderr);
    assert.match(lines[0], /^varl: write .*checkpoint\.tmp.* failed: ENOSPC/);
    assert.ok(!fs.existsSync(path.join(out, 'checkpoint', 'meta.json')), 'no checkpoint was swapped in');
    assert.ok(!fs.existsSync(path.join(out, 'checkpoint.tmp')), 'the partial copy is removed');
  });
});
