/**
 * The local backend: the jobs of a sweep folder (or of several, as one queue) on N parallel child processes, each one
 * `varl sweep job <dir> --index I` with its output appended to the job's log.txt. Finished jobs are
 * skipped and interrupted ones resume from their checkpoints, so a sweep killed at any moment and
 * run again loses nothing and runs nothing twice.
 *
 * The children hold an IPC channel to this process and preload bin/parent-watch.js (as bin/varl.js
 * starts the CLI): when this process dies, even by SIGKILL, they checkpoint and exit instead of
 * running on as orphans.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { formatDuration } from '../node/progress.ts';
import { timeLeft } from './estimate.ts';
import type { SweepJob } from './expand.ts';
import { UsageError } from '../node/usage.ts';
import { jobDir, jobStatus, jobStep, lockSweep, loggedStep, writeJobStatusFile, type SweepFolder } from './folder.ts';

/** The package folder (the repository, or the installed package). */
const ROOT = ((): string => {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  while (!fs.existsSync(path.join(dir, 'package.json')) && path.dirname(dir) !== dir) dir = path.dirname(dir);
  return dir;
})();

let cachedCommand: readonly string[] | undefined;

/** node's arguments that start the CLI as bin/varl.js does: relaxed SIMD when accepted, the parent watch, tsx or the compiled CLI. */
function cliArguments(): readonly string[] {
  if (cachedCommand) return cachedCommand;
  const relaxedSimd = '--experimental-wasm-relaxed-simd';
  const flags = spawnSync(process.execPath, [relaxedSimd, '-e', ''], { stdio: 'ignore' }).status === 0 ? [relaxedSimd] : [];
  const watcher = ['--import', pathToFileURL(path.join(ROOT, 'bin', 'parent-watch.js')).href];
  const source = path.join(ROOT, 'algorithms', 'cli.ts');
  const entry = fs.existsSync(source) ? ['--import', import.meta.resolve('tsx'), source] : [path.join(ROOT, 'dist', 'algorithms', 'cli.js')];
  cachedCommand = [...flags, ...watcher, ...entry];
  return cachedCommand;
}

/**
 * The environment of a job process: unless VARL_THREADS is set, each of the `parallel` processes gets
 * an equal share of the cores for its kernels (at least one), so parallel jobs do not oversubscribe
 * them. Results do not depend on the thread count.
 */
function childEnvironment(parallel: number): NodeJS.ProcessEnv {
  if (process.env.VARL_THREADS !== undefined) return process.env;
  const share = Math.max(1, Math.floor(os.availableParallelism() / parallel));
  return { ...process.env, VARL_THREADS: String(share) };
}

export interface LocalRunOptions {
  /** Parallel processes (default: os.availableParallelism()). */
  readonly parallel?: number;
  /** Only these jobs (default: all of the sweep). */
  readonly jobs?: readonly SweepJob[];
  /** Train a job only to this budget (`varl sweep job --until`); undefined: its full budget. */
  readonly until?: (job: SweepJob) => number | undefined;
  /** No progress lines. */
  readonly quiet?: boolean;
  /** Where progress lines go (default process.stderr). */
  readonly stream?: NodeJS.WritableStream & { isTTY?: boolean };
  /** Prefix of the progress line (default 'sweep <name>', or the names joined by ' + '). */
  readonly label?: string;
  /**
   * The queue's order: 'file' (default) the sweeps' and their jobs' order as given; 'seed' every job of
   * seed 0 first, then of seed 1, … (each seed's jobs in the order given), so that on a budget of
   * compute the comparisons paired by seed fill up one pair at a time.
   */
  readonly order?: 'file' | 'seed';
  /**
   * Where each job goes in the queue across the sweeps, lower first, ties in the order given (`--only`:
   * the index of the first glob that matches the job, so the globs order the queue, not the sweeps).
   * 'seed' order then sorts by seed, keeping this order within a seed.
   */
  readonly priority?: (dir: string, job: SweepJob) => number;
}

/** One sweep folder of a local run, and which of its jobs to run (default: all, in the folder's order). */
export interface LocalSweep {
  readonly dir: string;
  readonly sweep: SweepFolder;
  readonly jobs?: readonly SweepJob[];
}

export interface LocalRunSummary {
  /** Jobs finished (now or before) among those asked for. */
  readonly done: number;
  /** The jobs that failed: their sweep's name, id and log file. */
  readonly failed: readonly { readonly sweep: string; readonly id: string; readonly log: string }[];
  /** Jobs that another process runs (left alone). */
  readonly runningElsewhere: number;
  /** Stopped by SIGINT/SIGTERM before every job finished. */
  readonly interrupted: boolean;
  /** SIGINT/SIGTERM arrived during the run (even if every job then ended anyway). */
  readonly stopRequested: boolean;
}

/** The exit status of a local run: 130 interrupted, 1 when a job failed, else 0. */
export function exitStatus(summary: LocalRunSummary): number {
  return summary.interrupted ? 130 : summary.failed.length > 0 ? 1 : 0;
}

/** Runs the sweep's unfinished jobs on `parallel` child processes; resolves when all have ended (or after a signal, once the running ones checkpointed). */
export async function runLocal(dir: string, sweep: SweepFolder, options: LocalRunOptions = {}): Promise<LocalRunSummary> {
  return runLocalSweeps([{ dir, sweep, ...(options.jobs ? { jobs: options.jobs } : {}) }], options);
}

/**
 * Runs the unfinished jobs of several sweep folders as one queue on `parallel` child processes, the
 * folders' jobs in the order given (e.g. all ablations of a study, so no core idles between them).
 * Every folder is locked for the run; `options.jobs` is ignored (give each folder's `jobs`).
 */
export async function runLocalSweeps(sweeps: readonly LocalSweep[], options: LocalRunOptions = {}): Promise<LocalRunSummary> {
  const dirs = sweeps.map((s) => path.resolve(s.dir));
  const repeated = dirs.find((dir, i) => dirs.indexOf(dir) !== i);
  if (repeated !== undefined) throw new UsageError(`sweep: ${repeated} is given twice`);
  const releases: (() => void)[] = [];
  try {
    for (const dir of dirs) releases.push(lockSweep(dir));
    return await runUnlocked(sweeps, options);
  } finally {
    for (const release of releases) release();
  }
}

/** A job of a local run and the sweep folder it belongs to. */
interface QueuedJob {
  readonly dir: string;
  readonly sweep: string;
  readonly job: SweepJob;
}

async function runUnlocked(sweeps: readonly LocalSweep[], options: LocalRunOptions): Promise<LocalRunSummary> {
  const parallel = Math.max(1, options.parallel ?? os.availableParallelism());
  const inFileOrder: QueuedJob[] = sweeps.flatMap(({ dir, sweep, jobs }) => (jobs ?? sweep.jobs).map((job) => ({ dir, sweep: sweep.name, job })));
  // Array.prototype.sort is stable: ties keep the order given, and within a seed the priority order stays.
  const priority = options.priority;
  const prioritized = priority ? [...inFileOrder].sort((a, b) => priority(a.dir, a.job) - priority(b.dir, b.job)) : inFileOrder;
  const selected = options.order === 'seed' ? [...prioritized].sort((a, b) => a.job.seed - b.job.seed) : prioritized;
  const stream = options.stream ?? process.stderr;
  const label = options.label ?? `sweep ${sweeps.map((s) => s.sweep.name).join(' + ')}`;
  const target = ({ job }: QueuedJob): number => Math.min(options.until?.(job) ?? job.steps, job.steps);
  // A checkpoint at the target ends a job only below its full budget (a tuning rung's --until): at the
  // full budget the job still owes its result.json, which `varl sweep job` then writes without training.
  const stoppedAtRung = (item: QueuedJob): boolean => target(item) < item.job.steps && jobStep(item.dir, item.job) >= target(item);

  const queue: QueuedJob[] = [];
  let done = 0;
  let runningElsewhere = 0;
  for (const item of selected) {
    const state = jobStatus(item.dir, item.job);
    if (state === 'done' || (state === 'interrupted' && stoppedAtRung(item))) done++;
    else if (state === 'running') runningElsewhere++;
    else queue.push(item);
  }
  const failed: { sweep: string; id: string; log: string }[] = [];
  const running = new Map<QueuedJob, ChildProcess>();
  // Steps reached per job, read from disk at the start and when a job ends; running jobs are read from their progress file.
  const stepsAtRest = new Map(selected.map((item) => [item, Math.min(target(item), jobStep(item.dir, item.job))]));
  const stepsOf = (item: QueuedJob): number =>
    running.has(item) ? Math.min(target(item), Math.max(loggedStep(item.dir, item.job), stepsAtRest.get(item) ?? 0)) : stepsAtRest.get(item) ?? 0;
  const startSteps = selected.reduce((sum, item) => sum + stepsOf(item), 0);
  const started = performance.now();
  let stopping = false;
  const hasFailed = (item: QueuedJob): boolean => failed.some((f) => f.sweep === item.sweep && f.id === item.job.id);

  // The eta from each job's own seconds per step (estimate.ts), read from disk at most every 30 s: the queue's
  // steps per second mixes fast and slow jobs (SAC beside HMC-SAC) and misleads until the end.
  let jobTimeLeft: { at: number; done: number; eta: number | null } = { at: -Infinity, done: -1, eta: null };
  const etaFromJobs = (counted: readonly QueuedJob[]): number | null => {
    // Read again when a job has ended, after 30 s, or after 5 s while no estimate exists yet.
    const age = performance.now() - jobTimeLeft.at;
    if (jobTimeLeft.done === done && age < (jobTimeLeft.eta === null ? 5_000 : 30_000)) return jobTimeLeft.eta;
    const estimates = new Map(sweeps.map(({ dir, sweep }) => [dir, timeLeft(dir, sweep, (job) => Math.min(options.until?.(job) ?? job.steps, job.steps)).perJob]));
    const left = counted.map((item) => estimates.get(item.dir)?.[item.job.index] ?? null);
    // Every job's time, shared by `parallel` processes, but never less than the longest job's own.
    const eta = left.some((s) => s === null) ? null
      : Math.max(left.reduce<number>((sum, s) => sum + (s as number), 0) / parallel, ...left.map((s) => s as number));
    jobTimeLeft = { at: performance.now(), done, eta };
    return eta;
  };

  const line = (): string => {
    // Failed jobs leave the totals: the percentage and the eta are of the work that can still be done.
    const counted = selected.filter((item) => !hasFailed(item));
    const totalSteps = counted.reduce((sum, item) => sum + target(item), 0);
    const stepsNow = counted.reduce((sum, item) => sum + stepsOf(item), 0);
    const elapsed = (performance.now() - started) / 1000;
    const rate = (stepsNow - startSteps) / elapsed;
    const byJobs = stepsNow < totalSteps ? etaFromJobs(counted) : null;
    const byQueue = rate > 0 && elapsed > 5 && stepsNow < totalSteps ? (totalSteps - stepsNow) / rate : null;
    const seconds = byJobs ?? byQueue;
    const eta = seconds !== null ? `, eta ${formatDuration(seconds)}` : '';
    const pending = selected.length - done - failed.length - running.size - runningElsewhere;
    return `${label}: ${done}/${selected.length} done, ${running.size + runningElsewhere} running, ${failed.length} failed, ${pending} pending` +
      ` (${((100 * stepsNow) / Math.max(1, totalSteps)).toFixed(0)}% of steps${eta}, ${formatDuration(elapsed)})`;
  };
  let lastLine = '';
  let lastPrinted = 0;
  const report = (force = false): void => {
    if (options.quiet) return;
    const text = line();
    const now = performance.now();
    if (stream.isTTY) {
      stream.write(`\r${text}\x1b[K`);
    } else if (force || now - lastPrinted > 30_000) {
      if (text !== lastLine) stream.write(text + '\n');
      lastLine = text;
      lastPrinted = now;
    }
  };

  const command = cliArguments(); // before any listener is installed: a failure here leaves nothing behind
  return new Promise<LocalRunSummary>((resolve) => {
    const ticker = setInterval(() => report(), 1000);
    const onSignal = (): void => {
      // First signal: stop starting jobs and let the running ones checkpoint (SIGTERM); second: kill them.
      const signal = stopping ? 'SIGKILL' : 'SIGTERM';
      stopping = true;
      if (!options.quiet) stream.write(`\n${label}: stopping; ${running.size} running job(s) save a checkpoint (again to kill them)\n`);
      for (const child of running.values()) child.kill(signal);
      if (running.size === 0) finish();
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    let finished = false;
    const finish = (): void => {
      if (finished) return;
      finished = true;
      clearInterval(ticker);
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      report(true);
      if (stream.isTTY && !options.quiet) stream.write('\n');
      resolve({ done, failed, runningElsewhere, interrupted: stopping && done + failed.length + runningElsewhere < selected.length, stopRequested: stopping });
    };
    const startNext = (): void => {
      while (!stopping && running.size < parallel && queue.length > 0) start(queue.shift() as QueuedJob);
      if (running.size === 0) finish();
    };
    const start = (item: QueuedJob): void => {
      const { dir, job } = item;
      const folder = jobDir(dir, job);
      fs.mkdirSync(folder, { recursive: true });
      const log = path.join(folder, 'log.txt');
      const fd = fs.openSync(log, 'a');
      const until = options.until?.(job);
      const args = [...command, 'sweep', 'job', dir, '--index', String(job.index), ...(until !== undefined && until < job.steps ? ['--until', String(until)] : [])];
      const child = spawn(process.execPath, args, { stdio: ['ignore', fd, fd, 'ipc'], cwd: process.cwd(), env: childEnvironment(parallel) });
      fs.closeSync(fd);
      running.set(item, child);
      let settled = false;
      const ended = (code: number | null, signal: NodeJS.Signals | null): void => {
        if (settled) return;
        settled = true;
        running.delete(item);
        stepsAtRest.set(item, Math.min(target(item), jobStep(dir, job)));
        // Once a stop was requested, death by a signal (the second one's SIGKILL) or 143 (a SIGTERM that came
        // before the job's own handler) is the stop too; without a request, it is a failure (an OOM kill).
        const interrupted = code === 130 || (stopping && (signal !== null || code === 143));
        if (code === 0) done++;
        else if (!interrupted) {
          failed.push({ sweep: item.sweep, id: job.id, log });
          const status = code ?? 128 + (signal ? os.constants.signals[signal] ?? 0 : 0);
          // Killed outright (an OOM kill), the job could not record its end: its status would still say running.
          if (signal !== null) writeJobStatusFile(dir, job, { state: 'failed', exitCode: status, message: `killed by ${signal}` });
          if (!options.quiet) stream.write(`${stream.isTTY ? '\r\x1b[K' : ''}${label}: ${job.id} failed (exit ${status}); log: ${log}\n`);
        }
        startNext();
        report(true);
      };
      child.on('exit', ended);
      child.on('error', (error) => {
        fs.appendFileSync(log, `could not start the job: ${error.message}\n`);
        ended(1, null);
      });
    };
    report(true);
    startNext();
  });
}
