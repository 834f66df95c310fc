/**
 * Environment throughput: env steps per second for every registered env (raw env, no wrappers; the MuJoCo
 * tasks are loaded and included) and for Pendulum-v1 through `make()` (TimeLimit). Each benchmark iteration
 * is STEPS_PER_ITERATION steps under a pre-generated table of random in-bounds actions; episode resets are
 * included in the time.
 *
 * Run: npx tsx bench/envs.bench.ts (no flags but --help)
 * Also exports `runEnvBench()` for the main bench suite.
 */
import { PerformanceObserver } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { Bench } from 'tinybench';
import { Rng } from '../envs/core/rng.ts';
import type { Env } from '../envs/core/types.ts';
import { loadMujocoEnvs } from '../envs/mujoco/load.ts';
import { envSpec, make, registeredIds } from '../envs/registry.ts';
import { parseCli } from './cli-args.ts';

const USAGE = `usage: npx tsx bench/envs.bench.ts
  takes no flags: steps/s of every registered env (raw) and of Pendulum-v1 through make(), 500 ms of tinybench each`;

export interface EnvBenchRow {
  workload: string;
  engine: string;
  /** Median wall time of one iteration (STEPS_PER_ITERATION steps), in milliseconds. */
  medianMs: number;
  stepsPerSecond: number;
}

export const STEPS_PER_ITERATION = 1000;
const ACTION_TABLE_SIZE = 1024; // power of two: the index wraps with a mask

/** A closure running STEPS_PER_ITERATION steps of `env`, resetting when an episode ends. */
function stepLoop(env: Env): () => void {
  const rng = new Rng(0);
  const actions = Array.from({ length: ACTION_TABLE_SIZE }, () => new Float32Array(env.actionSpace.sample(rng)));
  env.reset({ seed: 0 });
  let next = 0;
  return () => {
    for (let i = 0; i < STEPS_PER_ITERATION; i++) {
      const result = env.step(actions[next]!);
      next = (next + 1) & (ACTION_TABLE_SIZE - 1);
      if (result.terminated || result.truncated) env.reset();
    }
  };
}

function workloads(): [string, () => void][] {
  const raw = registeredIds().map((id): [string, () => void] => [`${id} step (raw)`, stepLoop(envSpec(id).create({}))]);
  return [...raw, ['Pendulum-v1 step (make: TimeLimit)', stepLoop(make('Pendulum-v1'))]];
}

/** Runs every workload with tinybench and returns one row per workload. */
export async function runEnvBench({ timeMs = 500 }: { timeMs?: number } = {}): Promise<EnvBenchRow[]> {
  await loadMujocoEnvs(); // registers the MuJoCo tasks, so they are benchmarked with the others
  const bench = new Bench({ name: 'envs', time: timeMs, warmupTime: 200 });
  for (const [name, fn] of workloads()) bench.add(name, fn);
  await bench.run();
  return bench.tasks.map((task) => {
    const result = task.result;
    if (result.state !== 'completed') throw new Error(`envs bench: ${task.name} ended as '${result.state}'`);
    const medianMs = result.latency.p50;
    return { workload: `${task.name} ×${STEPS_PER_ITERATION}`, engine: 'js', medianMs, stepsPerSecond: STEPS_PER_ITERATION / (medianMs / 1000) };
  });
}

/** Number of garbage collections while running `fn`: zero means `fn` allocated (almost) nothing. */
async function countGarbageCollections(fn: () => void): Promise<number> {
  let collections = 0;
  const observer = new PerformanceObserver((list) => (collections += list.getEntries().length));
  observer.observe({ entryTypes: ['gc'] });
  fn();
  await new Promise((resolve) => setTimeout(resolve, 50)); // gc entries are delivered asynchronously
  observer.disconnect();
  return collections;
}

async function main(): Promise<void> {
  // Allocation check first, on a quiet heap: an allocating step would trigger a scavenge every few MB.
  const pendulum = stepLoop(envSpec('Pendulum-v1').create({}));
  for (let i = 0; i < 100; i++) pendulum(); // warm up the JIT
  const collections = await countGarbageCollections(() => {
    for (let i = 0; i < 5000; i++) pendulum();
  });

  const rows = await runEnvBench();
  console.table(
    rows.map((row) => ({
      workload: row.workload,
      'median ms': row.medianMs.toFixed(4),
      'steps/s': Math.round(row.stepsPerSecond).toLocaleString('en-US'),
    })),
  );
  console.log(`garbage collections during 5,000,000 raw Pendulum-v1 steps: ${collections} (16 B per step would force several)`);
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  parseCli({ script: 'envs.bench', usage: USAGE, flags: {} });
  await main();
}
