/**
 * The SLURM backend of `varl sweep`: a sweep folder's unfinished jobs become one job array (array
 * task i runs `varl sweep job <dir> --index i`, the same runner as a local sweep, so both give the
 * same results), and the queue is read back per sweep job (slurm-queue.ts, re-exported here).
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
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseFlags, UsageError } from '../node/usage.ts';
import {
  ACTIVE, COMMAND_TIMEOUT_MS, findOnPath, readSlurmSubmissions, readSweepRef, resultFile, run, slurmQueueStatus, SlurmError,
  submissionsFile, type SlurmSubmission, type SweepJobRef,
} from './slurm-queue.ts';

export {
  findOnPath, formatSlurmStatus, isQueuedState, parseSacct, parseSqueue, readSlurmSubmissions, slurmQueueStatus, SlurmError, waitForSlurm,
} from './slurm-queue.ts';
export type {
  SlurmJobState, SlurmJobStatus, SlurmQueueStatus, SlurmSourceReport, SlurmStateSource, SlurmStatusOptions, SlurmSubmission, SlurmWaitOptions,
} from './slurm-queue.ts';

/** A resource or option value sbatch would reject, or one varl sets itself (the CLI exits with status 2). */
export class SlurmOptionError extends UsageError {
  override name = 'SlurmOptionError';
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
  /** Only these job indices (of those not done and not queued); default every job. `varl tune` submits a rung's jobs so. */
  readonly indices?: readonly number[];
  /** Each task trains its job only to this many env steps (`varl sweep job --until`): a tuning rung's budget. */
  readonly until?: number;
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
  if (options.until !== undefined && !(Number.isSafeInteger(options.until) && options.until >= 1)) bad('until', options.until, 'an integer ≥ 1');
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

/**
 * The value of a `#SBATCH` option as sbatch reads it back verbatim. sbatch splits these lines itself: whitespace
 * ends a value, quotes are removed, a backslash escapes the next character and an unescaped `#` starts a comment
 * (src/sbatch/opt.c, `_get_argument`). Other values go in double quotes, with `"`, `\` and `#` escaped.
 */
export function sbatchValue(value: string): string {
  if (/[\r\n]/.test(value)) throw new SlurmError(`arrayScript: ${JSON.stringify(value)} holds a line break, which a #SBATCH line cannot`);
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(value) ? value : `"${value.replace(/["\\#]/g, '\\$&')}"`;
}

/** A path of `--output`/`--error`: `%` written `%%` (the file name patterns), the `%A_%a.out` file name added as is. */
function sbatchLogPath(logs: string, file: string): string {
  // A backslash anywhere in the value turns SLURM's %A and %a off, and the tasks' logs would share one file.
  if (logs.includes('\\')) throw new SlurmError(`arrayScript: the log folder ${logs} holds a backslash, which SLURM's file name patterns do not allow; move the sweep folder`);
  return sbatchValue(path.join(logs.replace(/%/g, '%%'), file));
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
  /** `--until` of every task (a tuning rung's budget); absent: the full budget. */
  readonly until?: number;
}

/**
 * The job-array script: one task per index in `indices`, each running
 * `node bin/varl.js sweep job <dir> --index $SLURM_ARRAY_TASK_ID [--until N]` with absolute paths, in `workDir`.
 * SLURM reads `#SBATCH` lines only up to the first command, so all of them come first.
 */
export function arrayScript(input: ArrayScriptInput): string {
  if (input.indices.length === 0) throw new SlurmError('arrayScript: no array indices given');
  const logs = path.join(input.dir, 'slurm', 'logs');
  const directives = [
    `--job-name=${input.jobName}`,
    `--array=${arrayRanges(input.indices)}${input.maxConcurrent !== undefined ? `%${input.maxConcurrent}` : ''}`,
    `--output=${sbatchLogPath(logs, '%A_%a.out')}`,
    `--error=${sbatchLogPath(logs, '%A_%a.err')}`,
    `--chdir=${sbatchValue(input.workDir)}`,
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
    `exec ${command} --index "$SLURM_ARRAY_TASK_ID"${input.until !== undefined ? ` --until ${input.until}` : ''}`,
    '',
  ].join('\n');
}

// ---------------------------------------------------------------------------------------------
// Submitting

function requireCommand(command: string, env: NodeJS.ProcessEnv): string {
  const found = findOnPath(command, env);
  if (found === null) {
    throw new SlurmError(`${command} is not on PATH (${env.PATH ?? 'PATH is unset'}); submit from a machine with the SLURM client commands (a login node), or install them (Debian: apt-get install slurm-client)`);
  }
  return found;
}

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

  const asked = options.indices === undefined ? null : new Set(options.indices);
  const considered = asked === null ? sweep.jobs : sweep.jobs.filter((job) => asked.has(job.index));
  const done = considered.filter((job) => fs.existsSync(resultFile(sweepDir, job.id)));
  let queued: SweepJobRef[] = [];
  if (!options.dryRun && readSlurmSubmissions(sweepDir).length > 0) {
    const status = await slurmQueueStatus(sweepDir, { env });
    const unfinished = considered.filter((job) => !fs.existsSync(resultFile(sweepDir, job.id)));
    // A job whose state cannot be read may still be queued: submitting it again would run it twice in one folder.
    const unknown = unfinished.filter((job) => status.jobs[job.id]!.state === 'UNKNOWN');
    if (unknown.length > 0) {
      const notes = [status.squeue.note, status.sacct.note].filter((note) => note !== null).join('; ');
      throw new SlurmError(`cannot tell whether ${unknown.length} job(s) submitted before are still in the queue ` +
        `(${unknown.slice(0, 3).map((j) => j.id).join(', ')}${unknown.length > 3 ? ', …' : ''}${notes ? `; ${notes}` : ''}); ` +
        'nothing submitted, so that no job runs twice: submit where squeue or sacct answers');
    }
    queued = unfinished.filter((job) => ACTIVE.has(status.jobs[job.id]!.state));
  }
  const skip = new Set([...done, ...queued].map((job) => job.id));
  const pending = considered.filter((job) => !skip.has(job.id));
  if (pending.length === 0) {
    throw new SlurmError(`nothing to submit in ${sweepDir}: of ${considered.length} jobs, ${done.length} have a result.json` +
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
    until: options.until,
  });
  fs.writeFileSync(script, text, { mode: 0o755 });
  const array = /^#SBATCH --array=(.*)$/m.exec(text)![1]!;
  const tasks = Object.fromEntries(pending.map((job) => [String(job.index), job.id]));
  const resources: SlurmResources = Object.fromEntries(RESOURCE_KEYS.filter((k) => options[k] !== undefined).map((k) => [k, options[k]]));
  const until = options.until !== undefined ? { until: options.until } : {};
  if (options.dryRun) return { arrayJobId: null, cluster: null, submittedAt: new Date().toISOString(), script, array, tasks, logs, resources, ...until };

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
    ...until,
  };
  const submissions = [...readSlurmSubmissions(sweepDir), submission];
  const file = submissionsFile(sweepDir);
  fs.writeFileSync(`${file}.tmp`, `${JSON.stringify({ submissions }, null, 2)}\n`);
  fs.renameSync(`${file}.tmp`, file);
  return submission;
}
