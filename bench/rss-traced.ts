/**
 * RSS over consecutive traced SAC updates (engine/trace), in a process of its own:
 * `node --import tsx bench/rss-traced.ts [updates] [hidden]` prints one JSON record. RSS is read at
 * start, after a warm-up of 1,000 updates (the schedules are recorded and replaying by then) and
 * after `updates` more; a replayed update allocates nothing, so RSS should not move.
 */
import { SAC } from '../algorithms/index.ts';
import { kernels } from '../engine/index.ts';
import type { WasmKernels } from '../engine/kernels/wasm/index.ts';
import { make } from '../envs/index.ts';
import { parseCli } from './cli-args.ts';
import { fillPendulumTransitions } from './workloads.ts';

const USAGE = `usage: node --import tsx bench/rss-traced.ts [UPDATES] [HIDDEN]
  UPDATES   traced SAC updates after the 1,000 of warm-up (default 10000)
  HIDDEN    width of both hidden layers (default 256)`;
const cli = parseCli({ script: 'rss-traced', usage: USAGE, flags: {}, maxPositionals: 2 });
const updates = cli.positionalInteger(0, 'UPDATES', 10000);
const hidden = cli.positionalInteger(1, 'HIDDEN', 256);
const mb = (): number => Math.round((process.memoryUsage().rss / 2 ** 20) * 10) / 10;
const rssStartMB = mb();
const agent = new SAC(make('Pendulum-v1'), { seed: 0, batchSize: 256, hiddenSizes: [hidden, hidden] });
fillPendulumTransitions((...t) => agent.buffer.add(...t));
const warmupUpdates = 1000;
for (let i = 0; i < warmupUpdates; i++) agent.update();
const rssBeforeMB = mb();
const start = performance.now();
for (let i = 0; i < updates; i++) agent.update();
const msPerUpdate = (performance.now() - start) / updates;
const rssAfterMB = mb();
const set = kernels() as Partial<WasmKernels>;
const trace = (agent as unknown as { trainingStep: { stats(): unknown } }).trainingStep.stats();
console.log(JSON.stringify({
  workload: `sac-update-traced-rss-${updates}-updates`,
  engine: set.name === 'wasm' ? 'varl-wasm' : `varl-${set.name}`,
  hidden, medianMs: msPerUpdate,
  rssStartMB, rssBeforeMB, rssAfterMB,
  rssChangePct: Math.round((1000 * (rssAfterMB - rssBeforeMB)) / rssBeforeMB) / 10,
  warmupUpdates, trace,
}));
