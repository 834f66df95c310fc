/**
 * `varl tune <file>`: random search over the sweep file's `search` space with successive halving
 * (Jamieson & Talwalkar 2016; the promotion rule of ASHA, Li et al. 2020, run rung by rung so the
 * outcome does not depend on which job finishes first). Every trial trains on the tuning seeds up
 * to the first rung's budget; the best ⌈n/η⌉ by their evaluation curve continue to the next rung,
 * resuming from their checkpoints; the survivors of the last rung (the full budget) are ranked and
 * the top ones are trained again on fresh seeds (<dir>/final, an ordinary sweep folder), whose
 * returns are reported with 95% t-intervals.
 *
 * Everything is in the sweep folder, so a tuning run stopped at any point continues where it was.
 * Promoting a run extends its budget, so settings that depend on the total budget (PPO's
 * learning-rate annealing) see the rung's budget.
 *
 * A backend trains a rung's jobs: the local one on child processes (runLocal), the SLURM one as a job
 * array (tune-slurm.ts). Both run `varl sweep job`, so they give the same tune.json.
 */
import * as path from 'node:path';
import { warmUpProblem } from '../common/config.ts';
import { readEvalHistory } from '../node/run-logger.ts';
import { UsageError } from '../node/usage.ts';
import { expandReevaluation, expandTuning, type SweepJob } from './expand.ts';
import { jobDir, jobStatus, jobStep, readJobResult, readSweep, writeFileAtomic, writeSweep, type SweepFolder } from './folder.ts';
import { runLocal } from './local.ts';
import { describeOverrides, formatNumber, writeReport } from './report.ts';
import { meanInterval, type IntervalSummary } from '../common/stats.ts';
import type { ConfigValue, SweepSpec } from './sweep-file.ts';

export interface RungRecord {
  readonly budget: number;
  /** Trials run at this rung, with their scores (−Infinity written as null: a failed job). */
  readonly scores: readonly { readonly trial: number; readonly score: number | null }[];
  readonly promoted: readonly number[];
}

export interface TunedConfiguration {
  readonly rank: number;
  readonly trial: number;
  readonly overrides: Readonly<Record<string, ConfigValue>>;
  readonly tuningScore: number;
  readonly seeds: readonly number[];
  readonly finalReturns: readonly number[];
  readonly final: IntervalSummary;
}

/** The trials that would not update before the first rung (`warmUpProblem`): that rung would score their warm-up. */
export function idleTrialsWarning(file: string, trials: ReadonlyMap<number, readonly SweepJob[]>, firstRung: number): string | null {
  const idle = [...trials].flatMap(([trial, jobs]) => {
    const problem = warmUpProblem(jobs[0].config, firstRung);
    return problem?.kind === 'never-updates' ? [{ trial, reason: problem.reason }] : [];
  });
  if (idle.length === 0) return null;
  return `warning: ${file}: ${idle.length} of ${trials.size} trial(s) will not update before the first rung at ${firstRung} steps ` +
    `(trial ${idle[0].trial}: ${idle[0].reason}), so that rung ranks them by their warm-up`;
}

/** The env-step budgets of the rungs: fractions of `steps`, rounded to whole evaluation periods, increasing. */
export function rungBudgets(spec: SweepSpec, file: string): number[] {
  const every = spec.evaluation.every;
  if (every === 0) throw new UsageError(`${file}: evaluation.every: varl tune scores trials by their evaluations; it must be > 0`);
  if (every > spec.steps) {
    throw new UsageError(`${file}: evaluation.every: ${every} is more than steps (${spec.steps}), so no trial would ever be evaluated; varl tune scores trials by their evaluations`);
  }
  const budgets = spec.tune.rungs.map((fraction) => (fraction === 1 ? spec.steps : Math.min(spec.steps, Math.max(every, Math.round((fraction * spec.steps) / every) * every))));
  return budgets.filter((budget, i) => i === 0 || budget > budgets[i - 1]);
}

/**
 * The env step at which a job trained to `budget` stops: an on-policy learner steps its `numEnvs` envs together, so it
 * stops at the first multiple of numEnvs at or past the budget, and logs the evaluation due at the budget there
 * (numEnvs 16, budget 1000: step 1008); an off-policy learner stops at the budget.
 */
export function rungStopStep(job: SweepJob, budget: number): number {
  const stride = typeof job.config.numEnvs === 'number' && job.config.numEnvs > 1 ? job.config.numEnvs : 1;
  return Math.ceil(budget / stride) * stride;
}

/** A job's score at `budget`: the mean of its last `count` evaluations logged by the time it reached the budget; NaN without any. */
function jobScore(dir: string, job: SweepJob, budget: number, count: number): number {
  const stop = rungStopStep(job, budget);
  const points = readEvalHistory(jobDir(dir, job)).filter((p) => p.step <= stop).slice(-count);
  return points.length === 0 ? NaN : points.reduce((sum, p) => sum + p.mean, 0) / points.length;
}

/**
 * Which of `jobs` neither failed nor reached `until` (undefined: their result.json), as a message; null when none.
 * Such a job is still trained elsewhere (a SLURM task of an earlier run, another host): scoring its partial curve
 * would decide on it, so the caller stops and a later run decides.
 */
function unfinishedJobs(dir: string, jobs: readonly SweepJob[], failed: ReadonlySet<string>, until: number | undefined): string | null {
  const reached = (job: SweepJob): boolean => jobStatus(dir, job) === 'done' || (until !== undefined && jobStep(dir, job) >= until);
  const unfinished = jobs.filter((job) => !failed.has(job.id) && !reached(job));
  if (unfinished.length === 0) return null;
  return `${unfinished.length} job(s) neither failed nor reached ${until === undefined ? 'their full budget' : `${until} steps`} ` +
    `(run by another process?): ${unfinished.slice(0, 3).map((job) => job.id).join(', ')}${unfinished.length > 3 ? ', …' : ''}; ` +
    'run varl tune again once they have ended';
}

function trialsOf(jobs: readonly SweepJob[]): Map<number, SweepJob[]> {
  const trials = new Map<number, SweepJob[]>();
  for (const job of jobs) trials.set(job.trial as number, [...(trials.get(job.trial as number) ?? []), job]);
  return trials;
}

/** What a backend reports of a batch of jobs once none of them runs any longer. */
export interface TuneBatchOutcome {
  /** Jobs that did not reach their budget, with where their output is. */
  readonly failed: readonly { readonly id: string; readonly log: string }[];
  /** A stop (SIGINT/SIGTERM) was requested while the batch ran: its jobs may have stopped short, so it is not scored. */
  readonly interrupted: boolean;
}

/** Trains jobs of a sweep folder for `varl tune`: a rung, or the re-evaluation on fresh seeds. */
export interface TuneBackend {
  /**
   * Trains `jobs` (default: every job of the sweep) up to `until` env steps, or their full budget when
   * it is undefined; jobs already there are not trained again. Resolves once none of them runs.
   */
  run(dir: string, sweep: SweepFolder, batch: { readonly jobs?: readonly SweepJob[]; readonly until?: number; readonly label: string }): Promise<TuneBatchOutcome>;
  /** Where the jobs' output is, for a message (`the log.txt files in <dir>/jobs`). */
  logs(dir: string): string;
}

/** The local backend: `parallel` child processes (runLocal). */
export function localTuneBackend(options: { readonly parallel?: number; readonly quiet?: boolean } = {}): TuneBackend {
  return {
    run: async (dir, sweep, { jobs, until, label }) => {
      const summary = await runLocal(dir, sweep, {
        parallel: options.parallel, quiet: options.quiet, jobs, until: until === undefined ? undefined : () => until, label,
      });
      // A stop that came as the last jobs finished still stops the tuning run, not only its rung.
      if (summary.stopRequested) process.stderr.write(`${label}: interrupted; run varl tune again to continue\n`);
      return { failed: summary.failed, interrupted: summary.stopRequested };
    },
    logs: (dir) => `the log.txt files in ${path.join(dir, 'jobs')}`,
  };
}

function outcomeStatus(outcome: TuneBatchOutcome): number {
  return outcome.interrupted ? 130 : outcome.failed.length > 0 ? 1 : 0;
}

export interface TuneOptions {
  readonly out?: string;
  /** Local backend: parallel processes (ignored when `backend` is given). */
  readonly parallel?: number;
  readonly quiet?: boolean;
  readonly cwd?: string;
  /** Default: the local backend with `parallel` processes. */
  readonly backend?: TuneBackend;
}

/** Runs (or continues) a tuning sweep; resolves to the exit status. */
export async function runTune(file: string, spec: SweepSpec, options: TuneOptions = {}): Promise<number> {
  const cwd = options.cwd ?? process.cwd();
  const dir = path.resolve(cwd, options.out ?? path.join('sweeps', spec.name));
  const budgets = rungBudgets(spec, file);
  const backend = options.backend ?? localTuneBackend({ parallel: options.parallel, quiet: options.quiet });
  const jobs = expandTuning(spec, file);
  writeSweep(dir, { name: spec.name, file, spec, jobs });
  const sweep = readSweep(dir);
  const say = (line: string): void => {
    if (!options.quiet) process.stderr.write(line + '\n');
  };
  const trials = trialsOf(sweep.jobs);
  const idle = idleTrialsWarning(file, trials, budgets[0]);
  if (idle !== null) process.stderr.write(idle + '\n');
  let survivors = [...trials.keys()];
  const rungs: RungRecord[] = [];
  for (const [rung, budget] of budgets.entries()) {
    const last = rung === budgets.length - 1;
    say(`tune ${spec.name}: rung ${rung + 1}/${budgets.length}, ${survivors.length} trial(s) to ${budget} steps`);
    const summary = await backend.run(dir, sweep, {
      jobs: survivors.flatMap((t) => trials.get(t) as SweepJob[]), until: last ? undefined : budget, label: `tune ${spec.name} rung ${rung + 1}`,
    });
    if (summary.interrupted) return outcomeStatus(summary);
    const failed = new Set(summary.failed.map((f) => f.id));
    const unfinished = unfinishedJobs(dir, survivors.flatMap((t) => trials.get(t) as SweepJob[]), failed, last ? undefined : budget);
    if (unfinished !== null) {
      process.stderr.write(`tune ${spec.name}: rung ${rung + 1}: ${unfinished}; the rung is not scored\n`);
      return 1;
    }
    const scores = survivors.map((trial) => {
      const trialJobs = trials.get(trial) as SweepJob[];
      const values = trialJobs.map((job) => (failed.has(job.id) ? NaN : jobScore(dir, job, budget, spec.tune.scoreEvaluations)));
      const score = values.some((v) => !Number.isFinite(v)) ? -Infinity : values.reduce((a, b) => a + b, 0) / values.length;
      return { trial, score };
    });
    const ranked = [...scores].filter((s) => s.score > -Infinity).sort((a, b) => b.score - a.score || a.trial - b.trial);
    const keep = last ? ranked.length : Math.ceil(survivors.length / spec.tune.reductionFactor);
    survivors = ranked.slice(0, keep).map((s) => s.trial);
    rungs.push({ budget, scores: scores.map((s) => ({ trial: s.trial, score: Number.isFinite(s.score) ? s.score : null })), promoted: last ? [] : survivors });
    writeFileAtomic(path.join(dir, 'tune.json'), JSON.stringify({ budgets, rungs }, null, 1) + '\n');
    if (survivors.length === 0) {
      process.stderr.write(`tune ${spec.name}: every trial failed at rung ${rung + 1}; see ${backend.logs(dir)}\n`);
      return 1;
    }
  }

  const finalScores = new Map(rungs[rungs.length - 1].scores.map((s) => [s.trial, s.score as number]));
  const chosen = survivors.slice(0, spec.tune.top).map((trial) => ({ trial, overrides: (trials.get(trial) as SweepJob[])[0].overrides }));
  const finalDir = path.join(dir, 'final');
  const finalJobs = expandReevaluation(spec, chosen, file);
  writeSweep(finalDir, { name: `${spec.name}-final`, file, spec, jobs: finalJobs });
  say(`tune ${spec.name}: re-evaluating the best ${chosen.length} on fresh seeds ${spec.tune.evaluationSeeds.join(', ')}`);
  const finalSweep: SweepFolder = readSweep(finalDir);
  const summary = await backend.run(finalDir, finalSweep, { label: `tune ${spec.name} re-evaluation` });
  if (summary.interrupted) return outcomeStatus(summary);
  const unfinished = unfinishedJobs(finalDir, finalSweep.jobs, new Set(summary.failed.map((f) => f.id)), undefined);
  if (unfinished !== null) {
    process.stderr.write(`tune ${spec.name}: re-evaluation: ${unfinished}\n`);
    return 1;
  }

  const configurations: TunedConfiguration[] = chosen.map(({ trial, overrides }, rank) => {
    const results = finalSweep.jobs.filter((job) => job.trial === trial).map((job) => readJobResult(finalDir, job)).filter((r) => r?.finalEval);
    const finalReturns = results.map((r) => r?.finalEval?.mean as number);
    return {
      rank: rank + 1, trial, overrides, tuningScore: finalScores.get(trial) as number,
      seeds: results.map((r) => r?.seed as number), finalReturns, final: meanInterval(finalReturns),
    };
  });
  writeFileAtomic(path.join(dir, 'tune.json'), JSON.stringify({ budgets, rungs, best: configurations }, (_k, v: unknown) =>
    (typeof v === 'number' && !Number.isFinite(v) ? null : v), 1) + '\n');
  writeReport(finalDir);
  process.stdout.write(formatBest(spec, configurations) + '\n');
  return outcomeStatus(summary);
}

/** The best configurations, one line each, with their fresh-seed intervals. */
export function formatBest(spec: SweepSpec, configurations: readonly TunedConfiguration[]): string {
  const lines = [`best configurations of ${spec.tune.trials} trials (tuning seeds ${spec.tune.seeds.join(', ')}; ` +
    `re-evaluated on fresh seeds ${spec.tune.evaluationSeeds.join(', ')}; ± is a 95% t-interval over those seeds):`];
  for (const c of configurations) {
    const interval = Number.isFinite(c.final.halfWidth)
      ? `${formatNumber(c.final.mean)} ± ${formatNumber(c.final.halfWidth)} [${formatNumber(c.final.low)}, ${formatNumber(c.final.high)}]`
      : `${formatNumber(c.final.mean)} (no interval)`;
    lines.push(`${String(c.rank).padStart(3)}. ${describeOverrides({ overrides: c.overrides, trial: c.trial })}\n` +
      `      tuning score ${formatNumber(c.tuningScore)}; fresh seeds (n = ${c.final.n}): ${interval}`);
  }
  return lines.join('\n');
}

