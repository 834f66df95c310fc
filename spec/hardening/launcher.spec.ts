/**
 * The bin/varl.js launcher on real processes: signals sent to it reach the CLI it starts, its exit
 * status is the CLI's (128 + n for a death by signal n), and killing it outright (SIGKILL) leaves
 * no trainer running: the CLI notices the closed IPC channel, saves a checkpoint and stops.
 */
import { strict as assert } from 'node:assert';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import { constants } from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { readCheckpointMeta } from '../../algorithms/index.ts';
import { childEnv, tempDir } from '../algorithms/helpers.ts';
import { processAlive } from '../../algorithms/node/run-dir.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const LAUNCHER = path.join(ROOT, 'bin', 'varl.js');
const TINY = { hiddenSizes: [8, 8], batchSize: 8, learningStarts: 50, bufferSize: 1000 };

interface Exit { code: number | null; signal: NodeJS.Signals | null; stderr: string; stdout: string; at: number }

const started: ChildProcess[] = [];
const cliPids: number[] = [];

const alive = processAlive;

/** `node bin/varl.js …` with its output collected. */
function launch(args: string[], ownGroup = false): { launcher: ChildProcess; done: Promise<Exit> } {
  const launcher = spawn(process.execPath, [LAUNCHER, ...args], { cwd: ROOT, env: childEnv(), stdio: ['ignore', 'pipe', 'pipe'], detached: ownGroup });
  started.push(launcher);
  let stderr = '';
  let stdout = '';
  launcher.stderr?.on('data', (d) => (stderr += d));
  launcher.stdout?.on('data', (d) => (stdout += d));
  const done = new Promise<Exit>((resolve) => {
    launcher.on('exit', (code, signal) => resolve({ code, signal, stderr, stdout, at: Date.now() }));
  });
  return { launcher, done };
}

async function waitFor(condition: () => boolean, what: string, timeoutMs: number): Promise<void> {
  const start = Date.now();
  while (!condition()) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

function checkpointStep(dir: string): number {
  try {
    return readCheckpointMeta(path.join(dir, 'checkpoint')).training.step as number;
  } catch {
    return -1;
  }
}

/** Starts a long tiny SAC run through the launcher; resolves once it has trained, with the CLI's pid. */
async function startTraining(dir: string, ownGroup = false): Promise<{ launcher: ChildProcess; done: Promise<Exit>; cli: number; out: string }> {
  const config = path.join(dir, 'tiny.json');
  fs.writeFileSync(config, JSON.stringify(TINY));
  const out = path.join(dir, 'run');
  const run = launch(['train', '--algo', 'sac', '--env', 'Pendulum-v1', '--steps', '100000', '--config', config,
    '--eval-every', '0', '--checkpoint-every', '0', '--out', out], ownGroup);
  const progress = path.join(out, 'progress.jsonl');
  await waitFor(() => fs.existsSync(progress) && fs.readFileSync(progress, 'utf8').split('\n').length > 2, 'two episodes', 60_000);
  // The launcher's only child by now is the CLI (its node feature probe has long finished).
  const listed = spawnSync('pgrep', ['-P', String(run.launcher.pid)], { encoding: 'utf8' }).stdout.trim().split('\n').filter(Boolean);
  assert.equal(listed.length, 1, `children of the launcher: ${JSON.stringify(listed)}`);
  const cli = Number(listed[0]);
  cliPids.push(cli);
  assert.equal(checkpointStep(out), -1, 'no checkpoint before the signal (--checkpoint-every 0)');
  return { ...run, cli, out };
}

async function resumes(out: string): Promise<void> {
  const step = checkpointStep(out);
  assert.ok(step > 0, `a checkpoint in ${out}`);
  const resumed = await launch(['train', '--resume', '--out', out, '--steps', String(step + 100), '--eval-every', '0', '--quiet']).done;
  assert.equal(resumed.code, 0, resumed.stderr);
  assert.equal(checkpointStep(out), step + 100);
}

(process.platform === 'win32' ? describe.skip : describe)('the varl launcher (bin/varl.js)', function () {
  this.timeout(120_000);

  after(() => {
    for (const p of started) if (p.exitCode === null && p.signalCode === null) p.kill('SIGKILL');
    for (const pid of cliPids) if (alive(pid)) process.kill(pid, 'SIGKILL');
  });

  it('SIGTERM to the launcher: the trainer saves a checkpoint, both exit with 130, and the run resumes', async () => {
    const { launcher, done, cli, out } = await startTraining(tempDir());
    const sent = Date.now();
    launcher.kill('SIGTERM');
    const result = await done;
    console.log(`      SIGTERM → launcher exit: ${result.at - sent} ms`);
    assert.equal(result.code, 130, result.stderr);
    assert.ok(result.at - sent < 10_000, `exit took ${result.at - sent} ms`);
    assert.match(result.stderr, /SIGTERM: saving a checkpoint and stopping/);
    assert.doesNotMatch(result.stderr, /SIGTERM[^]*SIGTERM/, 'the signal reached the trainer once');
    assert.match(result.stderr, /resume with: varl train --resume --out /);
    await waitFor(() => !alive(cli), 'the trainer to exit', 5_000);
    await resumes(out);
  });

  it('SIGKILL to the launcher: the orphaned trainer checkpoints and stops within seconds, and the run resumes', async () => {
    const { launcher, done, cli, out } = await startTraining(tempDir());
    const sent = Date.now();
    launcher.kill('SIGKILL');
    assert.equal((await done).signal, 'SIGKILL');
    await waitFor(() => !alive(cli), `the trainer (pid ${cli}) to stop`, 15_000);
    console.log(`      SIGKILL → trainer gone: ${Date.now() - sent} ms`);
    assert.ok(fs.existsSync(path.join(out, 'checkpoint', 'meta.json')), 'a checkpoint');
    assert.ok(!fs.existsSync(path.join(out, 'run.lock')), 'the run folder lock is released');
    await resumes(out);
  });

  it('Ctrl-C at a terminal (SIGINT to the whole process group) reaches the trainer once: checkpoint, exit 130', async () => {
    // The launcher leads its own process group here, as a shell's foreground job does.
    const { launcher, done, cli, out } = await startTraining(tempDir(), true);
    process.kill(-launcher.pid!, 'SIGINT');
    const result = await done;
    assert.equal(result.code, 130, result.stderr);
    assert.equal(result.stderr.match(/SIGINT: saving a checkpoint and stopping/g)?.length, 1, result.stderr);
    // A second delivery would make the trainer leave at once, without the checkpoint.
    assert.match(result.stderr, /resume with: varl train --resume --out /);
    await waitFor(() => !alive(cli), 'the trainer to exit', 5_000);
    assert.ok(checkpointStep(out) > 0, 'a checkpoint');
  });

  it('a signal the trainer does not handle (SIGUSR2) is forwarded; the launcher exits with 128 + n', async () => {
    const { launcher, done, cli } = await startTraining(tempDir());
    launcher.kill('SIGUSR2');
    const result = await done;
    assert.equal(result.code, 128 + constants.signals.SIGUSR2, result.stderr);
    await waitFor(() => !alive(cli), 'the trainer to exit', 5_000);
  });

  it('help exits 0 and a usage error exits 2 through the launcher', async () => {
    const help = await launch(['help']).done;
    assert.equal(help.code, 0, help.stderr);
    assert.match(help.stdout, /varl train/);
    const usage = await launch(['train', '--algo', 'sac', '--env', 'Nope-v0']).done;
    assert.equal(usage.code, 2, usage.stderr);
    assert.match(usage.stderr, /Nope-v0/);
  });
});
