/**
 * RSS over consecutive Q-net train steps, in a process of its own (so that other workloads and
 * peers do not share its heap): `node --import tsx bench/rss.ts [steps]` prints one JSON record.
 * RSS is read at start, after a warm-up (by then the wasm pool has filled to its working size and
 * been reclaimed at least once) and after `steps` more synchronous train steps.
 */
import { kernels } from '../engine/index.ts';
import type { WasmKernels } from '../engine/kernels/wasm/index.ts';
import { parseCli } from './cli-args.ts';
import { qnetWorkloads } from './workloads.ts';

const USAGE = `usage: node --import tsx bench/rss.ts [STEPS]
  STEPS   train steps measured after the warm-up (default 10000; bench/index.ts passes 1000 with --quick)`;
const steps = parseCli({ script: 'rss', usage: USAGE, flags: {}, maxPositionals: 1 }).positionalInteger(0, 'STEPS', 10000);
const mb = (): number => Math.round((process.memoryUsage().rss / 2 ** 20) * 10) / 10;
const rssStartMB = mb();
const w = qnetWorkloads(1);
const warmupSteps = Math.min(1000, Math.ceil(steps / 10));
for (let i = 0; i < warmupSteps; i++) w.trainStep();
const rssBeforeMB = mb();
const start = performance.now();
for (let i = 0; i < steps; i++) w.trainStep();
const msPerStep = (performance.now() - start) / steps;
const rssAfterMB = mb();
const set = kernels() as Partial<WasmKernels>;
console.log(JSON.stringify({
  workload: `qnet-train-rss-${steps}-steps`,
  engine: set.name === 'wasm' ? 'varl-wasm' : `varl-${set.name}`,
  medianMs: msPerStep,
  rssStartMB, rssBeforeMB, rssAfterMB,
  rssChangePct: Math.round((1000 * (rssAfterMB - rssBeforeMB)) / rssBeforeMB) / 10,
  warmupSteps,
  heap: set.heapStats?.(),
}));
