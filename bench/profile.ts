/**
 * Where the time of a training update goes, eager, traced without memory planning and traced (engine/trace),
 * in one run: GEMM (time and operations), the other kernels, garbage collection, and the rest (JavaScript: graph building,
 * closures, optimizer bookkeeping, host loops), plus the bytes the kernels allocate per update and the
 * buffers the replayed schedules hold.
 *
 * Workloads: the SAC and TD3 updates (batch 256, 2×256 ReLU, Pendulum sizes), the IAPO update in
 * its reference configuration, and a Fisher-vector product (a Hessian-vector product of the mean KL)
 * of a 2×64 Gaussian policy over 2,048 states, as TRPO's conjugate gradient calls it.
 *
 * Run: node --experimental-wasm-relaxed-simd --import tsx bench/profile.ts [--quick] [--only <regex>] [--out FILE.json]
 * Writes bench/results/profile.json and prints a Markdown table; `npm run bench` includes it.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PerformanceObserver } from 'node:perf_hooks';
import { HMCSAC, IAPO, LangevinTD3, SAC, TD3 } from '../algorithms/index.ts';
import { kernels, setMemoryPlanning, setTracing, type TracedFunction } from '../engine/index.ts';
import { make } from '../envs/index.ts';
import { parseCli } from './cli-args.ts';
import { KernelStopwatch } from './kernel-stopwatch.ts';
import { fillPendulumTransitions, fisherVectorWorkload, type StoreTransition } from './workloads.ts';

const here = dirname(fileURLToPath(import.meta.url));

const USAGE = `usage: node --experimental-wasm-relaxed-simd --import tsx bench/profile.ts [--quick] [--only REGEX] [--out FILE.json]
  --quick          fewer calls per workload
  --only REGEX     only the workloads whose names match
  --out FILE.json  where the records go (default bench/results/profile.json)`;

/** The flags of the script; runProfileBench reads --quick and --only of them. */
function profileArgs(argv: readonly string[]): { quick: boolean; only: RegExp | null; out: string } {
  const cli = parseCli({
    script: 'profile', usage: USAGE, argv,
    flags: { quick: { type: 'boolean' }, only: { type: 'string' }, out: { type: 'string' } },
  });
  let only: RegExp | null = null;
  if (cli.values.only !== undefined) {
    try {
      only = new RegExp(cli.values.only);
    } catch (error) {
      cli.fail(`--only ${JSON.stringify(cli.values.only)} is not a regular expression: ${(error as Error).message}`);
    }
  }
  return { quick: cli.values.quick ?? false, only, out: cli.values.out ?? join(here, 'results', 'profile.json') };
}

export interface ProfileRecord {
  readonly workload: string;
  /** traced: replayed schedules with memory planning (the default); traced-unplanned: without it. */
  readonly mode: ProfileMode;
  readonly msPerCall: number;
  /** CPU time of the process per call (user + system): steadier than wall-clock on a shared machine. */
  readonly cpuMsPerCall: number;
  readonly gemmMs: number;
  /** Floating-point operations of the call's GEMMs, in 10⁹ (2·m·k·n per product). */
  readonly gemmGflop: number;
  readonly otherKernelMs: number;
  readonly gcMs: number;
  readonly javascriptMs: number;
  readonly allocatedKiB: number;
  /** Bytes of buffers the replayed schedules hold (0 eager). */
  readonly scheduleMiB: number;
  readonly calls: number;
}

let gcMs = 0;
const observer = new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) gcMs += entry.duration;
});

const settle = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 20));

/** Times `calls` calls of `step` after `warmup` calls, eager or traced, with the breakdown. */
type ProfileMode = 'eager' | 'traced-unplanned' | 'traced';

async function profile(workload: string, mode: ProfileMode, { step, scheduleBytes }: Profiled, warmup: number, calls: number): Promise<ProfileRecord> {
  setTracing(mode !== 'eager');
  setMemoryPlanning(mode === 'traced');
  try {
    // installed before the warm-up, which records the schedules, so that the kernel calls they bind are timed too
    const timed = new KernelStopwatch(kernels());
    for (let i = 0; i < warmup; i++) step();
    timed.reset();
    await settle();
    gcMs = 0;
    const cpuStart = process.cpuUsage();
    const start = performance.now();
    try {
      for (let i = 0; i < calls; i++) step();
    } finally {
      timed.remove();
    }
    const total = performance.now() - start;
    const cpu = process.cpuUsage(cpuStart);
    await settle();
    const per = (x: number): number => x / calls;
    return {
      workload, mode, calls,
      msPerCall: per(total),
      cpuMsPerCall: per((cpu.user + cpu.system) / 1000),
      gemmMs: per(timed.gemmMs),
      gemmGflop: per(timed.gemmFlops) / 1e9,
      otherKernelMs: per(timed.otherMs),
      gcMs: per(gcMs),
      javascriptMs: per(total - timed.gemmMs - timed.otherMs - gcMs),
      allocatedKiB: per(timed.allocatedBytes) / 1024,
      scheduleMiB: scheduleBytes() / 2 ** 20,
    };
  } finally {
    setTracing(true);
    setMemoryPlanning(true);
  }
}

/** Fills an off-policy agent's buffer with the shared random transitions so that `update()` can run. */
function fillBuffer(agent: { buffer: { add: StoreTransition } }): void {
  fillPendulumTransitions((...t) => agent.buffer.add(...t));
}

interface Workload {
  readonly name: string;
  readonly warmup: number;
  readonly calls: number;
  /** A fresh step function for one mode (each mode gets its own agent, so the two do not share state). */
  readonly make: () => Profiled;
}

interface Profiled {
  readonly step: () => void;
  /** Bytes of buffers held by the step's schedules. */
  readonly scheduleBytes: () => number;
}

/** An off-policy agent's update on the shared random transitions, with the buffers of its traced training step (a private field, read for the profile). */
function agentUpdate(agent: { update(): unknown; buffer: { add: StoreTransition } }): Profiled {
  fillBuffer(agent);
  const traced = (agent as unknown as { trainingStep?: TracedFunction<unknown> }).trainingStep;
  return { step: () => void agent.update(), scheduleBytes: () => (traced?.stats() ?? []).reduce((sum, s) => sum + s.bytes, 0) };
}

function workloads(quick: boolean): Workload[] {
  const big = { seed: 0, batchSize: 256, hiddenSizes: [256, 256] };
  return [
    {
      name: 'sac-update', warmup: 10, calls: quick ? 20 : 100,
      make: () => agentUpdate(new SAC(make('Pendulum-v1'), big)),
    },
    {
      name: 'td3-update', warmup: 10, calls: quick ? 20 : 100,
      make: () => agentUpdate(new TD3(make('Pendulum-v1'), big)),
    },
    {
      name: 'iapo-update (reference config)', warmup: 5, calls: quick ? 3 : 10,
      make: () => agentUpdate(new IAPO(make('Pendulum-v1'), { seed: 0 })),
    },
    {
      name: 'hmc-sac-update (K = 5)', warmup: 10, calls: quick ? 10 : 40,
      make: () => agentUpdate(new HMCSAC(make('Pendulum-v1'), big)),
    },
    {
      name: 'langevin-td3-update (K = 5)', warmup: 10, calls: quick ? 20 : 100,
      make: () => agentUpdate(new LangevinTD3(make('Pendulum-v1'), big)),
    },
    {
      name: 'fisher-vector product, 2×64 policy, 2048 states', warmup: 5, calls: quick ? 20 : 100,
      make: () => {
        const product = fisherVectorWorkload();
        return { step: () => void product(), scheduleBytes: () => 0 };
      },
    },
  ];
}

function markdown(records: readonly ProfileRecord[]): string {
  const rows = records.map((r) => {
    const eager = records.find((e) => e.workload === r.workload && e.mode === 'eager');
    const speedup = eager && r.mode !== 'eager' ? `${(eager.cpuMsPerCall / r.cpuMsPerCall).toFixed(2)}×` : '';
    return `| ${r.workload} | ${r.mode} | ${r.cpuMsPerCall.toFixed(2)} | ${r.msPerCall.toFixed(2)} | ${r.gemmMs.toFixed(2)} | ${r.gemmGflop.toFixed(3)} | ${r.gemmMs > 0 ? (r.gemmGflop / (r.gemmMs / 1000)).toFixed(1) : '—'} | ${r.otherKernelMs.toFixed(2)} | ${r.gcMs.toFixed(2)} | ${r.javascriptMs.toFixed(2)} | ${r.allocatedKiB.toFixed(0)} | ${r.scheduleMiB.toFixed(1)} | ${speedup} |`;
  });
  return [
    '| workload | mode | CPU ms/call | wall ms/call | GEMM | GEMM GFLOP/call | GEMM GFLOP/s | other kernels | GC | JavaScript | KiB allocated/call | schedule MiB | speed-up (CPU) |',
    '|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
    ...rows,
  ].join('\n');
}

export async function runProfileBench(argv: readonly string[] = []): Promise<ProfileRecord[]> {
  const { quick, only } = profileArgs(argv);
  observer.observe({ entryTypes: ['gc'] });
  const records: ProfileRecord[] = [];
  try {
    for (const w of workloads(quick)) {
      if (only && !only.test(w.name)) continue;
      for (const mode of ['eager', 'traced-unplanned', 'traced'] as const) records.push(await profile(w.name, mode, w.make(), w.warmup, w.calls));
    }
  } finally {
    observer.disconnect();
  }
  return records;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const { out } = profileArgs(process.argv.slice(2));
  const records = await runProfileBench(process.argv.slice(2));
  const meta = { cpu: os.cpus()[0]?.model, logicalCpus: os.cpus().length, loadAverage: os.loadavg(), node: process.version, kernels: kernels().name, date: new Date().toISOString() };
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, JSON.stringify({ ...meta, records }, null, 1) + '\n');
  process.stdout.write(`${markdown(records)}\n\nload average ${meta.loadAverage.map((x) => x.toFixed(2)).join(' ')}\n`);
}

export { markdown as profileMarkdown };
