/**
 * The varl command line (run through bin/varl.js, or `node --import tsx algorithms/cli.ts`):
 *
 *   varl train --algo <name> --env <id> [--steps N] [--seed S] [--out DIR] [--preset NAME] [--config file.json] [--set KEY=VALUE] [--resume]
 *   varl eval --checkpoint DIR [--episodes N] [--seed S] [--video FILE.svg] [--frames DIR] [--inference-iterations K]
 *   varl export --checkpoint DIR --out DIR [--force]   (the policy to ship: meta.json and the networks)
 *   varl inspect --checkpoint DIR (--obs V,V,… | --state T [--seed S]) [--dims I,J] [--svg FILE]   (algorithms/inspect.ts)
 *   varl analyze gap|iterations|modes|new-objective --checkpoint DIR …   (IAPO checkpoints; algorithms/iapo/cli.ts)
 *   varl sweep plan|run|job|submit|status|report …, varl tune <file>   (algorithms/sweep/cli.ts)
 *   varl bench [args…]                      (npm run bench)
 *
 * Every argument is checked (flags, env id, config file, run folder) before any work is done, by
 * node/command-plan.ts; usage errors exit with status 2, a failed run with 1, an interrupted one
 * (SIGINT) with 130.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { make, prepareEnv } from '../envs/index.ts';
import { stopOnEvalReturn } from './common/callbacks.ts';
import { evaluate, recordEpisode } from './common/evaluate.ts';
import { NonFiniteLossError } from './common/runner.ts';
import { UsageError } from './node/usage.ts';
import { runAnalyze } from './iapo/cli.ts';
import { exportPolicy, loadAgent, resolveCheckpointDir, type PolicyExport } from './node.ts';
import { writeEpisodeFiles } from './node/episode-files.ts';
import { firstEvalReaching } from './node/run-logger.ts';
import { lockRunDir } from './node/run-dir.ts';
import { currentKernels } from './common/checkpoint.ts';
import { usage } from './node/cli-help.ts';
import { parseAlgorithm, planCommand, type EvalPlan, type ExportPlan, type InspectPlan, type Plan, type TrainPlan } from './node/command-plan.ts';
import { inspectActions, type ActionInspection } from './inspect.ts';
import { landscapeSvg } from './plots/landscape.ts';
import { writeFileAtomic } from '../engine/io/files.ts';

export { UsageError };
export { parseSetFlags, planCommand, returnThresholdFlag, type EvalPlan, type ExportPlan, type InspectPlan, type Plan, type TrainPlan } from './node/command-plan.ts';

/** The package folder: the repository, or the installed package (this file then runs from dist/algorithms). */
const ROOT = ((): string => {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  while (!fs.existsSync(path.join(dir, 'package.json')) && path.dirname(dir) !== dir) dir = path.dirname(dir);
  return dir;
})();

/** Trains (or resumes) as planned, holding the run folder's lock; resolves to the exit status (0, 1 on a non-finite loss, 130 when interrupted). */
export async function runTrain(plan: TrainPlan): Promise<number> {
  await prepareEnv(plan.envId);
  const release = lockRunDir(plan.outDir);
  try {
    return await trainLocked(plan);
  } finally {
    release();
  }
}

async function trainLocked(plan: TrainPlan): Promise<number> {
  for (const line of plan.warnings) process.stderr.write(line + '\n');
  const env = (): ReturnType<typeof make> => make(plan.envId); // on-policy agents make numEnvs of them, off-policy agents one
  const evalEnv = make(plan.envId);
  let agent;
  if (plan.resume) {
    agent = loadAgent(path.join(plan.outDir, 'checkpoint'), env, { allowKernelChange: plan.allowKernelChange });
  } else {
    if (fs.existsSync(path.join(plan.outDir, 'checkpoint'))) fs.rmSync(path.join(plan.outDir, 'checkpoint'), { recursive: true });
    agent = parseAlgorithm(plan.algorithm).create(env, plan.config);
    const { kind: _kind, resume: _resume, quiet: _quiet, warnings: _warnings, allowKernelChange: _allow, ...run } = plan;
    const versions = { varl: readVersion(), node: process.version, kernels: currentKernels() };
    fs.writeFileSync(path.join(plan.outDir, 'run.json'), JSON.stringify({ ...run, ...versions, createdAt: new Date().toISOString() }, null, 1) + '\n');
  }
  const say = (line: string): void => {
    if (!plan.quiet) process.stderr.write(line + '\n');
  };
  const reached = plan.resume && plan.stopAtReturn !== undefined ? firstEvalReaching(plan.outDir, plan.stopAtReturn, agent.training.step) : undefined;
  if (reached) {
    say(`${plan.outDir}: the run reached ${plan.stopAtReturn} at step ${reached.step} (eval return ${reached.mean.toFixed(1)}); nothing to resume`);
    return 0;
  }
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
      evalSeed: plan.evalSeed,
      checkpointEvery: plan.checkpointEvery,
      callbacks: plan.stopAtReturn !== undefined ? [stopOnEvalReturn(plan.stopAtReturn)] : [],
      progress: !plan.quiet,
      handleSignals: true,
    });
    const e = result.lastEval;
    const ending = result.reason === 'interrupted' ? 'interrupted' : result.reason === 'callback' ? `reached ${plan.stopAtReturn}, stopped` : 'done';
    say(`${ending} at step ${result.step}: ` +
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
  } finally {
    agent.close();
    evalEnv.close();
  }
}

async function runEval(plan: EvalPlan): Promise<number> {
  await prepareEnv(plan.envId);
  const agent = loadAgent(plan.checkpointDir, () => make(plan.envId), { weightsOnly: true });
  const act = parseAlgorithm(plan.algorithm).evaluationPolicy(agent, plan.flags);
  const result = evaluate(act, make(plan.envId), { episodes: plan.episodes, seed: plan.seed });
  const recording = plan.videoFile === null && plan.framesDir === null ? null : writeEpisode(plan, act);
  process.stdout.write(JSON.stringify({
    checkpoint: resolveCheckpointDir(plan.checkpointDir),
    algorithm: agent.algorithm,
    env: plan.envId,
    step: plan.step,
    episodes: plan.episodes,
    seed: plan.seed,
    mean: result.mean,
    std: result.std,
    returns: result.returns,
    ...recording,
  }) + '\n');
  return 0;
}

/**
 * The inspected state: the given observation, or the one the deterministic evaluation episode from the
 * plan's seed reaches after `episodeStep` steps (the evaluation's own policy, as `varl eval` acts).
 */
function inspectedObservation(plan: InspectPlan, act: (obs: ArrayLike<number>) => ArrayLike<number>): number[] {
  if ('observation' in plan.state) return plan.state.observation;
  const { episodeStep, seed } = plan.state;
  const env = make(plan.envId);
  try {
    let { obs } = env.reset({ seed });
    for (let t = 0; t < episodeStep; t++) {
      const result = env.step(Array.from(act(obs)));
      if (result.terminated || result.truncated) {
        throw new UsageError(`inspect: --state ${episodeStep}: the evaluation episode from seed ${seed} ends after ${t + 1} steps`);
      }
      obs = result.obs;
    }
    return Array.from(obs);
  } finally {
    env.close();
  }
}

/** Prints the inspection of one state as JSON, and draws it with --svg. */
async function runInspect(plan: InspectPlan): Promise<number> {
  await prepareEnv(plan.envId);
  const agent = loadAgent(plan.checkpointDir, () => make(plan.envId), { weightsOnly: true });
  let observation: number[];
  try {
    observation = inspectedObservation(plan, parseAlgorithm(plan.algorithm).evaluationPolicy(agent, {}));
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    process.stderr.write(`varl ${error.message}\n`);
    return 2;
  }
  let inspection: ActionInspection;
  try {
    inspection = inspectActions(agent, observation, {
      ...(plan.resolution === undefined ? {} : { resolution: plan.resolution }), ...(plan.dims === undefined ? {} : { dims: plan.dims }),
      ...(plan.inferenceSeed === undefined ? {} : { seed: plan.inferenceSeed }),
    });
  } catch (error) {
    process.stderr.write(`varl inspect: ${(error as Error).message}\n`);
    return 2;
  }
  if (plan.svgFile !== null) writeFileAtomic(plan.svgFile, landscapeSvg(inspection, { standalone: true }));
  process.stdout.write(JSON.stringify({
    checkpoint: resolveCheckpointDir(plan.checkpointDir), env: plan.envId, step: plan.step, observation,
    ...(plan.svgFile !== null ? { svg: displayPath(plan.svgFile) } : {}), inspection,
  }) + '\n');
  agent.close();
  return 0;
}

/** Observations from the starts of this many seeded episodes, on which an export must act as its checkpoint does. */
const EXPORT_CHECK_EPISODES = 5;

/**
 * Writes the policy (node/policy-export.ts), then loads it back beside the checkpoint, networks only, and
 * compares their deterministic actions bit for bit on the first observations of seeded episodes.
 */
async function runExport(plan: ExportPlan): Promise<number> {
  await prepareEnv(plan.envId);
  let written: PolicyExport;
  try {
    written = exportPolicy(plan.checkpointDir, plan.outDir, { force: plan.force });
  } catch (error) {
    process.stderr.write(`varl export: ${(error as Error).message}\n`);
    return 1;
  }
  const original = loadAgent(plan.checkpointDir, () => make(plan.envId), { weightsOnly: true });
  const shipped = loadAgent(written.out, () => make(plan.envId), { weightsOnly: true });
  const env = make(plan.envId);
  for (let seed = 0; seed < EXPORT_CHECK_EPISODES; seed++) {
    const { obs } = env.reset({ seed });
    const [a, b] = [original.predict(obs, { deterministic: true }), shipped.predict(obs, { deterministic: true })];
    if (a.length !== b.length || a.some((x, i) => !Object.is(x, b[i]))) {
      process.stderr.write(`varl export: the exported policy acts otherwise than the checkpoint on episode ${seed}'s first observation: ` +
        `[${Array.from(b).join(', ')}] against [${Array.from(a).join(', ')}]\n`);
      return 1;
    }
  }
  env.close();
  process.stdout.write(JSON.stringify({ ...written, checkedObservations: EXPORT_CHECK_EPISODES }) + '\n');
  return 0;
}

/** Renders evaluation episode 0 again (same seed, same deterministic policy) and writes `--video` / `--frames`. */
function writeEpisode(plan: EvalPlan, act: (obs: ArrayLike<number>) => ArrayLike<number>): Record<string, unknown> {
  const env = make(plan.envId);
  const episode = recordEpisode(act, env, { seed: plan.seed });
  env.close();
  writeEpisodeFiles(episode, env.metadata.renderFps, plan);
  return {
    recordedEpisode: { return: episode.return, length: episode.length },
    ...(plan.videoFile !== null ? { video: displayPath(plan.videoFile) } : {}),
    ...(plan.framesDir !== null ? { frames: { dir: displayPath(plan.framesDir), count: episode.frames.length } } : {}),
  };
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
      process.stderr.write(`varl ${error.message}\n\n${usage()}\n`);
      return 2;
    }
    throw error;
  }
  switch (plan.kind) {
    case 'help':
      process.stdout.write(usage() + '\n');
      return 0;
    case 'bench': {
      if (!fs.existsSync(path.join(ROOT, 'bench'))) {
        process.stderr.write('varl bench: the bench suite ships with the repository, not with the installed package; run it from a clone (npm run bench)\n');
        return 2;
      }
      const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
      const result = spawnSync(npm, ['run', 'bench', ...(plan.args.length ? ['--', ...plan.args] : [])], { cwd: ROOT, stdio: 'inherit' });
      return result.status ?? 1;
    }
    case 'eval':
      return runEval(plan);
    case 'export':
      return runExport(plan);
    case 'inspect':
      return runInspect(plan);
    case 'analyze':
      return runAnalyze(plan.args);
    case 'sweep':
    case 'tune':
      // Loaded on demand: the sweep code imports this file (to plan and run its jobs' training).
      return (await import('./sweep/cli.ts')).runSweepCommand(plan.kind, plan.args);
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
      const io = error as NodeJS.ErrnoException;
      // File-system failures (ENOSPC, EIO, EACCES, …) are one line: operation, path, errno; the last
      // complete checkpoint is untouched because checkpoints are swapped in atomically.
      if (typeof io?.code === 'string' && typeof io.syscall === 'string') {
        process.stderr.write(`varl: ${io.syscall} ${io.path ?? ''} failed: ${io.code} (${io.message.split(',')[0]})\n`);
      } else {
        process.stderr.write(`varl: ${(error as Error).stack ?? String(error)}\n`);
      }
      process.exitCode = 1;
    },
  );
}
