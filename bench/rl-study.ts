/**
 * `npm run bench:rl`: the Pendulum-v1 learning study. SAC and TD3, 5 seeds each, 20,000 env steps
 * with the RL Baselines3 Zoo settings (algorithms/presets.ts), deterministic evaluation (10
 * episodes) every 1,000 steps. Target: mean eval return ≥ −200 at 20k for at least 4 of 5 seeds
 * (the Zoo publishes −157 for SAC and −152 for TD3 at 20k, one run each).
 *
 * Every run is the CLI (`varl train`) in a child process with its own run folder under
 * bench/results/rl-study/, so the study can be stopped and started again: finished runs are kept,
 * interrupted ones resume from their last checkpoint.
 *
 * Options: --jobs N (parallel runs, default 2), --seeds N (default 5), --steps N (default 20000),
 *          --algos sac,td3, --report (only rebuild the table and figure from existing runs).
 * Writes bench/results/rl-study.md (table), bench/results/rl-study.svg (all curves) and
 * bench/results/rl-study.json.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { algorithm, learningCurveSvg, readCheckpointMeta, readEvalHistory, type CurveSeries, type EvalPoint } from '../algorithms/index.ts';

const here = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(here, '..');
const RESULTS = path.join(here, 'results');
const RUNS = path.join(RESULTS, 'rl-study');
const ENV_ID = 'Pendulum-v1';
const TARGET = -200;
const ZOO: Record<string, number> = { sac: -156.995, td3: -151.855 };

interface Options {
  jobs: number;
  seeds: number;
  steps: number;
  algos: ('sac' | 'td3')[];
  reportOnly: boolean;
}

function parseOptions(argv: readonly string[]): Options {
  const value = (name: string): string | undefined => {
    const i = argv.indexOf(name);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  return {
    jobs: Number(value('--jobs') ?? 2),
    seeds: Number(value('--seeds') ?? 5),
    steps: Number(value('--steps') ?? 20_000),
    algos: (value('--algos') ?? 'sac,td3').split(',') as ('sac' | 'td3')[],
    reportOnly: argv.includes('--report'),
  };
}

interface Job {
  readonly algo: 'sac' | 'td3';
  readonly seed: number;
  readonly dir: string;
}

function checkpointStep(dir: string): number {
  try {
    return readCheckpointMeta(path.join(dir, 'checkpoint')).training.step as number;
  } catch {
    return -1;
  }
}

/** Runs (or resumes) one training run through the CLI; resolves with its exit status. */
function runJob(job: Job, steps: number): Promise<number> {
  const resume = fs.existsSync(path.join(job.dir, 'run.json')) && checkpointStep(job.dir) >= 0;
  const args = resume
    ? ['train', '--resume', '--out', job.dir, '--steps', String(steps)]
    : ['train', '--algo', job.algo, '--env', ENV_ID, '--seed', String(job.seed), '--steps', String(steps), '--out', job.dir, '--force',
      '--eval-every', '1000', '--eval-episodes', '10', '--checkpoint-every', '2000'];
  const log = fs.openSync(path.join(RUNS, `${job.algo}-s${job.seed}.log`), 'a');
  const child = spawn(process.execPath, [...process.execArgv, path.join(ROOT, 'algorithms', 'cli.ts'), ...args], {
    cwd: ROOT, stdio: ['ignore', log, log],
  });
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
  const queue = jobs.filter((j) => checkpointStep(j.dir) < options.steps);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < queue.length) {
      const job = queue[next++];
      const started = Date.now();
      process.stdout.write(`[${new Date().toISOString()}] start ${job.algo} seed ${job.seed}\n`);
      const code = await runJob(job, options.steps);
      process.stdout.write(`[${new Date().toISOString()}] ${code === 0 ? 'done' : `exit ${code}`} ${job.algo} seed ${job.seed} (${((Date.now() - started) / 60_000).toFixed(1)} min)\n`);
      writeReport(jobs, options);
    }
  };
  await Promise.all(Array.from({ length: Math.min(options.jobs, queue.length) }, worker));
}

interface RunSummary {
  algo: string;
  seed: number;
  step: number;
  final: EvalPoint | null;
  best: EvalPoint | null;
  wallSeconds: number | null;
  updatesPerSecond: number | null;
  curve: EvalPoint[];
}

function summarize(job: Job, steps: number): RunSummary {
  const curve = readEvalHistory(job.dir);
  const rows = fs.existsSync(path.join(job.dir, 'progress.jsonl'))
    ? fs.readFileSync(path.join(job.dir, 'progress.jsonl'), 'utf8').trim().split('\n').filter(Boolean).flatMap((l) => {
      try {
        return [JSON.parse(l) as Record<string, number | null>];
      } catch {
        return [];
      }
    })
    : [];
  const last = rows[rows.length - 1];
  const rates = rows.map((r) => r.updates_per_s).filter((x): x is number => typeof x === 'number');
  return {
    algo: job.algo,
    seed: job.seed,
    step: checkpointStep(job.dir),
    final: curve.find((p) => p.step === steps) ?? null,
    best: curve.reduce<EvalPoint | null>((b, p) => (b === null || p.mean > b.mean ? p : b), null),
    wallSeconds: last ? (last.wall_s as number) : null,
    updatesPerSecond: rates.length ? rates.reduce((a, b) => a + b, 0) / rates.length : null,
    curve,
  };
}

const fmt = (x: number | null | undefined, digits = 1): string => (x === null || x === undefined ? '–' : x.toFixed(digits));

function writeReport(jobs: readonly Job[], options: Options): void {
  const runs = jobs.map((j) => summarize(j, options.steps));
  const lines: string[] = [
    `# Pendulum-v1 study: SAC and TD3, ${options.seeds} seeds, ${options.steps.toLocaleString('en')} env steps`,
    '',
    `Deterministic evaluation, 10 episodes (seeds 1,000,000+seed …), every 1,000 steps. Target: mean eval return ≥ −200 at ` +
      `${options.steps.toLocaleString('en')} steps for at least 4 of 5 seeds. Settings: RL Baselines3 Zoo's (algorithms/presets.ts).`,
    '',
    `Machine: ${os.cpus()[0]?.model ?? '?'} (${os.cpus().length} logical CPUs, shared with other jobs), node ${process.version}, ` +
      `wasm kernels. Updated ${new Date().toISOString()}.`,
    '',
    '| algorithm | seed | eval return at 20k (mean ± std, 10 episodes) | best eval (step) | ≥ −200 | wall-clock | updates/s |',
    '|---|---:|---:|---:|:---:|---:|---:|',
  ];
  for (const r of runs) {
    const done = r.final !== null;
    lines.push(`| ${r.algo.toUpperCase()} | ${r.seed} | ${done ? `${fmt(r.final!.mean)} ± ${fmt(r.final!.std)}` : r.step < 0 ? 'pending' : `(checkpoint at step ${r.step})`} | ` +
      `${r.best ? `${fmt(r.best.mean)} (${r.best.step})` : '–'} | ${done ? (r.final!.mean >= TARGET ? 'yes' : 'no') : '–'} | ` +
      `${r.wallSeconds === null ? '–' : `${(r.wallSeconds / 60).toFixed(1)} min`} | ${fmt(r.updatesPerSecond)} |`);
  }
  lines.push('', '| algorithm | seeds done | mean of final evals | seeds ≥ −200 | RL Zoo (one run) | mean wall-clock per run | preset |', '|---|---:|---:|---:|---:|---:|---|');
  for (const algo of options.algos) {
    const mine = runs.filter((r) => r.algo === algo && r.final);
    const mean = mine.length ? mine.reduce((a, r) => a + r.final!.mean, 0) / mine.length : null;
    const wall = mine.length ? mine.reduce((a, r) => a + (r.wallSeconds ?? 0), 0) / mine.length : null;
    lines.push(`| ${algo.toUpperCase()} | ${mine.length}/${options.seeds} | ${fmt(mean)} | ${mine.filter((r) => r.final!.mean >= TARGET).length}/${mine.length} | ` +
      `${ZOO[algo]} | ${wall === null ? '–' : `${(wall / 60).toFixed(1)} min`} | ${JSON.stringify(algorithm(algo).envPresets[ENV_ID]?.config ?? {})} |`);
  }
  fs.writeFileSync(path.join(RESULTS, 'rl-study.md'), lines.join('\n') + '\n');

  const palette = { sac: ['#08306b', '#2171b5', '#4292c6', '#6baed6', '#9ecae1'], td3: ['#67000d', '#cb181d', '#ef3b2c', '#fb6a4a', '#fc9272'] };
  const series: CurveSeries[] = runs.filter((r) => r.curve.length > 0).map((r) => ({
    label: `${r.algo.toUpperCase()} seed ${r.seed}`,
    color: palette[r.algo as 'sac' | 'td3'][r.seed % 5],
    points: r.curve.map((p) => ({ step: p.step, mean: p.mean })),
  }));
  fs.writeFileSync(path.join(RESULTS, 'rl-study.svg'), learningCurveSvg(series, {
    title: `SAC and TD3 on ${ENV_ID}: deterministic eval return (10 episodes), ${options.seeds} seeds each`,
    subtitle: `RL Zoo settings — SAC: ${JSON.stringify(algorithm('sac').envPresets[ENV_ID]?.config)}; TD3: ${JSON.stringify(algorithm('td3').envPresets[ENV_ID]?.config)}; other values: varl defaults`,
    references: [{ y: TARGET, label: 'target −200' }],
    width: 900,
    height: 520,
  }));
  fs.writeFileSync(path.join(RESULTS, 'rl-study.json'), JSON.stringify({ options, runs }, null, 1) + '\n');
}

const options = parseOptions(process.argv.slice(2));
fs.mkdirSync(RUNS, { recursive: true });
const jobs: Job[] = [];
for (let seed = 0; seed < options.seeds; seed++) {
  for (const algo of options.algos) jobs.push({ algo, seed, dir: path.join(RUNS, `${algo}-s${seed}`) });
}
if (!options.reportOnly) await runAll(jobs, options);
writeReport(jobs, options);
process.stdout.write(fs.readFileSync(path.join(RESULTS, 'rl-study.md'), 'utf8'));
