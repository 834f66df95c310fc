/**
 * Seed 003's claims (#13), reported from the sweeps of bench/sweeps/mcmc-*.yaml:
 * - HMC-SAC ≥ SAC, Langevin-TD3 ≥ TD3 (and the flow-policy SAC beside SAC) at equal env steps, paired by
 *   seed, on every env of mcmc-pendulum, mcmc-control (+ mcmc-control-td3) and mcmc-mujoco; HMC-SAC also against
 *   the paper's baseline, SAC with α fixed at 0.05 (mcmc-baseline-*), and that SAC against SAC with α learned;
 * - the PID keeps D̂ within 10% of its target after warm-up: per run, the fraction of updates on target;
 * - the ablations K ∈ {1, 3, 5}, gated vs explicit gradient, fixed β vs PID, the PID's target, and the entropy-bonus
 *   control (mcmc-ablation-*, on Pendulum-v1), and the PID's floor and the entropy control on CartPoleSwingup-v0
 *   (mcmc-control-floor, mcmc-control-entropy), each paired
 *   with the HMC-SAC runs of the claim sweep on its env, and with its SAC (does a variant close the gap?);
 * - wall-clock per env step of each method against SAC or TD3, from the same sweep's jobs.
 *
 *   varl sweep run bench/sweeps/mcmc-pendulum.yaml --jobs 2          (and the other mcmc-*.yaml files)
 *   varl sweep archive sweeps/mcmc-pendulum --out bench/results/runs/mcmc-pendulum
 *   node --import tsx bench/mcmc-study.ts [--root DIR] [--results DIR]
 * (the sweep folders, or their archives, are DIR/<name>, default bench/results/runs/, where the finished
 * runs are kept; the reports go to --results, default bench/results/)
 *
 * Sweeps with no archived job yet are listed as such, and unfinished jobs are counted, not used: the report can be
 * written while the sweeps run. Writes bench/results/mcmc-study.md, and the sweep reports beside it
 * (mcmc-pendulum.md joins the ablations; mcmc-control.md; mcmc-mujoco.md).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  jobDir, jobStatus, meanInterval, readJobResult, readJobStatusFile, readSweep, writeReport, type IntervalSummary, type JobResult, type SweepFolder,
} from '../algorithms/sweep/index.ts';
import type { SweepJob } from '../algorithms/sweep/expand.ts';
import { NonFiniteLossError } from '../algorithms/common/runner.ts';
import { evalPointsOf, readProgressRows } from '../algorithms/node/run-logger.ts';
import { describeOverrides, evaluationKey, formatNumber, interval } from '../algorithms/sweep/report.ts';
import { parseCli } from './cli-args.ts';

const RESULTS = path.join(path.dirname(fileURLToPath(import.meta.url)), 'results');

const CLAIM_SWEEPS = ['mcmc-pendulum', 'mcmc-control', 'mcmc-control-td3', 'mcmc-mujoco'] as const;
/** The paper's SAC baseline (α fixed at 0.05, as HMC-SAC's critic keeps it), paired with the claim sweeps' HMC-SAC by env and seed. */
const BASELINE_SWEEPS = ['mcmc-baseline-pendulum', 'mcmc-baseline-control', 'mcmc-baseline-mujoco'] as const;
const PAPER_BASELINE = 'sac, α 0.05 (the paper\'s)';
const ABLATION_SWEEPS = [
  'mcmc-ablation-k', 'mcmc-ablation-gradient', 'mcmc-ablation-beta', 'mcmc-ablation-target', 'mcmc-ablation-entropy',
  'mcmc-control-floor', 'mcmc-control-entropy',
] as const;
/** method → the baseline it is claimed to match or beat. */
const CLAIMS = [['hmc-sac', 'sac'], ['langevin-td3', 'td3'], ['flow-sac', 'sac']] as const;
const PID_ALGORITHMS = new Set(['hmc-sac', 'langevin-td3']);
/** The PID's warm-up, excluded from the on-target fraction: the first fifth of each run's env steps. */
const WARMUP_FRACTION = 0.2;

interface Finished {
  readonly job: SweepJob;
  readonly result: JobResult & { readonly finalEval: NonNullable<JobResult['finalEval']> };
  /** The rows of the job's progress.jsonl, read once. */
  readonly progress: readonly Record<string, number | null>[];
  /** The mean of all its evaluations' returns: the area under the learning curve over its length, a measure of learning speed. */
  readonly meanOverRun: number;
}

interface Sweep {
  readonly name: string;
  readonly dir: string;
  readonly folder: SweepFolder;
  readonly finished: readonly Finished[];
  /** Jobs whose run failed (a divergence stops training), with the first line of the error their output ends with. */
  readonly failed: readonly { readonly job: SweepJob; readonly step: number; readonly message: string }[];
}

function openSweep(root: string, name: string): Sweep | null {
  const dir = path.join(root, name);
  if (!fs.existsSync(path.join(dir, 'sweep.json'))) return null;
  const folder = readSweep(dir);
  const finished = folder.jobs.flatMap((job): Finished[] => {
    const result = readJobResult(dir, job);
    if (!result?.finalEval) return [];
    const progress = readProgressRows(jobDir(dir, job));
    const evaluations = evalPointsOf(progress);
    // A run whose progress lost its evaluation rows still has its final one; 0 would pass for a good Pendulum return.
    const meanOverRun = evaluations.length === 0 ? result.finalEval.mean : evaluations.reduce((sum, e) => sum + e.mean, 0) / evaluations.length;
    return [{ job, result: result as Finished['result'], progress, meanOverRun }];
  });
  const failed = folder.jobs.filter((job) => jobStatus(dir, job) === 'failed').map((job) => {
    const log = path.join(jobDir(dir, job), 'log.txt');
    const errors = fs.existsSync(log) ? fs.readFileSync(log, 'utf8').split('\n').filter((line) => line.startsWith('error:')) : [];
    const rows = readProgressRows(jobDir(dir, job));
    return { job, step: (rows.at(-1)?.step as number | undefined) ?? 0, message: errors.at(-1)?.replace(/^error: /, '') ?? readJobStatusFile(dir, job)?.message ?? 'failed' };
  });
  return { name, dir, folder, finished, failed };
}

/** Mean ± 95% half-width, or the single value; the count is shown beside it. */
const plusMinus = (s: IntervalSummary, format: (x: number) => string = formatNumber): string => (s.n === 0 ? '–'
  : Number.isFinite(s.halfWidth) ? `${format(s.mean)} ± ${format(s.halfWidth)}` : format(s.mean));
const fraction = (x: number): string => x.toFixed(3);
const range = (s: IntervalSummary): string => interval(s.low, s.high);
/** What a run is compared by: its final evaluation's return, or the mean return over all its evaluations. */
type Measure = (run: Finished) => number;
const finalReturn: Measure = (run) => run.result.finalEval.mean;
const meanOverRun: Measure = (run) => run.meanOverRun;
const finalReturns = (runs: readonly Finished[], measure: Measure = finalReturn): IntervalSummary => meanInterval(runs.map(measure));
/** Each run's final return by seed, `s0 −182.2, s1 …`. */
const perSeed = (runs: readonly Finished[]): string =>
  [...runs].sort((a, b) => a.job.seed - b.job.seed).map((run) => `s${run.job.seed} ${formatNumber(finalReturn(run))}`).join(', ');

/** run − reference of `measure`, for each run with a reference run of its seed and env evaluated alike (as `varl sweep report` pairs). */
function pairedDifferences(runs: readonly Finished[], references: readonly Finished[], measure: Measure = finalReturn): number[] {
  return runs.flatMap((run) => {
    const reference = references.find((r) => r.job.seed === run.job.seed && r.job.envId === run.job.envId && evaluationKey(r.job) === evaluationKey(run.job));
    return reference ? [measure(run) - measure(reference)] : [];
  });
}

interface Claim {
  readonly sweep: string;
  readonly envId: string;
  readonly method: string;
  readonly baseline: string;
  readonly methodReturns: IntervalSummary;
  readonly baselineReturns: IntervalSummary;
  readonly differences: readonly number[];
  /** The same for the mean return over each run (learning speed). */
  readonly methodMeans: IntervalSummary;
  readonly baselineMeans: IntervalSummary;
  readonly meanDifferences: readonly number[];
}

/** The comparison of `methodRuns` with `baselineRuns` on `envId`, by final return and by the mean over each run. */
function claimOf(sweep: Sweep, envId: string, method: string, baseline: string, methodRuns: readonly Finished[], baselineRuns: readonly Finished[]): Claim {
  return {
    sweep: sweep.name, envId, method, baseline, differences: pairedDifferences(methodRuns, baselineRuns),
    methodReturns: finalReturns(methodRuns), baselineReturns: finalReturns(baselineRuns),
    meanDifferences: pairedDifferences(methodRuns, baselineRuns, meanOverRun),
    methodMeans: finalReturns(methodRuns, meanOverRun), baselineMeans: finalReturns(baselineRuns, meanOverRun),
  };
}

function claimsOf(sweep: Sweep): Claim[] {
  const envs = [...new Set(sweep.folder.jobs.map((job) => job.envId))];
  return envs.flatMap((envId) => CLAIMS.flatMap(([method, baseline]): Claim[] => {
    if (!sweep.folder.jobs.some((job) => job.envId === envId && job.algorithm === method)) return [];
    const of = (algorithm: string): Finished[] => sweep.finished.filter((f) => f.job.envId === envId && f.job.algorithm === algorithm);
    return [claimOf(sweep, envId, method, baseline, of(method), of(baseline))];
  }));
}

/** The sweep's HMC-SAC on `envId` against the paper's SAC (α fixed at 0.05) of the baseline sweeps; null where none runs that env. */
function paperBaselineClaim(sweep: Sweep, envId: string, baselines: readonly Sweep[]): Claim | null {
  if (!baselines.some((b) => b.folder.jobs.some((job) => job.envId === envId))) return null;
  const methodRuns = sweep.finished.filter((f) => f.job.envId === envId && f.job.algorithm === 'hmc-sac');
  const baselineRuns = baselines.flatMap((b) => b.finished.filter((f) => f.job.envId === envId));
  return claimOf(sweep, envId, 'hmc-sac', PAPER_BASELINE, methodRuns, baselineRuns);
}

/** SAC with α fixed at 0.05 against SAC with α learned on the same seeds: how much the choice of baseline moves SAC. */
function baselineAlphaTable(claims: readonly Sweep[], baselines: readonly Sweep[]): string[] {
  const envs = [...new Set(baselines.flatMap((b) => b.folder.jobs.map((job) => job.envId)))];
  const rows = envs.flatMap((envId) => {
    const fixed = baselines.flatMap((b) => b.finished.filter((f) => f.job.envId === envId));
    const learned = claimRuns(claims, envId, 'sac');
    if (fixed.length === 0) return [];
    const final = meanInterval(pairedDifferences(fixed, learned));
    const speed = meanInterval(pairedDifferences(fixed, learned, meanOverRun));
    return [`| ${envId} | ${plusMinus(finalReturns(fixed))} (${fixed.length}) | ${plusMinus(finalReturns(learned))} (${learned.length}) | ` +
      `${plusMinus(final)} (${final.n}) | ${range(final)} | ${plusMinus(speed)} | ${range(speed)} | ${perSeed(fixed)} |`];
  });
  return rows.length === 0 ? ['No finished run of the paper\'s SAC baseline yet.'] : [
    '| env | SAC, α 0.05 (seeds) | SAC, α learned (seeds) | Δ final (pairs) | 95% | Δ of the mean over the run | 95% | α 0.05 per seed |',
    '|---|---|---|---|---|---|---|---|',
    ...rows,
  ];
}

/** What the paired interval says of "method ≥ baseline", with all m comparisons of the table held together (Bonferroni). */
function verdict(adjusted: IntervalSummary): string {
  if (!Number.isFinite(adjusted.low)) return 'too few pairs';
  if (adjusted.low > 0) return 'better';
  if (adjusted.high < 0) return 'worse';
  return 'no difference detected';
}

/** The claims compared by the final return, or (`speed`) by the mean return over the run. */
function claimsTable(claims: readonly Claim[], speed = false): string[] {
  const pick = (c: Claim): [IntervalSummary, IntervalSummary, readonly number[]] =>
    speed ? [c.methodMeans, c.baselineMeans, c.meanDifferences] : [c.methodReturns, c.baselineReturns, c.differences];
  const m = claims.filter((c) => pick(c)[2].length >= 2).length;
  const level = 1 - 0.05 / Math.max(1, m);
  const what = speed ? 'mean over the run' : 'return';
  return [
    `| sweep | env | method | baseline | method ${what} | baseline ${what} | paired Δ (pairs) | 95% | all-comparisons interval | reading |`,
    '|---|---|---|---|---|---|---|---|---|---|',
    ...claims.map((c) => {
      const [method, baseline, differences] = pick(c);
      const d = meanInterval(differences);
      const adjusted = meanInterval(differences, level);
      return `| ${c.sweep} | ${c.envId} | ${c.method} | ${c.baseline} | ${plusMinus(method)} (${method.n}) | ` +
        `${plusMinus(baseline)} (${baseline.n}) | ${plusMinus(d)} (${d.n}) | ${range(d)} | ${range(adjusted)} | ${verdict(adjusted)} |`;
    }),
    '',
    `"All-comparisons interval": the paired interval at ${(100 * level).toPrecision(4)}% (Bonferroni over the table's ${m} comparisons with ≥ 2 pairs),`,
    'so that all hold together at 95%; the reading is taken from it.',
  ];
}

/**
 * The fraction of a run's updates (`distance_on_target`: each minibatch's D̂) or policy iterations
 * (`pid_on_target`: the iteration's mean D̂, the controller's input) after warm-up that lay within 10%
 * of the target. A row holds that fraction over the updates or iterations since the previous row, so
 * rows are weighted by the env steps they cover (one update per env step once learning has started).
 */
function onTargetFraction(run: Finished, metric: 'distance_on_target' | 'pid_on_target'): number | null {
  const start = WARMUP_FRACTION * run.job.steps;
  let weighted = 0;
  let steps = 0;
  let previous = 0;
  for (const row of run.progress) {
    const step = row.step as number;
    const fraction = row[metric];
    if (step > start && typeof fraction === 'number') {
      const covered = step - Math.max(previous, start);
      weighted += fraction * covered;
      steps += covered;
    }
    previous = step;
  }
  return steps > 0 ? weighted / steps : null;
}

function pidTable(sweeps: readonly Sweep[]): string[] {
  const rows: string[] = [];
  for (const sweep of sweeps) {
    const variants = [...new Set(sweep.finished.filter((f) => PID_ALGORITHMS.has(f.job.algorithm)).map((f) => f.job.variant))];
    for (const variant of variants) {
      const runs = sweep.finished.filter((f) => f.job.variant === variant);
      const fractions = runs.map((run) => [run.job.seed, onTargetFraction(run, 'distance_on_target')] as const).filter((p): p is readonly [number, number] => p[1] !== null);
      if (fractions.length === 0) continue;
      const s = meanInterval(fractions.map(([, f]) => f));
      const iterations = runs.map((run) => onTargetFraction(run, 'pid_on_target')).filter((f): f is number => f !== null);
      const perIteration = iterations.length === 0 ? '–' : `${plusMinus(meanInterval(iterations), fraction)} (${iterations.length})`;
      const { config } = runs[0].job;
      rows.push(`| ${sweep.name} | ${runs[0].job.envId} | ${runs[0].job.algorithm} | ${settingOf(runs[0].job)} | ` +
        `${(config.integralGain as number) === 0 ? 'fixed β' : 'PID'} | ${plusMinus(s, fraction)} (${s.n}) | ${fraction(Math.min(...fractions.map(([, f]) => f)))} | ` +
        `${perIteration} | ${fractions.map(([seed, f]) => `s${seed} ${fraction(f)}`).join(', ')} |`);
    }
  }
  return rows.length === 0 ? ['No finished HMC-SAC or Langevin-TD3 run yet.'] : [
    `Fraction of updates after the first ${100 * WARMUP_FRACTION}% of each run's env steps whose minibatch D̂ lay within 10% of the`,
    'target (`distance_on_target` in progress.jsonl), the claim\'s test. A minibatch\'s D̂ is a noisy estimate; the controller acts',
    'on each policy iteration\'s mean D̂, so "iterations on target" gives the fraction of iterations whose mean lay within 10%',
    '(`pid_on_target`; – for runs made before it was logged). The runs with β fixed (integralGain 0) are the control: how',
    'often D̂ is on target without the controller. Per seed: the updates\' fraction. How far a minibatch\'s D̂ spreads',
    'within an iteration, and so how often it could be within 10% at best: [mcmc-pid-noise.md](mcmc-pid-noise.md).',
    'D̂ is each method\'s penalised distance: for HMC-SAC the KL of (17) to θ_t; for Langevin-TD3 under its default',
    '`penaltyPrior: \'live\'` the flow\'s displacement d(a_K, a₀), not d(a_K, π_θt(s)) (algorithms/mcmc/README.md).',
    '',
    '| sweep | env | algorithm | variant | β | updates on target (runs) | worst run | iterations on target (runs) | per seed |',
    '|---|---|---|---|---|---|---|---|---|',
    ...rows,
  ];
}

/** A variant's setting for the tables: with every PID gain 0, β stays at its floor, so the fixed β is named as such. */
function settingOf(job: SweepJob): string {
  const c = job.config;
  const fixed = c.proportionalGain === 0 && c.integralGain === 0 && c.derivativeGain === 0;
  return fixed ? `fixed β = ${String(c.minimumBeta)} (PID gains 0)` : describeOverrides(job);
}

/** Each ablation variant's finished runs, with their final and learning-speed differences from `reference` by seed. */
function ablationVariants(ablations: readonly Sweep[], reference: readonly Finished[]) {
  return ablations.flatMap((sweep) => [...new Set(sweep.finished.map((f) => f.job.variant))].map((variant) => {
    const runs = sweep.finished.filter((f) => f.job.variant === variant);
    return {
      sweep: sweep.name, runs, setting: settingOf(runs[0].job),
      final: meanInterval(pairedDifferences(runs, reference)), speed: meanInterval(pairedDifferences(runs, reference, meanOverRun)),
    };
  }));
}

/** The finished runs of `algorithm` on `envId` in the claim sweeps: what the ablations on that env are paired with. */
function claimRuns(claims: readonly Sweep[], envId: string, algorithm: string): Finished[] {
  return claims.flatMap((sweep) => sweep.finished.filter((f) => f.job.envId === envId && f.job.algorithm === algorithm));
}

/** The claim sweep holding the reference runs on `envId` (for its report's name). */
const claimSweepOn = (claims: readonly Sweep[], envId: string): Sweep | undefined =>
  claims.find((sweep) => sweep.folder.jobs.some((job) => job.envId === envId));

/** The envs the ablation sweeps run on, Pendulum-v1 first. */
const ablationEnvs = (ablations: readonly Sweep[]): string[] =>
  [...new Set(ablations.flatMap((sweep) => sweep.folder.jobs.map((job) => job.envId)))].sort((a, b) => Number(b === 'Pendulum-v1') - Number(a === 'Pendulum-v1'));

/** The ablation sweeps on `envId`. */
const ablationsOn = (ablations: readonly Sweep[], envId: string): Sweep[] => ablations.filter((sweep) => sweep.folder.jobs.some((job) => job.envId === envId));

function ablationTable(claims: readonly Sweep[], ablations: readonly Sweep[], envId: string): string[] {
  const referenceSweep = claimSweepOn(claims, envId);
  const reference = claimRuns(claims, envId, 'hmc-sac');
  const rows = ablationVariants(ablationsOn(ablations, envId), reference).map(({ sweep, runs, setting, final: d, speed }) =>
    `| ${sweep} | ${setting} | ${plusMinus(finalReturns(runs))} (${runs.length}) | ` +
    `${plusMinus(d)} (${d.n}) | ${range(d)} | ${plusMinus(speed)} | ${range(speed)} | ${perSeed(runs)} |`);
  if (!referenceSweep) return [`No claim sweep on ${envId} holds the reference runs.`];
  return rows.length === 0 ? ['No finished ablation run yet.'] : [
    `Reference: ${referenceSweep.name}'s HMC-SAC (K = 5, gated gradient, PID), ${plusMinus(finalReturns(reference))} ` +
      `(${reference.length} seeds: ${perSeed(reference)}). Δ = ablation − reference on the same seed and evaluation episodes. Every comparison, with`,
    `Bonferroni-adjusted intervals and curves: [${referenceSweep.name}.md](${referenceSweep.name}.md).`,
    '',
    '| sweep | variant | final return (seeds) | Δ vs reference (pairs) | 95% | Δ of the mean over the run | 95% | final return per seed |',
    '|---|---|---|---|---|---|---|---|',
    ...rows,
  ];
}

/** Each ablation against SAC on the same seeds: whether any variant of HMC-SAC closes the gap to its baseline. */
function ablationBaselineTable(claims: readonly Sweep[], ablations: readonly Sweep[], envId: string): string[] {
  const sac = claimRuns(claims, envId, 'sac');
  const rows = ablationVariants(ablationsOn(ablations, envId), sac).map(({ sweep, setting, final: d, speed }) =>
    `| ${sweep} | ${setting} | ${plusMinus(d)} (${d.n}) | ${range(d)} | ${plusMinus(speed)} | ${range(speed)} |`);
  if (rows.length === 0 || sac.length === 0) return [];
  return [
    '', `The same variants against ${claimSweepOn(claims, envId)?.name}'s SAC (${plusMinus(finalReturns(sac))}, ${sac.length} seeds), Δ = variant − SAC on the same seed:`, '',
    '| sweep | variant | Δ final (pairs) | 95% | Δ of the mean over the run | 95% |',
    '|---|---|---|---|---|---|',
    ...rows,
  ];
}

/** Wall-clock seconds per 1,000 env steps of a finished run, evaluations included (`wall_s` survives resumes). */
function secondsPerThousandSteps(run: Finished): number | null {
  const last = run.progress[run.progress.length - 1];
  return last && typeof last.wall_s === 'number' && typeof last.step === 'number' && last.step > 0 ? (1000 * last.wall_s) / last.step : null;
}

function costTable(sweeps: readonly Sweep[]): string[] {
  const rows: string[] = [];
  for (const sweep of sweeps) {
    for (const envId of new Set(sweep.finished.map((f) => f.job.envId))) {
      const cost = (algorithm: string): IntervalSummary => meanInterval(sweep.finished
        .filter((f) => f.job.envId === envId && f.job.algorithm === algorithm)
        .map(secondsPerThousandSteps).filter((s): s is number => s !== null));
      for (const [method, baseline] of CLAIMS) {
        const m = cost(method);
        const b = cost(baseline);
        if (m.n === 0) continue;
        rows.push(`| ${sweep.name} | ${envId} | ${method} | ${plusMinus(m)} (${m.n}) | ${baseline} ${plusMinus(b)} (${b.n}) | ${b.n ? `${(m.mean / b.mean).toFixed(2)}×` : '–'} |`);
      }
    }
  }
  return rows.length === 0 ? ['No finished run yet.'] : [
    'Wall-clock seconds per 1,000 env steps of the finished jobs (training, acting and evaluation), with the sweep\'s jobs running side by',
    'side on the machine\'s cores, so both columns carry the same load.',
    'Per-update costs and GEMM arithmetic, all agents measured in one process: `bench/mcmc-cost.ts` (algorithms/mcmc/README.md).',
    '',
    '| sweep | env | method | s per 1k steps (jobs) | baseline (jobs) | ratio |',
    '|---|---|---|---|---|---|',
    ...rows,
  ];
}

/**
 * The failed runs with where and why they stopped, and a link to `mcmc-divergence-<job id>.md` in `results` when
 * bench/mcmc-divergence.ts has resumed one from its last checkpoint (the archive keeps no checkpoint, so the
 * message's pointer to one is dropped).
 */
function failedRuns(sweeps: readonly Sweep[], results: string): string[] {
  const failed = sweeps.flatMap((sweep) => sweep.failed.map((f) => ({ sweep: sweep.name, ...f })));
  if (failed.length === 0) return [];
  const analysis = (id: string): string => {
    const file = `mcmc-divergence-${id}.md`;
    return fs.existsSync(path.join(results, file)) ? ` Resumed with every update recorded: [${file}](${file}).` : '';
  };
  return ['', `Failed runs (${failed.length}; not in the means, counted here):`, '',
    ...failed.map((f) => `- ${f.sweep} ${f.job.id}, last logged at step ${f.step}: ${NonFiniteLossError.reasonOf(f.message)}${analysis(f.job.id)}`)];
}

const USAGE = `usage: node --import tsx bench/mcmc-study.ts [--root DIR] [--results DIR]
  --root DIR      the parent of the sweep folders or their archives (default bench/results/runs)
  --results DIR   where the reports go (default bench/results)`;

function main(): void {
  const { values } = parseCli({ script: 'mcmc-study', usage: USAGE, flags: { root: { type: 'string' }, results: { type: 'string' } } });
  const root = values.root ?? path.join(RESULTS, 'runs');
  const results = values.results ?? RESULTS;
  if (!fs.existsSync(root)) throw new Error(`mcmc-study: no folder ${root} (the parent of the sweep folders; pass --root DIR)`);
  if (!fs.existsSync(results)) throw new Error(`mcmc-study: no folder ${results} for the reports (--results DIR)`);
  const open = (names: readonly string[]): Sweep[] => names.map((name) => openSweep(root, name)).filter((s): s is Sweep => s !== null);
  const claims = open(CLAIM_SWEEPS);
  const baselines = open(BASELINE_SWEEPS);
  const ablations = open(ABLATION_SWEEPS);
  const missing = [...CLAIM_SWEEPS, ...BASELINE_SWEEPS, ...ABLATION_SWEEPS].filter((name) => ![...claims, ...baselines, ...ablations].some((s) => s.name === name));
  // Each HMC-SAC − SAC row is followed by HMC-SAC against the paper's baseline on the same env.
  const allClaims = claims.flatMap((sweep) => claimsOf(sweep).flatMap((c) => {
    const paper = c.method === 'hmc-sac' && c.baseline === 'sac' ? paperBaselineClaim(sweep, c.envId, baselines) : null;
    return paper ? [c, paper] : [c];
  }));
  for (const sweep of claims) {
    // A claim sweep's report joins the ablations on its envs, paired with its runs.
    const envs = new Set(sweep.folder.jobs.map((job) => job.envId));
    const joined = ablations.filter((ablation) => ablation.folder.jobs.some((job) => envs.has(job.envId)));
    writeReport([sweep.dir, ...joined.map((s) => s.dir)], path.join(results, `${sweep.name}.md`));
  }
  const lines = [
    '# MCMC policy optimization (seed 003): the claims',
    '',
    'Made by `node --import tsx bench/mcmc-study.ts` from the sweeps of `bench/sweeps/mcmc-*.yaml` (`varl sweep run <file> --jobs 2`),',
    'whose finished runs are archived in [runs/](runs/) (`varl sweep archive`; a copy of an archive resumes as its sweep folder).',
    'Budgets: Pendulum-v1 20k env steps (RL Zoo\'s), CartPoleSwingup-v0 and Reacher2D-v0 30k, the MuJoCo tasks 100k; the paper',
    'trains 5e5, so these compare the methods early in learning. Returns: the final deterministic evaluation of each seed,',
    'mean over seeds ± the 95% Student-t half-width. Per-sweep tables and curves: ' +
      claims.map((s) => `[${s.name}.md](${s.name}.md)`).join(', ') + (claims.length ? '.' : '(none yet).'),
    '',
    `${claims.reduce((n, s) => n + s.finished.length, 0)} of ${claims.reduce((n, s) => n + s.folder.jobs.length, 0)} claim jobs, ` +
      (baselines.length ? `${baselines.reduce((n, s) => n + s.finished.length, 0)} of ${baselines.reduce((n, s) => n + s.folder.jobs.length, 0)} jobs of the paper's baseline, ` : '') + 'and ' +
      `${ablations.reduce((n, s) => n + s.finished.length, 0)} of ${ablations.reduce((n, s) => n + s.folder.jobs.length, 0)} ablation jobs finished` +
      (missing.length ? `; no job archived yet from ${missing.map((name) => `\`bench/sweeps/${name}.yaml\``).join(', ')}.` : '.'),
    ...failedRuns([...claims, ...baselines, ...ablations], results),
    '',
    '## HMC-SAC ≥ SAC, Langevin-TD3 ≥ TD3, and the flow-policy SAC',
    '',
    'The paper\'s SAC baseline fixes α at 0.05, as HMC-SAC\'s critic does; the claim sweeps\' SAC learns α (SB3\'s default). HMC-SAC is',
    `compared with both; "${PAPER_BASELINE}" is bench/sweeps/mcmc-baseline-*.yaml, on the same seeds and evaluation episodes.`,
    '',
    ...claimsTable(allClaims),
    '',
    'A final evaluation is 10 episodes (5 on the control tasks); the final checkpoints on 100 fresh episodes each: [mcmc-final-eval.md](mcmc-final-eval.md)',
    '(Pendulum-v1), [mcmc-final-eval-control.md](mcmc-final-eval-control.md) (CartPoleSwingup-v0)',
    '(bench/mcmc-final-eval.ts, from the sweep folders, which keep the checkpoints). How far the chains move the action:',
    '[mcmc-chain-moves.md](mcmc-chain-moves.md).',
    '',
    'Learning speed: the same comparison of each run\'s mean evaluation return over all its evaluations (the area under its',
    'learning curve divided by its length), which separates a method that gets there later from one that ends lower.',
    '',
    ...claimsTable(allClaims, true),
    '',
    '### The baseline\'s α',
    '',
    'SAC with α fixed at 0.05 (the paper\'s baseline) against SAC with α learned (the claim sweeps\'), paired by seed:',
    '',
    ...baselineAlphaTable(claims, baselines),
    '',
    '## The PID keeps D̂ within 10% of its target',
    '',
    ...pidTable([...claims, ...ablations]),
    '',
    ...ablationEnvs(ablations).flatMap((envId) => [
      `## Ablations on ${envId}`,
      '',
      ...ablationTable(claims, ablations, envId),
      ...ablationBaselineTable(claims, ablations, envId),
      '',
    ]),
    '## Cost',
    '',
    ...costTable(claims),
  ];
  fs.writeFileSync(path.join(results, 'mcmc-study.md'), lines.join('\n') + '\n');
  process.stdout.write(`wrote ${path.join(results, 'mcmc-study.md')}\n`);
}

try {
  main();
} catch (error) {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 2;
}
