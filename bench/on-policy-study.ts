/**
 * `npm run bench:on-policy`: the on-policy family and the variational policy gradient of Xu (2018)
 * (seed 004) against their plain counterparts. Every run is the CLI (`varl train`) in a child
 * process with its own run folder under bench/results/on-policy-study/, so the study can be stopped
 * and started again: finished runs are kept, interrupted ones resume from their last checkpoint.
 *
 * Variants are `algo` or `algo:preset` (e.g. `ppo:vi-parameter`), optionally followed by config overrides
 * `+key=value` (a JSON value: `trpo:vi-parameter+initialPosteriorStd=0.005`); each env has a budget, a return
 * threshold and, for MountainCarContinuous-v0, the goal test (an episode return > 0 means the car
 * reached the flag: the control cost of 999 steps is below 100). The MuJoCo tasks run with the
 * per-env presets of `varl train` (RL Zoo's settings for PPO and TRPO).
 *
 * Options: --jobs N (parallel runs, default 2), --seeds N (default 5), --envs A,B, --variants a,b:c,
 *          --report (only rebuild the report from existing runs).
 * Writes bench/results/on-policy-study.md and .json, and one curve figure per env.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  Generator, Tensor, noGrad,
} from '../engine/index.ts';
import { loadMujocoEnvs, type Env } from '../envs/index.ts';
import {
  learningCurveSvg, readCheckpointMeta, readEvalHistory, readProgressRows, OnPolicyAgent, type CurveSeries, type OnPolicyConfig, type EvalPoint,
} from '../algorithms/index.ts';
import { summarize } from '../algorithms/iapo/analysis.ts';
import { parseCli } from './cli-args.ts';
import { forwardDistance, withSavedPolicy } from './locomotion.ts';

const here = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(here, '..');
const RESULTS = path.join(here, 'results');
const RUNS = path.join(RESULTS, 'on-policy-study');

interface EnvSetting {
  readonly steps: number;
  readonly threshold: number;
  readonly evalEvery: number;
  /** Published reference for the plain algorithm, where one exists. */
  readonly reference: string;
}

const ENVS: Record<string, EnvSetting> = {
  'Pendulum-v1': { steps: 100_000, threshold: -200, evalEvery: 5000, reference: 'RL Zoo at 100k: PPO −172.2 ± 104.2, TRPO −174.6 (both with gSDE)' },
  'MountainCarContinuous-v0': { steps: 100_000, threshold: 90, evalEvery: 5000, reference: 'RL Zoo: PPO 88.3 ± 2.6 at 20k, TRPO 92.5 at 50k (both with gSDE)' },
  'CartPoleSwingup-v0': { steps: 200_000, threshold: 600, evalEvery: 10_000, reference: 'no published on-policy number for this port' },
  // The plain algorithms at 1M steps against RL Zoo are bench/sweeps/on-policy-mujoco.yaml; here every variant runs a tenth of
  // that under the same per-env presets, which is what two cores allow for ten variants × five seeds.
  'Hopper-v5': {
    steps: 100_000, threshold: 1000, evalEvery: 10_000,
    reference: 'RL Zoo agents at 100k, Hopper-v3, one run each: PPO 234.4 (50k: 984.0, 200k: 892.4), TRPO 2629.9 (50k: 1009.2)',
  },
  'HalfCheetah-v5': {
    steps: 100_000, threshold: 1000, evalEvery: 10_000,
    reference: 'RL Zoo agents at 100k, HalfCheetah-v3, one run each: PPO 2779.4 (50k: 1682.3), TRPO 988.0 (200k: 1362.6)',
  },
};
/** Controls run for one env only (with --variants), reported with the others when their runs exist. */
const CONTROL_VARIANTS = [
  'trpo:normalized', 'ppo:vi-parameter+initialPosteriorStd=0.005', 'trpo:vi-parameter+initialPosteriorStd=0.005',
];
const DEFAULT_VARIANTS = [
  'ppo', 'ppo:vi-parameter', 'ppo:vi-state', 'trpo', 'trpo:vi-parameter', 'trpo:vi-state',
  'reinforce', 'reinforce:vi-parameter', 'reinforce:vi-state', 'svpg',
];

interface Options {
  jobs: number;
  seeds: number;
  envs: string[];
  variants: string[];
  reportOnly: boolean;
}

const USAGE = `usage: node --import tsx bench/on-policy-study.ts [flags]   (npm run bench:on-policy -- [flags])
  --jobs N         parallel runs (default 2)
  --seeds N        seeds 0 … N−1 of every env and variant (default 5)
  --envs A,B       envs (default all: ${Object.keys(ENVS).join(', ')})
  --variants a,b   algo[:preset][+key=value…] each (default ${DEFAULT_VARIANTS.join(',')})
  --report         only rebuild the report from the existing runs`;

function parseOptions(argv: readonly string[]): Options {
  const cli = parseCli({
    script: 'on-policy-study', usage: USAGE, argv,
    flags: { jobs: { type: 'string' }, seeds: { type: 'string' }, envs: { type: 'string' }, variants: { type: 'string' }, report: { type: 'boolean' } },
  });
  const envs = (cli.values.envs ?? Object.keys(ENVS).join(',')).split(',');
  for (const env of envs) if (!Object.hasOwn(ENVS, env)) cli.fail(`--envs: unknown env '${env}'; known: ${Object.keys(ENVS).join(', ')}`);
  const variants = (cli.values.variants ?? DEFAULT_VARIANTS.join(',')).split(',');
  for (const variant of variants) {
    try {
      parseVariant(variant); // a malformed one fails here, before any run
    } catch (error) {
      cli.fail((error as Error).message);
    }
  }
  return {
    jobs: cli.integer('jobs', 2),
    seeds: cli.integer('seeds', 5),
    envs,
    variants,
    reportOnly: cli.values.report ?? false,
  };
}

interface Job {
  readonly env: string;
  readonly variant: string;
  readonly seed: number;
  readonly dir: string;
}

interface VariantParts {
  readonly algo: string;
  readonly preset: string | undefined;
  readonly overrides: Record<string, unknown>;
}

/** `algo[:preset][+key=value…]`, values read as JSON (a bare word as a string). */
function parseVariant(variant: string): VariantParts {
  const [head, ...assignments] = variant.split('+');
  const [algo, preset] = head.split(':');
  const overrides: Record<string, unknown> = {};
  for (const assignment of assignments) {
    const eq = assignment.indexOf('=');
    if (eq <= 0) throw new RangeError(`--variants: '${variant}': expected +key=value, got '+${assignment}'`);
    const text = assignment.slice(eq + 1);
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      value = text;
    }
    overrides[assignment.slice(0, eq)] = value;
  }
  return { algo, preset, overrides };
}

/** A variant's run folder name: letters, digits, '.', '-' only. */
const folderName = (variant: string, seed: number): string => `${variant.replace(/[^A-Za-z0-9.]+/g, '-')}-s${seed}`;

function checkpointStep(dir: string): number {
  try {
    return readCheckpointMeta(path.join(dir, 'checkpoint')).training.step as number;
  } catch {
    return -1;
  }
}

function runJob(job: Job): Promise<number> {
  const setting = ENVS[job.env];
  const { algo, preset, overrides } = parseVariant(job.variant);
  const resume = fs.existsSync(path.join(job.dir, 'run.json')) && checkpointStep(job.dir) >= 0;
  const configFile = `${job.dir}.config.json`;
  fs.mkdirSync(path.dirname(job.dir), { recursive: true });
  if (!resume && Object.keys(overrides).length > 0) fs.writeFileSync(configFile, JSON.stringify(overrides, null, 1) + '\n');
  const args = resume
    ? ['train', '--resume', '--out', job.dir, '--steps', String(setting.steps)]
    : ['train', '--algo', algo, ...(preset ? ['--preset', preset] : []), ...(Object.keys(overrides).length ? ['--config', configFile] : []),
      '--env', job.env, '--seed', String(job.seed),
      '--steps', String(setting.steps), '--out', job.dir, '--force', '--eval-every', String(setting.evalEvery), '--eval-episodes', '10',
      '--checkpoint-every', String(setting.evalEvery * 2), '--quiet'];
  const log = fs.openSync(`${job.dir}.log`, 'a');
  const child = spawn(process.execPath, [...process.execArgv, path.join(ROOT, 'algorithms', 'cli.ts'), ...args], { cwd: ROOT, stdio: ['ignore', log, log] });
  const stop = (): void => void child.kill('SIGINT');
  process.once('SIGINT', stop);
  return new Promise((resolve) => {
    child.on('exit', (code) => {
      process.off('SIGINT', stop);
      fs.closeSync(log);
      resolve(code ?? 1);
    });
  });
}

async function runAll(jobs: readonly Job[], options: Options): Promise<void> {
  const queue = jobs.filter((j) => checkpointStep(j.dir) < ENVS[j.env].steps);
  let next = 0;
  // SIGINT (Ctrl-C, or kill -INT): the running jobs checkpoint and stop (runJob), and no further job starts.
  let stopping = false;
  process.once('SIGINT', () => {
    stopping = true;
  });
  const worker = async (): Promise<void> => {
    while (!stopping && next < queue.length) {
      const job = queue[next++];
      const started = Date.now();
      process.stdout.write(`[${new Date().toISOString()}] start ${job.env} ${job.variant} seed ${job.seed}\n`);
      const code = await runJob(job);
      process.stdout.write(`[${new Date().toISOString()}] ${code === 0 ? 'done' : `exit ${code}`} ${job.env} ${job.variant} seed ${job.seed} ` +
        `(${((Date.now() - started) / 60_000).toFixed(1)} min)\n`);
      writeReport(options);
    }
  };
  await Promise.all(Array.from({ length: Math.min(options.jobs, queue.length) }, worker));
}

interface RunSummary {
  readonly job: Job;
  readonly final: EvalPoint | null;
  readonly stepsToThreshold: number | null;
  readonly reachedGoal: boolean;
  readonly wallSeconds: number | null;
  readonly diversity: number | null;
  /** Torso x displacement in one deterministic episode of the final policy, for envs that report `x_position`. */
  readonly distance: number | null;
  readonly curve: EvalPoint[];
}

/** What is measured on a finished run's final policy. */
interface FinalPolicyMeasures {
  readonly diversity: number | null;
  readonly distance: number | null;
}

/** The final policy's diversity (null for an agent that is not on-policy) and forward distance (bench/locomotion.ts), or nulls without a checkpoint. */
function measureFinalPolicy(dir: string, envId: string): FinalPolicyMeasures {
  return withSavedPolicy(dir, envId, (agent, env) => ({
    diversity: agent instanceof OnPolicyAgent ? sampledActionSpread(agent, env) : null,
    distance: forwardDistance(agent, env),
  })) ?? { diversity: null, distance: null };
}

/**
 * How different the sampled policies are: the std over 16 posterior samples (particles for SVPG)
 * of the deterministic action at 200 states visited by the mean policy, averaged over states and
 * action coordinates, on the [−1, 1] action box. Zero for a point policy.
 */
function sampledActionSpread(agent: OnPolicyAgent<OnPolicyConfig>, env: Env): number {
  const states: number[] = [];
  let obs = env.reset({ seed: 4242 }).obs;
  for (let i = 0; i < 200; i++) {
    states.push(...agent.normalizer.observations(obs, 1, new Float32Array(obs.length), false));
    const step = env.step(agent.predict(obs));
    obs = step.terminated || step.truncated ? env.reset().obs : step.obs;
  }
  const input = new Tensor(Float32Array.from(states), [200, agent.observationSize]);
  const samples = noGrad(() => agent.policy.sampledPolicies(input, 16, new Generator(7)));
  if (samples.length < 2) return 0;
  const A = agent.actionSize;
  let total = 0;
  for (let i = 0; i < 200 * A; i++) {
    const values = samples.map((s) => Math.max(-1, Math.min(1, s.data[i])));
    total += summarize(values).std;
  }
  return total / (200 * A);
}

/** Measures of the finished runs, taken once per process: a report follows every job, and a finished run no longer changes. */
const finishedMeasures = new Map<string, FinalPolicyMeasures>();

function measuresOfFinished(job: Job): FinalPolicyMeasures {
  let measures = finishedMeasures.get(job.dir);
  if (!measures) finishedMeasures.set(job.dir, measures = measureFinalPolicy(job.dir, job.env));
  return measures;
}

function summarizeRun(job: Job): RunSummary {
  const setting = ENVS[job.env];
  const curve = readEvalHistory(job.dir);
  const rows = readProgressRows(job.dir);
  const last = rows[rows.length - 1];
  const crossing = curve.find((p) => p.mean >= setting.threshold);
  const reachedGoal = job.env === 'MountainCarContinuous-v0'
    && (rows.some((r) => typeof r.episode_return === 'number' && r.episode_return > 0) || curve.some((p) => p.mean > 0));
  const final = curve.find((p) => p.step === setting.steps) ?? null;
  const measures = final ? measuresOfFinished(job) : { diversity: null, distance: null };
  return {
    job, final, stepsToThreshold: crossing?.step ?? null, reachedGoal, wallSeconds: last ? (last.wall_s as number) : null,
    ...measures, curve,
  };
}

const fmt = (x: number | null | undefined, digits = 1): string => (x === null || x === undefined || !Number.isFinite(x) ? '–' : x.toFixed(digits));
const interval = (values: number[], digits = 1): string => {
  if (values.length === 0) return '–';
  const s = summarize(values);
  return values.length > 1 ? `${fmt(s.mean, digits)} ± ${fmt(s.ci95, digits)}` : fmt(s.mean, digits);
};

/** Every run of the study on disk (any env, variant and seed), so each invocation reports all of them. */
function jobsOnDisk(options: Options): Job[] {
  const found: Job[] = [];
  for (const env of Object.keys(ENVS)) {
    const folder = path.join(RUNS, env);
    if (!fs.existsSync(folder)) continue;
    for (const variant of [...new Set([...DEFAULT_VARIANTS, ...CONTROL_VARIANTS, ...options.variants])]) {
      for (let seed = 0; seed < options.seeds; seed++) {
        const dir = path.join(folder, folderName(variant, seed));
        if (fs.existsSync(dir)) found.push({ env, variant, seed, dir });
      }
    }
  }
  return found;
}

function writeReport(options: Options): void {
  const runs = jobsOnDisk(options).map(summarizeRun);
  const envs = Object.keys(ENVS).filter((env) => runs.some((r) => r.job.env === env));
  const lines = [
    '# On-policy family and variational policy gradient (Xu 2018): study',
    '',
    `${options.seeds} seeds per variant (\`npm run bench:on-policy -- --envs ENV --variants …\`); deterministic evaluation (10 episodes) during training; a run counts once it reached its budget. ` +
      '± is the half-width of a 95% Student-t interval over seeds. "Δ vs plain" is the mean paired difference (same seed) ' +
      'of the final eval return against the plain algorithm, with its 95% interval; many variants are compared, so an interval that ' +
      'barely excludes 0 is weak evidence. Diversity: std of the deterministic action across 16 sampled policies (particles for SVPG), ' +
      'on the [−1, 1] box, at 200 states. Distance (locomotion tasks): how far the final deterministic policy carries the torso along x in one ' +
      'episode; on Hopper-v5 a policy that only stands earns ≈ 1000 (the healthy reward, 1 per step) at a distance near 0. ' +
      'Cost: wall-clock per 1,000 env steps relative to plain PPO on the same env, runs sharing two cores.',
    '',
    `Machine: ${os.cpus()[0]?.model ?? '?'} (${os.cpus().length} logical CPUs), node ${process.version}. Updated ${new Date().toISOString()}.`,
    '',
  ];
  const report: Record<string, unknown>[] = [];
  for (const envId of envs) {
    const setting = ENVS[envId];
    const variants = [...new Set([...DEFAULT_VARIANTS, ...CONTROL_VARIANTS, ...options.variants])].filter((v) => runs.some((r) => r.job.env === envId && r.job.variant === v));
    const locomotion = runs.some((r) => r.job.env === envId && r.distance !== null);
    lines.push(`## ${envId} (${setting.steps.toLocaleString('en')} steps; threshold ${setting.threshold}; ${setting.reference})`, '',
      `| variant | seeds done | final eval return | Δ vs plain (paired) | seeds ≥ ${setting.threshold} | median steps to ${setting.threshold} |` +
      `${envId === 'MountainCarContinuous-v0' ? ' seeds reaching the goal |' : ''}${locomotion ? ' distance (m) |' : ''} diversity | cost vs PPO |`,
      `|---|---:|---:|---:|---:|---:|${envId === 'MountainCarContinuous-v0' ? '---:|' : ''}${locomotion ? '---:|' : ''}---:|---:|`);
    const ppoWall = runs.filter((r) => r.job.env === envId && r.job.variant === 'ppo' && r.final && r.wallSeconds).map((r) => r.wallSeconds!);
    const ppoCost = ppoWall.length ? summarize(ppoWall).mean : null;
    for (const variant of variants) {
      const mine = runs.filter((r) => r.job.env === envId && r.job.variant === variant && r.final);
      const plain = parseVariant(variant).algo;
      const deltas = variant !== plain ? mine.flatMap((r) => {
        const base = runs.find((b) => b.job.env === envId && b.job.variant === plain && b.job.seed === r.job.seed && b.final);
        return base ? [r.final!.mean - base.final!.mean] : [];
      }) : [];
      const crossings = mine.map((r) => r.stepsToThreshold).filter((s): s is number => s !== null).sort((a, b) => a - b);
      const wall = mine.map((r) => r.wallSeconds).filter((w): w is number => w !== null);
      const cost = ppoCost && wall.length ? summarize(wall).mean / ppoCost : null;
      const diversity = mine.map((r) => r.diversity).filter((d): d is number => d !== null);
      const distance = mine.map((r) => r.distance).filter((d): d is number => d !== null);
      lines.push(`| ${variant} | ${mine.length}/${options.seeds} | ${interval(mine.map((r) => r.final!.mean))} | ${deltas.length ? interval(deltas) : '–'} | ` +
        `${mine.filter((r) => r.final!.mean >= setting.threshold).length}/${mine.length} | ${crossings.length ? crossings[crossings.length >> 1].toLocaleString('en') : '–'} |` +
        `${envId === 'MountainCarContinuous-v0' ? ` ${mine.filter((r) => r.reachedGoal).length}/${mine.length} |` : ''}${locomotion ? ` ${interval(distance, 2)} |` : ''} ${interval(diversity, 3)} | ${fmt(cost, 2)}× |`);
      report.push({
        env: envId, variant,
        runs: mine.map((r) => ({ seed: r.job.seed, final: r.final, stepsToThreshold: r.stepsToThreshold, reachedGoal: r.reachedGoal, wallSeconds: r.wallSeconds, diversity: r.diversity, distance: r.distance })),
      });
    }
    lines.push('', `![${envId} curves](on-policy-study-${envId}.svg)`, '');
    const colors = ['#08306b', '#2171b5', '#6baed6', '#67000d', '#cb181d', '#fb6a4a', '#00441b', '#238b45', '#74c476', '#54278f'];
    const series: CurveSeries[] = variants.flatMap((variant, v) => {
      const curves = runs.filter((r) => r.job.env === envId && r.job.variant === variant && r.curve.length > 0);
      if (curves.length === 0) return [];
      const steps = curves[0].curve.map((p) => p.step).filter((step) => curves.every((r) => r.curve.some((p) => p.step === step)));
      return [{ label: variant, color: colors[v % colors.length], points: steps.map((step) => ({ step, mean: summarize(curves.map((r) => r.curve.find((p) => p.step === step)!.mean)).mean })) }];
    });
    fs.writeFileSync(path.join(RESULTS, `on-policy-study-${envId}.svg`), learningCurveSvg(series, {
      title: `${envId}: mean deterministic eval return over seeds`, subtitle: 'on-policy family and Xu (2018) variational variants', references: [{ y: setting.threshold, label: `threshold ${setting.threshold}` }], width: 900, height: 520,
    }));
  }
  fs.writeFileSync(path.join(RESULTS, 'on-policy-study.md'), lines.join('\n') + '\n');
  fs.writeFileSync(path.join(RESULTS, 'on-policy-study.json'), JSON.stringify({ options, report }, null, 1) + '\n');
}

const options = parseOptions(process.argv.slice(2));
if (Object.keys(ENVS).some((env) => env.endsWith('-v5'))) await loadMujocoEnvs();
const jobs: Job[] = [];
// Seed by seed, so a study stopped early has balanced seeds across envs and variants.
for (let seed = 0; seed < options.seeds; seed++) for (const env of options.envs) for (const variant of options.variants) {
  jobs.push({ env, variant, seed, dir: path.join(RUNS, env, folderName(variant, seed)) });
}
if (!options.reportOnly) await runAll(jobs, options);
writeReport(options);
process.stdout.write(fs.readFileSync(path.join(RESULTS, 'on-policy-study.md'), 'utf8'));
