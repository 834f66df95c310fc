/**
 * PPO's training phase eager against traced (engine/trace), in one process, alternating modes:
 * PPO with RL Zoo's Pendulum-v1 settings (4 envs × 1024 steps, 10 epochs of 64-row minibatches,
 * 64×64 networks) trains 3 rollouts per run; the CPU time of `trainOnRollout` (the minibatch steps)
 * and of the whole run (collection included) is measured per mode, `--rounds N` times (default 3).
 *
 * Run: node --import tsx bench/ppo-trace.ts [--rounds N]  → bench/results/ppo-trace.json
 */
import { writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PPO, PPO_ALGORITHM } from '../algorithms/ppo.ts';
import type { Metrics, TrainingProgress } from '../algorithms/common/learner.ts';
import { kernelThreads, setTracing } from '../engine/index.ts';
import { make } from '../envs/index.ts';
import { parseCli } from './cli-args.ts';

const USAGE = `usage: node --import tsx bench/ppo-trace.ts [--rounds N]
  --rounds N   runs per mode, eager and traced alternating; the medians are reported (default 3)`;
const rounds = parseCli({ script: 'ppo-trace', usage: USAGE, flags: { rounds: { type: 'string' } } }).integer('rounds', 3);
const preset = PPO_ALGORITHM.envPresets['Pendulum-v1'].config;
const cpuMs = (since: NodeJS.CpuUsage): number => {
  const d = process.cpuUsage(since);
  return (d.user + d.system) / 1000;
};

interface Measurement {
  readonly mode: 'eager' | 'traced';
  readonly runCpuMs: number;
  readonly trainCpuMs: number;
  readonly trainCalls: number;
}

async function measure(traced: boolean): Promise<Measurement> {
  setTracing(traced);
  const agent = new PPO(() => make('Pendulum-v1'), { ...preset, seed: 0 });
  const trainOnRollout = (agent as unknown as { trainOnRollout(p: TrainingProgress): Metrics }).trainOnRollout.bind(agent);
  let trainCpuMs = 0;
  let trainCalls = 0;
  (agent as unknown as { trainOnRollout(p: TrainingProgress): Metrics }).trainOnRollout = (progress) => {
    const start = process.cpuUsage();
    const metrics = trainOnRollout(progress);
    trainCpuMs += cpuMs(start);
    trainCalls++;
    return metrics;
  };
  const start = process.cpuUsage();
  await agent.learn({ totalSteps: 3 * 4 * 1024 });
  return { mode: traced ? 'traced' : 'eager', runCpuMs: cpuMs(start), trainCpuMs, trainCalls };
}

const records: Measurement[] = [];
for (let r = 0; r < rounds; r++) for (const traced of [false, true]) records.push(await measure(traced));
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const of = (mode: string, key: 'runCpuMs' | 'trainCpuMs'): number => median(records.filter((m) => m.mode === mode).map((m) => m[key]));
const summary = {
  trainSpeedup: of('eager', 'trainCpuMs') / of('traced', 'trainCpuMs'),
  runSpeedup: of('eager', 'runCpuMs') / of('traced', 'runCpuMs'),
  eagerTrainCpuMs: of('eager', 'trainCpuMs'), tracedTrainCpuMs: of('traced', 'trainCpuMs'),
  eagerRunCpuMs: of('eager', 'runCpuMs'), tracedRunCpuMs: of('traced', 'runCpuMs'),
};
const out = {
  workload: 'PPO Pendulum-v1 (Zoo settings), 3 rollouts of 4 × 1024 steps', threads: kernelThreads(), node: process.version,
  loadAverage: os.loadavg(), date: new Date().toISOString(), summary, records,
};
writeFileSync(join(dirname(fileURLToPath(import.meta.url)), 'results', 'ppo-trace.json'), JSON.stringify(out, null, 1) + '\n');
console.log(JSON.stringify(summary, null, 1));
