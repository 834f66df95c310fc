/**
 * The SLURM queue as the sweep backend sees it: the submissions recorded in a sweep folder, the
 * state of each sweep job read back from squeue (else sacct, else its files), and waiting until the
 * queue holds none of a set of jobs. Submitting is in slurm.ts, which re-exports all of this.
 *
 *   <dir>/sweep.json                  the jobs (read here for `id` and `index` only)
 *   <dir>/jobs/<id>/result.json       written by the runner when a job is done
 *   <dir>/slurm/submissions.json      every submission: array job id, task → sweep job, time, script
 *
 *   const status = await slurmQueueStatus(dir);   // status.jobs[id].state: 'PENDING' | 'RUNNING' | …
 *   await waitForSlurm(dir, { ids: [id], pollSeconds: 10 });
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { SlurmResources } from './slurm.ts';

/** SLURM could not be used: sbatch/squeue missing or failing, a sweep folder that cannot be read, nothing to submit. */
export class SlurmError extends Error {
  override name = 'SlurmError';
}

/** One `sbatch` call, as recorded in `<dir>/slurm/submissions.json`. */
export interface SlurmSubmission {
  /** SLURM's array job id (`%A`); null for a dry run. */
  readonly arrayJobId: string | null;
  /** The cluster sbatch named in its `jobid;cluster` answer, if any. */
  readonly cluster: string | null;
  /** ISO time of the submission. */
  readonly submittedAt: string;
  /** Absolute path of the script submitted. */
  readonly script: string;
  /** The `--array` value, e.g. `0-3,5%2`. */
  readonly array: string;
  /** Array task index → sweep job id (the index is the job's index in sweep.json). */
  readonly tasks: Readonly<Record<string, string>>;
  /** Absolute path of the logs folder; task i of array job A writes `A_i.out` and `A_i.err` there. */
  readonly logs: string;
  /** The resources asked for (absent keys: the cluster's defaults). */
  readonly resources: SlurmResources;
  /** The `--until` budget of the tasks, when they train only to a tuning rung. */
  readonly until?: number;
}

/** The states squeue and sacct report, plus varl's own for jobs the queue does not know. */
export type SlurmJobState =
  | 'PENDING' | 'CONFIGURING' | 'RUNNING' | 'COMPLETING' | 'COMPLETED' | 'FAILED' | 'CANCELLED' | 'TIMEOUT'
  | 'OUT_OF_MEMORY' | 'NODE_FAIL' | 'PREEMPTED' | 'BOOT_FAIL' | 'DEADLINE' | 'SUSPENDED' | 'STOPPED'
  | 'REQUEUED' | 'REQUEUE_HOLD' | 'REQUEUE_FED' | 'RESV_DEL_HOLD' | 'SIGNALING' | 'STAGE_OUT' | 'RESIZING' | 'REVOKED' | 'SPECIAL_EXIT'
  /** Never submitted and no result.json. */
  | 'NOT_SUBMITTED'
  /** Submitted, not in the queue, and no result.json; the queue could not be read, so the outcome is unknown. */
  | 'UNKNOWN';

/** Where a job's state came from. */
export type SlurmStateSource = 'squeue' | 'sacct' | 'result' | 'none';

export interface SlurmJobStatus {
  readonly id: string;
  readonly index: number;
  readonly state: SlurmJobState;
  readonly source: SlurmStateSource;
  /** Whether `<dir>/jobs/<id>/result.json` exists. */
  readonly hasResult: boolean;
  /** The array job of the job's latest submission, and SLURM's own job id of its task when known. */
  readonly arrayJobId: string | null;
  readonly slurmJobId: string | null;
  /** squeue's reason (PENDING: why it waits) or sacct's exit code (`1:0`), when there is one. */
  readonly detail: string | null;
  /** The task's log files (they may not exist yet). */
  readonly stdout: string | null;
  readonly stderr: string | null;
}

/** Whether a queue command answered: true, false (not installed or not usable, with why), or not asked. */
export interface SlurmSourceReport {
  readonly used: boolean;
  readonly note: string | null;
}

export interface SlurmQueueStatus {
  readonly dir: string;
  readonly submissions: number;
  /** Sweep job id → status, in sweep.json order. */
  readonly jobs: Readonly<Record<string, SlurmJobStatus>>;
  /** State → number of sweep jobs in it. */
  readonly counts: Readonly<Partial<Record<SlurmJobState, number>>>;
  readonly squeue: SlurmSourceReport;
  readonly sacct: SlurmSourceReport;
}

// ---------------------------------------------------------------------------------------------
// The sweep folder, as far as this backend needs it

export interface SweepJobRef {
  readonly id: string;
  readonly index: number;
}

interface SweepRef {
  readonly name: string;
  readonly jobs: readonly SweepJobRef[];
}

/** Reads `<dir>/sweep.json` for the sweep's name and its jobs' ids and indices, every field checked. */
export function readSweepRef(dir: string): SweepRef {
  const file = path.join(dir, 'sweep.json');
  if (!fs.existsSync(file)) throw new SlurmError(`${dir} is not a sweep folder: ${file} does not exist`);
  let data: unknown;
  try {
    data = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (error) {
    throw new SlurmError(`${file} is not valid JSON: ${(error as Error).message}`);
  }
  if (typeof data !== 'object' || data === null) throw new SlurmError(`${file}: expected an object, got ${JSON.stringify(data)}`);
  const { name, jobs } = data as { name?: unknown; jobs?: unknown };
  if (!Array.isArray(jobs)) throw new SlurmError(`${file}: jobs must be an array, got ${JSON.stringify(jobs)}`);
  const refs = jobs.map((job: unknown, i): SweepJobRef => {
    const { id, index } = (job ?? {}) as { id?: unknown; index?: unknown };
    if (typeof id !== 'string' || id === '' || id.includes('/') || id.startsWith('.')) throw new SlurmError(`${file}: jobs[${i}].id must be a folder name, got ${JSON.stringify(id)}`);
    if (index !== i) throw new SlurmError(`${file}: jobs[${i}].index must be ${i}, got ${JSON.stringify(index)}`);
    return { id, index };
  });
  return { name: typeof name === 'string' && name !== '' ? name : path.basename(path.resolve(dir)), jobs: refs };
}

export const resultFile = (dir: string, id: string): string => path.join(dir, 'jobs', id, 'result.json');

export const submissionsFile = (dir: string): string => path.join(dir, 'slurm', 'submissions.json');

/** The submissions recorded in `<dir>/slurm/submissions.json`, oldest first (none when the file is absent). */
export function readSlurmSubmissions(dir: string): SlurmSubmission[] {
  const file = submissionsFile(dir);
  if (!fs.existsSync(file)) return [];
  let data: unknown;
  try {
    data = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (error) {
    throw new SlurmError(`${file} is not valid JSON: ${(error as Error).message}`);
  }
  const submissions = (data as { submissions?: unknown } | null)?.submissions;
  if (!Array.isArray(submissions)) throw new SlurmError(`${file}: submissions must be an array`);
  submissions.forEach((s: unknown, i) => {
    const record = s as Partial<SlurmSubmission> | null;
    if (typeof record?.arrayJobId !== 'string' || typeof record.tasks !== 'object' || record.tasks === null) {
      throw new SlurmError(`${file}: submissions[${i}] needs an arrayJobId string and a tasks object`);
    }
  });
  return submissions as SlurmSubmission[];
}

// ---------------------------------------------------------------------------------------------
// Running sbatch, squeue and sacct

/** The absolute path of `command` on `PATH`, or null. */
export function findOnPath(command: string, env: NodeJS.ProcessEnv = process.env): string | null {
  for (const dir of (env.PATH ?? '').split(path.delimiter)) {
    if (dir === '') continue;
    const candidate = path.join(dir, command);
    try {
      fs.accessSync(candidate, fs.constants.X_OK);
      if (fs.statSync(candidate).isFile()) return candidate;
    } catch {
      // not here
    }
  }
  return null;
}

interface CommandResult {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `command args` and collects its output; fails only when it cannot be started or outlives `timeoutMs`. */
export function run(command: string, args: readonly string[], env: NodeJS.ProcessEnv, timeoutMs: number): Promise<CommandResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => { stdout += chunk; });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => { stderr += chunk; });
    const timer = setTimeout(() => {
      child.kill('SIGTERM');
      reject(new SlurmError(`${command} ${args.join(' ')} did not finish within ${timeoutMs / 1000} s (is slurmctld reachable?)`));
    }, timeoutMs);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(new SlurmError(`could not run ${command}: ${error.message}`));
    });
    child.on('close', (status) => {
      clearTimeout(timer);
      resolve({ status, stdout, stderr });
    });
  });
}

export const COMMAND_TIMEOUT_MS = 60_000;

// ---------------------------------------------------------------------------------------------
// Reading the queue

/**
 * States in which a task still holds its job: a new submission leaves such jobs alone. Held ones (REQUEUE_HOLD after a
 * requeue, RESV_DEL_HOLD) run once released, and SIGNALING and STAGE_OUT are a running task's last moments.
 */
export const ACTIVE: ReadonlySet<SlurmJobState> = new Set<SlurmJobState>([
  'PENDING', 'CONFIGURING', 'RUNNING', 'COMPLETING', 'SUSPENDED', 'STOPPED', 'REQUEUED', 'REQUEUE_HOLD', 'REQUEUE_FED', 'RESV_DEL_HOLD',
  'SIGNALING', 'STAGE_OUT', 'RESIZING',
]);

interface QueueRow {
  readonly arrayJobId: string;
  readonly taskId: number;
  readonly slurmJobId: string | null;
  readonly state: SlurmJobState;
  readonly detail: string | null;
}

/** Every job state of squeue(1)'s JOB STATE CODES. */
const KNOWN_STATES: ReadonlySet<string> = new Set([
  'PENDING', 'CONFIGURING', 'RUNNING', 'COMPLETING', 'COMPLETED', 'FAILED', 'CANCELLED', 'TIMEOUT', 'OUT_OF_MEMORY', 'NODE_FAIL',
  'PREEMPTED', 'BOOT_FAIL', 'DEADLINE', 'SUSPENDED', 'STOPPED', 'REQUEUED', 'REQUEUE_HOLD', 'REQUEUE_FED', 'RESV_DEL_HOLD',
  'SIGNALING', 'STAGE_OUT', 'RESIZING', 'REVOKED', 'SPECIAL_EXIT',
]);

/** `CANCELLED by 0` → CANCELLED; an unknown word → UNKNOWN. */
function parseState(text: string): SlurmJobState {
  const word = text.trim().split(/\s+/, 1)[0]!.replace(/\+$/, '').toUpperCase();
  return KNOWN_STATES.has(word) ? word as SlurmJobState : 'UNKNOWN';
}

/** Array task ids of `5`, `[0-3,7]`, `[0-5%2]` or `0-3` (an array's pending remainder is listed as a range). */
function taskIds(text: string): number[] {
  const body = text.replace(/^\[|\]$/g, '').replace(/%\d+$/, '');
  const ids: number[] = [];
  for (const part of body.split(',')) {
    const range = /^(\d+)(?:-(\d+))?(?::(\d+))?$/.exec(part);
    if (!range) continue;
    const first = Number(range[1]);
    const last = range[2] === undefined ? first : Number(range[2]);
    const stride = range[3] === undefined ? 1 : Number(range[3]);
    for (let i = first; i <= last; i += stride) ids.push(i);
  }
  return ids;
}

/**
 * squeue's rows for the given array jobs: one per array task, finished tasks included while the
 * controller still remembers them (MinJobAge). Format: `%F|%K|%A|%T|%r` (array job, task, job id, state, reason).
 */
export function parseSqueue(stdout: string): QueueRow[] {
  const rows: QueueRow[] = [];
  for (const line of stdout.split('\n')) {
    const [arrayJobId, task, jobId, state, reason] = line.trim().split('|');
    if (!arrayJobId || task === undefined || state === undefined || !/^\d+$/.test(arrayJobId)) continue;
    const ids = taskIds(task);
    for (const taskId of ids) {
      rows.push({
        arrayJobId,
        taskId,
        slurmJobId: ids.length === 1 && jobId && /^\d+$/.test(jobId) ? jobId : null,
        state: parseState(state),
        detail: reason && reason !== 'None' ? reason : null,
      });
    }
  }
  return rows;
}

/** sacct's rows (`sacct -X -n -P --format=JobID,JobIDRaw,State,ExitCode`): `12_3|15|COMPLETED|0:0`, `12_[4-6]|12|PENDING|0:0`. */
export function parseSacct(stdout: string): QueueRow[] {
  const rows: QueueRow[] = [];
  for (const line of stdout.split('\n')) {
    const [jobId, raw, state, exitCode] = line.trim().split('|');
    const match = /^(\d+)_(.+)$/.exec(jobId ?? '');
    if (!match || state === undefined) continue;
    const ids = taskIds(match[2]!);
    for (const taskId of ids) {
      rows.push({
        arrayJobId: match[1]!,
        taskId,
        slurmJobId: ids.length === 1 && raw && /^\d+$/.test(raw) ? raw : null,
        state: parseState(state),
        detail: exitCode && exitCode !== '0:0' ? `exit code ${exitCode}` : null,
      });
    }
  }
  return rows;
}

export interface SlurmStatusOptions {
  /** Environment of squeue and sacct; default `process.env`. */
  readonly env?: NodeJS.ProcessEnv;
}

/**
 * The state of every sweep job: squeue's for tasks the controller knows, else sacct's (when
 * accounting is enabled), else inferred: COMPLETED with a result.json, FAILED for a task that left
 * the queue without one, NOT_SUBMITTED for a job no submission covers, UNKNOWN when the queue could
 * not be read. A job resubmitted later is reported from its latest submission.
 */
export async function slurmQueueStatus(dir: string, options: SlurmStatusOptions = {}): Promise<SlurmQueueStatus> {
  const sweepDir = path.resolve(dir);
  const sweep = readSweepRef(sweepDir);
  const submissions = readSlurmSubmissions(sweepDir);
  const env = options.env ?? process.env;

  // The latest submission of each job.
  const latest = new Map<string, { submission: SlurmSubmission; task: number }>();
  for (const submission of submissions) {
    for (const [task, id] of Object.entries(submission.tasks)) latest.set(id, { submission, task: Number(task) });
  }
  const arrayJobIds = [...new Set(submissions.map((s) => s.arrayJobId).filter((id): id is string => id !== null))];

  let squeue: SlurmSourceReport = { used: false, note: 'no submissions' };
  let sacct: SlurmSourceReport = { used: false, note: 'no submissions' };
  const fromSqueue = new Map<string, QueueRow>();
  const fromSacct = new Map<string, QueueRow>();
  const key = (arrayJobId: string, task: number): string => `${arrayJobId}_${task}`;
  if (arrayJobIds.length > 0) {
    const squeuePath = findOnPath('squeue', env);
    if (squeuePath === null) {
      squeue = { used: false, note: 'squeue is not on PATH' };
    } else {
      const result = await run(squeuePath, ['--noheader', '--array', '--states=all', `--jobs=${arrayJobIds.join(',')}`, '--format=%F|%K|%A|%T|%r'], env, COMMAND_TIMEOUT_MS);
      if (result.status === 0) {
        squeue = { used: true, note: null };
        for (const row of parseSqueue(result.stdout)) fromSqueue.set(key(row.arrayJobId, row.taskId), row);
      } else if (/invalid job id/i.test(result.stderr)) {
        // Every job has been purged from the controller's memory: the queue holds none of them.
        squeue = { used: true, note: null };
      } else {
        squeue = { used: false, note: `squeue failed (exit status ${result.status}): ${result.stderr.trim()}` };
      }
    }
    const sacctPath = findOnPath('sacct', env);
    if (sacctPath === null) {
      sacct = { used: false, note: 'sacct is not on PATH' };
    } else {
      const result = await run(sacctPath, ['-X', '-n', '-P', `--jobs=${arrayJobIds.join(',')}`, '--format=JobID,JobIDRaw,State,ExitCode'], env, COMMAND_TIMEOUT_MS);
      if (result.status === 0) {
        sacct = { used: true, note: null };
        for (const row of parseSacct(result.stdout)) fromSacct.set(key(row.arrayJobId, row.taskId), row);
      } else {
        sacct = { used: false, note: `sacct unavailable: ${result.stderr.trim() || `exit status ${result.status}`}` };
      }
    }
  }

  const jobs: Record<string, SlurmJobStatus> = {};
  const counts: Partial<Record<SlurmJobState, number>> = {};
  for (const job of sweep.jobs) {
    const hasResult = fs.existsSync(resultFile(sweepDir, job.id));
    const record = latest.get(job.id);
    let state: SlurmJobState;
    let source: SlurmStateSource;
    let row: QueueRow | undefined;
    if (record === undefined || record.submission.arrayJobId === null) {
      state = hasResult ? 'COMPLETED' : 'NOT_SUBMITTED';
      source = hasResult ? 'result' : 'none';
    } else {
      const k = key(record.submission.arrayJobId, record.task);
      row = fromSqueue.get(k) ?? fromSacct.get(k);
      if (row !== undefined) {
        state = row.state;
        source = fromSqueue.has(k) ? 'squeue' : 'sacct';
      } else if (hasResult) {
        state = 'COMPLETED';
        source = 'result';
      } else {
        state = squeue.used || sacct.used ? 'FAILED' : 'UNKNOWN';
        source = 'none';
      }
    }
    const arrayJobId = record?.submission.arrayJobId ?? null;
    const logBase = arrayJobId !== null && record ? path.join(record.submission.logs, `${arrayJobId}_${record.task}`) : null;
    jobs[job.id] = {
      id: job.id,
      index: job.index,
      state,
      source,
      hasResult,
      arrayJobId,
      slurmJobId: row?.slurmJobId ?? null,
      detail: row?.detail ?? (source === 'none' && state === 'FAILED' ? 'left the queue without writing result.json; see its log' : null),
      stdout: logBase === null ? null : `${logBase}.out`,
      stderr: logBase === null ? null : `${logBase}.err`,
    };
    counts[state] = (counts[state] ?? 0) + 1;
  }
  return { dir: sweepDir, submissions: submissions.length, jobs, counts, squeue, sacct };
}

/** Whether a job in `state` is still held by the queue (pending, running, suspended, …). */
export function isQueuedState(state: SlurmJobState): boolean {
  return ACTIVE.has(state);
}

export interface SlurmWaitOptions extends SlurmStatusOptions {
  /** Only these sweep job ids (default: every job of the sweep). */
  readonly ids?: readonly string[];
  /** Seconds between two looks at the queue (default 5). */
  readonly pollSeconds?: number;
  /** Called with every status read, e.g. to print progress. */
  readonly onStatus?: (status: SlurmQueueStatus) => void;
  /** Stops waiting (the jobs stay in the queue); the promise then resolves to the last status read. */
  readonly signal?: AbortSignal;
}

/** Looks at the queue this many times in a row without an answer from squeue or sacct before giving up. */
const UNREADABLE_POLLS = 10;

/**
 * Polls squeue/sacct (`slurmQueueStatus`) until none of the jobs is queued any longer; resolves to the
 * last status, whose states say how each job ended. UNKNOWN (the queue could not be read) counts as
 * still queued, up to 10 reads in a row; then it throws a SlurmError with the reasons.
 *
 *   const status = await waitForSlurm(dir, { ids: ['sac-Pendulum-v1-s0'], pollSeconds: 10 });
 */
export async function waitForSlurm(dir: string, options: SlurmWaitOptions = {}): Promise<SlurmQueueStatus> {
  const pollMs = 1000 * (options.pollSeconds ?? 5);
  let unreadable = 0;
  for (;;) {
    const status = await slurmQueueStatus(dir, options);
    options.onStatus?.(status);
    const watched = (options.ids ?? Object.keys(status.jobs)).map((id) => {
      const job = status.jobs[id];
      if (job === undefined) throw new SlurmError(`waitForSlurm: ${dir} has no job ${id}`);
      return job;
    });
    const unknown = watched.some((job) => job.state === 'UNKNOWN');
    unreadable = unknown ? unreadable + 1 : 0;
    if (unreadable >= UNREADABLE_POLLS) {
      throw new SlurmError(`the queue could not be read ${UNREADABLE_POLLS} times in a row (${[status.squeue.note, status.sacct.note].filter((n) => n !== null).join('; ')})`);
    }
    if (options.signal?.aborted || !watched.some((job) => ACTIVE.has(job.state) || job.state === 'UNKNOWN')) return status;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(done, pollMs);
      function done(): void {
        clearTimeout(timer);
        options.signal?.removeEventListener('abort', done);
        resolve();
      }
      options.signal?.addEventListener('abort', done, { once: true });
    });
    if (options.signal?.aborted) return status;
  }
}

/**
 * A readable table of a queue status for `varl sweep status`:
 *
 *   slurm: 2 jobs, 1 submission — COMPLETED 1, RUNNING 1 (from squeue)
 *     0  sac-Pendulum-v1-s0   COMPLETED  array 12 task 0   result.json
 *     1  sac-Pendulum-v1-s1   RUNNING    array 12 task 1
 */
export function formatSlurmStatus(status: SlurmQueueStatus): string {
  const entries = Object.values(status.jobs);
  const counts = Object.entries(status.counts).map(([state, n]) => `${state} ${n}`).join(', ');
  const sources = [status.squeue.used ? 'squeue' : null, status.sacct.used ? 'sacct' : null].filter((s) => s !== null);
  const notes = [status.squeue.note, status.sacct.used ? null : status.sacct.note].filter((n): n is string => n !== null && n !== 'no submissions');
  const idWidth = Math.max(2, ...entries.map((e) => e.id.length));
  const lines = [
    `slurm: ${entries.length} jobs, ${status.submissions} submission${status.submissions === 1 ? '' : 's'} — ${counts || 'none'}` +
      (sources.length > 0 ? ` (from ${sources.join(' and ')}${notes.length > 0 ? '; ' : ''}${notes.join('; ')})` : notes.length > 0 ? ` (${notes.join('; ')})` : ''),
    ...entries.map((e) => [
      `  ${String(e.index).padStart(3)}  ${e.id.padEnd(idWidth)}  ${e.state.padEnd(13)}`,
      e.arrayJobId !== null ? `  array ${e.arrayJobId} task ${e.index}` : '',
      e.hasResult ? '  result.json' : '',
      e.detail !== null ? `  (${e.detail})` : '',
    ].join('').trimEnd()),
  ];
  return lines.join('\n');
}
