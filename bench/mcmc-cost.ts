/**
 * Cost per update of the MCMC policies of seed 003 against SAC and TD3, at Pendulum sizes
 * (|S| = 3, |A| = 1, batch 256, 2×256 ReLU networks, the algorithms' other defaults).
 * Each agent's buffer holds 20 000 random Pendulum-shaped transitions; after `--warmup` updates,
 * `--updates` updates are timed one by one and the median ms/update is printed, in wall-clock time and
 * in the process's CPU time (user + system: less sensitive to other processes on a shared machine),
 * with the ratio of wall-clock medians to SAC (or TD3). TD3 and Langevin-TD3 update the actor every
 * second call (policyDelay 2): their median is the average of the critic-only updates' median and the
 * full updates' median. Also reported: the ms of one acting step (batch 1), where the chain runs too,
 * the memory the traced update's recordings hold, and the arithmetic of the update's GEMMs (GFLOP, counted after
 * the warm-up on a second agent, replays included), which shows how much of a cost ratio is the method's own work.
 *
 * Run: node --experimental-wasm-relaxed-simd --import tsx bench/mcmc-cost.ts [--updates 40] [--warmup 20] [--prewarm 60] [--only hmc-sac-K5,sac]
 * VARL_THREADS=1 keeps the wasm kernels on one thread. With VARL_TRACE=0 the updates run eagerly; by
 * default each schedule of an update is traced on its second and third call and replayed from its
 * fourth (engine/trace), which the warm-up covers.
 * The warm-up also matters eagerly: the first updates touch fresh pages of the wasm heap (an HMC update
 * allocates far more than a SAC update), so a short warm-up overstates the chain's cost.
 */
import { FlowSAC } from '../algorithms/flow-sac.ts';
import { HMCSAC } from '../algorithms/hmc-sac.ts';
import { LangevinTD3 } from '../algorithms/langevin-td3.ts';
import { SAC, TD3, type OffPolicyAgent } from '../algorithms/index.ts';
import type { OffPolicyConfig } from '../algorithms/common/learner.ts';
import { isTracingEnabled, kernels, type TraceStats } from '../engine/index.ts';
import { make } from '../envs/index.ts';
import { parseCli } from './cli-args.ts';
import { KernelStopwatch } from './kernel-stopwatch.ts';
import { fillPendulumTransitions } from './workloads.ts';

type AnyAgent = OffPolicyAgent<OffPolicyConfig>;

const NETWORK = { seed: 0, batchSize: 256, hiddenSizes: [256, 256], bufferSize: 50_000 };

const AGENTS: Record<string, { baseline: string; build: () => AnyAgent; cycle?: number }> = {
  sac: { baseline: 'sac', build: () => new SAC(make('Pendulum-v1'), NETWORK) as unknown as AnyAgent },
  'hmc-sac-K1': { baseline: 'sac', build: () => new HMCSAC(make('Pendulum-v1'), { ...NETWORK, leapfrogSteps: 1 }) as unknown as AnyAgent },
  'hmc-sac-K3': { baseline: 'sac', build: () => new HMCSAC(make('Pendulum-v1'), { ...NETWORK, leapfrogSteps: 3 }) as unknown as AnyAgent },
  'hmc-sac-K5': { baseline: 'sac', build: () => new HMCSAC(make('Pendulum-v1'), { ...NETWORK, leapfrogSteps: 5 }) as unknown as AnyAgent },
  'hmc-sac-K5-joint': { baseline: 'sac', build: () => new HMCSAC(make('Pendulum-v1'), { ...NETWORK, leapfrogSteps: 5, chainUpdate: 'joint' }) as unknown as AnyAgent },
  'hmc-sac-K5-fast': { baseline: 'sac', build: () => new HMCSAC(make('Pendulum-v1'), { ...NETWORK, leapfrogSteps: 5, chainUpdate: 'joint', chainCritic: 'first' }) as unknown as AnyAgent },
  'flow-sac': { baseline: 'sac', build: () => new FlowSAC(make('Pendulum-v1'), NETWORK) as unknown as AnyAgent },
  td3: { baseline: 'td3', build: () => new TD3(make('Pendulum-v1'), NETWORK) as unknown as AnyAgent, cycle: 2 },
  'langevin-td3-K5': { baseline: 'td3', build: () => new LangevinTD3(make('Pendulum-v1'), NETWORK) as unknown as AnyAgent, cycle: 2 },
};

const USAGE = `usage: node --experimental-wasm-relaxed-simd --import tsx bench/mcmc-cost.ts [flags]
  --updates N     updates timed one by one per agent (default 40)
  --warmup N      untimed updates per agent before them (default 20)
  --prewarm N     untimed SAC updates before any agent, for the heap's first page touches (default 60)
  --only A,B      only these agents (default all: ${Object.keys(AGENTS).join(', ')})`;

/** Fills the buffer with the shared random transitions (the same for every agent). */
function fill(agent: AnyAgent): void {
  fillPendulumTransitions((...t) => agent.store(...t));
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

interface Cost {
  /** Median ms/update; with a schedule cycle of c updates, the mean over the c phases of each phase's median. */
  readonly update: number;
  /** The same median of the process's CPU time per update. */
  readonly cpu: number;
  readonly act: number;
  /** Bytes of the buffers the traced update's recordings hold (0 when eager). */
  readonly traceBytes: number;
  /** Floating-point operations of the update's GEMMs (per update, averaged over a schedule cycle). */
  readonly gemmFlops: number;
}

/** The recordings' buffers of an agent's traced update, if it has one. */
function traceBytes(agent: AnyAgent): number {
  const step = (agent as unknown as { trainingStep?: { stats(): TraceStats[] } }).trainingStep;
  return step ? step.stats().reduce((sum, s) => sum + s.bytes, 0) : 0;
}

/**
 * The floating-point operations of one update's GEMMs (2·m·k·n per product), averaged over a schedule cycle
 * after `warmup` updates, so that replayed schedules are what is counted. A fresh agent is used: the counter
 * wraps the kernels a schedule binds when it records, and those wrappers would stay in the timed agent.
 */
function gemmFlopsPerUpdate(build: () => AnyAgent, warmup: number, cycle: number): number {
  const agent = build();
  fill(agent);
  const counter = new KernelStopwatch(kernels());
  try {
    for (let i = 0; i < warmup; i++) update(agent);
    counter.reset();
    for (let i = 0; i < cycle; i++) update(agent);
    return counter.gemmFlops / cycle;
  } finally {
    counter.remove();
  }
}

function update(agent: AnyAgent): void {
  agent.update();
  agent.training.updates++;
}

function measure(agent: AnyAgent, updates: number, warmup: number, cycle = 1): Omit<Cost, 'gemmFlops'> {
  for (let i = 0; i < warmup; i++) update(agent);
  const wall: number[][] = Array.from({ length: cycle }, () => []);
  const cpu: number[][] = Array.from({ length: cycle }, () => []);
  for (let i = 0; i < updates; i++) {
    const start = performance.now();
    const cpuStart = process.cpuUsage();
    agent.update();
    const cpuUsed = process.cpuUsage(cpuStart);
    wall[agent.training.updates % cycle].push(performance.now() - start);
    cpu[agent.training.updates % cycle].push((cpuUsed.user + cpuUsed.system) / 1000);
    agent.training.updates++;
  }
  const cycleMedian = (phases: number[][]): number => phases.reduce((sum, p) => sum + (p.length > 0 ? median(p) : 0), 0) / cycle;
  const obs = Float32Array.of(0.1, -0.2, 0.3);
  const out = new Float32Array(1);
  const actStart = performance.now();
  for (let i = 0; i < 200; i++) agent.exploreAction(obs, out);
  return { update: cycleMedian(wall), cpu: cycleMedian(cpu), act: (performance.now() - actStart) / 200, traceBytes: traceBytes(agent) };
}

const cli = parseCli({
  script: 'mcmc-cost', usage: USAGE,
  flags: { updates: { type: 'string' }, warmup: { type: 'string' }, prewarm: { type: 'string' }, only: { type: 'string' } },
});
const updates = cli.integer('updates', 40);
const warmup = cli.integer('warmup', 20, { min: 0 });
const prewarmUpdates = cli.integer('prewarm', 60, { min: 0 });
const only = (cli.values.only ?? '').split(',').filter(Boolean);
const unknownAgents = only.filter((n) => !Object.hasOwn(AGENTS, n));
if (unknownAgents.length > 0) cli.fail(`--only: unknown agent ${unknownAgents.join(', ')}; known: ${Object.keys(AGENTS).join(', ')}`);
const names = Object.keys(AGENTS).filter((n) => only.length === 0 || only.includes(n));
// The first agent of the process would also pay for the wasm heap's first page touches and V8's
// warm-up: cycle the heap with untimed SAC updates before measuring anything.
const prewarm = AGENTS.sac.build();
fill(prewarm);
measure(prewarm, 0, prewarmUpdates);
const results: Record<string, Cost> = {};
console.log(`kernels ${kernels().name}, ${isTracingEnabled() ? 'traced' : 'eager'} updates, ${updates} timed after ${warmup}, Pendulum sizes, batch 256, 2×256`);
console.log('| agent | ms/update (median) | CPU ms/update (median) | × baseline | GEMM GFLOP/update | × baseline | ms/act | trace MiB |');
console.log('|---|---|---|---|---|---|---|---|');
for (const name of names) {
  const { build, cycle = 1 } = AGENTS[name];
  const agent = build();
  fill(agent);
  const cost = results[name] = { ...measure(agent, updates, warmup, cycle), gemmFlops: gemmFlopsPerUpdate(build, warmup, cycle) };
  const base = results[AGENTS[name].baseline];
  const ratio = base ? (cost.update / base.update).toFixed(1) : '—';
  const flopRatio = base ? (cost.gemmFlops / base.gemmFlops).toFixed(1) : '—';
  console.log(`| ${name} | ${cost.update.toFixed(1)} | ${cost.cpu.toFixed(1)} | ${ratio} | ${(cost.gemmFlops / 1e9).toFixed(3)} | ${flopRatio} | ` +
    `${cost.act.toFixed(2)} | ${(cost.traceBytes / 2 ** 20).toFixed(1)} |`);
}
