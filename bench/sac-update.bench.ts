/**
 * SAC update throughput, side by side with PyTorch: the same update (bench/peers/sac_update_torch.py
 * mirrors algorithms/sac.ts with its defaults) at batch 256, 2×256 ReLU networks, Pendulum sizes
 * (|S| = 3, |A| = 1), on one thread (bench/threads.bench.ts: on all cores). One "update" is: sample a minibatch, critic step, actor step,
 * α step, Polyak update of both target critics.
 *
 * Run: node --experimental-wasm-relaxed-simd --import tsx bench/sac-update.bench.ts
 * Options: --updates N (timed updates per repetition, default 150), --repeats R (default 3),
 *          --kernels wasm,js (varl kernel sets, default wasm), --no-torch.
 * Writes bench/results/sac-update.json and prints a markdown table. varl and PyTorch repetitions
 * alternate, so a shared machine's load hits both alike; the median repetition is reported.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SAC } from '../algorithms/index.ts';
import { availableKernels, kernelThreads, kernels, setKernelThreads, useKernels } from '../engine/index.ts';
import { make } from '../envs/index.ts';
import { parseCli } from './cli-args.ts';
import { fillPendulumTransitions } from './workloads.ts';

const here = dirname(fileURLToPath(import.meta.url));
const PYTHON = '/usr/bin/python3';
const TORCH_SCRIPT = join(here, 'peers', 'sac_update_torch.py');
const OPENBLAS = join(here, 'peers', 'node_modules', '.openblas');

export interface SacUpdateRecord {
  engine: string;
  updatesPerSecond: number;
  msPerUpdate: number;
  repeats: number[];
  detail?: string;
}

const USAGE = `usage: node --experimental-wasm-relaxed-simd --import tsx bench/sac-update.bench.ts [flags]
  --updates N     timed updates per repetition (default 150)
  --repeats R     repetitions per engine, varl and PyTorch alternating (default 3)
  --kernels LIST  varl kernel sets, comma-separated (default wasm)
  --no-torch      leave out PyTorch`;

function sacUpdateArgs(argv: readonly string[]): { updates: number; repeats: number; kernelSets: string[]; withTorch: boolean } {
  const cli = parseCli({
    script: 'sac-update.bench', usage: USAGE, argv,
    flags: { updates: { type: 'string' }, repeats: { type: 'string' }, kernels: { type: 'string' }, 'no-torch': { type: 'boolean' } },
  });
  const kernelSets = (cli.values.kernels ?? 'wasm').split(',');
  const unavailable = kernelSets.filter((k) => !availableKernels().includes(k));
  if (cli.values.kernels !== undefined && unavailable.length > 0) {
    cli.fail(`--kernels: no kernel set ${unavailable.join(', ')}; available: ${availableKernels().join(', ')}`);
  }
  return {
    updates: cli.integer('updates', 150),
    repeats: cli.integer('repeats', 3),
    kernelSets: kernelSets.filter((k) => !unavailable.includes(k)), // the default, wasm, is dropped where unavailable
    withTorch: !cli.values['no-torch'],
  };
}

/** A SAC agent with a buffer of random Pendulum-shaped transitions, ready to update. */
export function preparedAgent(): SAC {
  const sac = new SAC(make('Pendulum-v1'), { seed: 0, batchSize: 256, hiddenSizes: [256, 256] });
  fillPendulumTransitions((...t) => sac.buffer.add(...t));
  return sac;
}

export function timeVarl(sac: SAC, updates: number): number {
  const start = performance.now();
  for (let i = 0; i < updates; i++) sac.update();
  return updates / ((performance.now() - start) / 1000);
}

export function timeTorch(updates: number, env: NodeJS.ProcessEnv, threads = 1): { updatesPerSecond: number; torch: string } {
  const out = execFileSync(PYTHON, [TORCH_SCRIPT, '--updates', String(updates), '--warmup', '20', '--threads', String(threads)], { env, encoding: 'utf8' });
  const result = JSON.parse(out.trim().split('\n').pop()!) as { updates_per_s: number; torch: string };
  return { updatesPerSecond: result.updates_per_s, torch: result.torch };
}

const median = (xs: readonly number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

export async function runSacUpdateBench(argv: readonly string[] = []): Promise<SacUpdateRecord[]> {
  const { updates, repeats, kernelSets, withTorch } = sacUpdateArgs(argv);
  const torchEngines: [string, NodeJS.ProcessEnv][] = [];
  if (withTorch && existsSync(PYTHON)) {
    torchEngines.push(['pytorch (Debian, reference BLAS)', process.env]);
    if (existsSync(OPENBLAS)) torchEngines.push(['pytorch (OpenBLAS)', { ...process.env, LD_LIBRARY_PATH: OPENBLAS }]);
  }

  const previous = kernels().name;
  const previousThreads = kernelThreads();
  setKernelThreads(1); // one thread, as PyTorch here; bench/threads.bench.ts compares thread counts
  const agents = new Map<string, SAC>();
  for (const k of kernelSets) {
    useKernels(k);
    const sac = preparedAgent();
    for (let i = 0; i < 20; i++) sac.update(); // warm-up: JIT, heap
    agents.set(k, sac);
  }
  const samples = new Map<string, number[]>();
  const push = (engine: string, value: number): void => void (samples.get(engine) ?? samples.set(engine, []).get(engine)!).push(value);
  let torchVersion = '';
  for (let r = 0; r < repeats; r++) {
    for (const [k, sac] of agents) {
      useKernels(k);
      push(`varl (${k} kernels)`, timeVarl(sac, k === 'js' ? Math.max(5, Math.round(updates / 20)) : updates));
    }
    for (const [name, env] of torchEngines) {
      try {
        const t = timeTorch(updates, env);
        torchVersion = t.torch;
        push(name, t.updatesPerSecond);
      } catch (error) {
        process.stderr.write(`${name}: ${(error as Error).message.split('\n')[0]}\n`);
      }
    }
  }
  useKernels(previous);
  setKernelThreads(previousThreads);
  return [...samples].map(([engine, values]) => ({
    engine,
    updatesPerSecond: median(values),
    msPerUpdate: 1000 / median(values),
    repeats: values,
    ...(engine.startsWith('pytorch') ? { detail: `torch ${torchVersion}, 1 thread` } : {}),
  }));
}

function markdown(records: readonly SacUpdateRecord[]): string {
  const varl = records.find((r) => r.engine.startsWith('varl (wasm'));
  const lines = [
    '| engine | updates/s (median) | ms/update | repetitions (updates/s) | varl-wasm ÷ engine |',
    '|---|---:|---:|---|---:|',
    ...records.map((r) => `| ${r.engine} | ${r.updatesPerSecond.toFixed(1)} | ${r.msPerUpdate.toFixed(1)} | ${r.repeats.map((x) => x.toFixed(1)).join(', ')} | ${varl ? (varl.updatesPerSecond / r.updatesPerSecond).toFixed(2) + '×' : '–'} |`),
  ];
  return lines.join('\n');
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const argv = process.argv.slice(2);
  const records = await runSacUpdateBench(argv);
  const table = markdown(records);
  const meta = {
    workload: 'SAC update: batch 256, actor and twin critics 2×256 ReLU, |S| = 3, |A| = 1 (Pendulum), minibatch sampling included',
    cpu: os.cpus()[0]?.model, logicalCpus: os.cpus().length, loadAverage: os.loadavg(), node: process.version, date: new Date().toISOString(),
  };
  mkdirSync(join(here, 'results'), { recursive: true });
  writeFileSync(join(here, 'results', 'sac-update.json'), JSON.stringify({ ...meta, records }, null, 1) + '\n');
  process.stdout.write(`${meta.workload}\n\n${table}\n`);
}
