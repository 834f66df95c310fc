/**
 * `varl sweep …` and `varl tune …` (algorithms/cli.ts delegates here):
 *
 *   varl sweep plan <file> [--out DIR]                    expand into <dir>/sweep.json, list the jobs
 *   varl sweep run <file|dir> [<file|dir> …] [--out DIR] [--jobs N] [--only IDS] [--order file|seed]  run the unfinished jobs locally, as one queue
 *   varl sweep job <dir> --index I | --id ID [--until N]  run or resume one job in this process
 *   varl sweep submit <file|dir> --backend local|slurm …  local: as run; slurm: algorithms/sweep/slurm.ts
 *   varl sweep status <dir> [<dir> …]                     per-job status (and the SLURM queue)
 *   varl sweep report <dir> [<dir> …] [--out FILE.md]     Markdown, JSON and SVG curves
 *   varl sweep archive <dir> --out DIR                     the finished and failed jobs' records without checkpoints (archive.ts)
 *   varl sweep adopt <file|dir> --from DIR                 copy in another folder's runs of the same jobs (adopt.ts)
 *   varl tune <file> [--out DIR] [--jobs N]               successive halving, then fresh-seed re-evaluation
 *   varl tune <file> --backend slurm [SLURM flags]        the same, each rung a SLURM job array (tune-slurm.ts)
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { warmUpProblem } from '../common/config.ts';
import { checkOutputFile, integerFlag, parseFlags, UsageError } from '../node/usage.ts';
import { adoptJobs, describeAdoption } from './adopt.ts';
import { archiveSweep } from './archive.ts';
import { expandSweep, type SweepJob } from './expand.ts';
import { findJob, globRegExp, jobDir, jobStatus, jobStep, latestReturn, loggedStep, matchingJobs, readJobStatusFile, readSweep, selectJobs, writeSweep, type SweepFolder } from './folder.ts';
import { formatDuration } from '../node/progress.ts';
import { timeLeft } from './estimate.ts';
import { runSweepJob } from './job.ts';
import { exitStatus, runLocalSweeps, type LocalRunOptions, type LocalSweep } from './local.ts';
import { writeReport } from './report.ts';
import { readSweepFile } from './sweep-file.ts';
import type * as TuneSlurm from './tune-slurm.ts';
import { runTune, type TuneBackend } from './tune.ts';

/** What algorithms/sweep/slurm.ts provides (loaded only when a SLURM command is given). */
interface SlurmBackend {
  /** Submits the unfinished jobs of sweep folder `dir` as an array job; `args` are the flags after `--backend slurm` that this file does not know. Resolves to the exit status. */
  submitSlurm(dir: string, options: { readonly args: readonly string[] }): Promise<number> | number;
  /** The state of the sweep's jobs in the SLURM queue. */
  slurmQueueStatus(dir: string): Promise<unknown>;
  /** That state as text for the terminal. */
  formatSlurmStatus(status: never): string;
}

async function loadSlurm(): Promise<SlurmBackend> {
  return loadModule<SlurmBackend>('slurm');
}

async function loadModule<M>(name: string): Promise<M> {
  // A variable, so the type checker does not require the file; .js in the compiled package.
  const module = import.meta.url.endsWith('.ts') ? `./${name}.ts` : `./${name}.js`;
  try {
    return (await import(module)) as M;
  } catch (error) {
    throw new UsageError(`sweep: the SLURM backend is not available (${(error as Error).message.split('\n')[0]})`);
  }
}

/** `--backend local|slurm` (default local) and the other flags, for commands that take it. */
function backendFlag(command: string, flags: readonly string[]): { backend: 'local' | 'slurm' | undefined; remaining: string[] } {
  const backendAt = flags.indexOf('--backend');
  const backend = backendAt >= 0 ? flags[backendAt + 1] : undefined;
  if (backendAt >= 0 && backend !== 'local' && backend !== 'slurm') {
    throw new UsageError(`${command}: --backend must be local or slurm, got ${backend === undefined ? 'nothing' : `'${backend}'`}`);
  }
  return { backend: backend as 'local' | 'slurm' | undefined, remaining: flags.filter((_, i) => backendAt < 0 || (i !== backendAt && i !== backendAt + 1)) };
}

export function sweepUsage(): string {
  return `usage:
  varl sweep plan <file> [--out DIR]
      expands a sweep file (JSON or YAML, see algorithms/sweep/README.md) into DIR/sweep.json
      (default DIR: sweeps/<name>) and lists its jobs
  varl sweep run <file|DIR> [<file|DIR> …] [--out DIR] [--jobs N] [--only IDS] [--order file|seed] [--quiet]
      runs the unfinished jobs on N parallel processes (default: ${os.availableParallelism()}, the cores),
      several sweeps as one queue in the order given; finished jobs are skipped, interrupted ones resume
      from their checkpoints; --only runs just the jobs whose ids match its comma-separated globs, in
      their order, across the sweeps (hmc-sac-*-s2,sac-*); --order seed runs seed 0's jobs of every sweep first, then seed 1's, …
      (each seed's in the order above), so comparisons paired by seed fill up one pair at a time;
      --out only with a single sweep file
  varl sweep job DIR (--index I | --id ID) [--until STEPS] [--quiet]
      runs or resumes one job in this process (what every backend runs)
  varl sweep submit <file|DIR> --backend local|slurm [--out DIR] [--jobs N] [backend flags]
  varl sweep status DIR [DIR …]
      done/running/failed/interrupted/pending per job (and the SLURM queue when submitted there)
  varl sweep report DIR [DIR …] [--out FILE.md]
      final returns with 95% t-intervals, paired differences by seed, curves (default DIR/report.md);
      with several folders (--out required) the first holds the reference runs, and each variant of
      the others is also compared with its algorithm's variant there (ablations without rerunning it)
  varl sweep archive DIR --out DIR
      copies the finished and failed jobs' records (result, config, progress; no checkpoints) into a folder that
      report reads and run resumes from; run again to add the jobs finished since
  varl sweep adopt <file|DIR> --from DIR [--out DIR]
      copies in the runs of another sweep folder or archive that this sweep plans with the same
      definition (finished ones, and unfinished ones to resume unless that sweep is being run), so an
      edited or overlapping sweep file does not train them again; other definitions are named, not copied
  varl tune <file> [--out DIR] [--jobs N] [--quiet]
      random search over the file's search space with successive halving, then the best
      configurations trained again on fresh seeds
  varl tune <file> --backend slurm [--out DIR] [--quiet] [--poll-interval S] [SLURM flags of sweep submit]
      the same with each rung, and the re-evaluation, one SLURM job array; run it again to resume`;
}

/** The first argument when it is not a flag, and the rest. */
function positional(command: string, args: readonly string[], what: string): [string, string[]] {
  const [first, ...rest] = args;
  if (first === undefined || first.startsWith('-')) throw new UsageError(`${command}: expected ${what} as the first argument`);
  return [first, rest];
}

/** parseFlags for the flags after `positionals`: an argument among them is one given after a flag. */
function parseTrailingFlags<O extends Parameters<typeof parseFlags>[2]>(command: string, flags: readonly string[], options: O): ReturnType<typeof parseFlags<O>> {
  try {
    return parseFlags(command, flags, options);
  } catch (error) {
    if (error instanceof UsageError && /Unexpected argument/.test(error.message)) {
      throw new UsageError(`${error.message.replace(/\. This command does not take positional arguments$/, '')}: give the sweep files and folders before the flags`);
    }
    throw error;
  }
}

/** The arguments before the first flag (at least one), and the flags. */
function positionals(command: string, args: readonly string[], what: string): [string[], string[]] {
  const firstFlag = args.findIndex((arg) => arg.startsWith('-'));
  const given = firstFlag < 0 ? [...args] : args.slice(0, firstFlag);
  if (given.length === 0) throw new UsageError(`${command}: expected ${what} as the first argument`);
  return [given, args.slice(given.length)];
}

/** A sweep folder given directly, or the one a sweep file expands into (written or checked). */
function openSweep(command: string, given: string, out: string | undefined, cwd: string): { dir: string; sweep: SweepFolder } {
  const resolved = path.resolve(cwd, given);
  if (fs.existsSync(resolved) && fs.statSync(resolved).isDirectory()) {
    if (out !== undefined) throw new UsageError(`${command}: --out applies to a sweep file, and ${given} is a sweep folder`);
    return { dir: resolved, sweep: readSweep(resolved) };
  }
  const spec = readSweepFile(resolved, given);
  const jobs = expandSweep(spec, given);
  const warning = warmUpWarning(given, jobs);
  if (warning) process.stderr.write(warning + '\n');
  const dir = path.resolve(cwd, out ?? path.join('sweeps', spec.name));
  writeSweep(dir, { name: spec.name, file: given, spec, jobs });
  return { dir, sweep: readSweep(dir) };
}

/** The variants whose warm-up never ends or takes more than half their budget (`warmUpProblem`), with the reason. */
export function warmUpWarning(file: string, jobs: readonly SweepJob[]): string | null {
  const problems = new Map<string, string>();
  for (const job of jobs) {
    const problem = warmUpProblem(job.config, job.steps);
    if (problem !== null && !problems.has(job.variant)) problems.set(job.variant, problem.reason);
  }
  if (problems.size === 0) return null;
  return `warning: ${file}: ${[...problems].map(([variant, reason]) => `${variant}: ${reason}`).join('; ')}`;
}

function statusTable(dir: string, sweep: SweepFolder): string {
  const counts: Record<string, number> = { done: 0, running: 0, failed: 0, interrupted: 0, pending: 0 };
  const left = timeLeft(dir, sweep);
  const rows = sweep.jobs.map((job: SweepJob, i) => {
    const state = jobStatus(dir, job);
    counts[state]++;
    const status = readJobStatusFile(dir, job);
    const detail = state === 'failed' ? `  ${status?.message ?? ''} (log: ${path.join(jobDir(dir, job), 'log.txt')})`
      : state === 'running' ? `  pid ${status?.pid} on ${status?.host}` : '';
    const seconds = left.perJob[i];
    const remaining = state === 'done' ? '' : seconds === null ? '—' : formatDuration(seconds);
    const step = state === 'running' ? Math.max(loggedStep(dir, job), jobStep(dir, job)) : jobStep(dir, job);
    const latest = latestReturn(dir, job);
    const shown = latest === null ? '—' : latest.toFixed(1);
    return `${String(job.index).padStart(4)}  ${state.padEnd(11)} ${String(step).padStart(9)}/${String(job.steps).padEnd(9)} ${remaining.padStart(8)} ${shown.padStart(9)}  ${job.id}${detail}`;
  });
  const unfinished = sweep.jobs.length - counts.done - counts.failed;
  const estimate = unfinished === 0 ? '' : `; about ${formatDuration(left.totalSeconds)} of job time left` +
    `${left.unknown > 0 ? ` for the ${unfinished - left.unknown} jobs with a rate (${left.unknown} without one yet)` : ''}, ` +
    'by the seconds per step logged (divide by the parallel processes)';
  return [`sweep ${sweep.name} (${dir}): ${Object.entries(counts).map(([k, v]) => `${v} ${k}`).join(', ')}${estimate}`,
    `${'job'.padStart(4)}  ${'state'.padEnd(11)} ${'step'.padStart(9)}/${'budget'.padEnd(9)} ${'left'.padStart(8)} ${'return'.padStart(9)}  id`, ...rows].join('\n');
}

const RUN_OPTIONS = { out: { type: 'string' }, jobs: { type: 'string' }, quiet: { type: 'boolean' } } as const;

/** Runs `varl sweep <sub> …` or `varl tune …`; resolves to the exit status. */
export async function runSweepCommand(kind: 'sweep' | 'tune', args: readonly string[], cwd = process.cwd()): Promise<number> {
  try {
    return await dispatch(kind, args, cwd);
  } catch (error) {
    if (error instanceof UsageError) {
      process.stderr.write(`varl ${error.message}\n\n${sweepUsage()}\n`);
      return 2;
    }
    throw error;
  }
}

async function dispatch(kind: 'sweep' | 'tune', args: readonly string[], cwd: string): Promise<number> {
  // `varl tune help` as `varl sweep help` (a file named help is still read when it exists).
  const asksHelp = kind === 'tune' && args.length === 1 && args[0] === 'help' && !fs.existsSync(path.resolve(cwd, 'help'));
  if (asksHelp || args.some((arg) => arg === '--help' || arg === '-h')) {
    process.stdout.write(sweepUsage() + '\n');
    return 0;
  }
  if (kind === 'tune') {
    const [file, flags] = positional('tune', args, 'a sweep file');
    const { backend, remaining } = backendFlag('tune', flags);
    if (backend !== 'slurm') {
      const { values } = parseFlags('tune', remaining, RUN_OPTIONS);
      const spec = readSweepFile(path.resolve(cwd, file), file);
      return runTune(file, spec, { out: values.out, parallel: integerFlag('tune', 'jobs', values.jobs, os.availableParallelism(), 1, 1024), quiet: values.quiet, cwd });
    }
    const slurm = await loadModule<typeof TuneSlurm>('tune-slurm');
    const { values } = parseFlags('tune', remaining, { out: RUN_OPTIONS.out, quiet: RUN_OPTIONS.quiet, ...slurm.SLURM_TUNE_FLAGS });
    const { out, quiet, ...slurmFlags } = values;
    const chosen: TuneBackend = slurm.slurmTuneBackend({ ...slurm.slurmTuneOptionsFromFlags('tune', slurmFlags), quiet });
    const spec = readSweepFile(path.resolve(cwd, file), file);
    try {
      return await runTune(file, spec, { out, quiet, cwd, backend: chosen });
    } catch (error) {
      // The backend's own failures (sbatch missing or refusing, the queue unreadable) are one line, not a stack.
      if (error instanceof UsageError || !(error instanceof Error) || error.name !== 'SlurmError') throw error;
      process.stderr.write(`varl tune: ${error.message}\n`);
      return 1;
    }
  }
  const [sub, ...rest] = args;
  switch (sub) {
    case undefined:
    case 'help':
    case '--help':
      process.stdout.write(sweepUsage() + '\n');
      return 0;
    case 'plan': {
      const [given, flags] = positional('sweep plan', rest, 'a sweep file');
      const { values } = parseFlags('sweep plan', flags, { out: RUN_OPTIONS.out });
      const { dir, sweep } = openSweep('sweep plan', given, values.out, cwd);
      process.stdout.write(`${sweep.jobs.length} jobs in ${dir}/sweep.json\n${sweep.jobs.map((j) => `${String(j.index).padStart(4)}  ${j.id}`).join('\n')}\n`);
      return 0;
    }
    case 'run': {
      const [given, flags] = positionals('sweep run', rest, 'a sweep file or folder');
      const { values } = parseTrailingFlags('sweep run', flags, { ...RUN_OPTIONS, only: { type: 'string' }, order: { type: 'string' } });
      const order = values.order ?? 'file';
      if (order !== 'file' && order !== 'seed') throw new UsageError(`sweep run: --order must be file or seed, got '${order}'`);
      const parallel = integerFlag('sweep run', 'jobs', values.jobs, os.availableParallelism(), 1, 1024);
      const patterns = values.only?.split(',').map((pattern) => pattern.trim());
      if (patterns?.some((pattern) => pattern === '')) throw new UsageError(`sweep run: --only takes job ids or globs separated by commas, got '${values.only}'`);
      if (given.length > 1 && values.out !== undefined) throw new UsageError(`sweep run: --out names the folder of one sweep file, and ${given.length} sweeps are given`);
      const sweeps = given.map((source) => openSweep('sweep run', source, values.out, cwd));
      const priority = patterns ? globPriority(patterns) : undefined;
      return runAndSummarize(patterns ? selectAcross(sweeps, patterns) : sweeps, { parallel, quiet: values.quiet ?? false, order, priority });
    }
    case 'job': {
      const [given, flags] = positional('sweep job', rest, 'a sweep folder');
      const { values } = parseFlags('sweep job', flags, { index: { type: 'string' }, id: { type: 'string' }, until: { type: 'string' }, quiet: { type: 'boolean' } });
      if ((values.index === undefined) === (values.id === undefined)) throw new UsageError('sweep job: give exactly one of --index I and --id ID');
      const dir = path.resolve(cwd, given);
      const sweep = readSweep(dir);
      const job = findJob(sweep, { index: values.index !== undefined ? integerFlag('sweep job', 'index', values.index, 0, 0) : undefined, id: values.id });
      const until = values.until !== undefined ? integerFlag('sweep job', 'until', values.until, job.steps, 1, job.steps) : undefined;
      return runSweepJob(dir, job, { until, quiet: values.quiet });
    }
    case 'submit': {
      const [given, flags] = positional('sweep submit', rest, 'a sweep file or folder');
      const { backend, remaining } = backendFlag('sweep submit', flags);
      if (backend === undefined) throw new UsageError('sweep submit: --backend must be local or slurm, got nothing');
      if (backend === 'local') {
        const { values } = parseFlags('sweep submit', remaining, RUN_OPTIONS);
        return runAndSummarize([openSweep('sweep submit', given, values.out, cwd)], {
          parallel: integerFlag('sweep submit', 'jobs', values.jobs, os.availableParallelism(), 1, 1024), quiet: values.quiet ?? false,
        });
      }
      const outAt = remaining.indexOf('--out');
      const out = outAt >= 0 ? remaining[outAt + 1] : undefined;
      const { dir } = openSweep('sweep submit', given, out, cwd);
      const slurm = await loadSlurm();
      try {
        return await slurm.submitSlurm(dir, { args: remaining.filter((_, i) => outAt < 0 || (i !== outAt && i !== outAt + 1)) });
      } catch (error) {
        // The backend's own failures (sbatch missing or refusing, nothing to submit) are one line, not a stack.
        if (error instanceof UsageError || !(error instanceof Error)) throw error;
        process.stderr.write(`varl sweep submit: ${error.message}\n`);
        return 1;
      }
    }
    case 'status': {
      const [given, flags] = positionals('sweep status', rest, 'a sweep folder');
      parseTrailingFlags('sweep status', flags, {});
      const dirs = given.map((folder) => path.resolve(cwd, folder));
      const sweeps = dirs.map((dir) => readSweep(dir));
      for (const [i, dir] of dirs.entries()) {
        process.stdout.write((i > 0 ? '\n' : '') + statusTable(dir, sweeps[i]) + '\n');
        if (fs.existsSync(path.join(dir, 'slurm'))) {
          const slurm = await loadSlurm();
          process.stdout.write(`${slurm.formatSlurmStatus((await slurm.slurmQueueStatus(dir)) as never)}\n`);
        }
      }
      return 0;
    }
    case 'report': {
      const [given, flags] = positionals('sweep report', rest, 'a sweep folder');
      const { values } = parseTrailingFlags('sweep report', flags, { out: { type: 'string' } });
      const dirs = given.map((folder) => path.resolve(cwd, folder));
      for (const dir of dirs) readSweep(dir);
      if (values.out !== undefined) {
        if (!values.out.toLowerCase().endsWith('.md')) throw new UsageError(`sweep report: --out must name a Markdown file (.md), got '${values.out}'`);
        checkOutputFile('sweep report', 'out', path.resolve(cwd, values.out));
      } else if (dirs.length > 1) {
        throw new UsageError('sweep report: name the Markdown file with --out when reporting several folders');
      }
      const { report, files } = writeReport(dirs, values.out !== undefined ? path.resolve(cwd, values.out) : undefined);
      process.stdout.write(`${report.finished}/${report.jobs} jobs reported: ${files.join(', ')}\n`);
      return 0;
    }
    case 'archive': {
      const [given, flags] = positional('sweep archive', rest, 'a sweep folder');
      const { values } = parseFlags('sweep archive', flags, { out: RUN_OPTIONS.out });
      if (values.out === undefined) throw new UsageError('sweep archive: name the archive folder with --out');
      const out = path.resolve(cwd, values.out);
      const summary = archiveSweep(path.resolve(cwd, given), out);
      process.stdout.write(`${summary.added.length} job(s) archived in ${out}, ${summary.alreadyArchived} already there, ${summary.unfinished} unfinished
`);
      return 0;
    }
    case 'adopt': {
      const [given, flags] = positional('sweep adopt', rest, 'a sweep file or folder');
      const { values } = parseFlags('sweep adopt', flags, { from: { type: 'string' }, out: RUN_OPTIONS.out });
      if (values.from === undefined) throw new UsageError('sweep adopt: name the sweep folder or archive to adopt runs from with --from');
      const source = path.resolve(cwd, values.from);
      readSweep(source); // a --from that is not a sweep folder is refused before this sweep's folder is planned
      const { dir } = openSweep('sweep adopt', given, values.out, cwd);
      process.stdout.write(describeAdoption(dir, source, adoptJobs(dir, source)) + '\n');
      return 0;
    }
    default:
      throw new UsageError(`sweep: unknown subcommand '${sub}'; expected plan, run, job, submit, status, report, archive or adopt`);
  }
}

async function runAndSummarize(sweeps: readonly LocalSweep[], options: Pick<LocalRunOptions, 'parallel' | 'quiet' | 'order' | 'priority'>): Promise<number> {
  const summary = await runLocalSweeps(sweeps, options);
  const names = sweeps.map((s) => s.sweep.name).join(' + ');
  for (const { sweep, id, log } of summary.failed) process.stderr.write(`failed: ${sweeps.length > 1 ? `${sweep} ` : ''}${id} (log: ${log})\n`);
  if (summary.interrupted) process.stderr.write(`sweep ${names}: interrupted; run it again to continue (varl sweep run ${sweeps.map((s) => s.dir).join(' ')})\n`);
  else if (summary.runningElsewhere > 0) process.stderr.write(`sweep ${names}: ${summary.runningElsewhere} job(s) are run by another process\n`);
  return exitStatus(summary);
}

/** A job's place in an `--only` queue: the index of the first glob that matches its id (the queue follows the globs across sweeps). */
function globPriority(patterns: readonly string[]): (dir: string, job: SweepJob) => number {
  const globs = patterns.map(globRegExp);
  return (_dir, job) => {
    const index = globs.findIndex((glob) => glob.test(job.id));
    return index < 0 ? globs.length : index;
  };
}

/**
 * `--only` over several sweeps: each pattern's matching jobs in every sweep, in the patterns' order; a pattern
 * that matches no job of any sweep is a usage error (with one sweep, selectJobs's own message).
 */
function selectAcross(sweeps: readonly { dir: string; sweep: SweepFolder }[], patterns: readonly string[]): LocalSweep[] {
  if (sweeps.length === 1) return [{ ...sweeps[0], jobs: selectJobs(sweeps[0].sweep, patterns) }];
  const matches = patterns.map((pattern) => sweeps.map(({ sweep }) => matchingJobs(sweep, pattern)));
  const unmatched = patterns.findIndex((_, p) => matches[p].every((jobs) => jobs.length === 0));
  if (unmatched >= 0) throw new UsageError(`sweep run: no job of ${sweeps.map((s) => s.sweep.name).join(', ')} matches '${patterns[unmatched]}'`);
  return sweeps.map((entry, i) => ({ ...entry, jobs: [...new Set(matches.flatMap((perSweep) => perSweep[i]))] })).filter((entry) => entry.jobs.length > 0);
}
