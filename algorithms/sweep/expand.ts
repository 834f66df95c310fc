/**
 * A sweep spec expanded into jobs: one training run per (algorithm, env, grid point or tuning
 * trial, seed), in a fixed order, each with a stable readable id (`sac-Pendulum-v1-learningRate=0.001-s0`)
 * and its fully resolved config, so a job can be run anywhere from sweep.json alone.
 */
import { createHash } from 'node:crypto';
import { Generator } from '../../engine/random.ts';
import { ConfigError } from '../common/config.ts';
import { rewardThreshold } from '../../envs/registry.ts';
import { UsageError } from '../node/usage.ts';
import { algorithm } from '../registry.ts';
import type { ConfigValue, Distribution, SweepSpec } from './sweep-file.ts';

/** One training run of a sweep, as sweep.json records it. */
export interface SweepJob {
  /** Stable and unique within the sweep; the job folder's name. */
  readonly id: string;
  /** Position in sweep.json (SLURM array index). */
  readonly index: number;
  /** The id without the seed: jobs of one variant differ only in their seed. */
  readonly variant: string;
  readonly algorithm: string;
  readonly envId: string;
  readonly seed: number;
  /** Env steps of the full budget. */
  readonly steps: number;
  /** What this job's variant sets (grid point or tuning trial), for labels and reports. */
  readonly overrides: Readonly<Record<string, ConfigValue>>;
  /** The resolved algorithm config (defaults ← env preset ← named preset ← config ← overrides ← seed). */
  readonly config: Readonly<Record<string, unknown>>;
  /** Evaluation episode i resets with seed evalSeed + i. */
  readonly evalSeed: number;
  readonly evalEvery: number;
  readonly evalEpisodes: number;
  readonly checkpointEvery: number;
  /** Training stops once an evaluation's mean return reaches this (`evaluation.stopAtReturn`, resolved per env). */
  readonly stopAtReturn?: number;
  /** The tuning trial this job belongs to (`varl tune`), if any. */
  readonly trial?: number;
}

/**
 * A job's config over the algorithm's current defaults. A plan written before an option existed lacks
 * its key, and an option's default is the behaviour from before it existed: so two configs that agree
 * here define the same run.
 */
export function withDefaults(algorithmName: string, config: Readonly<Record<string, unknown>>): Record<string, unknown> {
  return { ...algorithm(algorithmName).defaults, ...config };
}

/** JSON with object keys sorted, so equal values always print the same. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (typeof value === 'object' && value !== null) {
    return `{${Object.keys(value).sort().map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k])}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

function shortHash(value: unknown): string {
  return createHash('sha256').update(canonicalJson(value)).digest('hex').slice(0, 8);
}

function formatValue(value: ConfigValue): string {
  if (Array.isArray(value)) return value.join('x');
  return String(value);
}

/** `key=value` parts of an id, characters outside [A-Za-z0-9._=+-] replaced by '_'. */
function idParts(overrides: Readonly<Record<string, ConfigValue>>): string[] {
  return Object.entries(overrides).map(([key, value]) => `${key}=${formatValue(value)}`.replace(/[^A-Za-z0-9._=+-]/g, '_'));
}

/** The cartesian product of the grid, in key order (the last key varies fastest). */
export function gridPoints(grid: Readonly<Record<string, readonly ConfigValue[]>>): Record<string, ConfigValue>[] {
  let points: Record<string, ConfigValue>[] = [{}];
  for (const [key, values] of Object.entries(grid)) points = points.flatMap((point) => values.map((value) => ({ ...point, [key]: value })));
  return points;
}

/** The evaluation seed of training seed `seed`: ranges of 1000 per seed, so no two seeds share an evaluation episode. */
export function evaluationSeed(spec: SweepSpec, seed: number): number {
  return spec.evaluation.seedBase + 1000 * seed;
}

/** `evaluation.stopAtReturn` for one env: the number, or the env's reward threshold. */
function stopReturnOf(spec: SweepSpec, envId: string, file: string): number | undefined {
  const stop = spec.evaluation.stopAtReturn;
  if (stop !== 'threshold') return stop;
  const threshold = rewardThreshold(envId);
  if (threshold === null) throw new UsageError(`${file}: evaluation.stopAtReturn: ${envId} has no reward threshold; give a number`);
  return threshold;
}

interface VariantPoint {
  readonly overrides: Readonly<Record<string, ConfigValue>>;
  readonly trial?: number;
}

/** The jobs of `points` × algorithms × envs × `seeds`, ids made unique with a short config hash where needed. */
function jobsOf(spec: SweepSpec, points: readonly VariantPoint[], seeds: readonly number[], file: string): SweepJob[] {
  const drafts: Omit<SweepJob, 'index'>[] = [];
  for (const algorithmName of spec.algorithms) {
    const record = algorithm(algorithmName);
    for (const envId of spec.envs) {
      const envPreset = spec.envPreset && Object.hasOwn(record.envPresets, envId) ? record.envPresets[envId].config : {};
      const namedPreset = spec.preset !== null ? record.presets[spec.preset] : {};
      const stopAtReturn = stopReturnOf(spec, envId, file);
      for (const point of points) {
        const prefix = point.trial !== undefined ? `t${String(point.trial).padStart(3, '0')}-` : '';
        const readable = `${prefix}${algorithmName}-${envId}${point.trial === undefined ? idParts(point.overrides).map((p) => `-${p}`).join('') : ''}`;
        for (const seed of seeds) {
          let config: Record<string, unknown>;
          try {
            config = record.resolveConfig(envPreset, namedPreset, spec.config, point.overrides, { seed });
          } catch (error) {
            if (error instanceof ConfigError) throw new UsageError(`${file}: ${readable}-s${seed}: ${error.message}`);
            throw error;
          }
          drafts.push({
            id: `${readable}-s${seed}`, variant: readable, algorithm: algorithmName, envId, seed, steps: spec.steps,
            overrides: point.overrides, config, evalSeed: evaluationSeed(spec, seed), evalEvery: spec.evaluation.every,
            evalEpisodes: spec.evaluation.episodes, checkpointEvery: spec.checkpointEvery,
            ...(stopAtReturn !== undefined ? { stopAtReturn } : {}), ...(point.trial !== undefined ? { trial: point.trial } : {}),
          });
        }
      }
    }
  }
  // Ids that collide (after character replacement) or grow too long get a hash of what defines the variant.
  const count = new Map<string, number>();
  for (const d of drafts) count.set(d.variant, (count.get(d.variant) ?? 0) + 1);
  const seedsPerVariant = seeds.length;
  const jobs = drafts.map((d, index) => {
    const { id, ...rest } = d;
    if ((count.get(d.variant) ?? 0) <= seedsPerVariant && d.variant.length <= 100) return { id, index, ...rest };
    const variant = `${d.variant.slice(0, 80)}-${shortHash({ algorithm: d.algorithm, envId: d.envId, overrides: d.overrides })}`;
    return { id: `${variant}-s${d.seed}`, index, ...rest, variant };
  });
  // Two jobs in one folder would be one run: a variant planned twice is refused (the file's own checks catch the usual causes).
  const seen = new Set<string>();
  for (const job of jobs) {
    if (seen.has(job.id)) throw new UsageError(`${file}: the job ${job.id} is planned twice (the same algorithm, env, values and seed)`);
    seen.add(job.id);
  }
  return jobs;
}

/** The jobs of a grid sweep (`varl sweep run`): algorithms × envs × grid points × seeds. */
export function expandSweep(spec: SweepSpec, file: string): SweepJob[] {
  if (Object.keys(spec.search).length > 0) {
    throw new UsageError(`${file}: search: this file has a search space; tune it with varl tune (a sweep runs a grid)`);
  }
  return jobsOf(spec, gridPoints(spec.grid).map((overrides) => ({ overrides })), spec.seeds, file);
}

/**
 * A continuous draw rounded to 4 significant digits (readable, and the same everywhere), kept within the bounds:
 * rounding alone can leave them when they have more digits (0.99996 in [0.999, 0.99999] would round to 1).
 */
function roundWithin(value: number, low: number, high: number): number {
  return Math.min(high, Math.max(low, Number(value.toPrecision(4))));
}

/** A value drawn from `distribution`; continuous draws are rounded to 4 significant digits within its bounds. */
export function sample(distribution: Distribution, generator: Generator): ConfigValue {
  switch (distribution.kind) {
    case 'uniform':
      return roundWithin(distribution.low + generator.uniform() * (distribution.high - distribution.low), distribution.low, distribution.high);
    case 'loguniform': {
      const low = Math.log(distribution.low);
      return roundWithin(Math.exp(low + generator.uniform() * (Math.log(distribution.high) - low)), distribution.low, distribution.high);
    }
    case 'int':
      return distribution.low + generator.integer(distribution.high - distribution.low + 1);
    case 'choice':
      return distribution.values[generator.integer(distribution.values.length)];
  }
}

/** The configurations of the tuning trials: `tune.trials` draws from `search` (keys in file order) with `tune.sampleSeed`. */
export function sampleTrials(spec: SweepSpec): Record<string, ConfigValue>[] {
  const generator = new Generator(spec.tune.sampleSeed);
  return Array.from({ length: spec.tune.trials }, () =>
    Object.fromEntries(Object.entries(spec.search).map(([key, distribution]) => [key, sample(distribution, generator)])));
}

/** The jobs of `varl tune`: every trial on every tuning seed. */
export function expandTuning(spec: SweepSpec, file: string): SweepJob[] {
  if (Object.keys(spec.search).length === 0) throw new UsageError(`${file}: search: varl tune needs a search space (search: { key: { loguniform: [low, high] } …})`);
  if (Object.keys(spec.grid).length > 0) throw new UsageError(`${file}: grid: varl tune draws from search; write a grid key as search: { key: { choice: [...] } }`);
  // A trial's score averages returns over its jobs, which is meaningful for one algorithm on one env only.
  if (spec.algorithms.length > 1 || spec.envs.length > 1) {
    throw new UsageError(`${file}: varl tune tunes one algorithm on one env, got ${spec.algorithms.join(', ')} on ${spec.envs.join(', ')}; write one file per pair`);
  }
  return jobsOf(spec, sampleTrials(spec).map((overrides, trial) => ({ overrides, trial })), spec.tune.seeds, file);
}

/** The re-evaluation jobs of the chosen trials on the fresh seeds. */
export function expandReevaluation(spec: SweepSpec, trials: readonly { readonly trial: number; readonly overrides: Readonly<Record<string, ConfigValue>> }[], file: string): SweepJob[] {
  return jobsOf(spec, trials, spec.tune.evaluationSeeds, file);
}
