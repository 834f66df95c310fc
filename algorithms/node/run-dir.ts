/**
 * Run folders as the CLI uses them: which folders may be written (a varl run, an empty or new
 * folder, anything else only with --force), an exclusive lock per folder (stale locks of dead or
 * silent processes are taken over), run.json read with every field checked, and the kernel set a run was
 * trained on, so a resume under another set (different rounding, so no longer bit-identical) is
 * refused unless asked for.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { nearestExistingPath } from '../../engine/io/files.ts';
import { currentKernels, describeKernels, isKernelIdentity, sameKernels, type KernelIdentity } from '../common/checkpoint.ts';
import { hasCheckpoint } from './checkpoint-dir.ts';
import { UsageError } from './usage.ts';

/** True when `dir` holds a varl run (run.json or a checkpoint). */
export function holdsRun(dir: string): boolean {
  return fs.existsSync(path.join(dir, 'run.json')) || hasCheckpoint(path.join(dir, 'checkpoint'));
}

/**
 * Checks that training may write `dir` before anything is written: not empty as a flag, not a
 * file, a run only with --resume or --force, any other non-empty folder only with --force, and a
 * writable place (the nearest existing ancestor).
 */
export function checkOutDir(given: string, dir: string, { force }: { force: boolean }): void {
  if (given.trim() === '') throw new UsageError('train: --out must name a folder, got an empty string');
  if (fs.existsSync(dir)) {
    const stat = fs.statSync(dir);
    if (!stat.isDirectory()) throw new UsageError(`train: --out ${given} is a file, not a folder`);
    if (holdsRun(dir)) {
      if (!force) throw new UsageError(`train: ${given} already holds a run; pass --resume to continue it or --force to start over`);
    } else {
      const entries = fs.readdirSync(dir);
      if (entries.length > 0 && !force) {
        throw new UsageError(`train: ${given} is not a varl run folder (it holds ${entries.length} entries, e.g. ${entries[0]}); choose another --out or pass --force to write into it`);
      }
    }
  }
  const existing = nearestExistingPath(dir);
  try {
    fs.accessSync(existing, fs.constants.W_OK);
  } catch {
    throw new UsageError(`train: cannot write --out ${given}: ${existing} is not writable`);
  }
  if (!fs.statSync(existing).isDirectory()) throw new UsageError(`train: cannot create --out ${given}: ${existing} is a file`);
}

/** Whether process `pid` exists (EPERM: it exists but belongs to another user). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Creates `file` holding `text` unless a file is there already (then false). The text is written beside it
 * and linked into place, so that another process never reads the file empty or half-written (and takes
 * it for a stale lock); a file system without hard links gets an exclusive create instead.
 */
export function createExclusive(file: string, text: string): boolean {
  const staged = `${file}.${process.pid}.staged`;
  fs.writeFileSync(staged, text);
  try {
    fs.linkSync(staged, file);
    return true;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') return false;
    if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'ENOSYS') throw error;
  } finally {
    fs.rmSync(staged, { force: true });
  }
  try {
    fs.writeFileSync(file, text, { flag: 'wx' });
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  }
}

/** The process a lock file names: its pid and host. */
export interface LockOwner {
  readonly pid: number;
  readonly host: string;
}

/** How a lock file is taken (`takeLockFile`). */
export interface LockFileOptions {
  /** The command taking it, for the error when it cannot be taken. */
  readonly command: string;
  /** Who holds the lock `owner` wrote, while that holder lives; null when the lock is stale. */
  readonly liveHolder: (owner: LockOwner) => string | null;
}

/** How often a lock's holder touches the file, so that others can tell it lives. */
export const LOCK_HEARTBEAT_MS = 60_000;
/** A lock untouched this long is stale: its holder was killed, its host lost, or its pid reused after a restart. */
export const LOCK_STALE_AFTER_MS = 5 * LOCK_HEARTBEAT_MS;

/**
 * Takes the lock `file`, written whole with this process's pid and host (`createExclusive`) and touched every
 * LOCK_HEARTBEAT_MS while held. A lock whose text names no owner, or whose owner `liveHolder` finds gone, is taken
 * over; a live one is refused naming its holder. Returns the release function (also run at process exit), which
 * removes the file only while it is still this process's.
 */
export function takeLockFile(file: string, options: LockFileOptions): () => void {
  const text = JSON.stringify({ pid: process.pid, host: os.hostname() }) + '\n';
  const read = (): string | null => {
    try {
      return fs.readFileSync(file, 'utf8');
    } catch {
      return null; // released in the meantime
    }
  };
  for (let attempt = 0; attempt < 2; attempt++) {
    if (createExclusive(file, text)) {
      const heartbeat = setInterval(() => {
        const now = new Date();
        fs.utimes(file, now, now, () => {}); // a lock gone meanwhile is no matter: release ends this
      }, LOCK_HEARTBEAT_MS);
      heartbeat.unref();
      const release = (): void => {
        process.off('exit', release);
        clearInterval(heartbeat);
        if (read() === text) fs.rmSync(file, { force: true });
      };
      process.once('exit', release);
      return release;
    }
    const existing = read();
    const owner = existing === null ? null : lockOwner(existing);
    const holder = owner === null ? null : options.liveHolder(owner);
    if (holder !== null) throw new UsageError(`${options.command}: ${holder}; wait for it or stop it`);
    fs.rmSync(file, { force: true });
  }
  throw new UsageError(`${options.command}: could not take the lock ${file}`);
}

/** Whether lock `file` has gone LOCK_STALE_AFTER_MS without its holder's heartbeat (or is gone). */
export function lockIsStale(file: string): boolean {
  try {
    return Date.now() - fs.statSync(file).mtimeMs > LOCK_STALE_AFTER_MS;
  } catch {
    return true;
  }
}

/** The owner in a lock's text ({ pid, host } as JSON, or a bare pid of this host as older versions wrote); null when unreadable. */
function lockOwner(text: string): LockOwner | null {
  const bare = /^\s*(\d+)\s*$/.exec(text);
  if (bare) return { pid: Number(bare[1]), host: os.hostname() };
  try {
    const owner = JSON.parse(text) as { pid?: unknown; host?: unknown };
    return Number.isSafeInteger(owner.pid) && typeof owner.host === 'string' ? { pid: owner.pid as number, host: owner.host } : null;
  } catch {
    return null;
  }
}

/**
 * Takes the folder's lock, run.lock (`takeLockFile`). A lock whose process is gone (on this host) or whose
 * heartbeat stopped (on any host: a run folder may sit on a cluster's shared file system) is taken over.
 * Returns the release function (also run at process exit).
 */
export function lockRunDir(dir: string): () => void {
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, 'run.lock');
  return takeLockFile(file, {
    command: 'train',
    liveHolder: (owner) => {
      if (lockIsStale(file)) return null;
      if (owner.host !== os.hostname()) return `${dir} is in use by process ${owner.pid} on ${owner.host} (run.lock)`;
      return owner.pid !== process.pid && processAlive(owner.pid) ? `${dir} is in use by process ${owner.pid} (run.lock)` : null;
    },
  });
}

/** run.json as written by `varl train`, with the fields a resume relies on checked. */
export interface RunFile {
  readonly algorithm: string;
  readonly envId: string;
  readonly seed: number;
  readonly totalSteps: number;
  readonly config: Record<string, unknown>;
  readonly evalEvery?: number;
  readonly evalEpisodes?: number;
  readonly checkpointEvery?: number;
  readonly presetSource?: string | null;
  readonly preset?: string | null;
  readonly kernels?: KernelIdentity;
}

/** Reads and checks run.json; every problem is a UsageError naming the file and the field. */
export function readRunFile(file: string): RunFile {
  let run: unknown;
  try {
    run = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (error) {
    throw new UsageError(`train --resume: ${file} is not readable JSON (${(error as Error).message})`);
  }
  const bad = (field: string, value: unknown): never => {
    throw new UsageError(`train --resume: ${file}: '${field}' is ${JSON.stringify(value)}`);
  };
  if (typeof run !== 'object' || run === null || Array.isArray(run)) bad('(root)', run);
  const r = run as Record<string, unknown>;
  const own = (key: string): unknown => (Object.hasOwn(r, key) ? r[key] : undefined);
  if (typeof own('algorithm') !== 'string') bad('algorithm', own('algorithm'));
  if (typeof own('envId') !== 'string') bad('envId', own('envId'));
  for (const key of ['seed', 'totalSteps']) {
    const v = own(key);
    if (!Number.isSafeInteger(v) || (v as number) < 0) bad(key, v);
  }
  for (const key of ['evalEvery', 'evalEpisodes', 'checkpointEvery']) {
    const v = own(key);
    if (v !== undefined && (!Number.isSafeInteger(v) || (v as number) < 0)) bad(key, v);
  }
  const config = own('config');
  if (typeof config !== 'object' || config === null || Array.isArray(config)) bad('config', config);
  const k = own('kernels');
  if (k !== undefined && !isKernelIdentity(k)) bad('kernels', k);
  return r as unknown as RunFile;
}

/**
 * Refuses to resume under another kernel set than the run was trained with, unless `allowed`
 * (then warns): the sets round differently, so the resumed run is no longer bit-identical.
 */
export function checkKernels(run: RunFile, allowed: boolean, warn: (line: string) => void): void {
  if (!run.kernels) return;
  const now = currentKernels();
  if (sameKernels(now, run.kernels)) return;
  const message = `the run was trained on the ${describeKernels(run.kernels)} kernels, this process uses ${describeKernels(now)}: the resumed run will not be bit-identical`;
  if (!allowed) throw new UsageError(`train --resume: ${message}; set VARL_KERNELS / VARL_WASM_FMA to match, or resume anyway with varl train --resume --allow-kernel-change`);
  warn(`warning: ${message}`);
}
