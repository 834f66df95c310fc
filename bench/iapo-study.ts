/**
 * The IAPO study: direct vs iterative amortization on Pendulum-v1, CartPoleSwingup-v0 and Reacher2D-v0
 * (≥ 5 seeds each, the `reduced` configuration, identical for both), the amortization gap, the
 * per-iteration improvement, the cost per update of both configurations, multiple estimates on
 * MultiGoal-v0 and a new objective at test time. Results go to bench/results/iapo-*.
 *
 *   node --import tsx bench/iapo-study.ts run [--jobs 2] [--seeds 5] [--only cost,train,modes] [--reanalyze]   # resumable
 *   node --import tsx bench/iapo-study.ts report                                                # aggregate what exists
 *   node --import tsx bench/iapo-study.ts job '<json>'                                          # one job (used by run)
 *
 * Every job writes its own result.json; `run` skips jobs that have one and resumes interrupted
 * training from its checkpoint, so the study can be stopped and restarted at any time.
 */
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Generator, Tensor, kernels, registerKernels, useKernels, type Kernels } from '../engine/index.ts';
import { make } from '../envs/index.ts';
import { evaluate } from '../algorithms/common/evaluate.ts';
import { hasCheckpoint, readEvalHistory } from '../algorithms/index.ts';
import { IAPO, IAPO_DEFAULTS, IAPO_PRESETS, type IAPOConfig } from '../algorithms/iapo.ts';
import {
  agentObjective, amortizationGap, amortizedEstimate, collectStates, inferenceTrace, multipleEstimates, newObjectiveTransfer,
  penaltyOnPreferredAction, ringOfInitialMeans, summarize,
} from '../algorithms/iapo/analysis.ts';
import { FOUR_DIRECTIONS, FOUR_MODE_CURVATURE, multimodalValue } from './iapo/multimodal-value.ts';
import { writeStudyReport } from './iapo/report.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
/** IAPO_STUDY_QUICK=1: a smoke test of the whole pipeline (tiny runs) into IAPO_STUDY_DIR. */
const QUICK = process.env.IAPO_STUDY_QUICK === '1';
export const RESULTS = process.env.IAPO_STUDY_DIR ?? path.join(ROOT, 'bench', 'results');
export const RUNS = path.join(RESULTS, 'iapo-runs');

/** Env steps per run and evaluation cadence, per env (identical for both variants). */
export const STUDY_ENVS: Readonly<Record<string, EnvPlan>> = QUICK
  ? {
    'Pendulum-v1': { steps: 1200, evalEvery: 600, evalEpisodes: 2, finalEpisodes: 2 },
    'Reacher2D-v0': { steps: 1200, evalEvery: 600, evalEpisodes: 2, finalEpisodes: 2 },
  }
  : {
    'Pendulum-v1': { steps: 10_000, evalEvery: 1000, evalEpisodes: 5, finalEpisodes: 20 },
    'Reacher2D-v0': { steps: 15_000, evalEvery: 1000, evalEpisodes: 5, finalEpisodes: 20 },
    // 1000-step episodes with an almost deterministic start (hinge at π ± 0.01): fewer episodes suffice.
    'CartPoleSwingup-v0': { steps: 30_000, evalEvery: 2000, evalEpisodes: 3, finalEpisodes: 5 },
  };

/**
 * Supplementary runs (`run --only long`), each under its own label: a longer budget, or a config
 * change for both variants (the `reduced` preset plus `overrides`). `modes: true` runs the MultiGoal
 * multiple-estimates analysis instead of the new-objective one.
 */
export const LONG_ENVS: Readonly<Record<string, EnvPlan & { envId: string; overrides?: Partial<IAPOConfig>; modes?: boolean }>> = {
  'CartPoleSwingup-v0@60k': { envId: 'CartPoleSwingup-v0', steps: 60_000, evalEvery: 4000, evalEpisodes: 3, finalEpisodes: 5 },
  // The budget of the SAC/TD3 Pendulum study (bench/results/rl-study.md), for a like-for-like comparison.
  'Pendulum-v1@20k': { envId: 'Pendulum-v1', steps: 20_000, evalEvery: 1000, evalEpisodes: 5, finalEpisodes: 20 },
  // The late collapse at 60k with β = 2.5: β = 1/√2 makes Q̂ = min(Q₁, Q₂) (SAC's clipped double Q).
  'CartPoleSwingup-v0@60k+min': {
    envId: 'CartPoleSwingup-v0', steps: 60_000, evalEvery: 4000, evalEpisodes: 3, finalEpisodes: 5, overrides: { pessimism: Math.SQRT1_2 },
  },
  'Pendulum-v1@20k+min': { envId: 'Pendulum-v1', steps: 20_000, evalEvery: 1000, evalEpisodes: 5, finalEpisodes: 20, overrides: { pessimism: Math.SQRT1_2 } },
  // 'layer' normalisation keeps only the sign pattern of a 2-D gradient; signedLog keeps its scale.
  'Reacher2D-v0+signedLog': {
    envId: 'Reacher2D-v0', steps: 15_000, evalEvery: 1000, evalEpisodes: 5, finalEpisodes: 20, overrides: { inputNormalization: 'signedLog' },
  },
  'MultiGoal-v0+signedLog': {
    envId: 'MultiGoal-v0', steps: 5000, evalEvery: 1000, evalEpisodes: 5, finalEpisodes: 20, overrides: { inputNormalization: 'signedLog' }, modes: true,
  },
};
const ANALYSIS_STATES = QUICK ? 8 : 32;
const MODES_STEPS = QUICK ? 1200 : 5000;
const ASCENT_STEPS = QUICK ? 100 : 2000;
/** Bumped when the analyses change; `run --reanalyze` redoes the analyses of results with an older version. */
const ANALYSIS_VERSION = 2;

export type Variant = 'direct' | 'iterative';

interface EnvPlan {
  /** Env steps per run. */
  steps: number;
  evalEvery: number;
  /** Episodes per evaluation during training. */
  evalEpisodes: number;
  /** Episodes of the final evaluations (trained K, and 3K iterations). */
  finalEpisodes: number;
}

type Job =
  | { kind: 'cost'; config: 'reference' | 'reduced'; env: string; variant: Variant }
  | { kind: 'train' | 'long'; env: string; variant: Variant; seed: number }
  | { kind: 'modes'; variant: Variant; seed: number };

function jobDir(job: Job): string {
  switch (job.kind) {
    case 'cost': return path.join(RUNS, 'cost', `${job.config}-${job.env}-${job.variant}`);
    case 'train': case 'long': return path.join(RUNS, job.env, `${job.variant}-s${job.seed}`);
    case 'modes': return path.join(RUNS, 'MultiGoal-v0', `${job.variant}-s${job.seed}`);
  }
}

function jobName(job: Job): string {
  return job.kind === 'cost' ? `cost ${job.config} ${job.env} ${job.variant}` : `${job.kind} ${job.kind === 'modes' ? 'MultiGoal-v0' : job.env} ${job.variant} s${job.seed}`;
}

function studyConfig(job: { kind: string; env?: string; variant: Variant; seed: number }): Partial<IAPOConfig> {
  const overrides = job.kind === 'long' && job.env ? LONG_ENVS[job.env].overrides ?? {} : {};
  return { ...IAPO_PRESETS.reduced, ...overrides, inference: job.variant, seed: job.seed };
}

function writeJson(file: string, value: unknown): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file + '.tmp', JSON.stringify(value, null, 1) + '\n');
  fs.renameSync(file + '.tmp', file);
}

/** A kernel set that counts matrix-multiply flops (2·m·k·n per product) on top of the active one. */
function countingKernels(): { set: Kernels; flops: () => number; reset: () => void } {
  const base = kernels();
  let flops = 0;
  const set: Kernels = {
    ...base,
    name: `${base.name}+count`,
    matmul: (a, b, out, batch, m, k, n, transA, transB, aStride, bStride, bias) => {
      flops += 2 * batch * m * k * n;
      base.matmul(a, b, out, batch, m, k, n, transA, transB, aStride, bStride, bias);
    },
  };
  return { set, flops: () => flops, reset: () => (flops = 0) };
}

/** Fills the agent's buffer with uniform-random transitions of its env. */
function fillBuffer(agent: IAPO, envId: string, count: number, seed: number): void {
  const env = make(envId);
  const g = new Generator(seed);
  let { obs } = env.reset({ seed });
  let current = Float32Array.from(obs);
  const action = new Float32Array(agent.actionSize);
  for (let i = 0; i < count; i++) {
    for (let d = 0; d < action.length; d++) action[d] = 2 * g.uniform() - 1;
    const r = env.step(agent.scaler.toEnv(action, new Float32Array(action.length)));
    agent.buffer.add(current, action, r.reward, r.obs, r.terminated);
    current = Float32Array.from(r.obs);
    if (r.terminated || r.truncated) current = Float32Array.from(env.reset().obs);
  }
}

/** Wall time and matmul flops per update of one variant in one configuration (a fresh process per variant). */
function costJob(job: Extract<Job, { kind: 'cost' }>): Record<string, unknown> {
  const counter = countingKernels();
  const baseName = kernels().name;
  registerKernels(counter.set);
  const overrides = job.config === 'reference' ? { ...IAPO_PRESETS.reference } : { ...IAPO_PRESETS.reduced };
  const agent = new IAPO(make(job.env), { ...overrides, inference: job.variant, seed: 0 });
  fillBuffer(agent, job.env, 2000, 1);
  useKernels(counter.set.name);
  counter.reset();
  agent.update();
  const flops = counter.flops();
  useKernels(baseName);
  agent.update(); // warm-up
  const repeats = job.config === 'reference' ? 5 : 50;
  const times: number[] = [];
  for (let i = 0; i < repeats; i++) {
    const t0 = performance.now();
    agent.update();
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  const env = make(job.env);
  const { obs } = env.reset({ seed: 3 });
  agent.predict(obs, { deterministic: false });
  const t0 = performance.now();
  for (let i = 0; i < 50; i++) agent.predict(obs, { deterministic: false });
  return {
    config: job.config, env: job.env, variant: job.variant, kernels: baseName, describe: agent.describe(),
    msPerUpdateMedian: times[Math.floor(times.length / 2)], msPerUpdateMin: times[0], repeats,
    matmulGflopPerUpdate: flops / 1e9, msPerAction: (performance.now() - t0) / 50,
  };
}

type RunJob = Extract<Job, { kind: 'train' | 'long' | 'modes' }>;

function planFor(job: RunJob): { envId: string; plan: EnvPlan } {
  if (job.kind === 'train') return { envId: job.env, plan: STUDY_ENVS[job.env] };
  if (job.kind === 'long') return { envId: LONG_ENVS[job.env].envId, plan: LONG_ENVS[job.env] };
  return { envId: 'MultiGoal-v0', plan: { steps: MODES_STEPS, evalEvery: 1000, evalEpisodes: 5, finalEpisodes: 20 } };
}

/** Phase 1: trains (or resumes) one run and evaluates it; writes train.json. */
async function trainJob(job: RunJob): Promise<void> {
  const { envId, plan } = planFor(job);
  const dir = jobDir(job);
  const checkpoint = path.join(dir, 'checkpoint');
  const agent = new IAPO(make(envId), studyConfig(job));
  if (hasCheckpoint(checkpoint)) agent.load(checkpoint);
  const learned = await agent.learn({
    totalSteps: plan.steps, runDir: dir, evalEnv: make(envId), evalEvery: plan.evalEvery, evalEpisodes: plan.evalEpisodes,
    checkpointEvery: 2000, progress: { intervalSeconds: 120, label: jobName(job) },
  });
  const rows = fs.readFileSync(path.join(dir, 'progress.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, number | null>);
  const speeds = rows.map((r) => r.updates_per_s).filter((v): v is number => typeof v === 'number').sort((a, b) => a - b);
  const result: Record<string, unknown> = {
    job, kernels: kernels().name, config: agent.config, describe: agent.describe(),
    steps: learned.step, updates: learned.updates, wallSeconds: learned.wallSeconds,
    medianUpdatesPerSecond: speeds.length ? speeds[Math.floor(speeds.length / 2)] : null,
    evalCurve: readEvalHistory(dir),
  };
  const started = performance.now();
  const final = evaluate((o) => agent.predict(o, { deterministic: true }), make(envId), { episodes: plan.finalEpisodes, seed: 777_000 });
  result.finalEval = { mean: final.mean, std: final.std, episodes: plan.finalEpisodes };
  if (job.variant === 'iterative') {
    const iterations = 3 * agent.config.inferenceIterations;
    const more = evaluate((o) => agent.predict(o, { deterministic: true, inferenceIterations: iterations }), make(envId), { episodes: plan.finalEpisodes, seed: 777_000 });
    result.finalEvalMoreIterations = { iterations, mean: more.mean, std: more.std, episodes: plan.finalEpisodes };
  }
  result.finalEvaluationSeconds = (performance.now() - started) / 1000;
  writeJson(path.join(dir, 'train.json'), result);
}

/**
 * Phase 2, in a fresh process: loads the final checkpoint (weights) and runs the analyses.
 * (A fresh process also keeps the analyses' new tensor shapes away from a wasm pool already carved
 * up by training; see the report.)
 */
function analyzeJob(job: RunJob): Record<string, unknown> {
  const { envId } = planFor(job);
  const dir = jobDir(job);
  const result = JSON.parse(fs.readFileSync(path.join(dir, 'train.json'), 'utf8')) as Record<string, unknown>;
  const agent = new IAPO(make(envId), studyConfig(job)).load(path.join(dir, 'checkpoint'), { weightsOnly: true });
  const timings: Record<string, number> = {};
  let lapStart = performance.now();
  const lap = (what: string): void => {
    const now = performance.now();
    timings[what] = (now - lapStart) / 1000;
    process.stderr.write(`${jobName(job)}: ${what} took ${timings[what].toFixed(1)} s\n`);
    lapStart = now;
  };
  const states = collectStates(agent, make(envId), ANALYSIS_STATES, { seed: 555_000 + job.seed, episodes: envId === 'MultiGoal-v0' ? 4 : 1 });
  const modesAnalysis = job.kind === 'modes' || (job.kind === 'long' && LONG_ENVS[job.env].modes === true);
  const generator = new Generator(1000 + job.seed);
  const lambda = amortizedEstimate(agent, states, generator);
  const gap = amortizationGap(agentObjective(agent), states, lambda, { generator, gradientSamples: 100, learningRate: 1e-2, maxSteps: ASCENT_STEPS });
  result.gap = { summary: gap.summary, perState: Array.from(gap.gaps), initial: summarize(gap.initial), optimized: summarize(gap.optimized), steps: gap.steps };
  lap('amortization gap');
  const K = agent.config.inferenceIterations;
  const trace = inferenceTrace(agent, states, { iterations: job.variant === 'iterative' ? 4 * K : 1, generator });
  result.trace = { mean: trace.mean, increments: trace.increments, trainedIterations: K };
  lap('per-iteration trace');

  if (!modesAnalysis) {
    const newValue = penaltyOnPreferredAction(agent, states, lambda, generator, { radius: 0.3 });
    const transfer = newObjectiveTransfer(agent, states, newValue, { generator, ascent: { gradientSamples: 100, learningRate: 1e-2, maxSteps: ASCENT_STEPS } });
    result.newObjective = {
      amortized: transfer.amortized, iterative: transfer.iterative ?? null, gradientAscent: transfer.gradientAscent, gradientSteps: transfer.gradientSteps,
    };
    lap('new objective');
  } else {
    // Multiple estimates at a few states of the rollouts (the first is a start state, all four goals about equally far).
    const inits = ringOfInitialMeans(2, 8, 1.5);
    const S = agent.observationSize;
    const picks = [0, 4, 8, 16].filter((i) => i < states.shape[0]);
    result.modes = picks.map((i) => {
      const obs = Array.from(states.data.subarray(i * S, (i + 1) * S));
      const single = Array.from(amortizedEstimate(agent, new Tensor(Float32Array.from(obs), [1, S]), generator).mean.data, Math.tanh);
      if (job.variant === 'direct') return { state: obs, modes: [{ action: single, count: 1 }], directAction: single };
      const m = multipleEstimates(agent, obs, inits, { iterations: 4 * K, generator });
      // The same inference model on a known four-mode objective (the four goal directions), swapped in at test time.
      const four = multipleEstimates(agent, obs, inits, { iterations: 4 * K, generator, actionValue: multimodalValue(FOUR_DIRECTIONS, FOUR_MODE_CURVATURE, 1) });
      return {
        state: obs, modes: m.modes, ascentModes: m.ascentModes, finalActions: m.finalActions, finalObjective: m.finalObjective,
        trajectories: m.trajectories, singleEstimateAction: single,
        fourModeObjective: { modes: four.modes, ascentModes: four.ascentModes, trajectories: four.trajectories },
      };
    });
    lap('multiple estimates');
  }
  result.analysisTimings = timings;
  result.analysisVersion = ANALYSIS_VERSION;
  return result;
}

function allJobs(seeds: number): Job[] {
  const jobs: Job[] = [];
  const variants = ['iterative', 'direct'] as const;
  for (const env of ['Pendulum-v1', 'Reacher2D-v0']) for (const variant of variants) jobs.push({ kind: 'cost', config: 'reduced', env, variant });
  for (const env of Object.keys(STUDY_ENVS)) {
    for (let seed = 0; seed < seeds; seed++) for (const variant of ['iterative', 'direct'] as const) jobs.push({ kind: 'train', env, variant, seed });
  }
  for (let seed = 0; seed < 2; seed++) for (const variant of ['iterative', 'direct'] as const) jobs.push({ kind: 'modes', variant, seed });
  for (const env of Object.keys(LONG_ENVS)) {
    for (let seed = 0; seed < seeds; seed++) for (const variant of variants) jobs.push({ kind: 'long', env, variant, seed });
  }
  if (!QUICK) for (const env of ['Pendulum-v1', 'Reacher2D-v0']) for (const variant of variants) jobs.push({ kind: 'cost', config: 'reference', env, variant });
  return jobs;
}

/** `job`: cost → result.json; train/modes → train.json (training) and, in a second process, result.json (analyses). */
async function runJob(job: Job): Promise<void> {
  const dir = jobDir(job);
  if (job.kind === 'cost') {
    writeJson(path.join(dir, 'result.json'), { ...costJob(job), finishedAt: new Date().toISOString() });
    return;
  }
  if (!fs.existsSync(path.join(dir, 'train.json'))) await trainJob(job);
  const child = spawnSync(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), 'analyze', JSON.stringify(job)], { cwd: ROOT, stdio: 'inherit', env: process.env });
  if (child.status !== 0) throw new Error(`analysis of ${jobName(job)} failed with status ${child.status}`);
}

function log(line: string): void {
  const text = `[${new Date().toISOString()}] ${line}\n`;
  fs.appendFileSync(path.join(RESULTS, 'iapo-study.log'), text);
  process.stdout.write(text);
}

/** Runs every missing job, `jobs` at a time, each in its own process (so a crash costs one job). */
async function runAll(parallel: number, seeds: number, only: Set<string> | null, reanalyze = false): Promise<void> {
  fs.mkdirSync(RESULTS, { recursive: true });
  const stale = (j: Job): boolean => {
    const file = path.join(jobDir(j), 'result.json');
    if (!fs.existsSync(file)) return true;
    if (!reanalyze || j.kind === 'cost') return false;
    return (JSON.parse(fs.readFileSync(file, 'utf8')) as { analysisVersion?: number }).analysisVersion !== ANALYSIS_VERSION;
  };
  const pending = allJobs(seeds).filter((j) => (!only || only.has(j.kind)) && stale(j));
  log(`study: ${pending.length} jobs to run, ${parallel} at a time`);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < pending.length) {
      const job = pending[next++];
      const dir = jobDir(job);
      fs.mkdirSync(dir, { recursive: true });
      log(`start ${jobName(job)}`);
      const started = Date.now();
      const code = await new Promise<number>((resolve) => {
        const out = fs.openSync(path.join(dir, 'job.log'), 'a');
        const child = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), 'job', JSON.stringify(job)], {
          cwd: ROOT, stdio: ['ignore', out, out], env: process.env,
        });
        child.on('exit', (c) => resolve(c ?? 1));
      });
      log(`${code === 0 ? 'done' : `FAILED (exit ${code})`} ${jobName(job)} in ${((Date.now() - started) / 60000).toFixed(1)} min`);
      if (code === 0) {
        try {
          writeStudyReport(RESULTS, RUNS);
        } catch (error) {
          log(`report failed: ${(error as Error).message}`);
        }
      }
    }
  };
  await Promise.all(Array.from({ length: parallel }, worker));
  writeStudyReport(RESULTS, RUNS);
  log('study: finished');
}

async function main(argv: string[]): Promise<void> {
  const [command, ...rest] = argv;
  const flag = (name: string): string | undefined => {
    const i = rest.indexOf(`--${name}`);
    return i >= 0 ? rest[i + 1] : undefined;
  };
  if (command === 'job') return runJob(JSON.parse(rest[0]) as Job);
  if (command === 'analyze') {
    const job = JSON.parse(rest[0]) as RunJob;
    writeJson(path.join(jobDir(job), 'result.json'), { ...analyzeJob(job), finishedAt: new Date().toISOString() });
    // The finished run keeps its weights (for `varl analyze`), not its replay buffer (the bulk of the checkpoint).
    fs.rmSync(path.join(jobDir(job), 'checkpoint', 'replay.safetensors'), { force: true });
    return;
  }
  if (command === 'report') return void writeStudyReport(RESULTS, RUNS);
  if (command === 'run') {
    const only = flag('only');
    return runAll(Number(flag('jobs') ?? 2), Number(flag('seeds') ?? 5), only ? new Set(only.split(',')) : null, rest.includes('--reanalyze'));
  }
  process.stderr.write('usage: iapo-study.ts run [--jobs 2] [--seeds 5] [--only cost,train,modes] [--reanalyze] | report | job <json>\n');
  process.exitCode = 2;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main(process.argv.slice(2)).catch((error: unknown) => {
    process.stderr.write(`${(error as Error).stack ?? String(error)}\n`);
    process.exitCode = 1;
  });
}

export { IAPO_DEFAULTS };
