/**
 * The varl command line's plans: argv checked and resolved into what `train`, `eval`, `export` or
 * `inspect` will do (the algorithm, env, config, run folder, checkpoint, schedule), before any work; a bad argument is a UsageError
 * that names it. algorithms/cli.ts runs the plans.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ParseArgsConfig } from 'node:util';
import { MUJOCO_ENV_IDS, rewardThreshold, registeredIds } from '../../envs/index.ts';
import type { AlgorithmRecord } from '../common/algorithm.ts';
import { ConfigError, warmUpProblem } from '../common/config.ts';
import { UsageError, checkOutputFile, integerFlag, parseFlags } from './usage.ts';
import { checkpointIn, hasCheckpoint, readCheckpointMeta } from './checkpoint-dir.ts';
import { ALGORITHMS, algorithmNames, findAlgorithm } from '../registry.ts';
import { checkFramesDir, checkVideoFile } from './episode-files.ts';
import { checkKernels, checkOutDir, holdsRun, readRunFile } from './run-dir.ts';
import { checkExportTarget } from './policy-export.ts';

const TRAIN_OPTIONS = {
  algo: { type: 'string' },
  env: { type: 'string' },
  preset: { type: 'string' },
  steps: { type: 'string' },
  seed: { type: 'string' },
  out: { type: 'string' },
  config: { type: 'string' },
  set: { type: 'string', multiple: true },
  resume: { type: 'boolean' },
  force: { type: 'boolean' },
  'allow-kernel-change': { type: 'boolean' },
  'no-preset': { type: 'boolean' },
  'eval-every': { type: 'string' },
  'eval-episodes': { type: 'string' },
  'eval-seed': { type: 'string' },
  'checkpoint-every': { type: 'string' },
  'stop-at-return': { type: 'string' },
  quiet: { type: 'boolean' },
} as const satisfies ParseArgsConfig['options'];

const EVAL_OPTIONS = {
  checkpoint: { type: 'string' },
  episodes: { type: 'string' },
  seed: { type: 'string' },
  video: { type: 'string' },
  frames: { type: 'string' },
} as const satisfies ParseArgsConfig['options'];

/** Every algorithm's extra eval flags, as string options. */
function evalFlagOptions(): Record<string, { type: 'string' }> {
  return Object.fromEntries(ALGORITHMS.flatMap((r) => Object.keys(r.evalFlags)).map((flag) => [flag, { type: 'string' as const }]));
}

/** Everything `train` needs, resolved and validated. */
export interface TrainPlan {
  readonly kind: 'train';
  /** The algorithm's registry name ('sac'). */
  readonly algorithm: string;
  readonly envId: string;
  readonly totalSteps: number;
  readonly seed: number;
  readonly outDir: string;
  /** The resolved algorithm config (defaults ← preset ← config file ← seed). */
  readonly config: Record<string, unknown>;
  readonly presetSource: string | null;
  /** The named preset applied (--preset), if any. */
  readonly preset: string | null;
  readonly resume: boolean;
  readonly evalEvery: number;
  readonly evalEpisodes: number;
  /** Evaluation episode i resets with seed evalSeed + i; absent: the runner's default (seed + 1 000 000). */
  readonly evalSeed?: number;
  readonly checkpointEvery: number;
  /** Training stops once an evaluation's mean return reaches this (`--stop-at-return`); absent: runs the full budget. */
  readonly stopAtReturn?: number;
  readonly quiet: boolean;
  /** Things to tell the user before training (e.g. a kernel change on resume). */
  readonly warnings: readonly string[];
  /** A resume under other kernels than the run's was asked for (--allow-kernel-change). */
  readonly allowKernelChange: boolean;
}

export interface EvalPlan {
  readonly kind: 'eval';
  readonly checkpointDir: string;
  readonly episodes: number;
  readonly seed: number;
  /** The checkpoint's algorithm (registry name) and env id, read and checked when planning. */
  readonly algorithm: string;
  readonly envId: string;
  /** The env step the checkpoint was saved at. */
  readonly step: number;
  /** The algorithm's eval flags given (e.g. IAPO's inference-iterations), by flag name. */
  readonly flags: Readonly<Record<string, number>>;
  /** Where to write the first evaluation episode as an animated SVG (`--video`), or null. */
  readonly videoFile: string | null;
  /** Where to write that episode as one SVG per state (`--frames`), or null. */
  readonly framesDir: string | null;
}

/** `varl export`: the checkpoint to ship a policy from, and where. */
export interface ExportPlan {
  readonly kind: 'export';
  readonly checkpointDir: string;
  readonly outDir: string;
  readonly force: boolean;
  readonly algorithm: string;
  readonly envId: string;
}

/** `varl inspect`: the state to inspect (an observation, or a state of the deterministic evaluation episode) and the output. */
export interface InspectPlan {
  readonly kind: 'inspect';
  readonly checkpointDir: string;
  readonly algorithm: string;
  readonly envId: string;
  readonly step: number;
  readonly state: { readonly observation: number[] } | { readonly episodeStep: number; readonly seed: number };
  readonly resolution: number | undefined;
  /** The action coordinates to grid (default: all of them for one or two, else 0 and 1). */
  readonly dims: number[] | undefined;
  readonly svgFile: string | null;
  /** Seed of IAPO's inference noise (IAPO checkpoints only). */
  readonly inferenceSeed: number | undefined;
}

export type Plan = TrainPlan | EvalPlan | ExportPlan | InspectPlan | { readonly kind: 'bench' | 'analyze' | 'sweep' | 'tune'; readonly args: string[] } | { readonly kind: 'help' };

/** The registered ids and the MuJoCo ids, which register when their runtime loads (`prepareEnv`, before any env is made). */
function knownEnvIds(): string[] {
  return [...new Set([...registeredIds(), ...MUJOCO_ENV_IDS])];
}

function checkEnvId(command: string, id: string | undefined): string {
  if (id === undefined) throw new UsageError(`${command}: --env <id> is required; known ids: ${knownEnvIds().join(', ')}`);
  if (!knownEnvIds().includes(id)) throw new UsageError(`${command}: unknown env id '${id}'; known ids: ${knownEnvIds().join(', ')}`);
  return id;
}

function readConfigFile(file: string, cwd: string): unknown {
  let text: string;
  try {
    text = fs.readFileSync(path.resolve(cwd, file), 'utf8');
  } catch (error) {
    throw new UsageError(`train: cannot read --config ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new UsageError(`train: --config ${file} is not valid JSON: ${(error as Error).message}`);
  }
}


/**
 * The config overrides of `--set KEY=VALUE` flags: VALUE parsed as JSON (numbers, booleans, arrays,
 * null, quoted strings), else taken as a string (`--set activation=tanh`). A key given twice is refused.
 */
export function parseSetFlags(assignments: readonly string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const assignment of assignments) {
    const at = assignment.indexOf('=');
    const key = at > 0 ? assignment.slice(0, at).trim() : '';
    if (key === '') throw new UsageError(`train: --set expects KEY=VALUE, got '${assignment}'`);
    if (Object.hasOwn(out, key)) throw new UsageError(`train: --set ${key} is given twice`);
    const raw = assignment.slice(at + 1);
    let value: unknown = raw;
    try {
      value = JSON.parse(raw);
    } catch {
      // not JSON: the string itself
    }
    Object.defineProperty(out, key, { value, enumerable: true, writable: true, configurable: true });
  }
  return out;
}

/**
 * The checkpoint `given` names (itself, or the checkpoint/ of a run folder), with its meta.json, its
 * algorithm's record and its env checked: what eval, export and inspect start from.
 */
function checkpointPlan(command: string, given: string, cwd: string) {
  const dir = checkpointIn(path.resolve(cwd, given));
  if (!hasCheckpoint(dir)) throw new UsageError(`${command}: no checkpoint at ${given} (expected meta.json there or in its checkpoint/ folder)`);
  const meta = readCheckpointMeta(dir);
  const record = findAlgorithm(meta.algorithm);
  if (!record) throw new UsageError(`${command}: the checkpoint is for '${meta.algorithm}', which this varl does not know (${algorithmNames().join(', ')})`);
  if (!knownEnvIds().includes(meta.envId)) throw new UsageError(`${command}: the checkpoint's env '${meta.envId}' is not registered`);
  return { dir, meta, record };
}

/** Turns argv (without `node` and the script) into a validated plan; throws UsageError. */
export function planCommand(argv: readonly string[], cwd = process.cwd()): Plan {
  const [command, ...rest] = argv;
  if (['train', 'eval', 'export', 'inspect'].includes(command) && rest.some((arg) => arg === '--help' || arg === '-h')) return { kind: 'help' };
  switch (command) {
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      return { kind: 'help' };
    case 'bench':
      return { kind: 'bench', args: rest };
    case 'analyze':
      return { kind: 'analyze', args: rest };
    case 'sweep':
      return { kind: 'sweep', args: rest };
    case 'tune':
      return { kind: 'tune', args: rest };
    case 'eval': {
      const { values } = parseFlags('eval', rest, { ...EVAL_OPTIONS, ...evalFlagOptions() });
      if (values.checkpoint === undefined) throw new UsageError('eval: --checkpoint DIR is required');
      const episodes = integerFlag('eval', 'episodes', values.episodes, 10, 1, 100_000);
      const seed = integerFlag('eval', 'seed', values.seed, 0, 0);
      const { dir, meta, record } = checkpointPlan('eval', values.checkpoint, cwd);
      const flags: Record<string, number> = {};
      for (const [flag, value] of Object.entries(values)) {
        if (flag in EVAL_OPTIONS || typeof value !== 'string') continue;
        if (!Object.hasOwn(record.evalFlags, flag)) {
          const owners = ALGORITHMS.filter((r) => Object.hasOwn(r.evalFlags, flag)).map((r) => r.name.toUpperCase()).join(', ');
          throw new UsageError(`eval: --${flag} applies to ${owners} checkpoints only`);
        }
        const { min, max } = record.evalFlags[flag];
        flags[flag] = integerFlag('eval', flag, value, 0, min, max);
      }
      return {
        kind: 'eval',
        checkpointDir: dir,
        algorithm: record.name,
        envId: meta.envId,
        step: meta.training.step as number,
        episodes,
        seed,
        flags,
        videoFile: values.video === undefined ? null : checkVideoFile(values.video, cwd),
        framesDir: values.frames === undefined ? null : checkFramesDir(values.frames, cwd),
      };
    }
    case 'export': {
      const { values } = parseFlags('export', rest, { checkpoint: { type: 'string' }, out: { type: 'string' }, force: { type: 'boolean' } });
      if (values.checkpoint === undefined) throw new UsageError('export: --checkpoint DIR is required');
      if (values.out === undefined) throw new UsageError('export: --out DIR is required (a new or empty folder)');
      const { dir, meta, record } = checkpointPlan('export', values.checkpoint, cwd);
      const outDir = path.resolve(cwd, values.out);
      try {
        checkExportTarget(dir, outDir, values.force ?? false);
      } catch (error) {
        throw new UsageError(`export: --out ${(error as Error).message.replace('(force', '(--force')}`);
      }
      return { kind: 'export', checkpointDir: dir, outDir, force: values.force ?? false, algorithm: record.name, envId: meta.envId };
    }
    case 'inspect':
      return planInspect(rest, cwd);
    case 'train':
      return planTrain(rest, cwd);
    default:
      throw new UsageError(`${command}: unknown command; expected train, eval, export, inspect, analyze, sweep, tune, bench or help`);
  }
}

function planInspect(args: readonly string[], cwd: string): InspectPlan {
  const { values } = parseFlags('inspect', args, {
    checkpoint: { type: 'string' }, obs: { type: 'string' }, state: { type: 'string' }, seed: { type: 'string' }, resolution: { type: 'string' },
    dims: { type: 'string' }, svg: { type: 'string' }, 'inference-seed': { type: 'string' },
  });
  if (values.checkpoint === undefined) throw new UsageError('inspect: --checkpoint DIR is required');
  if ((values.obs === undefined) === (values.state === undefined)) throw new UsageError('inspect: give exactly one of --obs V,V,… and --state T');
  if (values.obs !== undefined && values.seed !== undefined) throw new UsageError('inspect: --seed picks the episode of --state, not an --obs');
  const { dir, meta, record } = checkpointPlan('inspect', values.checkpoint, cwd);
  let state: InspectPlan['state'];
  if (values.obs !== undefined) {
    const parts = values.obs.split(',').map((v) => v.trim());
    const observation = parts.map(Number);
    const bad = parts.findIndex((part, i) => part === '' || !Number.isFinite(observation[i]));
    if (bad >= 0) throw new UsageError(`inspect: --obs entry ${bad} must be a finite number, got '${parts[bad]}'`);
    state = { observation };
  } else {
    state = { episodeStep: integerFlag('inspect', 'state', values.state, 0, 0, 1e9), seed: integerFlag('inspect', 'seed', values.seed, 0, 0) };
  }
  const resolution = values.resolution === undefined ? undefined : integerFlag('inspect', 'resolution', values.resolution, 0, 2, 201);
  const dims = values.dims?.split(',').map((d) => integerFlag('inspect', 'dims', d.trim(), 0, 0, 1e6));
  if (values.svg !== undefined) checkOutputFile('inspect', 'svg', path.resolve(cwd, values.svg));
  const seedFlag = values['inference-seed'];
  if (seedFlag !== undefined && record.name !== 'iapo') {
    throw new UsageError(`inspect: --inference-seed seeds IAPO's inference noise; the checkpoint is ${record.name}'s, whose inspection draws no noise`);
  }
  return {
    kind: 'inspect', checkpointDir: dir, algorithm: record.name, envId: meta.envId, step: meta.training.step as number,
    state, resolution, dims, svgFile: values.svg === undefined ? null : path.resolve(cwd, values.svg),
    inferenceSeed: seedFlag === undefined ? undefined : integerFlag('inspect', 'inference-seed', seedFlag, 0, 0, 2 ** 32 - 1),
  };
}

function planTrain(args: readonly string[], cwd: string): TrainPlan {
  const { values } = parseFlags('train', [...args], TRAIN_OPTIONS);
  // On --resume the run's own settings are the defaults.
  const schedule = (envId: string, saved?: Partial<TrainPlan>) => {
    const savedEvalSeed = saved?.evalSeed;
    if (savedEvalSeed !== undefined && !Number.isSafeInteger(savedEvalSeed)) throw new UsageError(`train --resume: run.json: 'evalSeed' is ${JSON.stringify(savedEvalSeed)}`);
    const evalSeed = values['eval-seed'] !== undefined ? integerFlag('train', 'eval-seed', values['eval-seed'], 0, 0) : savedEvalSeed;
    const savedStop = saved?.stopAtReturn;
    if (savedStop !== undefined && !Number.isFinite(savedStop)) throw new UsageError(`train --resume: run.json: 'stopAtReturn' is ${JSON.stringify(savedStop)}`);
    const stopAtReturn = values['stop-at-return'] !== undefined ? returnThresholdFlag('train', 'stop-at-return', values['stop-at-return'], envId) : savedStop;
    return {
      evalEvery: integerFlag('train', 'eval-every', values['eval-every'], saved?.evalEvery ?? 1000, 0),
      evalEpisodes: integerFlag('train', 'eval-episodes', values['eval-episodes'], saved?.evalEpisodes ?? 10, 1, 100_000),
      checkpointEvery: integerFlag('train', 'checkpoint-every', values['checkpoint-every'], saved?.checkpointEvery ?? 1000, 0),
      // Only present when given, so run.json of a plain `varl train` is unchanged.
      ...(evalSeed !== undefined ? { evalSeed } : {}),
      ...(stopAtReturn !== undefined ? { stopAtReturn } : {}),
    };
  };
  const quiet = values.quiet ?? false;

  if (values.resume) {
    if (values.force) throw new UsageError('train: --resume and --force exclude each other');
    if (values.config !== undefined || values.preset !== undefined || values.set !== undefined) {
      throw new UsageError('train --resume: the config comes from the run; --config, --set and --preset are not accepted');
    }
    const outDir = values.out !== undefined ? path.resolve(cwd, values.out)
      : defaultOutDir(cwd, parseAlgorithm(values.algo).name, checkEnvId('train', values.env), integerFlag('train', 'seed', values.seed, 0, 0), false);
    const runFile = path.join(outDir, 'run.json');
    if (!fs.existsSync(runFile) || !hasCheckpoint(path.join(outDir, 'checkpoint'))) {
      throw new UsageError(`train --resume: ${outDir} holds no run with a checkpoint (run.json and checkpoint/meta.json)`);
    }
    const run = readRunFile(runFile);
    const record = parseAlgorithm(run.algorithm);
    checkEnvId('train --resume', run.envId);
    for (const [flag, saved] of [['algo', run.algorithm], ['env', run.envId], ['seed', String(run.seed)]] as const) {
      const given = values[flag];
      if (given !== undefined && given !== saved) throw new UsageError(`train --resume: --${flag} ${given} differs from the run's ${saved}`);
    }
    let meta;
    try {
      meta = readCheckpointMeta(path.join(outDir, 'checkpoint'));
    } catch (error) {
      throw new UsageError(`train --resume: ${(error as Error).message}`);
    }
    if (meta.algorithm.toLowerCase() !== record.name || meta.envId !== run.envId) {
      throw new UsageError(`train --resume: the checkpoint in ${outDir} is ${meta.algorithm} on ${meta.envId}, the run is ${record.name.toUpperCase()} on ${run.envId}`);
    }
    const totalSteps = integerFlag('train', 'steps', values.steps, run.totalSteps, 1, 1e12);
    const step = meta.training.step as number;
    if (totalSteps < step) throw new UsageError(`train --resume: --steps ${totalSteps} is below the checkpoint's step ${step}`);
    const warnings: string[] = [];
    const allowKernelChange = values['allow-kernel-change'] ?? false;
    checkKernels(run, allowKernelChange, (line) => warnings.push(line));
    return {
      kind: 'train', algorithm: record.name, envId: run.envId, seed: run.seed, config: run.config, outDir, totalSteps, resume: true,
      presetSource: run.presetSource ?? null, preset: run.preset ?? null, ...schedule(run.envId, run), quiet, warnings, allowKernelChange,
    };
  }

  const record = parseAlgorithm(values.algo);
  const envId = checkEnvId('train', values.env);
  const seed = integerFlag('train', 'seed', values.seed, 0, 0);
  const envPreset = values['no-preset'] || !Object.hasOwn(record.envPresets, envId) ? undefined : record.envPresets[envId];
  if (values.preset !== undefined && !Object.hasOwn(record.presets, values.preset)) {
    const known = Object.keys(record.presets);
    throw new UsageError(`train: unknown --preset '${values.preset}' for ${record.name}; ${known.length ? `expected ${known.join(', ')}` : 'it has no named presets'}`);
  }
  const namedPreset = values.preset !== undefined ? record.presets[values.preset] : {};
  const totalSteps = integerFlag('train', 'steps', values.steps, envPreset?.totalSteps ?? 100_000, 1, 1e12);
  const fileOverrides = values.config !== undefined ? readConfigFile(values.config, cwd) : {};
  const setOverrides = parseSetFlags(values.set ?? []);
  const isPlainObject = typeof fileOverrides === 'object' && fileOverrides !== null && !Array.isArray(fileOverrides);
  // A --config that is not an object goes to resolveConfig as it is, which says so.
  const overrides = isPlainObject ? { ...fileOverrides, ...setOverrides } : fileOverrides;
  const sources = [values.config !== undefined ? values.config : null, values.set !== undefined ? '--set' : null].filter((x) => x !== null);
  let config: Record<string, unknown>;
  try {
    const fileSeed = (overrides as Record<string, unknown> | null)?.seed;
    if (values.seed !== undefined && fileSeed !== undefined && fileSeed !== seed) {
      throw new ConfigError(`seed ${JSON.stringify(fileSeed)} differs from --seed ${seed}`);
    }
    config = record.resolveConfig(envPreset?.config ?? {}, namedPreset, overrides, values.seed !== undefined ? { seed } : {});
  } catch (error) {
    if (error instanceof ConfigError) throw new UsageError(`train: ${error.message}${sources.length > 0 ? ` (from ${sources.join(' and ')})` : ''}`);
    throw error;
  }
  let outDir: string;
  if (values.out !== undefined) {
    outDir = path.resolve(cwd, values.out);
    checkOutDir(values.out, outDir, { force: values.force ?? false });
  } else {
    outDir = defaultOutDir(cwd, record.name, envId, config.seed as number, true);
  }
  return {
    kind: 'train', algorithm: record.name, envId, totalSteps, seed: config.seed as number, outDir, config,
    presetSource: envPreset?.source ?? null, preset: values.preset ?? null, resume: false, ...schedule(envId), quiet,
    warnings: warmUpWarnings(record.name, config, totalSteps), allowKernelChange: false,
  };
}

/** `warmUpProblem` as the warning `varl train` prints. */
export function warmUpWarnings(algorithm: string, config: Readonly<Record<string, unknown>>, totalSteps: number): string[] {
  const problem = warmUpProblem(config, totalSteps);
  return problem === null ? [] : [`warning: ${algorithm}: ${problem.reason}`];
}

/**
 * A return to stop at: a finite number, or 'threshold' for the env's reward threshold (Gymnasium's
 * `reward_threshold`, e.g. 950 for InvertedPendulum-v5).
 */
export function returnThresholdFlag(command: string, flag: string, value: string, envId: string): number {
  if (value === 'threshold') {
    const threshold = rewardThreshold(envId);
    if (threshold === null) throw new UsageError(`${command}: --${flag} threshold: ${envId} has no reward threshold; give a number`);
    return threshold;
  }
  const number = value.trim() === '' ? NaN : Number(value);
  if (!Number.isFinite(number)) throw new UsageError(`${command}: --${flag} expects a finite number or 'threshold', got '${value}'`);
  return number;
}

export function parseAlgorithm(value: string | undefined): AlgorithmRecord {
  if (value === undefined) throw new UsageError(`train: --algo is required (${algorithmNames().join(', ')})`);
  const record = findAlgorithm(value);
  if (!record) throw new UsageError(`train: unknown --algo '${value}'; expected ${algorithmNames().join(', ')}`);
  return record;
}

/** runs/<algo>-<env>-s<seed>, or the first free -2, -3, … suffix when `fresh`. */
function defaultOutDir(cwd: string, algorithm: string, envId: string, seed: number, fresh: boolean): string {
  const base = path.resolve(cwd, 'runs', `${algorithm}-${envId}-s${seed}`);
  if (!fresh) return base;
  let dir = base;
  for (let i = 2; holdsRun(dir); i++) dir = `${base}-${i}`;
  return dir;
}
