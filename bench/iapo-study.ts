/**
 * The IAPO study: direct vs iterative amortization, trained by sweep files and analysed here.
 *
 * - bench/sweeps/iapo-pendulum.yaml, iapo-cartpole-swingup.yaml: the primary comparison, both models
 *   with the `reduced` preset and β = 1/√2 (Q̂ = min(Q₁, Q₂)), the configuration in which neither
 *   collapses; Pendulum-v1 for 20k env steps, CartPoleSwingup-v0 for 60k, 5 seeds.
 * - bench/sweeps/iapo-pendulum-beta.yaml, iapo-cartpole-swingup-beta.yaml: supplementary, β = 2.5 and
 *   β = 1 for both models; the per-model default (direct β = 1, iterative β = 2.5) reuses their runs.
 * - bench/sweeps/iapo-multigoal.yaml: multiple estimates on MultiGoal-v0.
 *
 * Training is `varl sweep run` (sweep folders sweeps/<name>/, resumable). After training, `analyze`
 * loads each finished job's final weights in a fresh process and writes jobs/<id>/analysis.json: a
 * final evaluation with more episodes (and, for the iterative model, with 3K iterations) on the job's
 * own evaluation seeds, the amortization gap, the per-iteration objective, and either the new
 * objective at test time or, on MultiGoal-v0, multiple estimates. `cost` measures the cost per
 * update of both models in isolation. `report` aggregates everything into bench/results/iapo-study.md
 * (bench/iapo/report.ts).
 *
 *   node --import tsx bench/iapo-study.ts run [--jobs 2] [--reanalyze]   # every sweep, then analyze, cost, report (= npm run bench:iapo)
 *   node --import tsx bench/iapo-study.ts analyze [DIR …] [--jobs 2] [--reanalyze]   # default: the study's sweep folders
 *   node --import tsx bench/iapo-study.ts cost                            # one measurement at a time
 *   node --import tsx bench/iapo-study.ts report
 *
 * Sweep folders are looked up under sweeps/ (IAPO_STUDY_SWEEPS=DIR for another place); results go to
 * bench/results (IAPO_STUDY_DIR). IAPO_STUDY_QUICK=1 makes the analyses tiny (a smoke test).
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Generator, Tensor, kernels, registerKernels, useKernels, type Kernels } from '../engine/index.ts';
import { make } from '../envs/index.ts';
import { evaluate } from '../algorithms/common/evaluate.ts';
import { IAPO, IAPO_PRESETS, type IAPOConfig } from '../algorithms/iapo.ts';
import {
  agentObjective, amortizationGap, amortizedEstimate, collectStates, inferenceTrace, multipleEstimates, newObjectiveTransfer,
  penaltyOnPreferredAction, ringOfInitialMeans, summarize,
} from '../algorithms/iapo/analysis.ts';
import { runSweepCommand } from '../algorithms/sweep/cli.ts';
import { findJob, jobDir, readJobResult, readSweep, readSweepFile, type SweepFolder, type SweepJob } from '../algorithms/sweep/index.ts';
import { FOUR_DIRECTIONS, FOUR_MODE_CURVATURE, multimodalValue } from './iapo/multimodal-value.ts';
import { writeStudyReport, type RunResult, type StudySection } from './iapo/report.ts';
import { parseCli } from './cli-args.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const QUICK = process.env.IAPO_STUDY_QUICK === '1';
export const RESULTS = process.env.IAPO_STUDY_DIR ?? path.join(ROOT, 'bench', 'results');
const SWEEPS = process.env.IAPO_STUDY_SWEEPS ?? path.join(ROOT, 'sweeps');
const COST_DIR = path.join(SWEEPS, 'iapo-cost');

/** The study's sweep files, in report order; `modes` runs get the multiple-estimates analysis. */
export const STUDY_SWEEPS: readonly { readonly file: string; readonly role: 'primary' | 'supplementary' | 'modes' }[] = [
  { file: 'bench/sweeps/iapo-pendulum.yaml', role: 'primary' },
  { file: 'bench/sweeps/iapo-cartpole-swingup.yaml', role: 'primary' },
  { file: 'bench/sweeps/iapo-pendulum-beta.yaml', role: 'supplementary' },
  { file: 'bench/sweeps/iapo-cartpole-swingup-beta.yaml', role: 'supplementary' },
  { file: 'bench/sweeps/iapo-multigoal.yaml', role: 'modes' },
];

/** Episodes of the final evaluations (trained K, and 3K iterations); CartPoleSwingup-v0's 1000-step episodes start almost alike. */
const FINAL_EPISODES: Readonly<Record<string, number>> = { 'CartPoleSwingup-v0': 5 };
const finalEpisodes = (envId: string): number => (QUICK ? 2 : FINAL_EPISODES[envId] ?? 20);
const ANALYSIS_STATES = QUICK ? 8 : 32;
const ASCENT_STEPS = QUICK ? 100 : 2000;
/** Bumped when the analyses change; `analyze --reanalyze` redoes the analyses of an older version. */
const ANALYSIS_VERSION = 3;

export type Variant = 'direct' | 'iterative';
type CostJob = { config: 'reference' | 'reduced'; env: string; variant: Variant };

function writeJson(file: string, value: unknown): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file + '.tmp', JSON.stringify(value, null, 1) + '\n');
  fs.renameSync(file + '.tmp', file);
}

function readJson<T>(file: string): T {
  return JSON.parse(fs.readFileSync(file, 'utf8')) as T;
}

function log(line: string): void {
  const text = `[${new Date().toISOString()}] ${line}\n`;
  fs.mkdirSync(RESULTS, { recursive: true });
  fs.appendFileSync(path.join(RESULTS, 'iapo-study.log'), text);
  process.stdout.write(text);
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
function costJob(job: CostJob): Record<string, unknown> {
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

const analysisFile = (dir: string, job: SweepJob): string => path.join(jobDir(dir, job), 'analysis.json');

/** The median of the training's updates per second, from the job's progress log. */
function medianUpdatesPerSecond(folder: string): number | null {
  const file = path.join(folder, 'progress.jsonl');
  if (!fs.existsSync(file)) return null;
  const speeds = fs.readFileSync(file, 'utf8').split('\n').flatMap((line) => {
    try {
      const value = (JSON.parse(line) as Record<string, unknown>).updates_per_s;
      return typeof value === 'number' ? [value] : [];
    } catch {
      return [];
    }
  }).sort((a, b) => a - b);
  return speeds.length ? speeds[Math.floor(speeds.length / 2)] : null;
}

/** The kernel set the job trained with (run.json), or this process's when the run does not say. */
function trainingKernels(folder: string): string {
  try {
    return readJson<{ kernels?: { set?: string } }>(path.join(folder, 'run.json')).kernels?.set ?? kernels().name;
  } catch {
    return kernels().name;
  }
}

/**
 * The analyses of one finished job of an IAPO sweep, on its final weights (run in a fresh process: it
 * also keeps the analyses' new tensor shapes away from a wasm pool already carved up by training).
 */
function analyzeJob(dir: string, job: SweepJob): Record<string, unknown> {
  const result = readJobResult(dir, job);
  if (!result) throw new Error(`${job.id}: not finished (no result.json in ${jobDir(dir, job)})`);
  const folder = jobDir(dir, job);
  const envId = job.envId;
  const agent = new IAPO(make(envId), job.config as Partial<IAPOConfig>).load(path.join(folder, 'checkpoint'), { weightsOnly: true });
  const variant = agent.config.inference;
  const timings: Record<string, number> = {};
  let lapStart = performance.now();
  const lap = (what: string): void => {
    const now = performance.now();
    timings[what] = (now - lapStart) / 1000;
    process.stderr.write(`${job.id}: ${what} took ${timings[what].toFixed(1)} s\n`);
    lapStart = now;
  };
  const out: Record<string, unknown> = {
    analysisVersion: ANALYSIS_VERSION, id: job.id, variant, seed: job.seed, envId, config: agent.config, describe: agent.describe(),
    kernels: trainingKernels(folder), steps: result.steps, updates: result.updates, evalCurve: result.evalCurve,
    medianUpdatesPerSecond: medianUpdatesPerSecond(folder),
  };
  // The final evaluation on the job's own evaluation seeds (disjoint across training seeds, shared by both models of a seed).
  const episodes = finalEpisodes(envId);
  const final = evaluate((o) => agent.predict(o, { deterministic: true }), make(envId), { episodes, seed: job.evalSeed });
  out.finalEval = { mean: final.mean, std: final.std, episodes, seed: job.evalSeed };
  if (variant === 'iterative') {
    const iterations = 3 * agent.config.inferenceIterations;
    const more = evaluate((o) => agent.predict(o, { deterministic: true, inferenceIterations: iterations }), make(envId), { episodes, seed: job.evalSeed });
    out.finalEvalMoreIterations = { iterations, mean: more.mean, std: more.std, episodes };
  }
  lap('final evaluation');

  const states = collectStates(agent, make(envId), ANALYSIS_STATES, { seed: 555_000 + job.seed, episodes: envId === 'MultiGoal-v0' ? 4 : 1 });
  const generator = new Generator(1000 + job.seed);
  const lambda = amortizedEstimate(agent, states, generator);
  const gap = amortizationGap(agentObjective(agent), states, lambda, { generator, gradientSamples: 100, learningRate: 1e-2, maxSteps: ASCENT_STEPS });
  out.gap = { summary: gap.summary, perState: Array.from(gap.gaps), initial: summarize(gap.initial), optimized: summarize(gap.optimized), steps: gap.steps };
  lap('amortization gap');
  const K = agent.config.inferenceIterations;
  const trace = inferenceTrace(agent, states, { iterations: variant === 'iterative' ? 4 * K : 1, generator });
  out.trace = { mean: trace.mean, increments: trace.increments, trainedIterations: K };
  lap('per-iteration trace');

  if (envId !== 'MultiGoal-v0') {
    const newValue = penaltyOnPreferredAction(agent, states, lambda, generator, { radius: 0.3 });
    const transfer = newObjectiveTransfer(agent, states, newValue, { generator, ascent: { gradientSamples: 100, learningRate: 1e-2, maxSteps: ASCENT_STEPS } });
    out.newObjective = { amortized: transfer.amortized, iterative: transfer.iterative ?? null, gradientAscent: transfer.gradientAscent, gradientSteps: transfer.gradientSteps };
    lap('new objective');
  } else {
    // Multiple estimates at a few states of the rollouts (the first is a start state, all four goals about equally far).
    const inits = ringOfInitialMeans(2, 8, 1.5);
    const S = agent.observationSize;
    const picks = [0, 4, 8, 16].filter((i) => i < states.shape[0]);
    out.modes = picks.map((i) => {
      const obs = Array.from(states.data.subarray(i * S, (i + 1) * S));
      const single = Array.from(amortizedEstimate(agent, new Tensor(Float32Array.from(obs), [1, S]), generator).mean.data, Math.tanh);
      if (variant === 'direct') return { state: obs, modes: [{ action: single, count: 1 }], directAction: single };
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
  out.analysisTimings = timings;
  out.finishedAt = new Date().toISOString();
  return out;
}

/** The sweep folder of a study file (sweeps/<name>), or null when it has not been planned. */
function studyFolder(file: string): { dir: string; sweep: SweepFolder } | null {
  const spec = readSweepFile(path.join(ROOT, file), file);
  const dir = path.join(SWEEPS, spec.name);
  return fs.existsSync(path.join(dir, 'sweep.json')) ? { dir, sweep: readSweep(dir) } : null;
}

/** Runs `tasks` (each a child process of this script), `parallel` at a time; resolves to the number that failed. */
async function runChildren(tasks: readonly { name: string; args: string[]; logFile: string }[], parallel: number): Promise<number> {
  let next = 0;
  let failed = 0;
  const worker = async (): Promise<void> => {
    while (next < tasks.length) {
      const task = tasks[next++];
      log(`start ${task.name}`);
      const started = Date.now();
      fs.mkdirSync(path.dirname(task.logFile), { recursive: true });
      const code = await new Promise<number>((resolve) => {
        const out = fs.openSync(task.logFile, 'a');
        const child = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), ...task.args], { cwd: ROOT, stdio: ['ignore', out, out], env: process.env });
        child.on('exit', (c) => {
          fs.closeSync(out);
          resolve(c ?? 1);
        });
      });
      if (code !== 0) failed++;
      log(`${code === 0 ? 'done' : `FAILED (exit ${code}, log ${task.logFile})`} ${task.name} in ${((Date.now() - started) / 60000).toFixed(1)} min`);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(parallel, tasks.length)) }, worker));
  return failed;
}

/** Analyses every finished job of the given sweep folders that has none of the current version. */
async function analyzeAll(dirs: readonly string[], parallel: number, reanalyze: boolean): Promise<number> {
  const tasks = dirs.flatMap((dir) => readSweep(dir).jobs.filter((job) => {
    if (job.algorithm !== 'iapo' || !readJobResult(dir, job)) return false;
    const file = analysisFile(dir, job);
    return !fs.existsSync(file) || (reanalyze && readJson<{ analysisVersion?: number }>(file).analysisVersion !== ANALYSIS_VERSION);
  }).map((job) => ({ name: `analyze ${job.id}`, args: ['analyze-job', dir, job.id], logFile: path.join(jobDir(dir, job), 'analysis.log') })));
  log(`analyze: ${tasks.length} jobs, ${parallel} at a time`);
  return runChildren(tasks, parallel);
}

const COST_JOBS: readonly CostJob[] = (['reduced', 'reference'] as const).flatMap((config) =>
  ['Pendulum-v1', 'Reacher2D-v0'].flatMap((env) => (['iterative', 'direct'] as const).map((variant) => ({ config, env, variant }))));
const costFile = (job: CostJob): string => path.join(COST_DIR, `${job.config}-${job.env}-${job.variant}.json`);

/** β as the report names it. */
function betaLabel(beta: number | null): { suffix: string; text: string } {
  if (beta === Math.SQRT1_2) return { suffix: '+min', text: 'β = 1/√2 (Q̂ = min(Q₁, Q₂))' };
  if (beta === null) return { suffix: '+default', text: 'β per model: direct 1, iterative 2.5' };
  return { suffix: `+beta${beta}`, text: `β = ${beta}` };
}

/** The analysed runs of one folder as RunResults labelled `label`. */
function runResult(dir: string, job: SweepJob, label: string): RunResult | null {
  const file = analysisFile(dir, job);
  if (!fs.existsSync(file)) return null;
  const a = readJson<Record<string, unknown>>(file);
  return { ...(a as unknown as RunResult), job: { env: label, variant: a.variant as Variant, seed: job.seed } };
}

/**
 * The report's sections from the study's sweep folders: per folder and env, one section per β (both
 * models), and, where a folder has β = 1 and β = 2.5, the per-model default assembled from their runs.
 */
function studySections(): { sections: StudySection[]; modes: RunResult[]; missing: string[] } {
  const sections: StudySection[] = [];
  const modes: RunResult[] = [];
  const missing: string[] = [];
  for (const { file, role } of STUDY_SWEEPS) {
    const folder = studyFolder(file);
    if (!folder) {
      missing.push(file);
      continue;
    }
    const { dir, sweep } = folder;
    const groups = new Map<string, { beta: number | null; envId: string; steps: number; extra: string; runs: RunResult[]; direct: RunResult[]; iterative: RunResult[] }>();
    for (const job of sweep.jobs) {
      const beta = (job.config.pessimism ?? null) as number | null;
      const inputs = job.config.inputNormalization === 'layer' ? '' : `+${String(job.config.inputNormalization)}`;
      const label = `${job.envId}@${job.steps / 1000}k${betaLabel(beta).suffix}${inputs}`;
      const run = runResult(dir, job, label);
      if (role === 'modes') {
        if (run) modes.push(run);
        continue;
      }
      const group = groups.get(label) ?? { beta, envId: job.envId, steps: job.steps, extra: inputs, runs: [], direct: [], iterative: [] };
      groups.set(label, group);
      if (run) {
        group.runs.push(run);
        group[run.job.variant].push(run);
      }
    }
    for (const [label, group] of groups) {
      sections.push({
        label, role: role as 'primary' | 'supplementary', reuse: null, runs: group.runs,
        description: `${group.envId}, ${group.steps.toLocaleString('en')} env steps, \`reduced\` preset, ${betaLabel(group.beta).text} for both models` +
          `${group.extra ? `, inference inputs ${group.extra.slice(1)}` : ''} (${sweep.file})`,
      });
    }
    // The reference code's per-model values: direct β = 1, iterative β = 2.5, from the runs above.
    const byBeta = (beta: number): { label: string; runs: RunResult[] } | undefined => {
      const entry = [...groups.entries()].find(([, g]) => g.beta === beta);
      return entry ? { label: entry[0], runs: entry[1].runs } : undefined;
    };
    const one = byBeta(1);
    const twoAndHalf = byBeta(2.5);
    if (one && twoAndHalf) {
      const label = one.label.replace('+beta1', '+default');
      sections.push({
        label, role: 'supplementary', description: `The reference code's per-model β: direct β = 1, iterative β = 2.5 (what \`pessimism: null\` resolves to); otherwise as ${one.label}`,
        reuse: `no runs of its own: the direct runs of ${one.label} and the iterative runs of ${twoAndHalf.label} (model and β both differ here; ${one.label} and ${twoAndHalf.label} compare the models at one β)`,
        runs: [
          ...one.runs.filter((r) => r.job.variant === 'direct').map((r) => ({ ...r, job: { ...r.job, env: label } })),
          ...twoAndHalf.runs.filter((r) => r.job.variant === 'iterative').map((r) => ({ ...r, job: { ...r.job, env: label } })),
        ],
      });
    }
  }
  return { sections, modes, missing };
}

function report(): void {
  const { sections, modes, missing } = studySections();
  for (const file of missing) process.stderr.write(`report: ${file} has no sweep folder under ${SWEEPS} yet (varl sweep run ${file})\n`);
  if (sections.every((section) => section.runs.length === 0) && modes.length === 0) {
    // Nothing analysed yet: keep the existing report rather than replace it with an empty one.
    process.stderr.write(`report: no analysed runs under ${SWEEPS} (run the sweeps, then \`analyze\`); ${path.join(RESULTS, 'iapo-study.md')} left as it is\n`);
    return;
  }
  const cost = COST_JOBS.filter((job) => fs.existsSync(costFile(job))).map((job) => readJson<Record<string, unknown>>(costFile(job)));
  writeStudyReport(RESULTS, {
    source: `the sweep folders of ${STUDY_SWEEPS.map((s) => s.file.replace('bench/sweeps/', '')).join(', ')} (bench/sweeps/; training by \`varl sweep run\`, ` +
      'analyses in jobs/<id>/analysis.json by `bench/iapo-study.ts analyze`)',
    sections, modes, cost,
  });
}

const USAGE = `usage: node --import tsx bench/iapo-study.ts COMMAND [DIR …] [flags]
  run              every sweep, then analyze, cost and report (npm run bench:iapo)
  analyze [DIR …]  analyse the finished jobs of these sweep folders (default: the study's)
  cost             the cost per update of both models, one measurement at a time
  report           aggregate what exists into bench/results/iapo-study.md
  --jobs N         parallel sweep jobs and analyses, for run and analyze (default 2)
  --reanalyze      for run and analyze: analyse again the jobs whose analysis is of an older version`;

/** How many arguments each command takes after its name; analyze-job and cost-job are the child processes' commands. */
const COMMAND_ARGUMENTS: Readonly<Record<string, number>> = { run: 0, analyze: Infinity, cost: 0, report: 0, 'analyze-job': 2, 'cost-job': 1 };

async function main(argv: string[]): Promise<void> {
  const cli = parseCli({
    script: 'iapo-study', usage: USAGE, argv, maxPositionals: Infinity,
    flags: { jobs: { type: 'string' }, reanalyze: { type: 'boolean' } },
  });
  const [command = '', ...rest] = cli.positionals;
  if (!Object.hasOwn(COMMAND_ARGUMENTS, command)) cli.fail(command ? `unknown command ${JSON.stringify(command)}` : 'give a command: run, analyze, cost or report');
  if (rest.length > COMMAND_ARGUMENTS[command]) {
    cli.fail(`${command} takes ${COMMAND_ARGUMENTS[command] || 'no'} arguments, got ${rest.map((a) => JSON.stringify(a)).join(' ')}`);
  }
  const parallel = cli.integer('jobs', 2, { max: 1024 }); // varl sweep run's bounds
  const reanalyze = cli.values.reanalyze ?? false;
  const studyDirs = (): string[] => STUDY_SWEEPS.flatMap(({ file }) => {
    const folder = studyFolder(file);
    return folder ? [folder.dir] : [];
  });
  switch (command) {
    case 'analyze-job': {
      const [dir, id] = rest;
      const job = findJob(readSweep(dir), { id });
      writeJson(analysisFile(dir, job), analyzeJob(dir, job));
      return;
    }
    case 'cost-job':
      writeJson(costFile(JSON.parse(rest[0]) as CostJob), { ...costJob(JSON.parse(rest[0]) as CostJob), finishedAt: new Date().toISOString() });
      return;
    case 'analyze': {
      const failed = await analyzeAll(rest.length ? rest.map((d) => path.resolve(d)) : studyDirs(), parallel, reanalyze);
      process.exitCode = failed > 0 ? 1 : 0;
      return;
    }
    case 'cost': {
      const tasks = COST_JOBS.filter((job) => !fs.existsSync(costFile(job)) && !(QUICK && job.config === 'reference'))
        .map((job) => ({ name: `cost ${job.config} ${job.env} ${job.variant}`, args: ['cost-job', JSON.stringify(job)], logFile: path.join(COST_DIR, 'cost.log') }));
      process.exitCode = (await runChildren(tasks, 1)) > 0 ? 1 : 0;
      return;
    }
    case 'report':
      report();
      return;
    case 'run': {
      // Every sweep (resumable: finished jobs are skipped), then the analyses, the cost measurements (one at a time: they time), the report.
      for (const { file } of STUDY_SWEEPS) {
        const status = await runSweepCommand('sweep', ['run', file, '--jobs', String(parallel), '--out', path.join(SWEEPS, readSweepFile(path.join(ROOT, file), file).name)], ROOT);
        if (status === 130) return void (process.exitCode = 130);
      }
      await analyzeAll(studyDirs(), parallel, reanalyze);
      await main(['cost']);
      report();
      log('study: finished');
      return;
    }
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main(process.argv.slice(2)).catch((error: unknown) => {
    process.stderr.write(`${(error as Error).stack ?? String(error)}\n`);
    process.exitCode = 1;
  });
}
