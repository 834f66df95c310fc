/**
 * The SLURM backend of `varl sweep`: a sweep folder's unfinished jobs become one job array (array
 * task i runs `varl sweep job <dir> --index i`, the same runner as a local sweep, so both give the
 * same results), and the queue is read back per sweep job.
 *
 *   <dir>/sweep.json                  the jobs (read here for `id` and `index` only)
 *   <dir>/jobs/<id>/result.json       written by the runner when a job is done
 *   <dir>/slurm/array.sbatch          the script of the latest submission
 *   <dir>/slurm/logs/<A>_<i>.out|err  stdout/stderr of array job A, task i (= sweep job index i)
 *   <dir>/slurm/submissions.json      every submission: array job id, task → sweep job, time, script
 *
 * Example (what `varl sweep submit <dir> --backend slurm --time 1:00:00 --mem 2G` does):
 *
 *   const submission = await submitSlurm(dir, { time: '1:00:00', mem: '2G' });
 *   const status = await slurmQueueStatus(dir);   // status.jobs[id].state: 'PENDING' | 'RUNNING' | …
 *   console.log(formatSlurmStatus(status));
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseFlags, UsageError } from '../node/usage.ts';

/** A resource or option value sbatch would reject, or one varl sets itself (the CLI exits with status 2). */
export class SlurmOptionError extends UsageError {
  override name = 'SlurmOptionError';
}

/** SLURM could not be used: sbatch/squeue missing or failing, a sweep folder that cannot be read, nothing to submit. */
export class SlurmError extends Error {
  override name = 'SlurmError';
}

/** Resource requests, each one `#SBATCH` line of the array script (absent: the cluster's default). */
export interface SlurmResources {
  /** `--partition`: a partition name, or several separated by commas. */
  readonly partition?: string;
  /** `--time`: a limit per array task in SLURM's forms, e.g. `30`, `2:00:00`, `1-12`, `1-00:00:00`, `UNLIMITED`. */
  readonly time?: string;
  /** `--cpus-per-task`: an integer ≥ 1. */
  readonly cpusPerTask?: number;
  /** `--mem`: memory per node, an integer with an optional unit K, M, G or T (`4G`, `500M`). */
  readonly mem?: string;
  readonly account?: string;
  readonly qos?: string;
  /** At most this many array tasks run at once (`--array=…%N`). */
  readonly maxConcurrent?: number;
  /** Further raw sbatch options, one `#SBATCH` line each, after varl's own (so they take precedence), e.g. `--gres=gpu:1`. */
  readonly sbatchArgs?: readonly string[];
}

export interface SlurmSubmitOptions extends SlurmResources {
  /** `--job-name`; default `varl-<sweep name>`. */
  readonly jobName?: string;
  /** Write array.sbatch and return without calling sbatch (`arrayJobId` is then null and nothing is recorded). */
  readonly dryRun?: boolean;
  /** The folder the array tasks `cd` to; default the current directory. */
  readonly workDir?: string;
  /** The node binary of the tasks; default this process's (`process.execPath`). */
  readonly nodePath?: string;
  /** The varl launcher of the tasks; default this package's bin/varl.js. */
  readonly varlBin?: string;
  /** Environment of sbatch (the tasks inherit it, `--export=ALL`); default `process.env`. */
  readonly env?: NodeJS.ProcessEnv;
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
}

/** The states squeue and sacct report, plus varl's own for jobs the queue does not know. */
export type SlurmJobState =
  | 'PENDING' | 'CONFIGURING' | 'RUNNING' | 'COMPLETING' | 'COMPLETED' | 'FAILED' | 'CANCELLED' | 'TIMEOUT'
  | 'OUT_OF_MEMORY' | 'NODE_FAIL' | 'PREEMPTED' | 'BOOT_FAIL' | 'DEADLINE' | 'SUSPENDED' | 'STOPPED'
  | 'REQUEUED' | 'RESIZING' | 'REVOKED' | 'SPECIAL_EXIT'
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
// Flags for the CLI: `varl sweep submit … --backend slurm [flags]`

/** The sbatch-related flags of `varl sweep submit`, as a `parseArgs` option table to merge into the command's own. */
export const SLURM_SUBMIT_FLAGS = {
  partition: { type: 'string' },
  time: { type: 'string' },
  'cpus-per-task': { type: 'string' },
  mem: { type: 'string' },
  account: { type: 'string' },
  qos: { type: 'string' },
  'max-concurrent': { type: 'string' },
  'sbatch-arg': { type: 'string', multiple: true },
  'job-name': { type: 'string' },
  'dry-run': { type: 'boolean' },
} as const;

/** Usage lines for the flags above (indented to sit under `varl sweep submit` in the CLI's usage). */
export const SLURM_SUBMIT_USAGE = `      --partition P          SLURM partition(s), comma-separated (default: the cluster's)
      --time T               time limit per job: MM, H:MM:SS, D-HH, D-HH:MM:SS or UNLIMITED
      --cpus-per-task N      CPUs per job (default 1 on most clusters)
      --mem M                memory per job: an integer with unit K|M|G|T, e.g. 2G
      --account A            account to charge
      --qos Q                quality of service
      --max-concurrent N     at most N jobs of the array run at once (--array=…%N)
      --sbatch-arg ARG       a further sbatch option, repeatable, e.g. --sbatch-arg=--gres=gpu:1
      --job-name NAME        SLURM job name (default varl-<sweep name>)
      --dry-run              write <dir>/slurm/array.sbatch and print it, submit nothing`;

/** The values `parseArgs` gives for `SLURM_SUBMIT_FLAGS` (the CLI passes its parsed values as they are). */
export interface SlurmFlagValues {
  readonly partition?: string;
  readonly time?: string;
  readonly 'cpus-per-task'?: string;
  readonly mem?: string;
  readonly account?: string;
  readonly qos?: string;
  readonly 'max-concurrent'?: string;
  readonly 'sbatch-arg'?: readonly string[];
  readonly 'job-name'?: string;
  readonly 'dry-run'?: boolean;
}

/**
 * Submit options from parsed flags, every value checked; problems are SlurmOptionErrors (UsageErrors)
 * naming the flag and the value, prefixed with `command`.
 *
 *   const { values } = parseFlags('sweep submit', args, { ...SUBMIT_FLAGS, ...SLURM_SUBMIT_FLAGS });
 *   await submitSlurm(dir, slurmSubmitOptionsFromFlags('sweep submit', values));
 */
export function slurmSubmitOptionsFromFlags(command: string, values: SlurmFlagValues): SlurmSubmitOptions {
  const integer = (flag: string, value: string | undefined): number | undefined => {
    if (value === undefined) return undefined;
    const n = Number(value.replace(/_/g, ''));
    if (!/^\s*[0-9_]+\s*$/.test(value) || !Number.isSafeInteger(n) || n < 1) {
      throw new SlurmOptionError(`${command}: --${flag} must be an integer ≥ 1, got '${value}'`);
    }
    return n;
  };
  const options: SlurmSubmitOptions = {
    partition: values.partition,
    time: values.time,
    cpusPerTask: integer('cpus-per-task', values['cpus-per-task']),
    mem: values.mem,
    account: values.account,
    qos: values.qos,
    maxConcurrent: integer('max-concurrent', values['max-concurrent']),
    sbatchArgs: values['sbatch-arg'] ?? [],
    jobName: values['job-name'],
    dryRun: values['dry-run'] === true,
  };
  checkSlurmResources(options, command);
  return options;
}

const TIME = /^(?:\d+|\d+:\d{1,2}|\d+:\d{1,2}:\d{1,2}|\d+-\d+|\d+-\d+:\d{1,2}|\d+-\d+:\d{1,2}:\d{1,2}|UNLIMITED|INFINITE)$/i;
const MEM = /^\d+[KMGT]?$/i;
/** Names (partition, account, qos, job name): no whitespace, quotes, `#` or shell specials, so a `#SBATCH` line holds them verbatim. */
const NAME = /^[A-Za-z0-9_.,:+@=-]+$/;
const RESOURCE_KEYS = ['partition', 'time', 'cpusPerTask', 'mem', 'account', 'qos', 'maxConcurrent', 'sbatchArgs'] as const satisfies readonly (keyof SlurmResources)[];
/** Options varl writes itself; a raw --sbatch-arg may not replace them. */
const RESERVED = ['--array', '-a', '--output', '-o', '--error', '-e', '--chdir', '-D', '--wrap', '--parsable'];

/**
 * Checks resource values before anything is written (`context` prefixes the messages).
 *
 *   checkSlurmResources({ time: '90 minutes' })   // SlurmOptionError: --time must be …, got '90 minutes'
 */
export function checkSlurmResources(options: SlurmSubmitOptions, context = 'slurm'): void {
  const bad = (flag: string, value: unknown, expected: string): never => {
    throw new SlurmOptionError(`${context}: --${flag} must be ${expected}, got ${JSON.stringify(value)}`);
  };
  for (const [flag, value] of [['partition', options.partition], ['account', options.account], ['qos', options.qos], ['job-name', options.jobName]] as const) {
    if (value !== undefined && !NAME.test(value)) bad(flag, value, 'a name of letters, digits and _ . , : + @ = - (no spaces or quotes)');
  }
  if (options.time !== undefined && !TIME.test(options.time)) bad('time', options.time, 'MM, MM:SS, H:MM:SS, D-HH, D-HH:MM, D-HH:MM:SS or UNLIMITED');
  if (options.mem !== undefined && !MEM.test(options.mem)) bad('mem', options.mem, 'an integer with an optional unit K, M, G or T (e.g. 2G)');
  if (options.cpusPerTask !== undefined && !(Number.isSafeInteger(options.cpusPerTask) && options.cpusPerTask >= 1)) bad('cpus-per-task', options.cpusPerTask, 'an integer ≥ 1');
  if (options.maxConcurrent !== undefined && !(Number.isSafeInteger(options.maxConcurrent) && options.maxConcurrent >= 1)) bad('max-concurrent', options.maxConcurrent, 'an integer ≥ 1');
  for (const arg of options.sbatchArgs ?? []) {
    if (!/^--?[A-Za-z]/.test(arg)) bad('sbatch-arg', arg, 'an sbatch option starting with - or -- (e.g. --gres=gpu:1)');
    if (/[\r\n]/.test(arg)) bad('sbatch-arg', arg, 'a single line');
    const name = arg.split(/[=\s]/, 1)[0]!;
    if (RESERVED.includes(name) || (name.length > 2 && !name.startsWith('--') && RESERVED.includes(name.slice(0, 2)))) {
      bad('sbatch-arg', arg, `an option other than ${RESERVED.join(' ')} (varl sets those itself)`);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// The sweep folder, as far as this backend needs it

interface SweepJobRef {
  readonly id: string;
  readonly index: number;
}

interface SweepRef {
  readonly name: string;
  readonly jobs: readonly SweepJobRef[];
}

/** Reads `<dir>/sweep.json` for the sweep's name and its jobs' ids and indices, every field checked. */
function readSweepRef(dir: string): SweepRef {
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

const resultFile = (dir: string, id: string): string => path.join(dir, 'jobs', id, 'result.json');

const submissionsFile = (dir: string): string => path.join(dir, 'slurm', 'submissions.json');

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
// The array script

/** `0,1,2,5,7,8` → `0-2,5,7-8`. */
export function arrayRanges(indices: readonly number[]): string {
  const sorted = [...new Set(indices)].sort((a, b) => a - b);
  const parts: string[] = [];
  for (let i = 0; i < sorted.length;) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1] === sorted[j]! + 1) j++;
    parts.push(i === j ? `${sorted[i]}` : `${sorted[i]}-${sorted[j]}`);
    i = j + 1;
  }
  return parts.join(',');
}

/** A word the shell reads back verbatim. */
export function shellQuote(word: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

/** This package's folder (the repository, or the installed package). */
const PACKAGE_ROOT = ((): string => {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  while (!fs.existsSync(path.join(dir, 'package.json')) && path.dirname(dir) !== dir) dir = path.dirname(dir);
  return dir;
})();

export interface ArrayScriptInput extends SlurmResources {
  /** Absolute sweep folder. */
  readonly dir: string;
  readonly indices: readonly number[];
  readonly jobName: string;
  readonly workDir: string;
  readonly nodePath: string;
  readonly varlBin: string;
}

/**
 * The job-array script: one task per index in `indices`, each running
 * `node bin/varl.js sweep job <dir> --index $SLURM_ARRAY_TASK_ID` with absolute paths, in `workDir`.
 * SLURM reads `#SBATCH` lines only up to the first command, so all of them come first.
 */
export function arrayScript(input: ArrayScriptInput): string {
  if (input.indices.length === 0) throw new SlurmError('arrayScript: no array indices given');
  const logs = path.join(input.dir, 'slurm', 'logs');
  const directives = [
    `--job-name=${input.jobName}`,
    `--array=${arrayRanges(input.indices)}${input.maxConcurrent !== undefined ? `%${input.maxConcurrent}` : ''}`,
    `--output=${path.join(logs, '%A_%a.out')}`,
    `--error=${path.join(logs, '%A_%a.err')}`,
    `--chdir=${input.workDir}`,
    '--ntasks=1',
    '--export=ALL',
    ...(input.partition !== undefined ? [`--partition=${input.partition}`] : []),
    ...(input.time !== undefined ? [`--time=${input.time}`] : []),
    ...(input.cpusPerTask !== undefined ? [`--cpus-per-task=${input.cpusPerTask}`] : []),
    ...(input.mem !== undefined ? [`--mem=${input.mem}`] : []),
    ...(input.account !== undefined ? [`--account=${input.account}`] : []),
    ...(input.qos !== undefined ? [`--qos=${input.qos}`] : []),
    ...(input.sbatchArgs ?? []),
  ];
  for (const d of directives) {
    // sbatch cuts a #SBATCH line at whitespace; paths with spaces cannot be written there.
    if (/\s/.test(d) && !(input.sbatchArgs ?? []).includes(d)) throw new SlurmError(`arrayScript: '#SBATCH ${d}' holds whitespace; move the sweep folder (or working directory) to a path without spaces`);
  }
  const command = [input.nodePath, input.varlBin, 'sweep', 'job', input.dir].map(shellQuote).join(' ');
  return [
    '#!/bin/bash',
    `# ${input.jobName}: array task i runs job i of ${path.join(input.dir, 'sweep.json')} (written by varl sweep submit).`,
    ...directives.map((d) => `#SBATCH ${d}`),
    '',
    'set -euo pipefail',
    `cd ${shellQuote(input.workDir)}`,
    `export PATH=${shellQuote(path.dirname(input.nodePath))}:"$PATH"`,
    'echo "varl sweep job ${SLURM_ARRAY_TASK_ID} (SLURM job ${SLURM_JOB_ID}) on $(hostname) at $(date -u +%Y-%m-%dT%H:%M:%SZ)" >&2',
    `exec ${command} --index "$SLURM_ARRAY_TASK_ID"`,
    '',
  ].join('\n');
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
function run(command: string, args: readonly string[], env: NodeJS.ProcessEnv, timeoutMs: number): Promise<CommandResult> {
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

const COMMAND_TIMEOUT_MS = 60_000;

function requireCommand(command: string, env: NodeJS.ProcessEnv): string {
  const found = findOnPath(command, env);
  if (found === null) {
    throw new SlurmError(`${command} is not on PATH (${env.PATH ?? 'PATH is unset'}); submit from a machine with the SLURM client commands (a login node), or install them (Debian: apt-get install slurm-client)`);
  }
  return found;
}

// ---------------------------------------------------------------------------------------------
// Submitting

/** States in which a task still holds its job: a new submission leaves such jobs alone. */
const ACTIVE: ReadonlySet<SlurmJobState> = new Set<SlurmJobState>(['PENDING', 'CONFIGURING', 'RUNNING', 'COMPLETING', 'SUSPENDED', 'STOPPED', 'REQUEUED', 'RESIZING']);

/** What `varl sweep submit <dir> --backend slurm …` passes: the flags it does not handle itself (`SLURM_SUBMIT_FLAGS`). */
export interface SlurmCommandLine {
  readonly args: readonly string[];
}

/**
 * Writes `<dir>/slurm/array.sbatch` for the jobs that have no result.json (and are not still queued
 * from an earlier submission), submits it with `sbatch --parsable` and records the submission in
 * `<dir>/slurm/submissions.json`.
 *
 * Throws SlurmOptionError for a bad resource value, SlurmError when sbatch is not on PATH, when it
 * refuses the script (its stderr is in the message), or when every job is done or queued already.
 *
 * Given a `SlurmCommandLine` instead of options, it parses the flags, submits, prints what it did
 * to stdout and resolves to the exit status (0), as `varl sweep submit` does.
 */
export function submitSlurm(dir: string, options?: SlurmSubmitOptions): Promise<SlurmSubmission>;
export function submitSlurm(dir: string, commandLine: SlurmCommandLine): Promise<number>;
export async function submitSlurm(dir: string, options: SlurmSubmitOptions | SlurmCommandLine = {}): Promise<SlurmSubmission | number> {
  if ('args' in options) return submitSlurmCommand(dir, options.args);
  return submitArray(dir, options);
}

/**
 * `varl sweep submit <dir> --backend slurm [flags]` after the sweep CLI has taken its own flags:
 * parses `args` (SLURM_SUBMIT_FLAGS), submits, prints the array job id, the script and the log
 * folder (or, with --dry-run, the script) and resolves to the exit status.
 */
export async function submitSlurmCommand(dir: string, args: readonly string[], out: NodeJS.WritableStream = process.stdout): Promise<number> {
  const { values } = parseFlags('sweep submit', args, SLURM_SUBMIT_FLAGS);
  const options = slurmSubmitOptionsFromFlags('sweep submit', values);
  const submission = await submitArray(dir, options);
  const count = Object.keys(submission.tasks).length;
  if (submission.arrayJobId === null) {
    out.write(`${fs.readFileSync(submission.script, 'utf8')}\n(dry run: ${count} jobs in ${submission.script}, nothing submitted)\n`);
  } else {
    out.write([
      `submitted array job ${submission.arrayJobId}${submission.cluster ? ` on ${submission.cluster}` : ''}: ${count} job${count === 1 ? '' : 's'} (--array=${submission.array})`,
      `  script ${submission.script}`,
      `  logs   ${path.join(submission.logs, `${submission.arrayJobId}_<index>.out|err`)}`,
      `  status varl sweep status ${path.resolve(dir)}`,
      '',
    ].join('\n'));
  }
  return 0;
}

async function submitArray(dir: string, options: SlurmSubmitOptions): Promise<SlurmSubmission> {
  checkSlurmResources(options, 'sweep submit');
  const sweepDir = path.resolve(dir);
  const sweep = readSweepRef(sweepDir);
  const env = options.env ?? process.env;
  const sbatch = options.dryRun ? 'sbatch' : requireCommand('sbatch', env);

  const done = sweep.jobs.filter((job) => fs.existsSync(resultFile(sweepDir, job.id)));
  let queued: SweepJobRef[] = [];
  if (!options.dryRun && readSlurmSubmissions(sweepDir).length > 0) {
    const status = await slurmQueueStatus(sweepDir, { env });
    queued = sweep.jobs.filter((job) => ACTIVE.has(status.jobs[job.id]!.state) && !fs.existsSync(resultFile(sweepDir, job.id)));
  }
  const skip = new Set([...done, ...queued].map((job) => job.id));
  const pending = sweep.jobs.filter((job) => !skip.has(job.id));
  if (pending.length === 0) {
    throw new SlurmError(`nothing to submit in ${sweepDir}: of ${sweep.jobs.length} jobs, ${done.length} have a result.json` +
      (queued.length > 0 ? ` and ${queued.length} are still in the queue (${queued.slice(0, 3).map((j) => j.id).join(', ')}${queued.length > 3 ? ', …' : ''})` : ''));
  }

  const slurmDir = path.join(sweepDir, 'slurm');
  const logs = path.join(slurmDir, 'logs');
  fs.mkdirSync(logs, { recursive: true });
  const script = path.join(slurmDir, 'array.sbatch');
  const jobName = options.jobName ?? `varl-${sweep.name}`.replace(/[^A-Za-z0-9_.,:+@=-]/g, '_');
  const varlBin = path.resolve(options.varlBin ?? path.join(PACKAGE_ROOT, 'bin', 'varl.js'));
  if (!fs.existsSync(varlBin)) throw new SlurmError(`the varl launcher ${varlBin} does not exist; pass varlBin`);
  const text = arrayScript({
    ...options,
    dir: sweepDir,
    indices: pending.map((job) => job.index),
    jobName,
    workDir: path.resolve(options.workDir ?? process.cwd()),
    nodePath: options.nodePath ?? process.execPath,
    varlBin,
  });
  fs.writeFileSync(script, text, { mode: 0o755 });
  const array = /^#SBATCH --array=(.*)$/m.exec(text)![1]!;
  const tasks = Object.fromEntries(pending.map((job) => [String(job.index), job.id]));
  const resources: SlurmResources = Object.fromEntries(RESOURCE_KEYS.filter((k) => options[k] !== undefined).map((k) => [k, options[k]]));
  if (options.dryRun) return { arrayJobId: null, cluster: null, submittedAt: new Date().toISOString(), script, array, tasks, logs, resources };

  const result = await run(sbatch, ['--parsable', script], env, COMMAND_TIMEOUT_MS);
  if (result.status !== 0) {
    const message = result.stderr.trim() || result.stdout.trim() || 'no message';
    const highest = Math.max(...pending.map((job) => job.index));
    const hint = /array/i.test(message) && highest >= 1000
      ? ` (the array goes up to index ${highest}; the cluster's MaxArraySize may be smaller: scontrol show config | grep MaxArraySize)`
      : '';
    throw new SlurmError(`sbatch refused ${script} (exit status ${result.status}): ${message}${hint}`);
  }
  // --parsable prints `jobid` or `jobid;cluster` (possibly after warnings on other lines).
  const answer = result.stdout.trim().split('\n').pop() ?? '';
  const match = /^(\d+)(?:;(\S+))?$/.exec(answer.trim());
  if (!match) throw new SlurmError(`sbatch accepted ${script} but answered ${JSON.stringify(result.stdout.trim())} instead of a job id`);
  const submission: SlurmSubmission = {
    arrayJobId: match[1]!,
    cluster: match[2] ?? null,
    submittedAt: new Date().toISOString(),
    script,
    array,
    tasks,
    logs,
    resources,
  };
  const submissions = [...readSlurmSubmissions(sweepDir), submission];
  const file = submissionsFile(sweepDir);
  fs.writeFileSync(`${file}.tmp`, `${JSON.stringify({ submissions }, null, 2)}\n`);
  fs.renameSync(`${file}.tmp`, file);
  return submission;
}

// ---------------------------------------------------------------------------------------------
// Reading the queue

interface QueueRow {
  readonly arrayJobId: string;
  readonly taskId: number;
  readonly slurmJobId: string | null;
  readonly state: SlurmJobState;
  readonly detail: string | null;
}

const KNOWN_STATES: ReadonlySet<string> = new Set([
  'PENDING', 'CONFIGURING', 'RUNNING', 'COMPLETING', 'COMPLETED', 'FAILED', 'CANCELLED', 'TIMEOUT', 'OUT_OF_MEMORY', 'NODE_FAIL',
  'PREEMPTED', 'BOOT_FAIL', 'DEADLINE', 'SUSPENDED', 'STOPPED', 'REQUEUED', 'RESIZING', 'REVOKED', 'SPECIAL_EXIT',
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
