/**
 * `varl sweep report <dir> [<dir> …]`: the finished jobs of sweep folders aggregated by variant (jobs
 * that differ only in their seed): the final evaluation return as mean ± 95% Student-t interval over
 * seeds, paired differences between variants of one env over the seeds they share (with a
 * Bonferroni-adjusted interval and a caveat when several comparisons are made), learning curves
 * with interval bands (SVG), and every number as JSON.
 *
 * With several folders, the first holds the reference runs (e.g. a study's main comparison) and the
 * others variations of them (ablations): besides the pairs within each folder, each variant of a later
 * folder is compared with the first folder's variant of the same algorithm and env, whose runs it then
 * need not repeat. Its setting is stated as the config keys in which it differs from that reference.
 * Seeds are paired across folders only where the two jobs were evaluated alike (env steps, evaluation
 * seed and episodes).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { learningCurveSvg, type CurveSeries } from '../plots/learning-curve.ts';
import type { ConfigValue } from './sweep-file.ts';
import { canonicalJson, withDefaults, type SweepJob } from './expand.ts';
import { readJobResult, readSweep, type JobResult } from './folder.ts';
import { meanInterval, pairedDifferences, studentTQuantile, type IntervalSummary } from '../common/stats.ts';
import { UsageError } from '../node/usage.ts';

export interface CurvePointSummary {
  readonly step: number;
  readonly n: number;
  readonly mean: number;
  readonly halfWidth: number;
}

export interface VariantSummary {
  /** The job ids without the seed; prefixed with the sweep's name when several folders are reported. */
  readonly variant: string;
  readonly sweep: string;
  readonly algorithm: string;
  readonly envId: string;
  readonly overrides: Readonly<Record<string, ConfigValue>>;
  readonly trial?: number;
  /** Jobs of the variant, and the seeds of those with a result (ascending). */
  readonly jobs: number;
  readonly seeds: readonly number[];
  /** Final evaluation return per seed, in `seeds` order. */
  readonly finalReturns: readonly number[];
  /** How each of those seeds was evaluated ("steps/evalSeed/episodes"), in `seeds` order: seeds pair across folders only where equal. */
  readonly evaluations: readonly string[];
  readonly final: IntervalSummary;
  /** Mean and 95% half-width at every evaluation step all seeds reached. */
  readonly curve: readonly CurvePointSummary[];
  /** Jobs that stop at a return (`evaluation.stopAtReturn`): that return, and per seed the step it was reached at (null: never). */
  readonly stopAtReturn?: { readonly value: number; readonly reachedAt: readonly (number | null)[] };
}

export interface PairedComparison {
  readonly envId: string;
  readonly baseline: string;
  readonly variant: string;
  readonly seeds: readonly number[];
  /** variant − baseline, per shared seed. */
  readonly differences: readonly number[];
  readonly difference: IntervalSummary;
  /** The interval at level 1 − 0.05/m for m comparisons (Bonferroni), so that all m hold together at 95%. */
  readonly adjusted: { readonly level: number; readonly halfWidth: number; readonly low: number; readonly high: number };
}

export interface SweepReport {
  /** The sweep's name, or the names joined by ' + ' for several folders. */
  readonly name: string;
  readonly folders: number;
  readonly jobs: number;
  readonly finished: number;
  readonly variants: readonly VariantSummary[];
  readonly comparisons: readonly PairedComparison[];
  /** Stated whenever more than one comparison is made. */
  readonly caveat: string | null;
  /** Cross-folder pairs left out because their jobs were evaluated differently. */
  readonly notes: readonly string[];
}

/** Variants in order of first appearance in the sweep, with their jobs. */
function groupByVariant(jobs: readonly SweepJob[]): Map<string, SweepJob[]> {
  const groups = new Map<string, SweepJob[]>();
  for (const job of jobs) groups.set(job.variant, [...(groups.get(job.variant) ?? []), job]);
  return groups;
}

/** How a job was evaluated ("steps/evalSeed/episodes"): runs of one seed pair only where this is equal. */
export function evaluationKey(job: Pick<SweepJob, 'steps' | 'evalSeed' | 'evalEpisodes'>): string {
  return `${job.steps}/${job.evalSeed}/${job.evalEpisodes}`;
}

function summarizeVariant(sweep: string, label: string, jobs: readonly SweepJob[], results: ReadonlyMap<string, JobResult>): VariantSummary {
  const [first] = jobs;
  const finished = jobs.filter((job) => results.get(job.id)?.finalEval).sort((a, b) => a.seed - b.seed);
  const finals = finished.map((job) => (results.get(job.id) as JobResult).finalEval?.mean as number);
  const curves = finished.map((job) => new Map((results.get(job.id) as JobResult).evalCurve.map((p) => [p.step, p.mean])));
  const steps = curves.length === 0 ? [] : [...curves[0].keys()].filter((step) => curves.every((c) => c.has(step))).sort((a, b) => a - b);
  return {
    variant: label, sweep, algorithm: first.algorithm, envId: first.envId, overrides: first.overrides,
    ...(first.trial !== undefined ? { trial: first.trial } : {}),
    jobs: jobs.length, seeds: finished.map((job) => job.seed), finalReturns: finals,
    evaluations: finished.map(evaluationKey), final: meanInterval(finals),
    curve: steps.map((step) => {
      const s = meanInterval(curves.map((c) => c.get(step) as number));
      return { step, n: s.n, mean: s.mean, halfWidth: s.halfWidth };
    }),
    ...(first.stopAtReturn !== undefined
      ? { stopAtReturn: { value: first.stopAtReturn, reachedAt: finished.map((job) => (results.get(job.id) as JobResult).reachedAt ?? null) } }
      : {}),
  };
}

/** "k/n, median S steps" for a variant that stops at a return. */
function reachedCell(v: VariantSummary): string {
  if (!v.stopAtReturn) return '–';
  const reached = v.stopAtReturn.reachedAt.filter((step): step is number => step !== null).sort((a, b) => a - b);
  if (reached.length === 0) return `0/${v.seeds.length}`;
  const mid = reached.length / 2;
  const median = reached.length % 2 === 1 ? reached[Math.floor(mid)] : (reached[mid - 1] + reached[mid]) / 2;
  return `${reached.length}/${v.seeds.length}, median ${median} (${reached.join(', ')})`;
}

interface SeedPairs {
  readonly baseline: VariantSummary;
  readonly variant: VariantSummary;
  readonly seeds: number[];
  readonly differences: number[];
}

/** variant − baseline over the seeds both finished and evaluated alike; null below 2 such seeds. */
function pairBySeed(baseline: VariantSummary, variant: VariantSummary): SeedPairs | null {
  const comparable = (v: VariantSummary, other: VariantSummary): Map<number, number> => new Map(v.seeds.flatMap((seed, k) => {
    const j = other.seeds.indexOf(seed);
    return j >= 0 && other.evaluations[j] === v.evaluations[k] ? [[seed, v.finalReturns[k]] as [number, number]] : [];
  }));
  const { seeds, differences } = pairedDifferences(comparable(baseline, variant), comparable(variant, baseline));
  return seeds.length >= 2 ? { baseline, variant, seeds, differences } : null;
}

/** Every pair of variants of one env within one folder: later − earlier (sweep order). */
function pairsWithin(variants: readonly VariantSummary[]): SeedPairs[] {
  return variants.flatMap((baseline, i) => variants.slice(i + 1).filter((v) => v.envId === baseline.envId).map((v) => pairBySeed(baseline, v)))
    .filter((pair): pair is SeedPairs => pair !== null);
}

/** Intervals for all pairs, Bonferroni-adjusted for their number. */
function compare(pairs: readonly SeedPairs[]): PairedComparison[] {
  const m = pairs.length;
  return pairs.map(({ baseline, variant, seeds, differences }) => {
    const difference = meanInterval(differences);
    const level = 1 - 0.05 / m;
    const halfWidth = (studentTQuantile(1 - 0.025 / m, seeds.length - 1) * difference.sd) / Math.sqrt(seeds.length);
    return {
      envId: baseline.envId, baseline: baseline.variant, variant: variant.variant, seeds, differences, difference,
      adjusted: { level, halfWidth, low: difference.mean - halfWidth, high: difference.mean + halfWidth },
    };
  });
}

/** The config keys (seed aside) in which `config` differs from `reference`, with this config's values. */
function configDifference(reference: Readonly<Record<string, unknown>>, config: Readonly<Record<string, unknown>>): Record<string, ConfigValue> {
  const keys = [...new Set([...Object.keys(reference), ...Object.keys(config)])].filter((key) => key !== 'seed');
  return Object.fromEntries(keys.filter((key) => canonicalJson(reference[key]) !== canonicalJson(config[key])).map((key) => [key, (config[key] ?? null) as ConfigValue]));
}

interface FolderVariants {
  readonly name: string;
  readonly jobs: number;
  readonly finished: number;
  readonly variants: VariantSummary[];
  /** The first job's resolved config per variant. */
  readonly configs: Map<VariantSummary, Readonly<Record<string, unknown>>>;
}

function readFolder(dir: string, prefixed: boolean): FolderVariants {
  const sweep = readSweep(dir);
  const results = new Map<string, JobResult>();
  for (const job of sweep.jobs) {
    const result = readJobResult(dir, job);
    if (result) results.set(job.id, result);
  }
  const configs = new Map<VariantSummary, Readonly<Record<string, unknown>>>();
  const variants = [...groupByVariant(sweep.jobs).values()].map((jobs) => {
    const summary = summarizeVariant(sweep.name, prefixed ? `${sweep.name}/${jobs[0].variant}` : jobs[0].variant, jobs, results);
    configs.set(summary, jobs[0].config);
    return summary;
  });
  return { name: sweep.name, jobs: sweep.jobs.length, finished: results.size, variants, configs };
}

/**
 * Aggregates the results found in sweep folder `dir`, or in several (the first holding the reference runs);
 * jobs without result.json are counted, not used.
 */
export function buildReport(dir: string | readonly string[]): SweepReport {
  const dirs = typeof dir === 'string' ? [dir] : [...dir];
  if (dirs.length === 0) throw new UsageError('sweep report: no sweep folder given');
  const folders = dirs.map((d) => readFolder(d, dirs.length > 1));
  folders.forEach((folder, i) => {
    const twin = folders.findIndex((other) => other.name === folder.name);
    if (twin !== i) throw new UsageError(`sweep report: ${dirs[twin]} and ${dirs[i]} both hold sweep '${folder.name}'; give each sweep once`);
  });
  const [reference, ...later] = folders;
  const pairs = folders.flatMap((folder) => pairsWithin(folder.variants));
  const notes: string[] = [];
  const variants = [...reference.variants];
  for (const folder of later) {
    for (const v of folder.variants) {
      const base = reference.variants.find((r) => r.algorithm === v.algorithm && r.envId === v.envId);
      if (base === undefined) {
        variants.push(v);
        continue;
      }
      const described = { ...v, overrides: configDifference(withDefaults(v.algorithm, reference.configs.get(base)!), withDefaults(v.algorithm, folder.configs.get(v)!)) };
      variants.push(described);
      const pair = pairBySeed(base, described);
      if (pair !== null) pairs.push(pair);
      else if (v.seeds.filter((seed) => base.seeds.includes(seed)).length >= 2) {
        notes.push(`${described.variant} is not compared with ${base.variant}: fewer than 2 of their shared seeds were evaluated alike (env steps, evaluation seed and episodes).`);
      }
    }
  }
  const comparisons = compare(pairs);
  const m = comparisons.length;
  const caveat = m > 1
    ? `${m} paired comparisons are made: at 95% each, about ${(0.05 * m).toFixed(2)} of their intervals would exclude 0 by chance ` +
      `even if no variant differed. The Bonferroni column widens each interval to ${(100 * (1 - 0.05 / m)).toPrecision(4)}% so that all ${m} hold together with at least 95% probability.`
    : null;
  return {
    name: folders.map((f) => f.name).join(' + '), folders: folders.length,
    jobs: folders.reduce((n, f) => n + f.jobs, 0), finished: folders.reduce((n, f) => n + f.finished, 0),
    variants, comparisons, caveat, notes,
  };
}

/** A number for a table: 1 decimal from 100, 2 from 1, else 3 significant digits; '–' for NaN. */
export function formatNumber(x: number): string {
  if (!Number.isFinite(x)) return '–';
  const a = Math.abs(x);
  return (a >= 100 ? x.toFixed(1) : a >= 1 ? x.toFixed(2) : x.toPrecision(3)).replace(/^-/, '−');
}

function plusMinus(s: IntervalSummary): string {
  return Number.isFinite(s.halfWidth) ? `${formatNumber(s.mean)} ± ${formatNumber(s.halfWidth)}` : `${formatNumber(s.mean)} (n = ${s.n}, no interval)`;
}

/** "[low, high]" for a table; '–' without an interval. */
export function interval(low: number, high: number): string {
  return Number.isFinite(low) ? `[${formatNumber(low)}, ${formatNumber(high)}]` : '–';
}

/** What distinguishes a variant, for tables and legends. */
export function describeOverrides(v: Pick<VariantSummary, 'overrides' | 'trial'>): string {
  const parts = Object.entries(v.overrides).map(([key, value]) => `${key}=${Array.isArray(value) ? value.join('x') : String(value)}`);
  return `${v.trial !== undefined ? `trial ${v.trial}${parts.length ? ': ' : ''}` : ''}${parts.join(', ') || 'no grid overrides (the file\'s config and presets)'}`;
}

/** The learning curves of one env's variants, each with its 95% interval band. */
export function curvesSvg(report: SweepReport, envId: string): string {
  const variants = report.variants.filter((v) => v.envId === envId && v.curve.length > 0);
  // The legend is narrow: series are labelled by their values (and algorithm when several), the keys go in the subtitle.
  const severalAlgorithms = new Set(variants.map((v) => v.algorithm)).size > 1;
  const keys = [...new Set(variants.flatMap((v) => Object.keys(v.overrides)))];
  const label = (v: VariantSummary): string => {
    const values = v.trial !== undefined ? `trial ${v.trial}` : Object.values(v.overrides).map((x) => (Array.isArray(x) ? x.join('x') : String(x))).join(', ');
    return `${severalAlgorithms ? `${v.algorithm} ` : ''}${values}`.slice(0, 20) || v.algorithm;
  };
  const series: CurveSeries[] = variants.map((v) => ({
    label: label(v),
    points: v.curve.map((p) => ({ step: p.step, mean: p.mean, std: Number.isFinite(p.halfWidth) ? p.halfWidth : 0 })),
  }));
  return learningCurveSvg(series, {
    title: `${report.name}: ${envId}`,
    subtitle: `${keys.length > 0 && variants.every((v) => v.trial === undefined) ? `series: ${keys.join(', ')}. ` : ''}` +
      'Evaluation return, mean over seeds; bands: 95% Student-t interval.',
    yLabel: 'evaluation return',
  });
}

/** The report as Markdown; `svgFiles` maps an env id to its curve file (linked relative to the Markdown file). */
export function renderMarkdown(report: SweepReport, svgFiles: ReadonlyMap<string, string>): string {
  const lines = [
    `# Sweep${report.folders > 1 ? 's' : ''} ${report.name}`,
    '',
    `${report.finished} of ${report.jobs} jobs finished. "Final return" is each seed's last deterministic evaluation (mean over its ` +
      'evaluation episodes); ± is the half-width of a 95% Student-t interval over seeds (t₀.₉₇₅,ₙ₋₁ · sd / √n).',
  ];
  if (report.folders > 1) {
    const [first] = report.name.split(' + ');
    lines.push('', `Variants are named by sweep. Those of the later sweeps are also compared with the variant of the same algorithm and ` +
      `env in ${first} (the reference runs). Their setting lists the config keys in which they differ from it.`);
  }
  const envs = [...new Set(report.variants.map((v) => v.envId))];
  for (const envId of envs) {
    const ofEnv = report.variants.filter((x) => x.envId === envId);
    const stop = ofEnv.find((v) => v.stopAtReturn)?.stopAtReturn?.value;
    lines.push('', `## ${envId}`, '');
    if (stop !== undefined) {
      lines.push(`Jobs stop at the first evaluation whose mean reaches ${formatNumber(stop)}: their final return is that evaluation's, and ` +
        `the last column gives the seeds that reached it and the env steps they took (median, then each).`, '');
    }
    lines.push(`| variant | algorithm | setting | seeds | final return | 95% interval |${stop !== undefined ? ` reached ${formatNumber(stop)} |` : ''}`,
      `|---|---|---|---|---|---|${stop !== undefined ? '---|' : ''}`);
    for (const v of ofEnv) {
      lines.push(`| ${v.variant} | ${v.algorithm.toUpperCase()} | ${describeOverrides(v)} | ${v.seeds.length}/${v.jobs} | ${plusMinus(v.final)} | ` +
        `${interval(v.final.low, v.final.high)} |${stop !== undefined ? ` ${reachedCell(v)} |` : ''}`);
    }
    const svg = svgFiles.get(envId);
    if (svg) lines.push('', `![learning curves on ${envId}](${svg})`);
    const comparisons = report.comparisons.filter((c) => c.envId === envId);
    if (comparisons.length > 0) {
      lines.push('', '### Paired differences by seed', '',
        'Per shared seed, variant − baseline of the final return, then mean ± 95% t-interval of those differences.', '',
        '| variant − baseline | shared seeds | mean difference | 95% interval | Bonferroni interval |', '|---|---|---|---|---|');
      for (const c of comparisons) {
        lines.push(`| ${c.variant} − ${c.baseline} | ${c.seeds.length} | ${plusMinus(c.difference)} | ${interval(c.difference.low, c.difference.high)} | ` +
          `${interval(c.adjusted.low, c.adjusted.high)} |`);
      }
    }
  }
  if (report.caveat) lines.push('', `**Multiple comparisons.** ${report.caveat}`);
  for (const note of report.notes) lines.push('', note);
  return lines.join('\n') + '\n';
}

/** JSON with NaN written as null. */
function toJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? null : v), 1) + '\n';
}

/**
 * Writes the report of sweep folder `dir` (or of several, the first holding the reference runs): Markdown at
 * `markdownFile` (default <dir>/report.md for one folder), the numbers next to it (.json) and one SVG per env
 * (-<env>.svg). Returns the files written.
 */
export function writeReport(dir: string | readonly string[], markdownFile?: string): { report: SweepReport; files: string[] } {
  if (markdownFile === undefined && typeof dir !== 'string' && dir.length !== 1) throw new UsageError('sweep report: name the Markdown file (--out) when reporting several folders');
  const report = buildReport(dir);
  markdownFile ??= path.join(typeof dir === 'string' ? dir : dir[0]!, 'report.md');
  const base = markdownFile.replace(/\.md$/i, '');
  const files: string[] = [];
  const svgFiles = new Map<string, string>();
  for (const envId of new Set(report.variants.map((v) => v.envId))) {
    if (!report.variants.some((v) => v.envId === envId && v.curve.length > 0)) continue;
    const file = `${base}-${envId.replace(/[^A-Za-z0-9._-]/g, '_')}.svg`;
    fs.writeFileSync(file, curvesSvg(report, envId));
    svgFiles.set(envId, path.basename(file));
    files.push(file);
  }
  fs.writeFileSync(`${base}.json`, toJson(report));
  fs.writeFileSync(markdownFile, renderMarkdown(report, svgFiles));
  return { report, files: [markdownFile, `${base}.json`, ...files] };
}
