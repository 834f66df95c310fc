/**
 * Cost of one on-policy iteration (a rollout of numEnvs × rolloutSteps env steps, then the update)
 * for every on-policy variant, in one process one after another, on Pendulum-v1 with the PPO preset's
 * sizes (4 envs × 1024 steps, 64×64 tanh networks): the "cost per iteration against plain PPO in the
 * same run" of the variational policy gradient study.
 *
 * `node --import tsx bench/on-policy-cost.ts [--iterations N]` prints a Markdown table and writes
 * bench/results/on-policy-cost.json.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { algorithm, type Agent } from '../algorithms/index.ts';
import { make } from '../envs/index.ts';
import { parseCli } from './cli-args.ts';

const USAGE = `usage: node --import tsx bench/on-policy-cost.ts [--iterations N]
  --iterations N   timed iterations per variant, after one of warm-up (default 3)`;
const here = path.dirname(fileURLToPath(import.meta.url));
const iterations = parseCli({ script: 'on-policy-cost', usage: USAGE, flags: { iterations: { type: 'string' } } }).integer('iterations', 3);
const ENV = 'Pendulum-v1';
const SIZES = { numEnvs: 4, rolloutSteps: 1024 };
const VARIANTS = ['ppo', 'ppo:vi-parameter', 'ppo:vi-state', 'trpo', 'trpo:vi-parameter', 'trpo:vi-state', 'reinforce', 'reinforce:vi-parameter', 'reinforce:vi-state', 'svpg'];

function build(variant: string): Agent {
  const [name, preset] = variant.split(':');
  const record = algorithm(name);
  const envPreset = record.envPresets[ENV]?.config ?? {};
  const sizes = name === 'svpg' ? { ...SIZES, particles: 4 } : SIZES;
  return record.create(() => make(ENV), record.resolveConfig(envPreset, preset ? record.presets[preset] : {}, sizes));
}

const rows: { variant: string; msPerIteration: number; relative: number }[] = [];
let baseline = NaN;
for (const variant of VARIANTS) {
  const agent = build(variant);
  const stepsPerIteration = SIZES.numEnvs * SIZES.rolloutSteps;
  await agent.learn({ totalSteps: stepsPerIteration }); // warm-up iteration (JIT, kernel instantiation)
  const started = performance.now();
  await agent.learn({ totalSteps: stepsPerIteration * (1 + iterations) });
  const ms = (performance.now() - started) / iterations;
  if (variant === 'ppo') baseline = ms;
  rows.push({ variant, msPerIteration: ms, relative: ms / baseline });
}
const lines = [
  `| variant (${ENV}, ${SIZES.numEnvs} envs × ${SIZES.rolloutSteps} steps per iteration) | ms per iteration | × PPO |`,
  '|---|---:|---:|',
  ...rows.map((r) => `| ${r.variant} | ${r.msPerIteration.toFixed(0)} | ${r.relative.toFixed(2)} |`),
];
process.stdout.write(lines.join('\n') + '\n');
// The load matters: variants run one after another, so other work on the machine skews their ratios.
const machine = { date: new Date().toISOString(), node: process.version, cpus: os.cpus().length, loadAverage: os.loadavg() };
fs.writeFileSync(path.join(here, 'results', 'on-policy-cost.json'), JSON.stringify({ env: ENV, sizes: SIZES, iterations, machine, rows }, null, 1) + '\n');
