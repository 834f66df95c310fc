/**
 * The varl command line (run through bin/varl.js, or `node --import tsx algorithms/cli.ts`):
 *
 *   varl train --algo sac|td3|iapo --env <id> [--steps N] [--seed S] [--out DIR] [--config file.json] [--resume]
 *   varl eval --checkpoint DIR [--episodes N] [--seed S] [--inference-iterations K]
 *   varl analyze gap|iterations|modes|new-objective --checkpoint DIR …   (IAPO checkpoints; algorithms/iapo/cli.ts)
 *   varl bench [args…]                      (npm run bench)
 *
 * Every argument is checked (flags, env id, config file, run folder) before any work is done;
 * usage errors exit with status 2, a failed run with 1, an interrupted one (SIGINT) with 130.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ParseArgsConfig } from 'node:util';
import { make, registeredIds } from '../envs/index.ts';
import { hasCheckpoint, readCheckpointMeta, resolveCheckpointDir } from './common/checkpoint.ts';
import { ConfigError, resolveConfig } from './common/config.ts';
import { evaluate } from './common/evaluate.ts';
import { NonFiniteLossError } from './common/off-policy.ts';
import { UsageError, integerFlag, parseFlags } from './common/usage.ts';
import { ALGORITHMS, createAgent, loadAgent, type AlgorithmName } from './index.ts';
import { PRESETS } from './presets.ts';
import { SAC_DEFAULTS, SAC_RULES } from './sac.ts';
import { TD3_DEFAULTS, TD3_RULES } from './td3.ts';
import { IAPO_DEFAULTS, IAPO_RULES, type IAPO } from './iapo.ts';
import { runAnalyze } from './iapo/cli.ts';

export { UsageError };

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

const USAGE = `usage:
  varl train --algo sac|td3|iapo --env <id> [options]
      --steps N              total env steps (default: the env's preset, else 100000)
      --seed S               root seed (default 0)
      --out DIR              run folder (default runs/<algo>-<env>-s<seed>, suffixed -2, -3… if taken)
      --config FILE.json     algorithm config overrides (keys of the algorithm's config)
      --resume               continue the run in --out from its last checkpoint
      --force                start over in an --out that already holds a run
      --no-preset            ignore the per-env preset (RL Zoo hyperparameters)
      --eval-every N         env steps between evaluations (default 1000; 0 = off)
      --eval-episodes N      episodes per evaluation (default 10)
      --checkpoint-every N   env steps between checkpoints (default 1000)
      --quiet                no progress output
  varl eval --checkpoint DIR [--episodes N] [--seed S] [--inference-iterations K]
      prints {"mean", "std", …} of the deterministic policy as JSON
      --inference-iterations K   IAPO: run K inference iterations instead of the trained number
  varl analyze gap|iterations|modes|new-objective --checkpoint DIR [--checkpoint DIR2 …]
      amortization gap, per-iteration objective, multiple estimates, new objective (IAPO;
      see varl analyze help)
  varl bench [args…]         runs the bench suite (npm run bench)
  varl help`;

const TRAIN_OPTIONS = {
  algo: { type: 'string' },
  env: { type: 'string' },
  steps: { type: 'string' },
  seed: { type: 'string' },
  out: { type: 'string' },
  config: { type: 'string' },
  resume: { type: 'boolean' },
  force: { type: 'boolean' },
  'no-preset': { type: 'boolean' },
  'eval-every': { type: 'string' },
  'eval-episodes': { type: 'string' },
  'checkpoint-every': { type: 'string' },
  quiet: { type: 'boolean' },
} as const satisfies ParseArgsConfig['options'];

const EVAL_OPTIONS = {
  checkpoint: { type: 'string' },
  episodes: { type: 'string' },
  seed: { type: 'string' },
  'inference-iterations': { type: 'string' },
} as const satisfies ParseArgsConfig['options'];

/** Everything `train` needs, resolved and validated. */
export interface TrainPlan {
  readonly kind: 'train';
  readonly algorithm: AlgorithmName;
  readonly envId: string;
  readonly totalSteps: number;
  readonly seed: number;
  readonly outDir: string;
  /** The resolved algorithm config (defaults ← preset ← config file ← seed). */
  readonly config: Record<string, unknown>;
  readonly presetSource: string | null;
  readonly resume: boolean;
  readonly evalEvery: number;
  readonly evalEpisodes: number;
  readonly checkpointEvery: number;
  readonly quiet: boolean;
}

export interface EvalPlan {
  readonly kind: 'eval';
  readonly checkpointDir: string;
  readonly episodes: number;
  readonly seed: number;
  /** IAPO only: inference iterations at evaluation time (default: as trained). */
  readonly inferenceIterations?: number;
}

export type Plan = TrainPlan | EvalPlan | { readonly kind: 'bench' | 'analyze'; readonly args: string[] } | { readonly kind: 'help' };

function checkEnvId(command: string, id: string | undefined): string {
  if (id === undefined) throw new UsageError(`${command}: --env <id> is required; known ids: ${registeredIds().join(', ')}`);
  if (!registeredIds().includes(id)) throw new UsageError(`${command}: unknown env id '${id}'; known ids: ${registeredIds().join(', ')}`);
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

function holdsRun(dir: string): boolean {
  return fs.existsSync(path.join(dir, 'run.json')) || hasCheckpoint(path.join(dir, 'checkpoint'));
}

/** Turns argv (without `node` and the script) into a validated plan; throws UsageError. */
export function planCommand(argv: readonly string[], cwd = process.cwd()): Plan {
  const [command, ...rest] = argv;
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
    case 'eval': {
      const { values } = parseFlags('eval', rest, EVAL_OPTIONS);
      if (values.checkpoint === undefined) throw new UsageError('eval: --checkpoint DIR is required');
      let dir = path.resolve(cwd, values.checkpoint);
      if (!fs.existsSync(path.join(dir, 'meta.json')) && hasCheckpoint(path.join(dir, 'checkpoint'))) dir = path.join(dir, 'checkpoint');
      if (!hasCheckpoint(dir)) throw new UsageError(`eval: no checkpoint at ${values.checkpoint} (expected meta.json there or in its checkpoint/ folder)`);
      const iterationsFlag = values['inference-iterations'];
      if (iterationsFlag !== undefined && readCheckpointMeta(dir).algorithm !== 'IAPO') {
        throw new UsageError('eval: --inference-iterations applies to IAPO checkpoints only');
      }
      return {
        kind: 'eval',
        checkpointDir: dir,
        episodes: integerFlag('eval', 'episodes', values.episodes, 10, 1),
        seed: integerFlag('eval', 'seed', values.seed, 0, 0),
        ...(iterationsFlag !== undefined ? { inferenceIterations: integerFlag('eval', 'inference-iterations', iterationsFlag, 1, 1) } : {}),
      };
    }
    case 'train':
      return planTrain(rest, cwd);
    default:
      throw new UsageError(`unknown command '${command}'; expected train, eval, analyze, bench or help`);
  }
}

function planTrain(args: readonly string[], cwd: string): TrainPlan {
  const { values } = parseFlags('train', [...args], TRAIN_OPTIONS);
  // On --resume the run's own settings are the defaults.
  const schedule = (saved?: Partial<TrainPlan>) => ({
    evalEvery: integerFlag('train', 'eval-every', values['eval-every'], saved?.evalEvery ?? 1000, 0),
    evalEpisodes: integerFlag('train', 'eval-episodes', values['eval-episodes'], saved?.evalEpisodes ?? 10, 1),
    checkpointEvery: integerFlag('train', 'checkpoint-every', values['checkpoint-every'], saved?.checkpointEvery ?? 1000, 0),
  });
  const quiet = values.quiet ?? false;

  if (values.resume) {
    if (values.force) throw new UsageError('train: --resume and --force exclude each other');
    const outDir = values.out !== undefined ? path.resolve(cwd, values.out)
      : defaultOutDir(cwd, parseAlgorithm(values.algo), checkEnvId('train', values.env), integerFlag('train', 'seed', values.seed, 0, 0), false);
    const runFile = path.join(outDir, 'run.json');
    if (!fs.existsSync(runFile) || !hasCheckpoint(path.join(outDir, 'checkpoint'))) {
      throw new UsageError(`train --resume: ${outDir} holds no run with a checkpoint (run.json and checkpoint/meta.json)`);
    }
    const run = JSON.parse(fs.readFileSync(runFile, 'utf8')) as TrainPlan;
    for (const [flag, saved] of [['algo', run.algorithm], ['env', run.envId], ['seed', String(run.seed)]] as const) {
      const given = values[flag];
      if (given !== undefined && given !== saved) throw new UsageError(`train --resume: --${flag} ${given} differs from the run's ${saved}`);
    }
    if (values.config !== undefined) throw new UsageError('train --resume: the config comes from the run; --config is not accepted');
    const totalSteps = integerFlag('train', 'steps', values.steps, run.totalSteps, 1);
    const step = readCheckpointMeta(path.join(outDir, 'checkpoint')).training.step as number;
    if (totalSteps < step) throw new UsageError(`train --resume: --steps ${totalSteps} is below the checkpoint's step ${step}`);
    return { ...run, kind: 'train', outDir, totalSteps, resume: true, ...schedule(run), quiet };
  }

  const algorithm = parseAlgorithm(values.algo);
  const envId = checkEnvId('train', values.env);
  const seed = integerFlag('train', 'seed', values.seed, 0, 0);
  const preset = values['no-preset'] || !(algorithm in PRESETS) ? undefined : PRESETS[algorithm as keyof typeof PRESETS][envId];
  const totalSteps = integerFlag('train', 'steps', values.steps, preset?.totalSteps ?? 100_000, 1);
  const overrides = values.config !== undefined ? readConfigFile(values.config, cwd) : {};
  let config: Record<string, unknown>;
  try {
    const [defaults, rules] = algorithm === 'sac' ? [SAC_DEFAULTS, SAC_RULES]
      : algorithm === 'iapo' ? [IAPO_DEFAULTS, IAPO_RULES] : [TD3_DEFAULTS, TD3_RULES];
    const owner = algorithm.toUpperCase();
    const fileSeed = (overrides as Record<string, unknown> | null)?.seed;
    if (values.seed !== undefined && fileSeed !== undefined && fileSeed !== seed) {
      throw new ConfigError(`seed ${JSON.stringify(fileSeed)} differs from --seed ${seed}`);
    }
    const withPreset = resolveConfig(owner, defaults, preset?.config ?? {}, rules);
    const withFile = resolveConfig(owner, withPreset, overrides, rules);
    config = resolveConfig(owner, withFile, values.seed !== undefined ? { seed } : {}, rules) as unknown as Record<string, unknown>;
  } catch (error) {
    if (error instanceof ConfigError) throw new UsageError(`train: ${error.message}${values.config ? ` (from ${values.config})` : ''}`);
    throw error;
  }
  let outDir: string;
  if (values.out !== undefined) {
    outDir = path.resolve(cwd, values.out);
    if (holdsRun(outDir) && !values.force) {
      throw new UsageError(`train: ${values.out} already holds a run; pass --resume to continue it or --force to start over`);
    }
  } else {
    outDir = defaultOutDir(cwd, algorithm, envId, config.seed as number, true);
  }
  return {
    kind: 'train', algorithm, envId, totalSteps, seed: config.seed as number, outDir, config,
    presetSource: preset?.source ?? null, resume: false, ...schedule(), quiet,
  };
}

function parseAlgorithm(value: string | undefined): AlgorithmName {
  if (value === undefined) throw new UsageError(`train: --algo is required (${Object.keys(ALGORITHMS).join(' or ')})`);
  const name = value.toLowerCase();
  if (!(name in ALGORITHMS)) throw new UsageError(`train: unknown --algo '${value}'; expected ${Object.keys(ALGORITHMS).join(' or ')}`);
  return name as AlgorithmName;
}

/** runs/<algo>-<env>-s<seed>, or the first free -2, -3, … suffix when `fresh`. */
function defaultOutDir(cwd: string, algorithm: string, envId: string, seed: number, fresh: boolean): string {
  const base = path.resolve(cwd, 'runs', `${algorithm}-${envId}-s${seed}`);
  if (!fresh) return base;
  let dir = base;
  for (let i = 2; holdsRun(dir); i++) dir = `${base}-${i}`;
  return dir;
}

async function runTrain(plan: TrainPlan): Promise<number> {
  fs.mkdirSync(plan.outDir, { recursive: true });
  const env = make(plan.envId);
  const evalEnv = make(plan.envId);
  let agent;
  if (plan.resume) {
    agent = loadAgent(path.join(plan.outDir, 'checkpoint'), env);
  } else {
    if (fs.existsSync(path.join(plan.outDir, 'checkpoint'))) fs.rmSync(path.join(plan.outDir, 'checkpoint'), { recursive: true });
    agent = createAgent(plan.algorithm, env, plan.config);
    const { kind: _kind, resume: _resume, quiet: _quiet, ...run } = plan;
    const versions = { varl: readVersion(), node: process.version };
    fs.writeFileSync(path.join(plan.outDir, 'run.json'), JSON.stringify({ ...run, ...versions, createdAt: new Date().toISOString() }, null, 1) + '\n');
  }
  const say = (line: string): void => {
    if (!plan.quiet) process.stderr.write(line + '\n');
  };
  say(`${plan.resume ? 'resuming' : 'training'} ${plan.algorithm.toUpperCase()} on ${plan.envId} (seed ${plan.seed}) ` +
    `${plan.resume ? `from step ${agent.training.step} ` : ''}to ${plan.totalSteps} steps → ${displayPath(plan.outDir)}`);
  if (!plan.resume && plan.presetSource) say(`preset: ${plan.presetSource}`);
  try {
    const result = await agent.learn({
      totalSteps: plan.totalSteps,
      runDir: plan.outDir,
      evalEnv,
      evalEvery: plan.evalEvery,
      evalEpisodes: plan.evalEpisodes,
      checkpointEvery: plan.checkpointEvery,
      progress: !plan.quiet,
      handleSignals: true,
    });
    const e = result.lastEval;
    say(`${result.reason === 'interrupted' ? 'interrupted' : 'done'} at step ${result.step}: ` +
      `${e ? `eval return ${e.mean.toFixed(1)} ± ${e.std.toFixed(1)} (step ${e.step}), ` : ''}${result.updates} updates, ` +
      `${result.wallSeconds.toFixed(0)} s; curve: ${displayPath(path.join(plan.outDir, 'curve.svg'))}`);
    if (result.reason === 'interrupted') say(`resume with: varl train --resume --out ${plan.outDir}`);
    return result.reason === 'interrupted' ? 130 : 0;
  } catch (error) {
    if (error instanceof NonFiniteLossError) {
      process.stderr.write(`\nerror: ${error.message}\n`);
      return 1;
    }
    throw error;
  }
}

function runEval(plan: EvalPlan): number {
  const meta = readCheckpointMeta(plan.checkpointDir);
  if (!registeredIds().includes(meta.envId)) throw new UsageError(`eval: the checkpoint's env '${meta.envId}' is not registered`);
  const agent = loadAgent(plan.checkpointDir, make(meta.envId), { weightsOnly: true });
  const iterations = plan.inferenceIterations;
  const act = iterations !== undefined
    ? (obs: ArrayLike<number>) => (agent as IAPO).predict(obs, { deterministic: true, inferenceIterations: iterations })
    : (obs: ArrayLike<number>) => agent.predict(obs, { deterministic: true });
  const result = evaluate(act, make(meta.envId), { episodes: plan.episodes, seed: plan.seed });
  process.stdout.write(JSON.stringify({
    checkpoint: resolveCheckpointDir(plan.checkpointDir),
    algorithm: meta.algorithm,
    env: meta.envId,
    step: meta.training.step,
    episodes: plan.episodes,
    seed: plan.seed,
    mean: result.mean,
    std: result.std,
    returns: result.returns,
  }) + '\n');
  return 0;
}

/** A path relative to the working directory when it lies inside it, else absolute. */
function displayPath(p: string): string {
  const relative = path.relative(process.cwd(), p);
  return relative && !relative.startsWith('..') && !path.isAbsolute(relative) ? relative : p;
}

function readVersion(): string {
  try {
    return (JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;
  } catch {
    return 'unknown';
  }
}

/** Runs the CLI; resolves to the process exit status. */
export async function main(argv: readonly string[]): Promise<number> {
  let plan: Plan;
  try {
    plan = planCommand(argv);
  } catch (error) {
    if (error instanceof UsageError) {
      process.stderr.write(`varl ${error.message}\n\n${USAGE}\n`);
      return 2;
    }
    throw error;
  }
  switch (plan.kind) {
    case 'help':
      process.stdout.write(USAGE + '\n');
      return 0;
    case 'bench': {
      const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
      const result = spawnSync(npm, ['run', 'bench', ...(plan.args.length ? ['--', ...plan.args] : [])], { cwd: ROOT, stdio: 'inherit' });
      return result.status ?? 1;
    }
    case 'eval':
      return runEval(plan);
    case 'analyze':
      return runAnalyze(plan.args);
    case 'train':
      return runTrain(plan);
    default:
      throw new Error(`unhandled plan ${JSON.stringify(plan satisfies never)}`);
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      process.stderr.write(`varl: ${(error as Error).stack ?? String(error)}\n`);
      process.exitCode = 1;
    },
  );
}
