/**
 * `npm run bench`: varl's kernels and training workloads against the peers installed under
 * bench/peers (tfjs cpu/wasm, jax-js eager/jit, PyTorch CPU on one thread), in one run.
 *
 * Prints a table of medians (and GF/s where FLOPs are defined), varl's time ratio against each
 * peer, and the targets of the kernel issue; writes bench/results/latest.json with one record per
 * (workload, engine): { workload, engine, medianMs, gflops? } plus workload-specific fields.
 *
 * Options: --quick (shorter budgets, 1,000 steps for the RSS run), --only <regex> (workloads;
 * 'threads' selects the thread-count rows), --engines <a,b,…> (engine names), --time <ms per task>.
 * Every engine runs on one thread in the main table; the thread rows (bench/threads.bench.ts) put
 * varl's wasm kernels on one thread and on all cores beside PyTorch + OpenBLAS at the same counts.
 * Run through the npm script, which starts node with --experimental-wasm-relaxed-simd so that the
 * wasm kernels can use FMA (`varl-wasm`); `varl-wasm-simd128` is the same set without FMA.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Bench } from 'tinybench';
import { kernelThreads, registerKernels, setKernelThreads, useKernels } from '../engine/index.ts';
import { createWasmKernels, relaxedSimdSupported } from '../engine/kernels/wasm/index.ts';
import { parseCli } from './cli-args.ts';
import { jaxjsPeers } from './peers/jaxjs.ts';
import { tfjsPeers } from './peers/tfjs.ts';
import { runThreadsBench, threadsMarkdown } from './threads.bench.ts';
import { profileMarkdown, runProfileBench } from './profile.ts';
import type { PeerEngine, Run } from './peers/types.ts';
import {
  ELEMENTWISE_OPS, GEMM_LAYOUTS, GEMM_SIZES, QNET, elementwiseWorkload, gemmWorkload, qnetTrainFlops, qnetWorkloads,
} from './workloads.ts';

const here = dirname(fileURLToPath(import.meta.url));

export interface BenchRecord {
  workload: string;
  engine: string;
  /** Median time of one call in milliseconds; null when the engine failed the workload. */
  medianMs: number | null;
  gflops?: number;
  [extra: string]: unknown;
}

interface Options {
  quick: boolean;
  only: RegExp | null;
  engines: Set<string> | null;
  timeMs: number;
}

const USAGE = `usage: npm run bench -- [--quick] [--only REGEX] [--engines a,b,…] [--time MS]
  --quick          shorter budgets (1,000 steps for the RSS run)
  --only REGEX     only the workloads whose names match ('threads' selects the thread-count rows)
  --engines LIST   only these engines (comma-separated names, e.g. varl-wasm,pytorch)
  --time MS        time budget per task (default 700, 250 with --quick)`;

/** The bench's flags; --help prints the usage and a bad flag exits with status 2 naming it (cli-args.ts). */
function parseOptions(argv: readonly string[]): Options {
  const cli = parseCli({
    script: 'bench', usage: USAGE, argv,
    flags: { quick: { type: 'boolean' }, only: { type: 'string' }, engines: { type: 'string' }, time: { type: 'string' } },
  });
  const { quick = false, only, engines } = cli.values;
  let pattern: RegExp | null = null;
  if (only !== undefined) {
    try {
      pattern = new RegExp(only);
    } catch (error) {
      cli.fail(`--only ${JSON.stringify(only)} is not a regular expression: ${(error as Error).message}`);
    }
  }
  const names = engines?.split(',').map((e) => e.trim()).filter(Boolean);
  if (names !== undefined && names.length === 0) cli.fail('--engines needs at least one engine name');
  return { quick, only: pattern, engines: names ? new Set(names) : null, timeMs: cli.positive('time', quick ? 250 : 700) };
}

// ----- workload list -----

interface Workload {
  readonly name: string;
  /** FLOPs of one call, for GF/s. */
  readonly flops?: number;
  /** Engines known to be impractically slow on it (skipped unless named with --engines). */
  readonly slowOn?: readonly string[];
}

const slowEngines = ['varl-js', 'tfjs-cpu'];

function workloads(): Workload[] {
  const list: Workload[] = [];
  for (const n of GEMM_SIZES) {
    for (const layout of GEMM_LAYOUTS) list.push({ name: `gemm-${n}-${layout}`, flops: 2 * n ** 3, slowOn: n >= 1024 ? slowEngines : [] });
  }
  list.push({ name: 'qnet-train-step', flops: qnetTrainFlops() });
  list.push({ name: 'qnet-grad-x' });
  list.push({ name: 'qnet-grad-theta-grad-x-sq' });
  for (const op of ELEMENTWISE_OPS) list.push({ name: `elementwise-${op}-64k` });
  return list;
}

/** The closure for `workload` on a varl kernel set (parameters are allocated by that set). */
function varlRun(workload: string, qnet: () => ReturnType<typeof qnetWorkloads>): Run {
  const gemm = /^gemm-(\d+)-(nn|nt|tn)$/.exec(workload);
  if (gemm) return gemmWorkload(Number(gemm[1]), gemm[2] as 'nn' | 'nt' | 'tn');
  const elementwise = /^elementwise-(\w+)-64k$/.exec(workload);
  if (elementwise) return elementwiseWorkload(elementwise[1] as (typeof ELEMENTWISE_OPS)[number]);
  const q = qnet();
  if (workload === 'qnet-train-step') return q.trainStep;
  if (workload === 'qnet-grad-x') return q.gradX;
  return q.secondOrder;
}

function peerRun(peer: PeerEngine, workload: string, qnet: () => ReturnType<PeerEngine['qnet']>): Run {
  const gemm = /^gemm-(\d+)-(nn|nt|tn)$/.exec(workload);
  if (gemm) return peer.gemm(Number(gemm[1]), gemm[2] as 'nn' | 'nt' | 'tn');
  const elementwise = /^elementwise-(\w+)-64k$/.exec(workload);
  if (elementwise) return peer.elementwise(elementwise[1] as (typeof ELEMENTWISE_OPS)[number]);
  const q = qnet();
  if (workload === 'qnet-train-step') return q.trainStep;
  if (workload === 'qnet-grad-x') return q.gradX;
  return q.secondOrder;
}

/** Median of one call of `run`, by tinybench with a time budget (at least 3 timed calls). */
async function median(name: string, run: Run, timeMs: number): Promise<number> {
  const bench = new Bench({ name, time: timeMs, warmupTime: Math.min(300, timeMs / 2), iterations: 3, warmupIterations: 2, throws: true });
  bench.add(name, run);
  await bench.run();
  const result = bench.tasks[0].result;
  if (result.state !== 'completed') throw new Error(`${name}: ${result.state}${'error' in result ? `: ${(result as { error: Error }).error.message}` : ''}`);
  return result.latency.p50;
}

function record(workload: Workload, engine: string, medianMs: number | null, extra: Record<string, unknown> = {}): BenchRecord {
  const r: BenchRecord = { workload: workload.name, engine, medianMs };
  if (medianMs !== null && workload.flops) r.gflops = workload.flops / (medianMs * 1e6);
  return Object.assign(r, extra);
}

async function runEngine(
  engine: string, list: readonly Workload[], options: Options,
  runFor: (workload: string) => Run, records: BenchRecord[],
): Promise<void> {
  for (const w of list) {
    if (w.slowOn?.includes(engine) && !options.engines?.has(engine)) continue;
    try {
      const ms = await median(`${engine} ${w.name}`, runFor(w.name), options.timeMs);
      records.push(record(w, engine, ms));
      process.stdout.write(`  ${engine.padEnd(18)} ${w.name.padEnd(28)} ${ms.toFixed(3).padStart(10)} ms\n`);
    } catch (error) {
      const message = error instanceof Error ? error.message.split('\n')[0] : String(error);
      records.push(record(w, engine, null, { error: message }));
      process.stdout.write(`  ${engine.padEnd(18)} ${w.name.padEnd(28)}      error: ${message}\n`);
    }
  }
}

// ----- PyTorch (child process) -----

const torchScript = join(here, 'peers', 'torch_bench.py');
/** OpenBLAS unpacked by bench:peers:install (Debian's torch otherwise calls the reference BLAS). */
const openblasDir = join(here, 'peers', 'node_modules', '.openblas');

function torchRecords(options: Options, engine: string, env: NodeJS.ProcessEnv): BenchRecord[] {
  const python = '/usr/bin/python3';
  if (!existsSync(python)) return [];
  const probe = spawnSync(python, ['-c', 'import torch'], { env });
  if (probe.status !== 0) return [];
  const args = [torchScript, '--engine', engine, '--time', String(options.timeMs / 1000)];
  if (options.only) args.push('--only', options.only.source);
  try {
    const out = execFileSync(python, args, { env, encoding: 'utf8', maxBuffer: 1 << 24 });
    return JSON.parse(out.trim().split('\n').pop()!) as BenchRecord[];
  } catch (error) {
    process.stdout.write(`  ${engine}: failed (${error instanceof Error ? error.message.split('\n')[0] : error})\n`);
    return [];
  }
}

// ----- RSS over 10,000 train steps (bench/rss.ts, in a process of its own) -----

function rssRecord(steps: number, memoryMB?: number): BenchRecord | null {
  const env = memoryMB ? { ...process.env, VARL_WASM_MEMORY_MB: String(memoryMB) } : process.env;
  try {
    const out = execFileSync(process.execPath, [...process.execArgv, join(here, 'rss.ts'), String(steps)], { env, encoding: 'utf8', maxBuffer: 1 << 20 });
    const r = JSON.parse(out.trim().split('\n').pop()!) as BenchRecord;
    if (memoryMB) r.engine = `${r.engine} (${memoryMB} MiB pool)`;
    return r;
  } catch (error) {
    process.stdout.write(`  RSS run failed: ${error instanceof Error ? error.message.split('\n')[0] : error}\n`);
    return null;
  }
}

const round = (x: number, digits = 1): number => Number(x.toFixed(digits));

// ----- report -----

function machine(): Record<string, unknown> {
  const cpus = os.cpus();
  return {
    cpu: cpus[0]?.model ?? 'unknown', logicalCpus: cpus.length, node: process.version, v8: process.versions.v8,
    platform: `${os.platform()} ${os.release()}`, memoryGB: round(os.totalmem() / 2 ** 30), loadAverage: os.loadavg().map((x) => round(x, 2)),
  };
}

function table(records: readonly BenchRecord[], engines: readonly string[], reference: string): string {
  const workloadsSeen = [...new Set(records.map((r) => r.workload))];
  const find = (w: string, e: string): BenchRecord | undefined => records.find((r) => r.workload === w && r.engine === e);
  const cell = (r: BenchRecord | undefined): string => {
    if (!r) return '–';
    if (r.medianMs === null) return 'error';
    const ms = r.medianMs >= 100 ? r.medianMs.toFixed(0) : r.medianMs >= 10 ? r.medianMs.toFixed(1) : r.medianMs.toFixed(3);
    return r.gflops ? `${ms} (${r.gflops.toFixed(1)})` : ms;
  };
  const peers = engines.filter((e) => e !== reference);
  const lines = [
    `| workload | ${engines.join(' | ')} | ${peers.map((p) => `${reference} / ${p}`).join(' | ')} |`,
    `|---|${engines.map(() => '---:').join('|')}|${peers.map(() => '---:').join('|')}|`,
  ];
  for (const w of workloadsSeen) {
    const ref = find(w, reference);
    const ratios = peers.map((p) => {
      const peer = find(w, p);
      if (!ref?.medianMs || !peer?.medianMs) return '–';
      return `${(ref.medianMs / peer.medianMs).toFixed(2)}×`;
    });
    lines.push(`| ${w} | ${engines.map((e) => cell(find(w, e))).join(' | ')} | ${ratios.join(' | ')} |`);
  }
  return lines.join('\n');
}

interface Target {
  readonly description: string;
  readonly met: boolean | null;
  readonly detail: string;
}

function targets(records: readonly BenchRecord[]): Target[] {
  const ms = (w: string, e: string): number | null => records.find((r) => r.workload === w && r.engine === e)?.medianMs ?? null;
  const out: Target[] = [];
  for (const layout of GEMM_LAYOUTS) {
    for (const engine of ['varl-wasm', 'varl-wasm-simd128']) {
      const r = records.find((x) => x.workload === `gemm-256-${layout}` && x.engine === engine);
      if (!r?.gflops) continue;
      out.push({ description: `GEMM 256³ ${layout.toUpperCase()} ≥ 40 GF/s (${engine})`, met: r.gflops >= 40, detail: `${r.gflops.toFixed(1)} GF/s` });
    }
  }
  const ratio = (w: string, peer: string, bound: number, faster: boolean, label: string): void => {
    const a = ms(w, 'varl-wasm'), b = ms(w, peer);
    if (a === null || b === null) {
      out.push({ description: label, met: null, detail: `${peer} not measured` });
      return;
    }
    const r = faster ? b / a : a / b;
    out.push({ description: label, met: faster ? r >= bound : r <= bound, detail: faster ? `${r.toFixed(1)}× faster` : `${r.toFixed(2)}× ${peer}'s time` });
  };
  for (const torch of ['pytorch', 'pytorch-openblas']) {
    if (!records.some((r) => r.engine === torch)) continue;
    ratio('qnet-train-step', torch, 1.3, false, `Q-net train step ≤ 1.3× ${torch}`);
    ratio('qnet-grad-x', torch, 1.5, false, `∇ₓQ ≤ 1.5× ${torch}`);
    ratio('qnet-grad-theta-grad-x-sq', torch, 1.5, false, `∇θ‖∇ₓQ‖² ≤ 1.5× ${torch}`);
  }
  ratio('qnet-train-step', 'jax-js-jit', 3, true, 'Q-net train step ≥ 3× faster than jax-js jit');
  ratio('qnet-train-step', 'tfjs-wasm', 20, true, 'Q-net train step ≥ 20× faster than tfjs-wasm');
  for (const rss of records.filter((r) => r.workload.startsWith('qnet-train-rss'))) {
    const change = rss.rssChangePct as number;
    out.push({ description: `RSS flat (±10%) over the train steps (${rss.engine})`, met: Math.abs(change) <= 10, detail: `${rss.rssBeforeMB} → ${rss.rssAfterMB} MB (${change}%)` });
  }
  return out;
}

// ----- main -----

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  const wanted = (engine: string): boolean => !options.engines || options.engines.has(engine);
  const list = workloads().filter((w) => !options.only || options.only.test(w.name));
  const records: BenchRecord[] = [];
  const info = machine();
  const fmaAvailable = relaxedSimdSupported();
  console.log(`varl bench on ${info.cpu} (${info.logicalCpus} logical CPUs), Node ${info.node}, load ${(info.loadAverage as number[]).join(' ')}`);
  console.log(`relaxed SIMD ${fmaAvailable ? 'on' : 'off (start node with --experimental-wasm-relaxed-simd for FMA)'}\n`);

  // every engine on one thread here (PyTorch too); the thread rows below compare thread counts
  const cores = kernelThreads();
  setKernelThreads(1);
  // varl: the default wasm set (FMA when available), the same without FMA, and the JS reference
  const engines: [string, string][] = [['varl-wasm', 'wasm'], ['varl-js', 'js']];
  if (fmaAvailable) {
    registerKernels(createWasmKernels({ name: 'wasm-simd128', fma: false }));
    engines.splice(1, 0, ['varl-wasm-simd128', 'wasm-simd128']);
  }
  const peers = [...(await tfjsPeers()), ...(await jaxjsPeers())];
  const known = [...engines.map(([engine]) => engine), ...peers.map((p) => p.name), 'pytorch', 'pytorch-openblas'];
  const unknown = [...(options.engines ?? [])].filter((e) => !known.includes(e));
  if (unknown.length > 0) {
    process.stderr.write(`bench: unknown --engines ${unknown.join(', ')}; known: ${known.join(', ')}\n`);
    process.exitCode = 2;
    return;
  }
  for (const [engine, set] of engines) {
    if (!wanted(engine)) continue;
    useKernels(set);
    let q: ReturnType<typeof qnetWorkloads> | null = null;
    await runEngine(engine, list, options, (w) => varlRun(w, () => (q ??= qnetWorkloads(0))), records);
  }
  useKernels('wasm');

  for (const peer of peers) {
    if (!wanted(peer.name)) continue;
    await peer.activate?.();
    let q: ReturnType<PeerEngine['qnet']> | null = null;
    await runEngine(peer.name, list, options, (w) => peerRun(peer, w, () => (q ??= peer.qnet())), records);
  }

  if (wanted('pytorch')) records.push(...torchRecords(options, 'pytorch', process.env));
  if (wanted('pytorch-openblas') && existsSync(openblasDir)) {
    records.push(...torchRecords(options, 'pytorch-openblas', { ...process.env, LD_LIBRARY_PATH: openblasDir }));
  }

  if (wanted('varl-wasm') && (!options.only || options.only.test('qnet-train-rss'))) {
    // the RSS runs use the default thread count of their own process
    const steps = options.quick ? 1000 : 10000;
    for (const memoryMB of [undefined, 128]) {
      process.stdout.write(`  varl-wasm          RSS over ${steps} train steps, ${memoryMB ?? 'default'} MiB pool (separate process)…\n`);
      const rss = rssRecord(steps, memoryMB);
      if (rss) records.push(rss);
    }
  }

  // the wasm kernels on one thread and on all cores: GEMM 256³ and the SAC update, beside PyTorch +
  // OpenBLAS at the same thread counts (bench/threads.bench.ts)
  setKernelThreads(cores);
  let threadRows = '';
  if (wanted('varl-wasm') && (!options.only || options.only.test('threads'))) {
    process.stdout.write(`  varl-wasm          threads 1 and ${cores}: GEMM 256³, SAC update (bench/threads.bench.ts)…\n`);
    const rows = await runThreadsBench(['--rounds', options.quick ? '3' : '5', '--updates', options.quick ? '20' : '50']);
    for (const r of rows) records.push({ workload: `threads-${r.workload}`, engine: `${r.engine} (${r.threads} thread${r.threads > 1 ? 's' : ''})`, medianMs: r.medianMs, threads: r.threads, rounds: r.rounds });
    threadRows = threadsMarkdown(rows);
  }

  // where an update's time goes, eager against traced with and without memory planning (engine/trace), on one thread (bench/profile.ts)
  let profileRows = '';
  if (wanted('varl-wasm') && (!options.only || options.only.test('profile'))) {
    process.stdout.write(`  varl-wasm          profiles: SAC, TD3, IAPO updates and a policy-KL Fisher-vector product, eager, traced unplanned and traced…\n`);
    setKernelThreads(1);
    const rows = await runProfileBench(options.quick ? ['--quick'] : []);
    setKernelThreads(cores);
    for (const r of rows) records.push({ ...r, workload: `profile-${r.workload}`, engine: `varl-wasm ${r.mode}`, medianMs: r.msPerCall });
    profileRows = profileMarkdown(rows);
  }

  const envBenchPath = './envs.bench.ts';
  if (!options.only && wanted('js') && existsSync(join(here, 'envs.bench.ts'))) {
    const { runEnvBench } = (await import(envBenchPath)) as { runEnvBench(o?: { timeMs?: number }): Promise<BenchRecord[]> };
    records.push(...(await runEnvBench({ timeMs: options.quick ? 200 : 500 })));
  }

  const engineOrder = ['varl-wasm', 'varl-wasm-simd128', 'varl-js', 'tfjs-cpu', 'tfjs-wasm', 'jax-js', 'jax-js-jit', 'pytorch', 'pytorch-openblas']
    .filter((e) => records.some((r) => r.engine === e));
  const kernelRecords = records.filter((r) => !r.workload.startsWith('qnet-train-rss') && engineOrder.includes(r.engine));
  console.log(`\nmedian ms per call (GF/s); ratios are varl-wasm's time over the peer's (below 1: varl is faster)\n`);
  console.log(table(kernelRecords, engineOrder, 'varl-wasm'));
  for (const rss of records.filter((r) => r.workload.startsWith('qnet-train-rss'))) {
    const heap = rss.heap as { forcedCollections?: number; forcedCollectionMs?: number } | undefined;
    console.log(`\nRSS, ${rss.engine}: ${rss.rssStartMB} MB at start, ${rss.rssBeforeMB} MB after ${rss.warmupSteps} warm-up steps, `
      + `${rss.rssAfterMB} MB after ${rss.workload.match(/\d+/)![0]} more (${rss.rssChangePct}%), ${rss.medianMs!.toFixed(3)} ms/step, `
      + `${heap?.forcedCollections ?? 0} forced collections (${Math.round(heap?.forcedCollectionMs ?? 0)} ms)`);
  }
  if (threadRows) console.log(`\nthreads (median of interleaved rounds, ms per call or update)\n\n${threadRows}`);
  if (profileRows) console.log(`\nprofiles, one thread (ms per call: GEMM, other kernels, collection, JavaScript)\n\n${profileRows}`);
  const envRows = records.filter((r) => r.engine === 'js');
  if (envRows.length) console.log(`\nenvironments: ${envRows.map((r) => `${r.workload} ${Math.round(r.stepsPerSecond as number)} steps/s`).join('; ')}`);

  console.log('\ntargets');
  for (const t of targets(records)) console.log(`  ${t.met === null ? 'n/a ' : t.met ? 'met ' : 'MISS'}  ${t.description}: ${t.detail}`);

  const resultsDir = join(here, 'results');
  mkdirSync(resultsDir, { recursive: true });
  const meta = {
    ...machine(), loadAverageAtStart: info.loadAverage, date: new Date().toISOString(), relaxedSimd: fmaAvailable,
    qnet: QNET, options: { quick: options.quick, timeMs: options.timeMs, only: options.only?.source ?? null },
  };
  writeFileSync(join(resultsDir, 'latest.json'), `${JSON.stringify(records, null, 1)}\n`);
  writeFileSync(join(resultsDir, 'latest.meta.json'), `${JSON.stringify(meta, null, 1)}\n`);
  console.log(`\nwrote bench/results/latest.json (${records.length} records) and latest.meta.json`);
}

await main();
