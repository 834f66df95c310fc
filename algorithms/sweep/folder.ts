/**
 * The sweep folder on disk, shared by every backend:
 *
 *   <dir>/sweep.json             { name, file, spec, jobs: [SweepJob …] } (jobs in index order)
 *   <dir>/jobs/<id>/             a `varl train` run folder (run.json, checkpoint/, progress.jsonl, curve.svg)
 *   <dir>/jobs/<id>/config.json  the job's resolved config (its `varl train --config`)
 *   <dir>/jobs/<id>/status.json  { state: running|stopped|interrupted|failed|done, pid, host, updatedAt, exitCode?, message? }
 *   <dir>/jobs/<id>/result.json  written once, atomically, when the job has trained its full budget
 *   <dir>/jobs/<id>/log.txt      the job's output (local backend)
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { writeFileAtomic as writeWholeFile } from '../../engine/io/files.ts';
import type { EvalPoint } from '../common/records.ts';
import { hasCheckpoint, readCheckpointMeta } from '../node/checkpoint-dir.ts';
import { LOCK_HEARTBEAT_MS, LOCK_STALE_AFTER_MS, lockIsStale, processAlive, takeLockFile } from '../node/run-dir.ts';
import { UsageError } from '../node/usage.ts';
import { canonicalJson, withDefaults, type SweepJob } from './expand.ts';
import type { SweepSpec } from './sweep-file.ts';

export interface SweepFolder {
  readonly name: string;
  /** The sweep file it was expanded from, as given. */
  readonly file: string;
  readonly spec: SweepSpec;
  readonly jobs: readonly SweepJob[];
}

/** What result.json holds: only numbers that an identical run reproduces bit for bit (no wall time). */
export interface JobResult {
  readonly id: string;
  readonly algorithm: string;
  readonly envId: string;
  readonly seed: number;
  readonly evalSeed: number;
  readonly steps: number;
  /** The last evaluation (at the end of training when evalEvery divides steps), or null without evaluations. */
  readonly finalEval: EvalPoint | null;
  readonly evalCurve: readonly EvalPoint[];
  readonly episodes: number;
  readonly updates: number;
  /** With `stopAtReturn`: the first evaluation step whose mean reached it, or null (the full budget ran). */
  readonly reachedAt?: number | null;
}

export type JobState = 'done' | 'running' | 'failed' | 'pending' | 'interrupted';

/** status.json: written by `varl sweep job` when it starts and when it ends. */
export interface JobStatusFile {
  readonly state: 'running' | 'stopped' | 'interrupted' | 'failed' | 'done';
  readonly pid: number;
  readonly host: string;
  readonly updatedAt: string;
  readonly exitCode?: number;
  readonly message?: string;
  /** For 'stopped': the budget (env steps) it was asked to stop at (`--until`). */
  readonly until?: number;
}

export function jobDir(dir: string, job: SweepJob): string {
  return path.join(dir, 'jobs', job.id);
}

/**
 * Builds the folder `to` whole or not at all: `fill` writes into a fresh temporary sibling, which is then
 * renamed into place; a folder already at `to` is replaced whole (moved aside, then removed). On a failure the
 * temporary folder is removed and `to` is left as it was; what a killed process left is cleared up first.
 */
export function writeFolderAtomic(to: string, fill: (partial: string) => void): void {
  recoverFolderWrite(to);
  const partial = `${to}.partial-${process.pid}`;
  fs.rmSync(partial, { recursive: true, force: true });
  fs.mkdirSync(partial, { recursive: true });
  try {
    fill(partial);
    const previous = fs.existsSync(to) ? `${to}.replaced-${process.pid}` : null;
    if (previous) fs.renameSync(to, previous);
    fs.renameSync(partial, to);
    if (previous) fs.rmSync(previous, { recursive: true, force: true });
  } catch (error) {
    fs.rmSync(partial, { recursive: true, force: true });
    throw error;
  }
}

/**
 * Clears up after a `writeFolderAtomic` into `to` whose process was killed (its pid no longer lives): a
 * partial copy is removed; a folder moved aside is put back if `to` is missing (killed between the two
 * renames), else removed.
 */
function recoverFolderWrite(to: string): void {
  const parent = path.dirname(to);
  if (!fs.existsSync(parent)) return;
  const base = `${path.basename(to)}.`;
  for (const name of fs.readdirSync(parent)) {
    const [, kind, pid] = /^(partial|replaced)-(\d+)$/.exec(name.startsWith(base) ? name.slice(base.length) : '') ?? [];
    if (kind === undefined || processAlive(Number(pid))) continue;
    const leftover = path.join(parent, name);
    if (kind === 'replaced' && !fs.existsSync(to)) fs.renameSync(leftover, to);
    else fs.rmSync(leftover, { recursive: true, force: true });
  }
}

/** Writes `file` whole or not at all (engine/io's temp file, fsync and rename), creating its folder. */
export function writeFileAtomic(file: string, text: string): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  writeWholeFile(file, text);
}

function readJson(file: string): unknown {
  return JSON.parse(fs.readFileSync(file, 'utf8'));
}

/** The fields that define a job; two sweep.json files agree on a job when these are equal. */
function definition(job: SweepJob): string {
  const { index: _index, ...rest } = job;
  return canonicalJson(rest);
}

/** Whether a planned job and its definition now agree, config keys added to the algorithm since at their defaults (`withDefaults`). */
export function sameDefinition(planned: SweepJob, job: SweepJob): boolean {
  return definition({ ...planned, config: withDefaults(planned.algorithm, planned.config) })
    === definition({ ...job, config: withDefaults(job.algorithm, job.config) });
}

/**
 * Writes <dir>/sweep.json, or checks that the existing one has exactly these jobs: a folder is never
 * reused for jobs whose definition changed, so results of two different sweeps never mix (config keys
 * added to the algorithm since, at their defaults, are no change: `sameDefinition`).
 */
export function writeSweep(dir: string, sweep: SweepFolder): void {
  const file = path.join(dir, 'sweep.json');
  if (fs.existsSync(file)) {
    const existing = readSweep(dir);
    const byId = new Map(existing.jobs.map((job) => [job.id, job]));
    for (const job of sweep.jobs) {
      const old = byId.get(job.id);
      if (old && !sameDefinition(old, job)) {
        const changed = Object.keys({ ...job, ...old }).filter((key) => canonicalJson((job as unknown as Record<string, unknown>)[key]) !== canonicalJson((old as unknown as Record<string, unknown>)[key]));
        throw new UsageError(`sweep: ${dir} holds job ${job.id} with another definition (${changed.join(', ')} changed since it was planned); ` +
          'choose another --out, or delete the folder to start over');
      }
    }
    const added = sweep.jobs.filter((job) => !byId.has(job.id)).length;
    const removed = existing.jobs.filter((job) => !sweep.jobs.some((j) => j.id === job.id)).length;
    if (added > 0 || removed > 0) {
      throw new UsageError(`sweep: ${dir} holds a sweep with other jobs (${added} added, ${removed} removed since it was planned); ` +
        'choose another --out, or delete the folder to start over');
    }
    if (existing.jobs.some((job, i) => sweep.jobs[i].id !== job.id)) {
      throw new UsageError(`sweep: ${dir} holds the same jobs in another order (their indices, which SLURM arrays use, would change; ` +
        'were values of a list reordered?); restore the order, choose another --out, or delete the folder to start over');
    }
    if (existing.name !== sweep.name) {
      throw new UsageError(`sweep: ${dir} holds the sweep '${existing.name}', this file names it '${sweep.name}'; ` +
        'restore the name, choose another --out, or delete the folder to start over');
    }
    return;
  }
  writeFileAtomic(file, JSON.stringify(sweep, null, 1) + '\n');
}

/** Reads <dir>/sweep.json; UsageError when it is missing or not a sweep. */
export function readSweep(dir: string): SweepFolder {
  const file = path.join(dir, 'sweep.json');
  let data: unknown;
  try {
    data = readJson(file);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new UsageError(code === 'ENOENT' ? `sweep: ${dir} is not a sweep folder (no sweep.json)` : `sweep: ${file} is not readable JSON (${(error as Error).message})`);
  }
  const sweep = data as Partial<SweepFolder> | null;
  if (typeof sweep !== 'object' || sweep === null || typeof sweep.name !== 'string' || !Array.isArray(sweep.jobs) || typeof sweep.spec !== 'object') {
    throw new UsageError(`sweep: ${file} is not a sweep file (expected name, spec and jobs)`);
  }
  sweep.jobs.forEach((job, i) => {
    if (typeof job?.id !== 'string' || job.index !== i || typeof job.algorithm !== 'string' || typeof job.envId !== 'string' || !Number.isSafeInteger(job.seed)) {
      throw new UsageError(`sweep: ${file}: jobs[${i}] is not a job (id, index ${i}, algorithm, envId, seed)`);
    }
  });
  return sweep as SweepFolder;
}

/**
 * The jobs whose ids match `patterns` (globs: `*` is any run of characters), in the order of the
 * patterns, then of the sweep: a way to say which jobs run first. UsageError for a pattern that
 * matches none, naming it.
 */
export function selectJobs(sweep: SweepFolder, patterns: readonly string[]): SweepJob[] {
  const chosen = new Set<SweepJob>();
  for (const pattern of patterns) {
    const matching = matchingJobs(sweep, pattern);
    if (matching.length === 0) {
      const ids = sweep.jobs.slice(0, 3).map((job) => job.id).join(', ');
      throw new UsageError(`sweep: no job of ${sweep.name} matches '${pattern}' (its ${sweep.jobs.length} ids are like ${ids})`);
    }
    for (const job of matching) chosen.add(job);
  }
  return [...chosen];
}

/** The jobs of `sweep` whose ids `pattern` matches (`*` is any run of characters, everything else literal), in order. */
export function matchingJobs(sweep: SweepFolder, pattern: string): SweepJob[] {
  const glob = globRegExp(pattern);
  return sweep.jobs.filter((job) => glob.test(job.id));
}

/** A job-id glob as a RegExp: `*` is any run of characters, everything else literal. */
export function globRegExp(pattern: string): RegExp {
  return new RegExp(`^${pattern.split('*').map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`);
}

/** The job with this index or id; UsageError naming the valid range otherwise. */
export function findJob(sweep: SweepFolder, selector: { index?: number; id?: string }): SweepJob {
  if (selector.id !== undefined) {
    const job = sweep.jobs.find((j) => j.id === selector.id);
    if (!job) throw new UsageError(`sweep job: no job '${selector.id}' in sweep ${sweep.name} (e.g. ${sweep.jobs[0]?.id})`);
    return job;
  }
  const index = selector.index ?? -1;
  if (!(index >= 0 && index < sweep.jobs.length)) throw new UsageError(`sweep job: --index must be in 0…${sweep.jobs.length - 1}, got ${index}`);
  return sweep.jobs[index];
}

export function readJobStatusFile(dir: string, job: SweepJob): JobStatusFile | null {
  try {
    return readJson(path.join(jobDir(dir, job), 'status.json')) as JobStatusFile;
  } catch {
    return null;
  }
}

export function writeJobStatusFile(dir: string, job: SweepJob, status: Omit<JobStatusFile, 'pid' | 'host' | 'updatedAt'>): void {
  const full: JobStatusFile = { ...status, pid: process.pid, host: os.hostname(), updatedAt: new Date().toISOString() };
  writeFileAtomic(path.join(jobDir(dir, job), 'status.json'), JSON.stringify(full) + '\n');
}

export function readJobResult(dir: string, job: SweepJob): JobResult | null {
  try {
    return readJson(path.join(jobDir(dir, job), 'result.json')) as JobResult;
  } catch {
    return null;
  }
}

/** How often a running job rewrites its status.json (`updatedAt`), so that other hosts can tell it lives; as often as a lock's heartbeat. */
export const HEARTBEAT_MS = LOCK_HEARTBEAT_MS;
/** A 'running' status not rewritten for this long belongs to a job that was killed (a SLURM TIMEOUT, a lost node, a kill before a restart). */
export const STALE_AFTER_MS = LOCK_STALE_AFTER_MS;

/**
 * Whether the status file's process still runs: its heartbeat is recent and, on this host, its pid lives
 * (a recent heartbeat alone: a pid can be reused by another process after a kill or a restart).
 */
function stillRunning(status: JobStatusFile): boolean {
  const age = Date.now() - Date.parse(status.updatedAt);
  if (age > STALE_AFTER_MS) return false;
  return status.host !== os.hostname() || processAlive(status.pid);
}

/**
 * Where a job stands: done (result.json), running (status.json says so and its process lives, or,
 * on another host, it rewrote the file within STALE_AFTER_MS), failed (its last attempt failed), interrupted (a checkpoint to resume from:
 * stopped by a signal, by `--until`, or by a kill), or pending (nothing to resume).
 */
export function jobStatus(dir: string, job: SweepJob): JobState {
  const folder = jobDir(dir, job);
  if (fs.existsSync(path.join(folder, 'result.json'))) return 'done';
  const status = readJobStatusFile(dir, job);
  if (status?.state === 'running' && stillRunning(status)) return 'running';
  if (status?.state === 'failed') return 'failed';
  return hasCheckpoint(path.join(folder, 'checkpoint')) ? 'interrupted' : 'pending';
}

/** The env step a job has reached: its full budget when done, else its checkpoint's step (0 without one). */
export function jobStep(dir: string, job: SweepJob): number {
  if (fs.existsSync(path.join(jobDir(dir, job), 'result.json'))) return job.steps;
  try {
    return readCheckpointMeta(path.join(jobDir(dir, job), 'checkpoint')).training.step as number;
  } catch {
    return 0;
  }
}

/** The last step logged in progress.jsonl (0 without one): finer than the checkpoint for progress lines. */
export function loggedStep(dir: string, job: SweepJob): number {
  return loggedRows(dir, job, 8192).at(-1)?.step ?? 0;
}

/**
 * The job's latest evaluation return: its final one when done, else the last logged in the tail of its
 * progress.jsonl (null when none is there, as before the first evaluation).
 */
export function latestReturn(dir: string, job: SweepJob): number | null {
  const final = readJobResult(dir, job)?.finalEval?.mean;
  if (typeof final === 'number') return final;
  const evaluated = loggedRows(dir, job, 16384).filter((row) => row.evalReturn !== null);
  return evaluated.at(-1)?.evalReturn ?? null;
}

interface LoggedRow {
  readonly step: number;
  readonly wall: number | null;
  readonly evalReturn: number | null;
}

/** The step, wall_s and evaluation return of the rows in the last `bytes` of a job's progress.jsonl (none without the file). */
function loggedRows(dir: string, job: SweepJob, bytes: number): LoggedRow[] {
  let fd: number;
  try {
    fd = fs.openSync(path.join(jobDir(dir, job), 'progress.jsonl'), 'r');
  } catch {
    return [];
  }
  try {
    const size = fs.fstatSync(fd).size;
    const length = Math.min(size, bytes);
    const buffer = Buffer.alloc(length);
    fs.readSync(fd, buffer, 0, length, size - length);
    return buffer.toString('utf8').split('\n').flatMap((line) => {
      const match = /^\{"step":(\d+)/.exec(line);
      if (!match) return [];
      const wall = /"wall_s":([0-9.eE+-]+)/.exec(line);
      const seconds = wall ? Number(wall[1]) : NaN;
      const evaluation = /"eval_return_mean":([0-9.eE+-]+)/.exec(line);
      const evalReturn = evaluation ? Number(evaluation[1]) : NaN;
      return [{ step: Number(match[1]), wall: Number.isFinite(seconds) ? seconds : null, evalReturn: Number.isFinite(evalReturn) ? evalReturn : null }];
    });
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * The last record of progress.jsonl: its env step (0 without one), the run's wall-clock seconds up to
 * it (`wall_s`, which a resumed run carries on; null when not logged) and the seconds per env step
 * over the latter half of the logged steps (`recentRate`): a run's first steps, before learning
 * starts, are far cheaper than the rest, and a rate over the whole run would count them in. Only the
 * file's last 64 KiB are read; when they do not reach back half the steps, the rate is over the rows
 * they hold. With one row, the rate is the run's own so far.
 */
export function lastLogged(dir: string, job: SweepJob): { step: number; wallSeconds: number | null; recentRate: number | null } {
  const rows = loggedRows(dir, job, 65536);
  const last = rows.at(-1);
  if (!last) return { step: 0, wallSeconds: null, recentRate: null };
  if (last.wall === null || last.step <= 0) return { step: last.step, wallSeconds: last.wall, recentRate: null };
  const from = rows.find((r) => r.wall !== null && r.step >= last.step / 2 && r.step < last.step);
  const recentRate = from && last.wall > from.wall!
    ? (last.wall - from.wall!) / (last.step - from.step)
    : last.wall > 0 ? last.wall / last.step : null;
  return { step: last.step, wallSeconds: last.wall, recentRate };
}

/**
 * Takes <dir>/sweep.lock (this process's pid and host), so two local runs never run one sweep folder at
 * once. The holder touches the file every HEARTBEAT_MS; a lock on this host whose process is gone, or
 * which has not been touched for STALE_AFTER_MS (its pid reused by another process), is taken over.
 * Returns the release function, which removes the lock only while it is this process's.
 */
export function lockSweep(dir: string): () => void {
  const file = path.join(dir, 'sweep.lock');
  return takeLockFile(file, {
    command: 'sweep',
    liveHolder: (owner) => {
      const live = owner.host !== os.hostname() || (owner.pid !== process.pid && processAlive(owner.pid) && !lockIsStale(file));
      return live ? `${dir} is being run by process ${owner.pid} on ${owner.host} (sweep.lock)` : null;
    },
  });
}


