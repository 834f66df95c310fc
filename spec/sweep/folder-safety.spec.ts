/**
 * The sweep folder's guards: a plan that would put two jobs in one folder, or change a planned folder's
 * order or name, is refused; the sweep lock is never seen half-written, is released only by its holder, and
 * is taken over once its holder is gone or has stopped beating; a folder copy cut short by a kill is cleared up.
 */
import { strict as assert } from 'node:assert';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { UsageError } from '../../algorithms/node/usage.ts';
import { createExclusive } from '../../algorithms/node/run-dir.ts';
import { expandSweep, parseSweepText, writeSweep } from '../../algorithms/sweep/index.ts';
import { STALE_AFTER_MS, lockSweep, writeFolderAtomic } from '../../algorithms/sweep/folder.ts';
import { tempDir, tinySweepYaml, varlInProcess } from './helpers.ts';

const refused = (call: () => unknown, pattern: RegExp): void =>
  assert.throws(call, (e: Error) => e instanceof UsageError && pattern.test(e.message), `expected a UsageError matching ${pattern}`);

/** A process that has exited: its pid names no live process (until the system reuses it). */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', '0']);
  await new Promise((resolve) => child.once('exit', resolve));
  return child.pid as number;
}

describe('sweep folder safety', () => {
  it('refuses an algorithm listed twice in different case, and more seeds than evaluation ranges allow', () => {
    const base = tinySweepYaml('twice').replace('algorithm: sac', 'algorithms: [sac, SAC]');
    refused(() => parseSweepText(base, 'yaml', 'twice.yaml'), /algorithms\[1\]: "SAC" is listed twice \(as "sac"\)/);
    refused(() => parseSweepText(tinySweepYaml('many', { seeds: '1001' }), 'yaml', 'many.yaml'), /seeds: at most 1000 seeds \(0…999\) are accepted.*got 1001/);
    assert.equal(expandSweep(parseSweepText(tinySweepYaml('most', { seeds: '1000' }), 'yaml', 'most.yaml'), 'most.yaml').length, 1000);
  });

  it('refuses to re-plan a folder with its jobs reordered or its sweep renamed, and says which', () => {
    const dir = tempDir();
    const plan = (name: string, grid: string): void => {
      const spec = parseSweepText(tinySweepYaml(name, { grid }), 'yaml', `${name}.yaml`);
      writeSweep(dir, { name, file: `${name}.yaml`, spec, jobs: expandSweep(spec, `${name}.yaml`) });
    };
    plan('order', '  gamma: [0.9, 0.99]');
    refused(() => plan('order', '  gamma: [0.99, 0.9]'), /holds the same jobs in another order .*were values of a list reordered\?/);
    refused(() => plan('renamed', '  gamma: [0.9, 0.99]'), /holds the sweep 'order', this file names it 'renamed'/);
    plan('order', '  gamma: [0.9, 0.99]');
  });

  it('writes a lock file whole or not at all: no reader ever sees it empty', async () => {
    const file = path.join(tempDir(), 'x.lock');
    assert.equal(createExclusive(file, 'first\n'), true);
    assert.equal(createExclusive(file, 'second\n'), false);
    assert.equal(fs.readFileSync(file, 'utf8'), 'first\n');
    assert.deepEqual(fs.readdirSync(path.dirname(file)), ['x.lock'], 'no staged copy is left behind');
  });

  it('the sweep lock refuses a live holder, is taken over from a dead or silent one, and is released only by its holder', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'sweep.lock');
    const holder = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)']);
    try {
      fs.writeFileSync(file, JSON.stringify({ pid: holder.pid, host: os.hostname() }) + '\n');
      refused(() => lockSweep(dir), new RegExp(`being run by process ${holder.pid} on`));
      // Not touched for longer than STALE_AFTER_MS: the pid was reused after the holder was killed.
      const old = new Date(Date.now() - STALE_AFTER_MS - 60_000);
      fs.utimesSync(file, old, old);
      const release = lockSweep(dir);
      assert.equal(JSON.parse(fs.readFileSync(file, 'utf8')).pid, process.pid);
      // Another process took it over meanwhile (say it judged this one stale): releasing leaves its lock.
      fs.writeFileSync(file, JSON.stringify({ pid: holder.pid, host: os.hostname() }) + '\n');
      release();
      assert.equal(JSON.parse(fs.readFileSync(file, 'utf8')).pid, holder.pid);
    } finally {
      holder.kill();
    }
    fs.writeFileSync(file, JSON.stringify({ pid: await deadPid(), host: os.hostname() }) + '\n');
    lockSweep(dir)();
    assert.equal(fs.existsSync(file), false);
  });

  it('clears up after a folder copy whose process was killed: a partial copy goes, a folder moved aside comes back', async () => {
    const jobs = path.join(tempDir(), 'jobs');
    const to = path.join(jobs, 'a');
    const dead = await deadPid();
    fs.mkdirSync(`${to}.partial-${dead}`, { recursive: true });
    fs.mkdirSync(`${to}.replaced-${dead}`, { recursive: true });
    fs.writeFileSync(path.join(`${to}.replaced-${dead}`, 'result.json'), '{"old":true}\n');
    // Killed between moving `a` aside and renaming its replacement into place: `a` is missing.
    writeFolderAtomic(path.join(jobs, 'b'), (partial) => fs.writeFileSync(path.join(partial, 'result.json'), '{}\n'));
    assert.deepEqual(fs.readdirSync(jobs).sort(), [`a.partial-${dead}`, `a.replaced-${dead}`, 'b'], 'another folder\'s leftovers are not this write\'s business');
    writeFolderAtomic(to, (partial) => {
      assert.equal(fs.readFileSync(path.join(to, 'result.json'), 'utf8'), '{"old":true}\n', 'the folder moved aside is back before the write');
      fs.writeFileSync(path.join(partial, 'result.json'), '{"new":true}\n');
    });
    assert.deepEqual(fs.readdirSync(jobs).sort(), ['a', 'b']);
    assert.equal(fs.readFileSync(path.join(to, 'result.json'), 'utf8'), '{"new":true}\n');
  });

  it('sweep adopt from a folder that is not a sweep plans nothing', async () => {
    const root = tempDir();
    fs.writeFileSync(path.join(root, 'a.yaml'), tinySweepYaml('a'));
    const cli = await varlInProcess(['sweep', 'adopt', 'a.yaml', '--from', 'nope'], root);
    assert.equal(cli.status, 2);
    assert.match(cli.stderr, /nope/);
    assert.equal(fs.existsSync(path.join(root, 'sweeps', 'a')), false);
  });
});
