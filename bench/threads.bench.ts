/**
 * The wasm kernels on one thread and on all cores: GEMM 256³ (NN, NT, TN), the Q-net train step
 * and two 64K-element ops of index.ts, and the SAC update of sac-update.bench.ts (batch 256, 2×256
 * networks, Pendulum sizes), the latter with PyTorch + OpenBLAS at the same thread counts; `--sweep` adds the measurements behind the split thresholds of
 * engine/kernels/wasm/index.ts (one call split across all threads against the same call on one).
 *
 * Run: node --experimental-wasm-relaxed-simd --import tsx bench/threads.bench.ts
 * Options: --rounds R (interleaved rounds, default 7), --updates N (SAC updates per round, default
 *          60), --threads a,b (default 1 and all cores), --sweep, --no-torch, --no-sac,
 *          --torch-active-wait (PyTorch's OpenMP threads spin between parallel regions, its default;
 *          here they sleep, OMP_WAIT_POLICY=PASSIVE, unless this is given: on a shared machine the
 *          spinning threads of the default made PyTorch ≈ 25× slower at 2 threads than at 1).
 * PyTorch at 1 thread loads the serial OpenBLAS of install.sh, at more the threaded one.
 * Thread counts alternate within every round, so a shared machine's load hits them alike; each
 * row is the median round. Writes bench/results/threads.json and prints markdown tables.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { kernelThreads, kernels, setKernelThreads, useKernels } from '../engine/index.ts';
import { createWasmKernels, type WasmKernels } from '../engine/kernels/wasm/index.ts';
import { parseCli } from './cli-args.ts';
import { preparedAgent, timeTorch, timeVarl } from './sac-update.bench.ts';
import { elementwiseWorkload, gemmWorkload, qnetWorkloads } from './workloads.ts';

const here = dirname(fileURLToPath(import.meta.url));
const OPENBLAS_SERIAL = join(here, 'peers', 'node_modules', '.openblas');
/** A threaded OpenBLAS (Debian's libopenblas0-pthread, unpacked like the serial one in install.sh). */
const OPENBLAS_THREADED = join(here, 'peers', 'node_modules', '.openblas-pthread');

export interface ThreadsRecord {
  workload: string;
  engine: string;
  threads: number;
  /** Median over rounds: ms per call (GEMM) or per update (SAC). */
  medianMs: number;
  rounds: number[];
}

const USAGE = `usage: node --experimental-wasm-relaxed-simd --import tsx bench/threads.bench.ts [flags]
  --rounds R            interleaved rounds; each row is the median round (default 7)
  --updates N           SAC updates per round (default 60)
  --threads a,b         thread counts (default 1 and all cores: 1,${os.availableParallelism()})
  --sweep               also measure the split thresholds of engine/kernels/wasm/index.ts
  --no-torch            leave out PyTorch
  --no-sac              leave out the SAC update
  --torch-active-wait   let PyTorch's OpenMP threads spin between parallel regions (default: OMP_WAIT_POLICY=PASSIVE)`;

interface ThreadsOptions {
  rounds: number;
  updates: number;
  counts: number[];
  sweep: boolean;
  withTorch: boolean;
  withSac: boolean;
  torchActiveWait: boolean;
}

/** The script's flags; runThreadsBench reads all of them but --sweep. */
function threadsArgs(argv: readonly string[]): ThreadsOptions {
  const cli = parseCli({
    script: 'threads.bench', usage: USAGE, argv,
    flags: {
      rounds: { type: 'string' }, updates: { type: 'string' }, threads: { type: 'string' }, sweep: { type: 'boolean' },
      'no-torch': { type: 'boolean' }, 'no-sac': { type: 'boolean' }, 'torch-active-wait': { type: 'boolean' },
    },
  });
  const counts = (cli.values.threads ?? `1,${os.availableParallelism()}`).split(',').map(Number);
  if (!counts.every((n) => Number.isSafeInteger(n) && n >= 1)) cli.fail(`--threads takes thread counts ≥ 1, comma-separated, got ${JSON.stringify(cli.values.threads)}`);
  return {
    rounds: cli.integer('rounds', 7),
    updates: cli.integer('updates', 60),
    counts,
    sweep: cli.values.sweep ?? false,
    withTorch: !cli.values['no-torch'],
    withSac: !cli.values['no-sac'],
    torchActiveWait: cli.values['torch-active-wait'] ?? false,
  };
}

const median = (xs: readonly number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** Milliseconds per call of `run`, over enough calls to fill about `budgetMs`. */
function msPerCall(run: () => unknown, budgetMs: number): number {
  let calls = 0;
  const start = performance.now();
  let elapsed = 0;
  do {
    run();
    calls++;
    elapsed = performance.now() - start;
  } while (elapsed < budgetMs);
  return elapsed / calls;
}

/** Interleaves `rounds` rounds of every variant and returns the rounds per variant. */
async function interleaved(rounds: number, variants: readonly (() => number | Promise<number>)[]): Promise<number[][]> {
  const out = variants.map(() => [] as number[]);
  for (let r = 0; r < rounds; r++) for (let v = 0; v < variants.length; v++) out[v].push(await variants[v]());
  return out;
}

/** GEMM 256³ and the SAC update through the default kernel set at each thread count. */
export async function runThreadsBench(argv: readonly string[] = []): Promise<ThreadsRecord[]> {
  const { rounds, updates, counts, withTorch, withSac, torchActiveWait } = threadsArgs(argv);
  const previous = { name: kernels().name, threads: kernelThreads() };
  useKernels('wasm');
  const set = kernels() as WasmKernels;
  await set.whenThreadsReady?.();
  const records: ThreadsRecord[] = [];
  const withThreads = (threads: number, run: () => number) => (): number => {
    setKernelThreads(threads);
    return run();
  };

  // GEMM 256³, and workloads that should not get slower: the Q-net train step of index.ts (its
  // small products stay on one thread) and 64K-element ops (tanh splits, add stays below the threshold)
  const q = qnetWorkloads(0);
  const calls: [string, () => unknown][] = [
    ...(['nn', 'nt', 'tn'] as const).map((layout): [string, () => unknown] => [`gemm-256-${layout}`, gemmWorkload(256, layout)]),
    ['qnet-train-step', q.trainStep],
    ['elementwise-add-64k', elementwiseWorkload('add')],
    ['elementwise-tanh-64k', elementwiseWorkload('tanh')],
  ];
  for (const [workload, run] of calls) {
    for (let i = 0; i < 20; i++) run();
    const results = await interleaved(rounds, counts.map((t) => withThreads(t, () => msPerCall(run, 150))));
    counts.forEach((threads, i) => records.push({ workload, engine: 'varl-wasm', threads, medianMs: median(results[i]), rounds: results[i] }));
  }

  if (withSac) {
    const agents = counts.map((threads) => {
      setKernelThreads(threads);
      const sac = preparedAgent();
      for (let i = 0; i < 20; i++) sac.update();
      return sac;
    });
    const variants: (() => number)[] = counts.map((threads, i) => withThreads(threads, () => 1000 / timeVarl(agents[i], updates)));
    const torch: { engine: string; threads: number }[] = [];
    if (withTorch && existsSync('/usr/bin/python3')) {
      for (const threads of counts) {
        const lib = threads === 1 ? OPENBLAS_SERIAL : OPENBLAS_THREADED;
        if (!existsSync(lib)) continue;
        const env: NodeJS.ProcessEnv = { ...process.env, LD_LIBRARY_PATH: lib };
        if (threads > 1 && !torchActiveWait) env.OMP_WAIT_POLICY = 'PASSIVE';
        torch.push({ engine: 'pytorch-openblas', threads });
        variants.push(() => {
          try {
            return 1000 / timeTorch(updates, env, threads).updatesPerSecond;
          } catch {
            return NaN;
          }
        });
      }
    }
    const results = await interleaved(rounds, variants);
    const engines = [...counts.map((threads) => ({ engine: 'varl-wasm', threads })), ...torch];
    engines.forEach(({ engine, threads }, i) => {
      const ok = results[i].filter((x) => Number.isFinite(x));
      if (ok.length) records.push({ workload: 'sac-update', engine, threads, medianMs: median(ok), rounds: results[i] });
    });
  }

  setKernelThreads(previous.threads);
  useKernels(previous.name);
  return records;
}

/**
 * One call split across `threads` threads (every call split) against the same call on one, for
 * GEMM cubes and thin products and for cheap and transcendental elementwise ops: where the ratio
 * crosses 1 is the threshold. Medians and minima over interleaved rounds: on a shared machine the
 * minimum is the better estimate of what an idle one would do.
 */
export function runThresholdSweep(threads: number, rounds: number): string[] {
  const one = createWasmKernels({ name: 'sweep-1', memoryMB: 64, threads: 1 });
  const split = createWasmKernels({ name: 'sweep-n', memoryMB: 64, threads, threading: { gemmWorkPerThread: 1, elementWorkPerThread: 1, adaptive: false } });
  const started = Date.now();
  while (split.threadStats().readyWorkers < threads - 1 && Date.now() - started < 10_000) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 5);
  const lines = [
    '| call | work per call | 1 thread µs (median / min) | split µs (median / min) | speed-up (medians / mins) |',
    '|---|---:|---:|---:|---:|',
  ];
  const measure = (label: string, work: number, call: (set: WasmKernels, operands: Float32Array[]) => void, sizes: number[]): void => {
    const operands = [one, split].map((set) => sizes.map((n) => {
      const a = set.allocate('float32', n) as Float32Array;
      for (let i = 0; i < n; i++) a[i] = Math.sin(i);
      return a;
    }));
    const times = [[], []] as number[][];
    for (let r = 0; r < rounds; r++) {
      [one, split].forEach((set, i) => times[i].push(msPerCall(() => call(set, operands[i]), 25) * 1000));
    }
    const [a, b] = times.map(median);
    const [a0, b0] = times.map((t) => Math.min(...t));
    lines.push(`| ${label} | ${work} | ${a.toFixed(1)} / ${a0.toFixed(1)} | ${b.toFixed(1)} / ${b0.toFixed(1)} | ${(a / b).toFixed(2)} / ${(a0 / b0).toFixed(2)} |`);
  };
  for (const [m, k, n] of [[32, 32, 32], [48, 48, 48], [64, 64, 64], [64, 64, 128], [96, 96, 96], [128, 128, 128], [256, 4, 256], [256, 32, 32], [256, 64, 256], [256, 256, 256]]) {
    measure(`gemm ${m}×${k}×${n} (NT)`, m * k * n, (set, [a, b, c]) => set.matmul(a, b, c, 1, m, k, n, false, true, 0, 0), [m * k, n * k, m * n]);
  }
  for (const n of [4096, 16384, 32768, 65536, 131072, 262144]) {
    measure(`add ${n}`, n, (set, [a, b, c]) => set.binary('add', a, b, c, { outShape: [n], aStrides: [1], bStrides: [1] }), [n, n, n]);
  }
  for (const n of [1024, 2048, 4096, 8192, 16384, 65536]) {
    measure(`tanh ${n}`, n, (set, [a, c]) => set.unary('tanh', a, c, 0), [n, n]);
  }
  for (const n of [16384, 65536, 131072]) {
    measure(`adam ${n}`, n, (set, [p, g, m, v]) => set.adam(p, g, m, v, { lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0, decoupled: false, step: 1 }), [n, n, n, n]);
  }
  for (const [rows, cols] of [[256, 64], [256, 256], [1024, 256]]) {
    measure(`sum over rows of ${rows}×${cols}`, rows * cols, (set, [x, out]) => set.reduce('sum', x, 1, rows, cols, out), [rows * cols, cols]);
  }
  one.dispose();
  split.dispose();
  return lines;
}

export function threadsMarkdown(records: readonly ThreadsRecord[]): string {
  const lines = ['| workload | engine | threads | median ms | speed-up over 1 thread | varl ÷ PyTorch at this count |', '|---|---|---:|---:|---:|---:|'];
  for (const r of records) {
    const single = records.find((x) => x.workload === r.workload && x.engine === r.engine && x.threads === 1);
    const torch = records.find((x) => x.workload === r.workload && x.engine === 'pytorch-openblas' && x.threads === r.threads);
    const ratio = r.engine === 'varl-wasm' && torch ? `${(r.medianMs / torch.medianMs).toFixed(2)}×` : '–';
    lines.push(`| ${r.workload} | ${r.engine} | ${r.threads} | ${r.medianMs.toFixed(3)} | ${single ? (single.medianMs / r.medianMs).toFixed(2) + '×' : '–'} | ${ratio} |`);
  }
  return lines.join('\n');
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const argv = process.argv.slice(2);
  const options = threadsArgs(argv);
  const meta = { cpu: os.cpus()[0]?.model, cores: os.availableParallelism(), loadAverage: os.loadavg(), node: process.version, date: new Date().toISOString() };
  process.stdout.write(`${meta.cpu}, ${meta.cores} cores, load ${meta.loadAverage.map((x) => x.toFixed(2)).join(' ')}\n\n`);
  const records = await runThreadsBench(argv);
  process.stdout.write(`${threadsMarkdown(records)}\n`);
  let sweep: string[] = [];
  if (options.sweep) {
    sweep = runThresholdSweep(os.availableParallelism(), options.rounds);
    process.stdout.write(`\n${sweep.join('\n')}\n`);
  }
  mkdirSync(join(here, 'results'), { recursive: true });
  writeFileSync(join(here, 'results', 'threads.json'), JSON.stringify({ ...meta, loadAverageAtEnd: os.loadavg(), records, sweep }, null, 1) + '\n');
}
