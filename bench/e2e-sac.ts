/**
 * End-to-end SAC on Pendulum-v1, varl against PyTorch: wall-clock of a whole training run (process
 * start to exit, evaluations included) and its final evaluation return.
 *
 * varl runs through its CLI (`bin/varl.js train --algo sac --env Pendulum-v1`, so with the
 * Pendulum-v1 preset); the peer is bench/peers/sac_pendulum_cleanrl.py, a CleanRL-style script with
 * the same settings on Gymnasium's Pendulum-v1 (PyTorch with the OpenBLAS of bench/peers/install.sh
 * when it is unpacked, serial at one thread and threaded at all cores, else as Debian installs it).
 * Both evaluate the deterministic policy every 1,000 steps on 10 episodes seeded
 * seed + 1,000,000 + i; the last evaluation is the final return.
 *
 * Two modes, each over every seed:
 *  - concurrent: both processes started together, one thread each (VARL_THREADS=1; torch
 *    --threads 1 with OMP_NUM_THREADS=1), so load from elsewhere hits both alike;
 *  - sequential: one after the other with all cores each (VARL_THREADS unset; torch threads = cores),
 *    the order alternating from seed to seed.
 *
 * Run: node --import tsx bench/e2e-sac.ts [--steps 20000] [--seeds 1] [--skip-parallel] [--skip-sequential]
 *      [--eval-episodes 10] [--keep-runs] [--omp-wait-policy active|passive]
 * Writes bench/results/e2e-sac.json and prints a Markdown table.
 */
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseCli } from './cli-args.ts';

const here = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(here, '..');
const VARL_CLI = path.join(ROOT, 'bin', 'varl.js');
const PYTHON = '/usr/bin/python3';
const TORCH_SCRIPT = path.join(here, 'peers', 'sac_pendulum_cleanrl.py');
/** Debian's OpenBLAS builds unpacked by bench/peers/install.sh: serial for one thread, pthreads for all cores. */
const OPENBLAS_SERIAL = path.join(here, 'peers', 'node_modules', '.openblas');
const OPENBLAS_THREADED = path.join(here, 'peers', 'node_modules', '.openblas-pthread');
const ENV_ID = 'Pendulum-v1';
/** Env steps between evaluations (the CLI's default), or the whole run when it is shorter. */
const EVAL_EVERY = 1000;

type Engine = 'varl' | 'pytorch';
type Mode = 'concurrent' | 'sequential';

interface Options {
  steps: number;
  seeds: number;
  evalEpisodes: number;
  parallel: boolean;
  sequential: boolean;
  keepRuns: boolean;
  /** OMP_WAIT_POLICY for the PyTorch peer (unset: inherited, i.e. OpenMP's default, spinning). */
  ompWaitPolicy?: 'active' | 'passive';
}

/** One training run of one engine. */
export interface E2eRecord {
  engine: Engine;
  /** The build: varl's kernel set, or torch's version and BLAS. */
  detail: string;
  mode: Mode;
  threads: number;
  seed: number;
  steps: number;
  /** Process start to exit, as measured here. */
  wallSeconds: number;
  /** Training loop only, as the run reports it (varl: the last progress row's wall_s; torch: its own timer). */
  trainSeconds: number;
  stepsPerSecond: number;
  finalEvalStep: number;
  finalReturnMean: number;
  finalReturnStd: number;
}

interface Failure {
  engine: Engine;
  mode: Mode;
  seed: number;
  error: string;
}

const USAGE = `usage: node --import tsx bench/e2e-sac.ts [flags]
  --steps N                  env steps per training run (default 20000)
  --seeds N                  seeds 0 … N−1, each in every mode (default 1)
  --eval-episodes N          episodes per evaluation (default 10)
  --skip-parallel            leave out the concurrent mode (one thread each)
  --skip-sequential          leave out the sequential mode (all cores each)
  --keep-runs                keep varl's run folders (their paths go to stderr)
  --omp-wait-policy POLICY   active or passive: OMP_WAIT_POLICY for PyTorch (default: inherited)`;

function parseOptions(argv: readonly string[]): Options {
  const cli = parseCli({
    script: 'e2e-sac', usage: USAGE, argv,
    flags: {
      steps: { type: 'string' }, seeds: { type: 'string' }, 'eval-episodes': { type: 'string' }, 'skip-parallel': { type: 'boolean' },
      'skip-sequential': { type: 'boolean' }, 'keep-runs': { type: 'boolean' }, 'omp-wait-policy': { type: 'string' },
    },
  });
  const policy = cli.values['omp-wait-policy'];
  return {
    steps: cli.integer('steps', 20_000),
    seeds: cli.integer('seeds', 1),
    evalEpisodes: cli.integer('eval-episodes', 10),
    parallel: !cli.values['skip-parallel'],
    sequential: !cli.values['skip-sequential'],
    keepRuns: cli.values['keep-runs'] ?? false,
    ompWaitPolicy: policy === undefined || policy === 'active' || policy === 'passive'
      ? policy : cli.fail(`--omp-wait-policy takes active or passive, got ${JSON.stringify(policy)}`),
  };
}

interface Finished {
  wallSeconds: number;
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Starts a process at once and resolves when it exits, with its wall-clock from spawn to exit. */
function timed(command: string, args: readonly string[], env: NodeJS.ProcessEnv): Promise<Finished> {
  const start = performance.now();
  const child = spawn(command, args, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => resolve({ wallSeconds: (performance.now() - start) / 1000, code, stdout, stderr }));
  });
}

function lastLines(text: string, n = 5): string {
  return text.trim().split('\n').slice(-n).join('\n');
}

/** This process's environment without thread settings: unset, each engine uses all cores. */
function withoutThreadSettings(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  delete env.VARL_THREADS;
  for (const name of ['OMP_NUM_THREADS', 'MKL_NUM_THREADS', 'OPENBLAS_NUM_THREADS']) delete env[name];
  return env;
}

function runVarl(seed: number, options: Options, mode: Mode): () => Promise<E2eRecord> {
  const threads = mode === 'concurrent' ? 1 : undefined;
  return async () => {
    const parent = fs.mkdtempSync(path.join(os.tmpdir(), 'varl-e2e-sac-'));
    const out = path.join(parent, 'run');
    const env = withoutThreadSettings();
    if (threads !== undefined) env.VARL_THREADS = String(threads);
    try {
      const run = await timed(process.execPath, [
        VARL_CLI, 'train', '--algo', 'sac', '--env', ENV_ID, '--steps', String(options.steps), '--seed', String(seed), '--out', out, '--quiet',
        '--eval-every', String(Math.min(EVAL_EVERY, options.steps)), '--eval-episodes', String(options.evalEpisodes),
      ], env);
      if (run.code !== 0) throw new Error(`varl train exited with ${run.code}: ${lastLines(run.stderr)}`);
      const rows = fs.readFileSync(path.join(out, 'progress.jsonl'), 'utf8').split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l) as Record<string, number | null>);
      const evals = rows.filter((r) => typeof r.eval_return_mean === 'number');
      if (evals.length === 0) throw new Error(`varl train wrote no evaluation row to ${out}/progress.jsonl`);
      const last = evals[evals.length - 1];
      const runFile = JSON.parse(fs.readFileSync(path.join(out, 'run.json'), 'utf8')) as { varl?: string; kernels?: { set?: string; fma?: boolean } };
      const kernels = runFile.kernels ? `${runFile.kernels.set}${runFile.kernels.fma ? ' (FMA)' : ''}` : '?';
      return {
        engine: 'varl', detail: `varl ${runFile.varl ?? '?'}, ${kernels} kernels`, mode, threads: threads ?? os.cpus().length, seed, steps: options.steps,
        wallSeconds: run.wallSeconds, trainSeconds: rows[rows.length - 1].wall_s as number, stepsPerSecond: options.steps / run.wallSeconds,
        finalEvalStep: last.step as number, finalReturnMean: last.eval_return_mean as number, finalReturnStd: last.eval_return_std as number,
      };
    } finally {
      if (options.keepRuns) process.stderr.write(`varl run kept: ${out}\n`);
      else fs.rmSync(parent, { recursive: true, force: true });
    }
  };
}

function runTorch(seed: number, options: Options, mode: Mode): () => Promise<E2eRecord> {
  const threads = mode === 'concurrent' ? 1 : os.cpus().length;
  return async () => {
    const env = withoutThreadSettings();
    env.OMP_NUM_THREADS = String(threads);
    env.OPENBLAS_NUM_THREADS = String(threads);
    if (options.ompWaitPolicy) env.OMP_WAIT_POLICY = options.ompWaitPolicy.toUpperCase();
    const candidates: [string, string][] = threads > 1
      ? [[OPENBLAS_THREADED, 'OpenBLAS (pthreads)'], [OPENBLAS_SERIAL, 'OpenBLAS (serial)']]
      : [[OPENBLAS_SERIAL, 'OpenBLAS (serial)']];
    const [openblas, blas] = candidates.find(([dir]) => fs.existsSync(path.join(dir, 'libblas.so.3'))) ?? [undefined, 'reference BLAS'];
    if (openblas) env.LD_LIBRARY_PATH = [openblas, process.env.LD_LIBRARY_PATH].filter(Boolean).join(':');
    const run = await timed(PYTHON, [
      TORCH_SCRIPT, '--steps', String(options.steps), '--seed', String(seed), '--threads', String(threads),
      '--eval-every', String(Math.min(EVAL_EVERY, options.steps)), '--eval-episodes', String(options.evalEpisodes),
    ], env);
    if (run.code !== 0) throw new Error(`${path.relative(ROOT, TORCH_SCRIPT)} exited with ${run.code}: ${lastLines(run.stderr)}`);
    const result = JSON.parse(lastLines(run.stdout, 1)) as {
      seconds: number; threads: number; final_eval_step: number; final_return_mean: number; final_return_std: number; torch: string; gymnasium: string;
    };
    return {
      engine: 'pytorch', detail: `torch ${result.torch}, ${blas}, Gymnasium ${result.gymnasium}`,
      mode, threads: result.threads, seed, steps: options.steps,
      wallSeconds: run.wallSeconds, trainSeconds: result.seconds, stepsPerSecond: options.steps / run.wallSeconds,
      finalEvalStep: result.final_eval_step, finalReturnMean: result.final_return_mean, finalReturnStd: result.final_return_std,
    };
  };
}

const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

/** Per engine and mode: median wall-clock, mean final return and its range over seeds. */
interface Summary {
  engine: Engine;
  mode: Mode;
  threads: number;
  runs: number;
  medianWallSeconds: number;
  medianStepsPerSecond: number;
  meanFinalReturn: number;
  minFinalReturn: number;
  maxFinalReturn: number;
}

function summarise(records: readonly E2eRecord[]): Summary[] {
  const groups = new Map<string, E2eRecord[]>();
  for (const r of records) {
    const key = `${r.mode}/${r.engine}`;
    (groups.get(key) ?? groups.set(key, []).get(key)!).push(r);
  }
  return [...groups.values()].map((rs) => {
    const returns = rs.map((r) => r.finalReturnMean);
    return {
      engine: rs[0].engine, mode: rs[0].mode, threads: rs[0].threads, runs: rs.length,
      medianWallSeconds: median(rs.map((r) => r.wallSeconds)), medianStepsPerSecond: median(rs.map((r) => r.stepsPerSecond)),
      meanFinalReturn: returns.reduce((a, b) => a + b, 0) / returns.length, minFinalReturn: Math.min(...returns), maxFinalReturn: Math.max(...returns),
    };
  });
}

/** The targets per mode: varl's wall-clock ≤ PyTorch's, and the final returns side by side. */
function verdicts(records: readonly E2eRecord[], summaries: readonly Summary[]): string[] {
  const lines: string[] = [];
  for (const mode of ['concurrent', 'sequential'] as const) {
    const varl = summaries.find((s) => s.mode === mode && s.engine === 'varl');
    const torch = summaries.find((s) => s.mode === mode && s.engine === 'pytorch');
    if (!varl || !torch) continue;
    const ratio = varl.medianWallSeconds / torch.medianWallSeconds;
    const range = (s: Summary): string => s.runs > 1 ? `${s.meanFinalReturn.toFixed(1)} [${s.minFinalReturn.toFixed(1)}, ${s.maxFinalReturn.toFixed(1)}]` : s.meanFinalReturn.toFixed(1);
    const overlap = varl.minFinalReturn <= torch.maxFinalReturn && torch.minFinalReturn <= varl.maxFinalReturn;
    lines.push(`- ${mode} (${mode === 'concurrent' ? 'one thread each' : 'all cores each'}): varl's wall-clock ÷ PyTorch's = ${ratio.toFixed(2)}× ` +
      `(${ratio <= 1 ? 'met' : 'missed'}: ≤ 1); final return varl ${range(varl)}, PyTorch ${range(torch)}` +
      (varl.runs > 1 && torch.runs > 1 ? ` (ranges over seeds ${overlap ? 'overlap' : 'do not overlap'})` : ''));
  }
  // OpenMP's threads spin while they wait; on a busy machine that can make PyTorch at all cores far
  // slower than at one thread.
  for (const r of records) {
    const single = records.find((x) => x.engine === r.engine && x.seed === r.seed && x.mode === 'concurrent');
    if (r.engine === 'pytorch' && r.mode === 'sequential' && single && r.trainSeconds > 1.5 * single.trainSeconds) {
      lines.push(`- note: PyTorch at ${r.threads} threads (seed ${r.seed}) trained ${(r.trainSeconds / single.trainSeconds).toFixed(1)}× slower than at one thread ` +
        'beside varl; the machine was likely busy (OpenMP threads spin while they wait). Re-run on a quiet machine, or compare with --omp-wait-policy passive.');
    }
  }
  return lines;
}

function markdown(records: readonly E2eRecord[], summaries: readonly Summary[]): string {
  const rows = records.map((r) =>
    `| ${r.engine} | ${r.threads} | ${r.mode} | ${r.seed} | ${r.wallSeconds.toFixed(1)} | ${r.trainSeconds.toFixed(1)} | ${r.stepsPerSecond.toFixed(1)} | ${r.finalReturnMean.toFixed(1)} ± ${r.finalReturnStd.toFixed(1)} |`);
  const lines = [
    '| engine | threads | mode | seed | wall s | train s | steps/s | final return (± std over episodes) |',
    '|---|---:|---|---:|---:|---:|---:|---:|',
    ...rows,
  ];
  if (records.some((r) => r.seed > 0)) {
    lines.push('', '| engine | threads | mode | runs | median wall s | median steps/s | final return: mean [min, max] |', '|---|---:|---|---:|---:|---:|---:|');
    for (const s of summaries) {
      lines.push(`| ${s.engine} | ${s.threads} | ${s.mode} | ${s.runs} | ${s.medianWallSeconds.toFixed(1)} | ${s.medianStepsPerSecond.toFixed(1)} | ` +
        `${s.meanFinalReturn.toFixed(1)} [${s.minFinalReturn.toFixed(1)}, ${s.maxFinalReturn.toFixed(1)}] |`);
    }
  }
  return lines.join('\n');
}

/** The PyTorch peer's versions, or why it cannot run (no Python, PyTorch, NumPy or Gymnasium). */
function checkTorchPeer(): { versions: Record<string, string> } | { missing: string } {
  if (!fs.existsSync(PYTHON)) return { missing: `${PYTHON} not found` };
  const check = spawnSync(PYTHON, [TORCH_SCRIPT, '--check'], { encoding: 'utf8' });
  if (check.status !== 0) return { missing: lastLines(check.stderr || check.stdout, 2) };
  return { versions: JSON.parse(lastLines(check.stdout, 1)) as Record<string, string> };
}

async function main(argv: readonly string[]): Promise<void> {
  const options = parseOptions(argv);
  const peer = checkTorchPeer();
  if ('missing' in peer) process.stderr.write(`PyTorch peer skipped (varl runs alone; see bench/peers/install.sh): ${peer.missing}\n`);
  const records: E2eRecord[] = [];
  const failures: Failure[] = [];
  const loads: { phase: string; loadAverage: number[] }[] = [];
  const say = (line: string): void => void process.stderr.write(line + '\n');
  const attempt = async (engine: Engine, mode: Mode, seed: number, run: () => Promise<E2eRecord>): Promise<void> => {
    try {
      const record = await run();
      records.push(record);
      say(`  ${engine} ${mode} seed ${seed}: ${record.wallSeconds.toFixed(1)} s, final return ${record.finalReturnMean.toFixed(1)}`);
    } catch (error) {
      failures.push({ engine, mode, seed, error: (error as Error).message });
      say(`  ${engine} ${mode} seed ${seed} failed: ${(error as Error).message}`);
    }
  };

  for (let seed = 0; seed < options.seeds; seed++) {
    if (options.parallel) {
      say(`concurrent, one thread each, seed ${seed}, ${options.steps} steps`);
      loads.push({ phase: `concurrent seed ${seed} start`, loadAverage: os.loadavg() });
      await Promise.all([
        attempt('varl', 'concurrent', seed, runVarl(seed, options, 'concurrent')),
        ...('versions' in peer ? [attempt('pytorch', 'concurrent', seed, runTorch(seed, options, 'concurrent'))] : []),
      ]);
    }
    if (options.sequential) {
      say(`sequential, all ${os.cpus().length} cores each, seed ${seed}, ${options.steps} steps`);
      loads.push({ phase: `sequential seed ${seed} start`, loadAverage: os.loadavg() });
      const order = (seed % 2 === 0 ? ['varl', 'pytorch'] : ['pytorch', 'varl']).filter((e) => e === 'varl' || 'versions' in peer) as Engine[];
      for (const engine of order) {
        await attempt(engine, 'sequential', seed, engine === 'varl' ? runVarl(seed, options, 'sequential') : runTorch(seed, options, 'sequential'));
      }
    }
  }
  loads.push({ phase: 'end', loadAverage: os.loadavg() });

  const summaries = summarise(records);
  const meta = {
    workload: `SAC on ${ENV_ID}, ${options.steps} env steps, varl's Pendulum-v1 preset (lr 1e-3, learning starts 100, batch 256, 2×256 ReLU), ` +
      `deterministic evaluation every ${Math.min(EVAL_EVERY, options.steps)} steps on ${options.evalEpisodes} episodes; wall-clock from process start to exit`,
    steps: options.steps, seeds: options.seeds, evalEpisodes: options.evalEpisodes,
    cpu: os.cpus()[0]?.model, logicalCpus: os.cpus().length, node: process.version, date: new Date().toISOString(), loads,
    peer: 'versions' in peer
      ? { script: path.relative(ROOT, TORCH_SCRIPT), ...peer.versions, ompWaitPolicy: options.ompWaitPolicy ?? process.env.OMP_WAIT_POLICY ?? null }
      : { skipped: peer.missing },
  };
  fs.mkdirSync(path.join(here, 'results'), { recursive: true });
  fs.writeFileSync(path.join(here, 'results', 'e2e-sac.json'), JSON.stringify({ ...meta, records, summaries, failures }, null, 1) + '\n');
  process.stdout.write(`${meta.workload}\n\n${markdown(records, summaries)}\n\n${verdicts(records, summaries).join('\n')}\n`);
  if (failures.length) process.exitCode = 1;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  await main(process.argv.slice(2));
}
