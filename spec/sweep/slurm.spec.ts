/**
 * The SLURM backend of `varl sweep` (algorithms/sweep/slurm.ts).
 *
 * First without a cluster: flags and resource values are checked, the job-array script is written
 * as specified, and sbatch/squeue/sacct answers (from stand-in commands on PATH) are read back.
 *
 * Then for real: a private single-node SLURM cluster (spec/support/slurm-cluster.ts: munged,
 * slurmctld and slurmd on this machine, Debian's packages installed with apt-get when missing and
 * root) runs a two-job SAC sweep submitted with `varl sweep submit --backend slurm`; every array task
 * completes, writes its result and its logs, and gives exactly what `varl sweep job` gives locally;
 * and `varl tune --backend slurm`, stopped once and run again, gives the tune.json and the best
 * configurations of the local backend.
 * Where the cluster cannot be started (not root, no apt-get, daemons that do not come up) the suite
 * prints `SLURM TEST NOT RUN: <reason>` and is reported as pending; VARL_REQUIRE_SLURM=1 makes that a
 * failure instead.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import {
  arrayRanges, formatSlurmStatus, isQueuedState, parseSacct, parseSqueue, readSlurmSubmissions, SLURM_SUBMIT_FLAGS, SlurmError, SlurmOptionError,
  slurmQueueStatus, slurmSubmitOptionsFromFlags, submitSlurm, submitSlurmCommand, waitForSlurm, type SlurmFlagValues, type SlurmQueueStatus,
} from '../../algorithms/sweep/slurm.ts';
import { parseSweepText } from '../../algorithms/sweep/index.ts';
import { runTune } from '../../algorithms/sweep/tune.ts';
import { slurmTuneBackend } from '../../algorithms/sweep/tune-slurm.ts';
import { parseFlags, UsageError } from '../../algorithms/node/usage.ts';
import { startSlurmCluster, type SlurmCluster } from '../support/slurm-cluster.ts';
import { tinyTuneYaml } from './helpers.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));
const VARL = path.join(root, 'bin', 'varl.js');

/** A sweep folder with just the sweep.json fields the backend reads. */
function fakeSweep(dir: string, ids: readonly string[]): void {
  fs.mkdirSync(dir, { recursive: true });
  const jobs = ids.map((id, index) => ({ id, index, algorithm: 'sac', envId: 'Pendulum-v1', seed: index, steps: 10, config: {} }));
  fs.writeFileSync(path.join(dir, 'sweep.json'), JSON.stringify({ name: 'fake', file: 'fake.json', spec: {}, jobs }));
}

function writeResult(dir: string, id: string): void {
  fs.mkdirSync(path.join(dir, 'jobs', id), { recursive: true });
  fs.writeFileSync(path.join(dir, 'jobs', id, 'result.json'), '{}\n');
}

/** A folder on PATH holding stand-ins for SLURM commands: name → shell script body. */
function fakeCommands(dir: string, scripts: Readonly<Record<string, string>>): NodeJS.ProcessEnv {
  const bin = path.join(dir, 'bin');
  fs.mkdirSync(bin, { recursive: true });
  for (const [name, body] of Object.entries(scripts)) fs.writeFileSync(path.join(bin, name), `#!/bin/sh\n${body}\n`, { mode: 0o755 });
  return { ...process.env, PATH: bin };
}

function flags(args: string[]): SlurmFlagValues {
  return parseFlags('sweep submit', args, SLURM_SUBMIT_FLAGS).values;
}

/** Expands `0-2,5` back into indices. */
function expandRanges(text: string): number[] {
  return text.split(',').flatMap((part) => {
    const [a, b] = part.split('-').map(Number);
    return Array.from({ length: (b ?? a!) - a! + 1 }, (_, i) => a! + i);
  });
}

describe('SLURM backend: flags, script and queue answers (no cluster)', function () {
  let work = '';
  beforeEach(() => {
    work = fs.mkdtempSync(path.join(tmpdir(), 'varl-slurm-unit-'));
  });
  afterEach(() => fs.rmSync(work, { recursive: true, force: true }));

  describe('flags', () => {
    it('turns every flag into an option', () => {
      const options = slurmSubmitOptionsFromFlags('sweep submit', flags([
        '--partition', 'gpu,cpu', '--time', '1-02:00:00', '--cpus-per-task', '4', '--mem', '16G', '--account', 'rl',
        '--qos', 'short', '--max-concurrent', '8', '--sbatch-arg=--gres=gpu:1', '--sbatch-arg=--constraint=a100', '--job-name', 'sweep1',
      ]));
      assert.deepEqual(options, {
        partition: 'gpu,cpu', time: '1-02:00:00', cpusPerTask: 4, mem: '16G', account: 'rl', qos: 'short', maxConcurrent: 8,
        sbatchArgs: ['--gres=gpu:1', '--constraint=a100'], jobName: 'sweep1', dryRun: false,
      });
    });

    const bad: [string[], RegExp][] = [
      [['--time', '90 minutes'], /--time must be .*"90 minutes"/],
      [['--mem', '2 GB'], /--mem must be .*"2 GB"/],
      [['--cpus-per-task', '0'], /--cpus-per-task must be an integer ≥ 1, got '0'/],
      [['--max-concurrent', 'many'], /--max-concurrent must be an integer ≥ 1, got 'many'/],
      [['--partition', 'a b'], /--partition must be a name .*"a b"/],
      [['--sbatch-arg', 'gres=gpu:1'], /--sbatch-arg must be an sbatch option starting with -/],
      [['--sbatch-arg=--array=0-3'], /--sbatch-arg must be an option other than --array .*varl sets those itself/],
      [['--sbatch-arg=-ofoo.out'], /varl sets those itself/],
    ];
    for (const [args, message] of bad) {
      it(`rejects ${args.join(' ')}, naming the flag and the value`, () => {
        assert.throws(() => slurmSubmitOptionsFromFlags('sweep submit', flags(args)), (error: Error) => error instanceof SlurmOptionError && message.test(error.message));
      });
    }

    it('rejects a flag it does not know', async () => {
      assert.throws(() => flags(['--nodes', '2']), /sweep submit: Unknown option '--nodes'/);
      const dir = path.join(work, 'sweep');
      fakeSweep(dir, ['a']);
      await assert.rejects(submitSlurm(dir, { args: ['--nodes', '2'] }), (error: Error) => error instanceof UsageError && /Unknown option '--nodes'/.test(error.message));
    });

    it('takes the command line of varl sweep submit: --dry-run prints the script and resolves to exit status 0', async () => {
      const dir = path.join(work, 'sweep');
      fakeSweep(dir, ['a', 'b']);
      let printed = '';
      const out = new Writable({ write(chunk: Buffer, _encoding, done) { printed += chunk.toString(); done(); } });
      assert.equal(await submitSlurmCommand(dir, ['--dry-run', '--time', '5', '--max-concurrent', '1'], out), 0);
      assert.match(printed, /#SBATCH --array=0-1%1\n/);
      assert.match(printed, /#SBATCH --time=5\n/);
      assert.match(printed, /\(dry run: 2 jobs in .*array\.sbatch, nothing submitted\)\n$/);
      assert.deepEqual(readSlurmSubmissions(dir), []);
    });
  });

  describe('the array script', () => {
    it('compresses array indices into ranges that expand back to them', () => {
      fc.assert(fc.property(fc.uniqueArray(fc.integer({ min: 0, max: 60 }), { minLength: 1, maxLength: 40 }), (indices) => {
        assert.deepEqual(expandRanges(arrayRanges(indices)), [...indices].sort((a, b) => a - b));
      }));
      assert.equal(arrayRanges([0, 1, 2, 5, 7, 8]), '0-2,5,7-8');
    });

    it('runs `varl sweep job <dir> --index $SLURM_ARRAY_TASK_ID` for every unfinished job, with the resources asked for', async () => {
      const dir = path.join(work, 'sweep');
      fakeSweep(dir, ['a', 'b', 'c', 'd', 'e']);
      writeResult(dir, 'c');
      const submission = await submitSlurm(dir, {
        dryRun: true, partition: 'debug', time: '10:00', cpusPerTask: 2, mem: '1G', account: 'acct', qos: 'low', maxConcurrent: 2,
        sbatchArgs: ['--exclusive'], workDir: work,
      });
      assert.equal(submission.arrayJobId, null);
      assert.equal(submission.array, '0-1,3-4%2');
      assert.deepEqual(submission.tasks, { 0: 'a', 1: 'b', 3: 'd', 4: 'e' });
      const script = fs.readFileSync(path.join(dir, 'slurm', 'array.sbatch'), 'utf8');
      const directives = script.split('\n').filter((l) => l.startsWith('#SBATCH ')).map((l) => l.slice(8));
      assert.deepEqual(directives, [
        '--job-name=varl-fake', '--array=0-1,3-4%2',
        `--output=${path.join(dir, 'slurm', 'logs', '%A_%a.out')}`, `--error=${path.join(dir, 'slurm', 'logs', '%A_%a.err')}`,
        `--chdir=${work}`, '--ntasks=1', '--export=ALL',
        '--partition=debug', '--time=10:00', '--cpus-per-task=2', '--mem=1G', '--account=acct', '--qos=low', '--exclusive',
      ]);
      // SLURM stops reading #SBATCH lines at the first command.
      const firstCommand = script.split('\n').findIndex((l, i) => i > 0 && l.trim() !== '' && !l.startsWith('#'));
      assert.ok(script.split('\n').slice(firstCommand).every((l) => !l.startsWith('#SBATCH')), 'every #SBATCH line comes before the first command');
      assert.match(script, /^#!\/bin\/bash\n/);
      assert.match(script, /\nset -euo pipefail\n/);
      assert.match(script, new RegExp(`\\ncd ${work}\\n`));
      assert.match(script, new RegExp(`\\nexec ${process.execPath} ${VARL} sweep job ${dir} --index "\\$SLURM_ARRAY_TASK_ID"\\n`));
      assert.equal(spawnSync('bash', ['-n', submission.script]).status, 0, 'the script parses');
      assert.ok(fs.statSync(path.join(dir, 'slurm', 'logs')).isDirectory());
    });

    it('writes paths with spaces, quotes, # and % so that sbatch reads them back as they are', async () => {
      // sbatch splits #SBATCH lines itself: whitespace ends a value, quotes are removed, `#` starts a comment; and
      // --output reads % as a file name pattern.
      const odd = path.join(work, `run #3 of o'brien "x" 100%a`);
      const dir = path.join(odd, 'sweep');
      fakeSweep(dir, ['a']);
      const submission = await submitSlurm(dir, { dryRun: true, workDir: odd });
      const script = fs.readFileSync(submission.script, 'utf8');
      const directives = script.split('\n').filter((l) => l.startsWith('#SBATCH ')).map((l) => l.slice(8));
      const quoted = (value: string): string => `"${value.replace(/["\\#]/g, '\\$&')}"`;
      assert.deepEqual(directives.slice(2, 5), [
        `--output=${quoted(path.join(dir.replace(/%/g, '%%'), 'slurm', 'logs', '%A_%a.out'))}`,
        `--error=${quoted(path.join(dir.replace(/%/g, '%%'), 'slurm', 'logs', '%A_%a.err'))}`,
        `--chdir=${quoted(odd)}`,
      ]);
      assert.equal(spawnSync('bash', ['-n', submission.script]).status, 0, 'the script parses');
      const echoed = spawnSync('bash', ['-c', `${script.split('\n').find((l) => l.startsWith('cd '))} && pwd`], { encoding: 'utf8' });
      assert.equal(echoed.stdout.trim(), odd);
      const newline = path.join(work, 'line\nbreak', 'sweep');
      fakeSweep(newline, ['a']);
      await assert.rejects(submitSlurm(newline, { dryRun: true, workDir: work }), (error: Error) => error instanceof SlurmError && /holds a line break/.test(error.message));
    });
  });

  describe('submitting', () => {
    it('names sbatch and PATH when sbatch is missing', async () => {
      const dir = path.join(work, 'sweep');
      fakeSweep(dir, ['a']);
      const env = fakeCommands(work, {});
      await assert.rejects(submitSlurm(dir, { env: { ...env, PATH: path.join(work, 'bin') } }), (error: Error) =>
        error instanceof SlurmError && /sbatch is not on PATH \(.*\/bin\)/.test(error.message));
    });

    it("passes sbatch's complaint on", async () => {
      const dir = path.join(work, 'sweep');
      fakeSweep(dir, ['a']);
      const env = fakeCommands(work, { sbatch: 'echo "sbatch: error: invalid partition specified: nope" >&2; exit 1' });
      await assert.rejects(submitSlurm(dir, { env, partition: 'nope' }), (error: Error) =>
        error instanceof SlurmError && /sbatch refused .*array\.sbatch \(exit status 1\): sbatch: error: invalid partition specified: nope/.test(error.message));
      assert.deepEqual(readSlurmSubmissions(dir), [], 'a refused submission is not recorded');
    });

    it('records the array job, and submits a job again only when it is neither done nor still queued', async () => {
      const dir = path.join(work, 'sweep');
      fakeSweep(dir, ['a', 'b', 'c']);
      const sbatchArgs = path.join(work, 'sbatch-args');
      let env = fakeCommands(work, {
        sbatch: `echo "$@" > ${sbatchArgs}; echo 41\\;main`,
        squeue: 'echo "41|0|42|RUNNING|None"; echo "41|1|43|PENDING|Priority"',
      });
      const first = await submitSlurm(dir, { env });
      assert.equal(fs.readFileSync(sbatchArgs, 'utf8').trim(), `--parsable ${path.join(dir, 'slurm', 'array.sbatch')}`);
      assert.equal(first.arrayJobId, '41');
      assert.equal(first.cluster, 'main');
      assert.deepEqual(first.tasks, { 0: 'a', 1: 'b', 2: 'c' });
      assert.deepEqual(readSlurmSubmissions(dir), [first]);

      // Task 2 left the queue without a result: only it is submitted again.
      env = fakeCommands(work, { sbatch: 'echo 50', squeue: 'echo "41|0|42|RUNNING|None"; echo "41|1|43|PENDING|Priority"; echo "41|2|44|FAILED|NonZeroExitCode"' });
      const second = await submitSlurm(dir, { env });
      assert.deepEqual(second.tasks, { 2: 'c' });
      assert.equal(readSlurmSubmissions(dir).length, 2);

      env = fakeCommands(work, { squeue: 'echo "41|0|42|RUNNING|None"; echo "41|1|43|PENDING|Priority"; echo "50|2|51|RUNNING|None"' });
      await assert.rejects(submitSlurm(dir, { env }), /nothing to submit in .*: of 3 jobs, 0 have a result\.json and 3 are still in the queue \(a, b, c\)/);
      for (const id of ['a', 'b', 'c']) writeResult(dir, id);
      await assert.rejects(submitSlurm(dir, { env: { ...env, PATH: path.join(work, 'bin') } }), /nothing to submit in .*: of 3 jobs, 3 have a result\.json/);
    });
  });

  describe('jobs held or ending in the queue, and a queue that cannot be read', () => {
    it('reads every job state of squeue, and counts held, signalled and staging tasks as still queued', async () => {
      const held = ['REQUEUE_HOLD', 'REQUEUE_FED', 'RESV_DEL_HOLD', 'SIGNALING', 'STAGE_OUT'] as const;
      assert.deepEqual(parseSqueue(held.map((state, i) => `7|${i}|${8 + i}|${state}|None`).join('\n')).map((row) => row.state), held);
      assert.deepEqual(parseSacct('7_0|8|REQUEUE_HOLD|0:0\n').map((row) => row.state), ['REQUEUE_HOLD']);
      for (const state of held) assert.ok(isQueuedState(state), state);

      const dir = path.join(work, 'sweep');
      fakeSweep(dir, ['a', 'b', 'c']);
      await submitSlurm(dir, { env: fakeCommands(work, { sbatch: 'echo 7' }) });
      // A task requeued in hold (after a node failure) and one being signalled still hold their jobs: not submitted again.
      const env = fakeCommands(work, { sbatch: 'echo 9', squeue: 'echo "7|0|8|REQUEUE_HOLD|JobHoldMaxRequeue"; echo "7|1|9|SIGNALING|None"; echo "7|2|10|FAILED|NonZeroExitCode"' });
      assert.deepEqual((await submitSlurm(dir, { env })).tasks, { 2: 'c' });
      const controller = new AbortController();
      let reads = 0;
      const status = await waitForSlurm(dir, { env, ids: ['a'], pollSeconds: 0.01, signal: controller.signal, onStatus: () => ++reads === 12 && controller.abort() });
      assert.equal(status.jobs.a!.state, 'REQUEUE_HOLD');
      assert.equal(reads, 12, 'a held job is waited for, not taken for an unreadable queue');
    });

    it('submits nothing while it cannot tell whether jobs submitted before are still queued', async () => {
      const dir = path.join(work, 'sweep');
      fakeSweep(dir, ['a', 'b']);
      await submitSlurm(dir, { env: fakeCommands(work, { sbatch: 'echo 7' }) });
      const env = fakeCommands(work, {
        sbatch: 'echo 8',
        squeue: 'echo "slurm_load_jobs error: Unable to contact slurm controller (connect failure)" >&2; exit 1',
      });
      await assert.rejects(submitSlurm(dir, { env }), (error: Error) => error instanceof SlurmError &&
        /cannot tell whether 2 job\(s\) submitted before are still in the queue \(a, b; squeue failed \(exit status 1\): .*Unable to contact slurm controller.*\); nothing submitted, so that no job runs twice/.test(error.message));
      assert.equal(readSlurmSubmissions(dir).length, 1);
    });

    it('varl tune --backend slurm submits nothing when neither squeue nor sacct could follow the rung', async () => {
      const cwd = path.join(work, 'tune');
      fs.mkdirSync(cwd);
      const env = fakeCommands(work, { sbatch: 'echo 7' });
      const backend = slurmTuneBackend({ env, pollSeconds: 0.01, quiet: true });
      await assert.rejects(runTune('t.yaml', parseSweepText(TINY_TUNE_YAML, 'yaml', 't.yaml'), { cwd, backend, quiet: true }), (error: Error) =>
        error instanceof SlurmError && /neither squeue nor sacct is on PATH \(.*\/bin\); varl tune --backend slurm waits for each rung in the queue/.test(error.message));
      assert.deepEqual(readSlurmSubmissions(path.join(cwd, 'sweeps', 'slurm-tiny-tune')), []);
    });
  });

  describe('reading the queue', () => {
    it('parses squeue and sacct rows, array ranges included', () => {
      assert.deepEqual(parseSqueue('7|0|8|COMPLETED|None\n7|[1-2%1]|7|PENDING|JobArrayTaskLimit\n'), [
        { arrayJobId: '7', taskId: 0, slurmJobId: '8', state: 'COMPLETED', detail: null },
        { arrayJobId: '7', taskId: 1, slurmJobId: null, state: 'PENDING', detail: 'JobArrayTaskLimit' },
        { arrayJobId: '7', taskId: 2, slurmJobId: null, state: 'PENDING', detail: 'JobArrayTaskLimit' },
      ]);
      assert.deepEqual(parseSacct('7_0|8|CANCELLED by 0|0:15\n7_[3-4]|7|PENDING|0:0\n9|9|COMPLETED|0:0\n'), [
        { arrayJobId: '7', taskId: 0, slurmJobId: '8', state: 'CANCELLED', detail: 'exit code 0:15' },
        { arrayJobId: '7', taskId: 3, slurmJobId: null, state: 'PENDING', detail: null },
        { arrayJobId: '7', taskId: 4, slurmJobId: null, state: 'PENDING', detail: null },
      ]);
    });

    it('takes each job from squeue, else sacct, else its result.json', async () => {
      const dir = path.join(work, 'sweep');
      fakeSweep(dir, ['a', 'b', 'c', 'd', 'e']);
      await submitSlurm(dir, { env: fakeCommands(work, { sbatch: 'echo 7' }) });
      writeResult(dir, 'c');
      const env = fakeCommands(work, {
        squeue: 'echo "7|0|8|RUNNING|None"',
        sacct: 'echo "7_1|9|TIMEOUT|0:0"',
      });
      fs.rmSync(path.join(work, 'bin', 'sbatch'));
      const status = await slurmQueueStatus(dir, { env });
      const states = Object.fromEntries(Object.values(status.jobs).map((j) => [j.id, [j.state, j.source]]));
      assert.deepEqual(states, {
        a: ['RUNNING', 'squeue'], b: ['TIMEOUT', 'sacct'], c: ['COMPLETED', 'result'], d: ['FAILED', 'none'], e: ['FAILED', 'none'],
      });
      assert.equal(status.jobs.a!.stdout, path.join(dir, 'slurm', 'logs', '7_0.out'));
      assert.match(status.jobs.d!.detail ?? '', /left the queue without writing result\.json/);
      assert.deepEqual(status.counts, { RUNNING: 1, TIMEOUT: 1, COMPLETED: 1, FAILED: 2 });
      const table = formatSlurmStatus(status);
      assert.match(table, /^slurm: 5 jobs, 1 submission — RUNNING 1, TIMEOUT 1, COMPLETED 1, FAILED 2 \(from squeue and sacct\)/);
      assert.match(table, /\n +0 +a +RUNNING +array 7 task 0\n/);
      assert.match(table, /\n +3 +d +FAILED +array 7 task 3 +\(left the queue without writing result\.json; see its log\)/);
    });

    it('says UNKNOWN, not FAILED, when the queue cannot be read', async () => {
      const dir = path.join(work, 'sweep');
      fakeSweep(dir, ['a', 'b']);
      await submitSlurm(dir, { env: fakeCommands(work, { sbatch: 'echo 7' }) });
      writeResult(dir, 'b');
      const status = await slurmQueueStatus(dir, { env: { ...process.env, PATH: path.join(work, 'empty') } });
      assert.deepEqual(Object.values(status.jobs).map((j) => j.state), ['UNKNOWN', 'COMPLETED']);
      assert.deepEqual(status.squeue, { used: false, note: 'squeue is not on PATH' });
      assert.match(formatSlurmStatus(status), /\(squeue is not on PATH; sacct is not on PATH\)/);
    });

    it('reports jobs never submitted as NOT_SUBMITTED', async () => {
      const dir = path.join(work, 'sweep');
      fakeSweep(dir, ['a']);
      const status = await slurmQueueStatus(dir);
      assert.equal(status.jobs.a!.state, 'NOT_SUBMITTED');
    });
  });
});

// ---------------------------------------------------------------------------------------------

/** `varl …` in `cwd` with `env`; its exit status and output. */
function varl(args: readonly string[], cwd: string, env: NodeJS.ProcessEnv): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, [VARL, ...args], { cwd, env, encoding: 'utf8', timeout: 120_000 });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** progress.jsonl without its wall-clock fields (`wall_s`, `updates_per_s`): what a rerun reproduces bit for bit. */
function progressWithoutTiming(file: string): string {
  return fs.readFileSync(file, 'utf8').trimEnd().split('\n').map((line) => {
    const record = JSON.parse(line) as Record<string, unknown>;
    for (const key of Object.keys(record)) if (/(^wall|_s$)/.test(key)) delete record[key];
    return JSON.stringify(record);
  }).join('\n');
}

const TINY_SWEEP = {
  name: 'slurm-tiny',
  algorithm: 'sac',
  env: 'Pendulum-v1',
  seeds: [0, 1],
  steps: 300,
  config: { hiddenSizes: [32, 32], learningStarts: 100, batchSize: 32 },
  evaluation: { every: 150, episodes: 1 },
  checkpointEvery: 300,
};

/** spec/sweep/tune.spec.ts's tiny tuning case cut to the least work: rungs at 100 and 200 steps, 2 trials (one promoted), the best on 2 fresh seeds. */
const TINY_TUNE_YAML = tinyTuneYaml('slurm-tiny-tune', { steps: 200, hidden: 32, learningStarts: 50, every: 100, episodes: 1, trials: 2 });

describe('SLURM backend on a single-node cluster (sbatch end to end)', function () {
  this.timeout(180_000);
  let cluster: SlurmCluster | null = null;
  let work = '';
  let clusterDir = '';
  let localDir = '';
  let arrayJobId = '';
  let ids: string[] = [];
  const startedAt = Date.now();

  before(async function () {
    this.timeout(600_000);
    const started = await startSlurmCluster((line) => console.log(`      ${line}`));
    if ('notRun' in started) {
      console.error(`\n      SLURM TEST NOT RUN: ${started.notRun}\n`);
      if (process.env.VARL_REQUIRE_SLURM === '1') throw new Error(`SLURM is required (VARL_REQUIRE_SLURM=1) but cannot run: ${started.notRun}`);
      this.skip();
    }
    cluster = started.cluster;
    console.log(`      SLURM cluster up in ${cluster.startSeconds.toFixed(1)} s (apt-get ${cluster.installSeconds.toFixed(1)} s), node ${cluster.nodeName}, ${cluster.conf}`);
    work = fs.mkdtempSync(path.join(tmpdir(), 'varl-slurm-sweep-'));
    fs.writeFileSync(path.join(work, 'tiny.json'), JSON.stringify(TINY_SWEEP, null, 2));
    clusterDir = path.join(work, 'on-slurm');
    localDir = path.join(work, 'local');
    const plan = varl(['sweep', 'plan', 'tiny.json', '--out', clusterDir], work, cluster.env);
    assert.equal(plan.status, 0, `varl sweep plan failed:\n${plan.stderr}`);
    fs.cpSync(clusterDir, localDir, { recursive: true });
    ids = (JSON.parse(fs.readFileSync(path.join(clusterDir, 'sweep.json'), 'utf8')) as { jobs: { id: string }[] }).jobs.map((j) => j.id);
    assert.equal(ids.length, 2);
  });

  after(async function () {
    this.timeout(60_000);
    if (cluster !== null) await cluster.stop();
    if (work !== '') fs.rmSync(work, { recursive: true, force: true });
    if (cluster !== null) console.log(`      SLURM suite: ${((Date.now() - startedAt) / 1000).toFixed(1)} s including set-up and tear-down`);
  });

  it('varl sweep submit --backend slurm: sbatch accepts one array task per job', () => {
    const submit = varl(['sweep', 'submit', clusterDir, '--backend', 'slurm', '--time', '10:00', '--cpus-per-task', '1', '--max-concurrent', '2'], work, cluster!.env);
    assert.equal(submit.status, 0, `varl sweep submit failed (status ${submit.status}):\n${submit.stderr}\n${submit.stdout}`);
    const match = /submitted array job (\d+): 2 jobs \(--array=0-1%2\)/.exec(submit.stdout);
    assert.ok(match, `unexpected output:\n${submit.stdout}`);
    arrayJobId = match[1]!;
    const [submission] = readSlurmSubmissions(clusterDir);
    assert.equal(submission!.arrayJobId, arrayJobId);
    assert.deepEqual(submission!.tasks, { 0: ids[0], 1: ids[1] });
  });

  it('every array task completes, with its result.json and its own logs', async () => {
    assert.ok(arrayJobId !== '', 'the submission above failed');
    let status: SlurmQueueStatus = await slurmQueueStatus(clusterDir, { env: cluster!.env });
    const deadline = Date.now() + 150_000;
    const finished = (s: SlurmQueueStatus): boolean => Object.values(s.jobs).every((j) => !['PENDING', 'CONFIGURING', 'RUNNING', 'COMPLETING'].includes(j.state));
    while (!finished(status)) {
      if (Date.now() > deadline) assert.fail(`the array did not finish in time:\n${formatSlurmStatus(status)}\n${cluster!.logTail(10)}`);
      await new Promise((resolve) => setTimeout(resolve, 1000));
      status = await slurmQueueStatus(clusterDir, { env: cluster!.env });
    }
    const logs = (id: string): string => {
      const job = status.jobs[id]!;
      return ['stdout', 'stderr'].map((s) => `${s}: ${job[s as 'stdout' | 'stderr'] && fs.existsSync(job[s as 'stdout' | 'stderr']!) ? fs.readFileSync(job[s as 'stdout' | 'stderr']!, 'utf8') : '(none)'}`).join('\n');
    };
    for (const [index, id] of ids.entries()) {
      const job = status.jobs[id]!;
      assert.equal(job.state, 'COMPLETED', `${id}: ${job.state} (${job.source})\n${logs(id)}\n${cluster!.logTail(10)}`);
      assert.equal(job.source, 'squeue');
      assert.equal(job.arrayJobId, arrayJobId);
      assert.ok(fs.existsSync(path.join(clusterDir, 'jobs', id, 'result.json')), `${id}: no result.json\n${logs(id)}`);
      assert.equal(job.stdout, path.join(clusterDir, 'slurm', 'logs', `${arrayJobId}_${index}.out`));
      assert.ok(fs.existsSync(job.stdout!), `${job.stdout} exists`);
      const stderr = fs.readFileSync(job.stderr!, 'utf8');
      assert.match(stderr, new RegExp(`varl sweep job ${index} \\(SLURM job \\d+\\) on `));
      assert.match(stderr, /done at step 300/);
    }
  });

  it('gives exactly the results of the same jobs run locally with varl sweep job', () => {
    for (const [index, id] of ids.entries()) {
      const local = varl(['sweep', 'job', localDir, '--index', String(index), '--quiet'], work, cluster!.env);
      assert.equal(local.status, 0, `varl sweep job --index ${index} failed:\n${local.stderr}`);
      const read = (dir: string, file: string): string => fs.readFileSync(path.join(dir, 'jobs', id, file), 'utf8');
      assert.equal(read(clusterDir, 'result.json'), read(localDir, 'result.json'), `${id}: result.json differs`);
      assert.equal(progressWithoutTiming(path.join(clusterDir, 'jobs', id, 'progress.jsonl')), progressWithoutTiming(path.join(localDir, 'jobs', id, 'progress.jsonl')), `${id}: progress.jsonl differs`);
      const result = JSON.parse(read(clusterDir, 'result.json')) as { steps: number; evalCurve: unknown[] };
      assert.equal(result.steps, 300);
      assert.equal(result.evalCurve.length, 2);
    }
  });

  it('varl sweep status shows the queue states', () => {
    const status = varl(['sweep', 'status', clusterDir], work, cluster!.env);
    assert.equal(status.status, 0, status.stderr);
    assert.match(status.stdout, /COMPLETED/);
    for (const id of ids) assert.ok(status.stdout.includes(id), `${id} is listed`);
  });

  it('varl tune --backend slurm, stopped and run again, gives the tune.json and best configurations of the local backend', async function () {
    fs.writeFileSync(path.join(work, 'tune.yaml'), TINY_TUNE_YAML);
    const local = varl(['tune', 'tune.yaml', '--out', 'tune-local', '--jobs', '2', '--quiet'], work, cluster!.env);
    assert.equal(local.status, 0, `local varl tune failed:\n${local.stderr}`);

    const slurmArgs = ['tune', 'tune.yaml', '--out', 'tune-slurm', '--backend', 'slurm', '--poll-interval', '0.3', '--time', '10:00'];
    const tuneDir = path.join(work, 'tune-slurm');
    // Stopped (SIGINT) right after the first rung's array is submitted: its jobs stay in the queue.
    const first = spawn(process.execPath, [VARL, ...slurmArgs], { cwd: work, env: cluster!.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let firstErr = '';
    first.stderr.on('data', (chunk: Buffer) => (firstErr += chunk.toString()));
    const firstExit = new Promise<number | null>((resolve) => first.on('close', (code) => resolve(code)));
    const deadline = Date.now() + 60_000;
    while (readSlurmSubmissions(tuneDir).length === 0 && first.exitCode === null && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    first.kill('SIGINT');
    assert.equal(await firstExit, 130, `varl tune --backend slurm was not stopped cleanly:\n${firstErr}`);
    assert.equal(readSlurmSubmissions(tuneDir).length, 1);

    const rest = varl([...slurmArgs, '--quiet'], work, cluster!.env);
    assert.equal(rest.status, 0, `varl tune --backend slurm failed:\n${rest.stderr}`);
    assert.equal(rest.stdout, local.stdout);
    const tuneJson = (dir: string): string => fs.readFileSync(path.join(work, dir, 'tune.json'), 'utf8');
    assert.equal(tuneJson('tune-slurm'), tuneJson('tune-local'));
    // One array per rung, the one still queued waited for rather than submitted again; the last rung without --until.
    const rungs = readSlurmSubmissions(tuneDir);
    assert.deepEqual(rungs.map((r) => [Object.keys(r.tasks).length, r.until]), [[2, 100], [1, undefined]]);
    assert.equal(readSlurmSubmissions(path.join(tuneDir, 'final')).length, 1);
  });

  it('runs the tasks of a sweep folder whose path holds spaces, quotes, # and %, with their logs where the status says', async () => {
    const odd = path.join(work, `odd #3 o'brien "x" 100%a`);
    const dir = path.join(odd, 'sweep');
    fakeSweep(dir, ['a', 'b']);
    // A stand-in for bin/varl.js: the task's arguments and folder are all that matter here.
    const varlBin = path.join(work, 'echo-varl.js');
    fs.writeFileSync(varlBin, 'console.log(JSON.stringify({ args: process.argv.slice(2), cwd: process.cwd() }));\n');
    await submitSlurm(dir, { env: cluster!.env, varlBin, workDir: odd, time: '1' });
    const status = await waitForSlurm(dir, { env: cluster!.env, pollSeconds: 0.3 });
    for (const [index, id] of ['a', 'b'].entries()) {
      const job = status.jobs[id]!;
      assert.equal(job.state, 'COMPLETED', `${id}: ${job.state}\n${cluster!.logTail(10)}`);
      assert.ok(fs.existsSync(job.stdout!), `${job.stdout} exists (logs: ${fs.readdirSync(path.join(dir, 'slurm', 'logs')).join(', ')})`);
      assert.deepEqual(JSON.parse(fs.readFileSync(job.stdout!, 'utf8')), { args: ['sweep', 'job', dir, '--index', String(index)], cwd: odd });
    }
  });

  it('submits nothing once every job is done, and says so', () => {
    const again = varl(['sweep', 'submit', clusterDir, '--backend', 'slurm'], work, cluster!.env);
    assert.notEqual(again.status, 0);
    assert.match(again.stderr, /nothing to submit in .*: of 2 jobs, 2 have a result\.json/);
  });
});
