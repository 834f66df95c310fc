/**
 * Sweep files (JSON or YAML, algorithms/sweep/README.md): read, checked key by key, and normalized
 * into a `SweepSpec`. Every problem is a UsageError naming the file and the key path, e.g.
 * `sweeps/x.yaml: grid.learningRate[2]: expected a number, got "abc"`.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseDocument } from 'yaml';
import { MUJOCO_ENV_IDS, registeredIds } from '../../envs/index.ts';
import type { AlgorithmRecord } from '../common/algorithm.ts';
import { ConfigError } from '../common/config.ts';
import { UsageError } from '../node/usage.ts';
import { algorithmNames, findAlgorithm } from '../registry.ts';

/** A value an algorithm config key takes. */
export type ConfigValue = number | boolean | string | readonly number[] | null;

/** A search-space dimension for `varl tune` (bounds inclusive). */
export type Distribution =
  | { readonly kind: 'uniform' | 'loguniform'; readonly low: number; readonly high: number }
  | { readonly kind: 'int'; readonly low: number; readonly high: number }
  | { readonly kind: 'choice'; readonly values: readonly ConfigValue[] };

export interface EvaluationSettings {
  /** Env steps between evaluations (0: none). */
  readonly every: number;
  readonly episodes: number;
  /** A job of training seed s evaluates on seeds seedBase + 1000·s … + episodes − 1, disjoint across seeds. */
  readonly seedBase: number;
  /** A job stops once an evaluation's mean return reaches this; 'threshold': the env's reward threshold. */
  readonly stopAtReturn?: number | 'threshold';
}

export interface TuneSettings {
  /** Random configurations drawn from `search`. */
  readonly trials: number;
  /** Training seeds of every trial (the score is their mean). */
  readonly seeds: readonly number[];
  /** η: each rung keeps the best ⌈n/η⌉ trials. */
  readonly reductionFactor: number;
  /** Budget fractions of `steps` at which trials are compared, increasing, the last one 1. */
  readonly rungs: readonly number[];
  /** A trial's score at a rung: the mean of its last this-many evaluations up to the rung's budget. */
  readonly scoreEvaluations: number;
  /** How many of the best configurations are re-evaluated. */
  readonly top: number;
  /** Fresh training seeds for the re-evaluation, disjoint from `seeds`. */
  readonly evaluationSeeds: readonly number[];
  /** Seed of the generator drawing the configurations. */
  readonly sampleSeed: number;
}

/** A sweep file, normalized: every default filled in, so two files meaning the same thing compare equal. */
export interface SweepSpec {
  readonly name: string;
  readonly algorithms: readonly string[];
  readonly envs: readonly string[];
  /** Training seeds of a grid sweep (a tuning file uses tune.seeds and tune.evaluationSeeds instead). */
  readonly seeds: readonly number[];
  readonly steps: number;
  /** A named preset of every algorithm (`varl train --preset`), or null. */
  readonly preset: string | null;
  /** Whether the per-env presets (RL Zoo) apply, as in `varl train` without `--no-preset`. */
  readonly envPreset: boolean;
  /** Overrides shared by every job. */
  readonly config: Readonly<Record<string, ConfigValue>>;
  /** Key → values; the jobs are the cartesian product (in key order). */
  readonly grid: Readonly<Record<string, readonly ConfigValue[]>>;
  /** Key → distribution, for `varl tune`. */
  readonly search: Readonly<Record<string, Distribution>>;
  readonly evaluation: EvaluationSettings;
  readonly checkpointEvery: number;
  readonly tune: TuneSettings;
}

const TOP_KEYS = ['name', 'algorithm', 'algorithms', 'env', 'envs', 'seeds', 'steps', 'preset', 'envPreset', 'config', 'grid', 'search', 'evaluation', 'checkpointEvery', 'tune'];
const EVALUATION_KEYS = ['every', 'episodes', 'seedBase', 'stopAtReturn'];
const TUNE_KEYS = ['trials', 'seeds', 'reductionFactor', 'rungs', 'scoreEvaluations', 'top', 'evaluationSeeds', 'sampleSeed'];
const DISTRIBUTIONS = ['uniform', 'loguniform', 'int', 'choice'];
/** Training seeds stay below this, so evaluation seed ranges (1000 per seed) never overlap. */
const MAX_SEED = 999;

type Json = unknown;

function describe(value: Json): string {
  return value === undefined ? 'nothing' : JSON.stringify(value);
}

function isObject(value: Json): value is Record<string, Json> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Reads a sweep file (by extension: .json, .yaml/.yml) and checks it; `displayName` is how errors name it. */
export function readSweepFile(file: string, displayName = file): SweepSpec {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (error) {
    throw new UsageError(`sweep: cannot read ${displayName}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
  return parseSweepText(text, path.extname(file).toLowerCase() === '.json' ? 'json' : 'yaml', displayName);
}

/** Parses and checks sweep file text. */
export function parseSweepText(text: string, format: 'json' | 'yaml', displayName: string): SweepSpec {
  let data: Json;
  if (format === 'json') {
    try {
      data = JSON.parse(text);
    } catch (error) {
      throw new UsageError(`${displayName}: not valid JSON: ${(error as Error).message}`);
    }
  } else {
    const document = parseDocument(text, { uniqueKeys: true, prettyErrors: true });
    if (document.errors.length > 0) {
      const [first] = document.errors;
      const line = first.linePos?.[0];
      throw new UsageError(`${displayName}: not valid YAML${line ? ` (line ${line.line}, column ${line.col})` : ''}: ${first.message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '')}`);
    }
    data = document.toJS();
  }
  return checkSweep(data, displayName);
}

/** Checks for one file: every failure is a UsageError naming the file and the key path. */
class FileChecker {
  constructor(readonly file: string) {}

  fail(keyPath: string, message: string): never {
    throw new UsageError(`${this.file}: ${keyPath ? `${keyPath}: ` : ''}${message}`);
  }

  onlyKeys(object: Record<string, Json>, known: readonly string[], at: string): void {
    for (const key of Object.keys(object)) {
      if (!known.includes(key)) this.fail(at ? `${at}.${key}` : key, `unknown key; known keys: ${known.join(', ')}`);
    }
  }

  /** An integer ≥ min; `fallback` when absent (when given). */
  integer(value: Json, at: string, min: number, fallback?: number): number {
    if (value === undefined && fallback !== undefined) return fallback;
    if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min) this.fail(at, `expected an integer ≥ ${min}, got ${describe(value)}`);
    return value as number;
  }

  /** A count n (seeds 0…n−1) or a list of distinct seeds ≤ MAX_SEED. */
  seeds(value: Json, at: string, fallback?: readonly number[]): number[] {
    if (value === undefined && fallback !== undefined) return [...fallback];
    if (typeof value === 'number') {
      const count = this.integer(value, at, 1);
      if (count > MAX_SEED + 1) this.fail(at, `at most ${MAX_SEED + 1} seeds (0…${MAX_SEED}) are accepted (evaluation seed ranges would overlap), got ${count}`);
      return Array.from({ length: count }, (_, i) => i);
    }
    if (!Array.isArray(value) || value.length === 0) this.fail(at, `expected a count or a non-empty list of seeds, got ${describe(value)}`);
    const seeds = (value as Json[]).map((v, i) => this.integer(v, `${at}[${i}]`, 0));
    seeds.forEach((seed, i) => {
      if (seed > MAX_SEED) this.fail(`${at}[${i}]`, `seeds above ${MAX_SEED} are not accepted (evaluation seed ranges would overlap), got ${seed}`);
      if (seeds.indexOf(seed) !== i) this.fail(`${at}[${i}]`, `seed ${seed} is listed twice`);
    });
    return seeds;
  }

  mapping(value: Json, at: string): Record<string, Json> {
    if (value === undefined) return {};
    if (!isObject(value)) this.fail(at, `expected a mapping, got ${describe(value)}`);
    return value as Record<string, Json>;
  }

  /** `singular: x` or `plural: [x, …]`, each from `known` (after `normalize`). */
  names(root: Record<string, Json>, singular: string, plural: string, known: readonly string[], what: string, normalize = (v: string): string => v): string[] {
    if (root[singular] !== undefined && root[plural] !== undefined) this.fail(plural, `give either '${singular}' or '${plural}', not both`);
    const at = root[plural] !== undefined ? plural : singular;
    const value = root[at];
    const list = typeof value === 'string' ? [value] : value;
    if (!Array.isArray(list) || list.length === 0) this.fail(at, `expected ${what} or a non-empty list of them, got ${describe(value)}`);
    const names: string[] = [];
    (list as Json[]).forEach((v, i) => {
      const keyPath = Array.isArray(value) ? `${at}[${i}]` : at;
      if (typeof v !== 'string' || !known.includes(normalize(v))) this.fail(keyPath, `unknown ${what} ${describe(v)}; known: ${known.join(', ')}`);
      const name = normalize(v as string);
      if (names.includes(name)) this.fail(keyPath, `${describe(v)} is listed twice${name !== v ? ` (as ${describe(name)})` : ''}`);
      names.push(name);
    });
    return names;
  }

  /** One config value, checked against every algorithm of the sweep (key, type, range). */
  configValue(records: readonly AlgorithmRecord[], key: string, value: Json, at: string): ConfigValue {
    for (const record of records) {
      if (!Object.hasOwn(record.defaults, key)) {
        this.fail(at, `${record.name} has no config key '${key}'; known keys: ${Object.keys(record.defaults).join(', ')}`);
      }
      const expected = record.defaults[key];
      const choices = record.rules.choices?.[key];
      if (!choices && typeof expected === 'number' && typeof value !== 'number') this.fail(at, `expected a number, got ${describe(value)}`);
      if (!choices && typeof expected === 'boolean' && typeof value !== 'boolean') this.fail(at, `expected true or false, got ${describe(value)}`);
      try {
        record.resolveConfig({ [key]: value });
      } catch (error) {
        if (!(error instanceof ConfigError)) throw error;
        // Cross-key checks may reject one key alone; only the key's own type and range matter here.
        if (error.message.includes(`'${key}'`)) this.fail(at, error.message.replace(/^[A-Z0-9-]+ config: /, `${record.name}: `));
      }
    }
    return value as ConfigValue;
  }
}

function checkGrid(check: FileChecker, records: readonly AlgorithmRecord[], data: Json, config: Readonly<Record<string, ConfigValue>>): Record<string, ConfigValue[]> {
  const grid: Record<string, ConfigValue[]> = {};
  for (const [key, values] of Object.entries(check.mapping(data, 'grid'))) {
    if (key === 'seed') check.fail('grid.seed', "training seeds come from 'seeds'");
    if (Object.hasOwn(config, key)) check.fail(`grid.${key}`, `'${key}' is also fixed in config`);
    if (!Array.isArray(values) || values.length === 0) check.fail(`grid.${key}`, `expected a non-empty list of values, got ${describe(values)}`);
    const list = (values as Json[]).map((v, i) => check.configValue(records, key, v, `grid.${key}[${i}]`));
    list.forEach((v, i) => {
      if (list.findIndex((w) => JSON.stringify(w) === JSON.stringify(v)) !== i) check.fail(`grid.${key}[${i}]`, `${describe(v)} is listed twice`);
    });
    grid[key] = list;
  }
  return grid;
}

function checkSearch(check: FileChecker, records: readonly AlgorithmRecord[], data: Json, fixed: readonly string[]): Record<string, Distribution> {
  const search: Record<string, Distribution> = {};
  for (const [key, spec] of Object.entries(check.mapping(data, 'search'))) {
    const at = `search.${key}`;
    if (key === 'seed' || fixed.includes(key)) check.fail(at, `'${key}' cannot be both searched and fixed (config, grid or seeds)`);
    if (!isObject(spec) || Object.keys(spec).length !== 1) check.fail(at, `expected one of { ${DISTRIBUTIONS.map((d) => `${d}: […]`).join(', ')} }, got ${describe(spec)}`);
    const [kind, args] = Object.entries(spec as Record<string, Json>)[0];
    if (!DISTRIBUTIONS.includes(kind)) check.fail(`${at}.${kind}`, `unknown distribution; known: ${DISTRIBUTIONS.join(', ')}`);
    if (!Array.isArray(args) || args.length === 0) check.fail(`${at}.${kind}`, `expected a list, got ${describe(args)}`);
    const list = args as Json[];
    if (kind === 'choice') {
      search[key] = { kind, values: list.map((v, i) => check.configValue(records, key, v, `${at}.${kind}[${i}]`)) };
      continue;
    }
    if (list.length !== 2) check.fail(`${at}.${kind}`, `expected [low, high], got ${describe(args)}`);
    list.forEach((v, i) => {
      if (typeof v !== 'number' || !Number.isFinite(v)) check.fail(`${at}.${kind}[${i}]`, `expected a number, got ${describe(v)}`);
      if (kind === 'int' && !Number.isSafeInteger(v)) check.fail(`${at}.${kind}[${i}]`, `expected an integer, got ${describe(v)}`);
      check.configValue(records, key, v, `${at}.${kind}[${i}]`);
    });
    const [low, high] = list as number[];
    if (!(low < high)) check.fail(`${at}.${kind}`, `expected low < high, got ${describe(args)}`);
    if (kind === 'loguniform' && !(low > 0)) check.fail(`${at}.${kind}`, `loguniform needs positive bounds, got ${describe(args)}`);
    search[key] = { kind: kind as 'uniform' | 'loguniform' | 'int', low, high };
  }
  return search;
}

function checkEvaluation(check: FileChecker, data: Json): EvaluationSettings {
  const evaluation = check.mapping(data, 'evaluation');
  check.onlyKeys(evaluation, EVALUATION_KEYS, 'evaluation');
  const episodes = check.integer(evaluation.episodes, 'evaluation.episodes', 1, 10);
  if (episodes > 1000) check.fail('evaluation.episodes', `at most 1000 (each training seed owns 1000 evaluation seeds), got ${episodes}`);
  const stop = evaluation.stopAtReturn;
  if (stop !== undefined && stop !== 'threshold' && !(typeof stop === 'number' && Number.isFinite(stop))) {
    check.fail('evaluation.stopAtReturn', `expected a finite number or 'threshold' (the env's reward threshold), got ${describe(stop)}`);
  }
  const every = check.integer(evaluation.every, 'evaluation.every', 0, 1000);
  if (stop !== undefined && every === 0) check.fail('evaluation.stopAtReturn', 'needs evaluations (evaluation.every > 0)');
  return {
    every,
    episodes,
    seedBase: check.integer(evaluation.seedBase, 'evaluation.seedBase', 0, 1_000_000),
    ...(stop !== undefined ? { stopAtReturn: stop as number | 'threshold' } : {}),
  };
}

function checkTune(check: FileChecker, data: Json): TuneSettings {
  const tune = check.mapping(data, 'tune');
  check.onlyKeys(tune, TUNE_KEYS, 'tune');
  const reductionFactor = check.integer(tune.reductionFactor, 'tune.reductionFactor', 2, 3);
  const seeds = check.seeds(tune.seeds, 'tune.seeds', [0]);
  let rungs: number[] = [1 / reductionFactor ** 2, 1 / reductionFactor, 1];
  if (tune.rungs !== undefined) {
    if (!Array.isArray(tune.rungs) || tune.rungs.length === 0) check.fail('tune.rungs', `expected a list of budget fractions ending with 1, got ${describe(tune.rungs)}`);
    const given = tune.rungs as Json[];
    rungs = given.map((v, i) => {
      if (typeof v !== 'number' || !(v > 0 && v <= 1)) check.fail(`tune.rungs[${i}]`, `expected a fraction in (0, 1], got ${describe(v)}`);
      if (i > 0 && !((v as number) > (given[i - 1] as number))) check.fail(`tune.rungs[${i}]`, `fractions must increase, got ${describe(v)} after ${describe(given[i - 1])}`);
      return v as number;
    });
    if (rungs[rungs.length - 1] !== 1) check.fail('tune.rungs', `the last fraction must be 1 (the full budget), got ${rungs[rungs.length - 1]}`);
  }
  // Fresh seeds by default: the next ones after the tuning seeds.
  const evaluationSeeds = typeof tune.evaluationSeeds === 'number' || tune.evaluationSeeds === undefined
    ? Array.from({ length: check.integer(tune.evaluationSeeds, 'tune.evaluationSeeds', 2, 5) }, (_, i) => Math.max(...seeds) + 1 + i)
    : check.seeds(tune.evaluationSeeds, 'tune.evaluationSeeds');
  evaluationSeeds.forEach((seed, i) => {
    if (seeds.includes(seed)) check.fail(`tune.evaluationSeeds[${i}]`, `seed ${seed} is also a tuning seed; the re-evaluation needs fresh seeds`);
    if (seed > MAX_SEED) check.fail('tune.evaluationSeeds', `seeds above ${MAX_SEED} are not accepted, got ${seed}`);
  });
  return {
    trials: check.integer(tune.trials, 'tune.trials', 1, 16),
    seeds,
    reductionFactor,
    rungs,
    scoreEvaluations: check.integer(tune.scoreEvaluations, 'tune.scoreEvaluations', 1, 1),
    top: check.integer(tune.top, 'tune.top', 1, 3),
    evaluationSeeds,
    sampleSeed: check.integer(tune.sampleSeed, 'tune.sampleSeed', 0, 0),
  };
}

/** Checks parsed sweep data (as read from a file named `file`) and fills in the defaults. */
export function checkSweep(data: Json, file: string): SweepSpec {
  const check = new FileChecker(file);
  if (!isObject(data)) check.fail('', `expected a mapping of sweep settings, got ${describe(data)}`);
  const root = data as Record<string, Json>;
  check.onlyKeys(root, TOP_KEYS, '');
  if (typeof root.name !== 'string' || !/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(root.name)) {
    check.fail('name', `expected a name of letters, digits, '.', '_' and '-' (it names the sweep folder), got ${describe(root.name)}`);
  }
  const algorithms = check.names(root, 'algorithm', 'algorithms', algorithmNames(), 'algorithm', (a) => a.toLowerCase());
  const envs = check.names(root, 'env', 'envs', [...new Set([...registeredIds(), ...MUJOCO_ENV_IDS])], 'env id');
  const records = algorithms.map((name) => findAlgorithm(name) as AlgorithmRecord);
  // A tuning file (with `search`) takes its seeds from tune.seeds and tune.evaluationSeeds.
  const seeds = root.seeds === undefined && root.search !== undefined ? [] : check.seeds(root.seeds, 'seeds');
  const steps = check.integer(root.steps, 'steps', 1);
  if (root.envPreset !== undefined && typeof root.envPreset !== 'boolean') check.fail('envPreset', `expected true or false, got ${describe(root.envPreset)}`);
  let preset: string | null = null;
  if (root.preset !== undefined && root.preset !== null) {
    if (typeof root.preset !== 'string') check.fail('preset', `expected a preset name, got ${describe(root.preset)}`);
    preset = root.preset as string;
    for (const record of records) {
      if (!Object.hasOwn(record.presets, preset)) {
        const known = Object.keys(record.presets);
        check.fail('preset', `${record.name} has no preset ${describe(preset)}; ${known.length ? `known: ${known.join(', ')}` : 'it has none'}`);
      }
    }
  }
  const config = Object.fromEntries(Object.entries(check.mapping(root.config, 'config')).map(([key, value]) => [key, check.configValue(records, key, value, `config.${key}`)]));
  if (Object.hasOwn(config, 'seed')) check.fail('config.seed', "training seeds come from 'seeds'");
  const grid = checkGrid(check, records, root.grid, config);
  const search = checkSearch(check, records, root.search, [...Object.keys(config), ...Object.keys(grid)]);
  return {
    name: root.name as string, algorithms, envs, seeds, steps, preset, envPreset: (root.envPreset as boolean | undefined) ?? true,
    config, grid, search, evaluation: checkEvaluation(check, root.evaluation),
    checkpointEvery: check.integer(root.checkpointEvery, 'checkpointEvery', 0, 1000), tune: checkTune(check, root.tune),
  };
}
