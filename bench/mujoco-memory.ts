/**
 * Memory of the MuJoCo envs: resident set size (RSS) while one env runs `--steps` steps (random actions, resets
 * included), and across `--cycles` create → reset → step → close cycles of every MuJoCo env. MuJoCo's model and
 * data live in the wasm heap and are freed by `close()`, so a leak shows as RSS that keeps growing.
 *
 * Run: node --expose-gc --import tsx bench/mujoco-memory.ts [--env InvertedPendulum-v5] [--steps 1000000] [--cycles 1000]
 */
import { Rng } from '../envs/core/rng.ts';
import { MUJOCO_ENV_IDS } from '../envs/mujoco/ids.ts';
import { loadMujocoEnvs } from '../envs/mujoco/load.ts';
import type { MujocoEnv } from '../envs/mujoco/mujoco-env.ts';
import { make } from '../envs/registry.ts';
import { parseCli } from './cli-args.ts';

const MB = 1024 * 1024;

function rssMB(): number {
  (globalThis as { gc?: () => void }).gc?.();
  return process.memoryUsage().rss / MB;
}

/**
 * RSS and the JS heap in use, after a full collection when available, and the size of the wasm heap when an env
 * is given: `126.2 MB (JS heap 13.1 MB, wasm heap 192.0 MB)`. A constant wasm heap means MuJoCo allocated nothing.
 */
function memorySample(env?: MujocoEnv): string {
  const rss = rssMB();
  const wasm = env === undefined ? '' : `, wasm heap ${(env.data.qpos.buffer.byteLength / MB).toFixed(1)} MB`;
  return `${rss.toFixed(1)} MB (JS heap ${(process.memoryUsage().heapUsed / MB).toFixed(1)} MB${wasm})`;
}

function runSteps(id: string, steps: number): { samples: string[]; stepsPerSecond: number } {
  const env = make(id);
  const rng = new Rng(0);
  const actions = Array.from({ length: 1024 }, () => new Float32Array(env.actionSpace.sample(rng)));
  env.reset({ seed: 0 });
  const samples: string[] = [];
  const started = performance.now();
  for (let t = 0; t < steps; t++) {
    const result = env.step(actions[t & 1023]!);
    if (result.terminated || result.truncated) env.reset();
    if ((t + 1) % (steps / 10) === 0) samples.push(`${((t + 1) / 1e3).toFixed(0)}k: ${memorySample(env.unwrapped as MujocoEnv)}`);
  }
  const stepsPerSecond = steps / ((performance.now() - started) / 1000);
  env.close();
  return { samples, stepsPerSecond };
}

function runCycles(cycles: number): string[] {
  const samples: string[] = [];
  for (let c = 0; c < cycles; c++) {
    for (const id of MUJOCO_ENV_IDS) {
      const env = make(id);
      env.reset({ seed: c });
      env.step(new Float32Array(env.actionSpace.size));
      env.close();
    }
    if ((c + 1) % (cycles / 10) === 0) samples.push(`${c + 1}: ${memorySample()}`);
  }
  return samples;
}

const USAGE = `usage: node --expose-gc --import tsx bench/mujoco-memory.ts [--env ID] [--steps N] [--cycles N]
  --env ID     the env stepped (default InvertedPendulum-v5)
  --steps N    its steps, RSS after every tenth (default 1000000)
  --cycles N   create → reset → step → close cycles of every MuJoCo env (default 1000)`;

async function main(): Promise<void> {
  const cli = parseCli({ script: 'mujoco-memory', usage: USAGE, flags: { env: { type: 'string' }, steps: { type: 'string' }, cycles: { type: 'string' } } });
  const env = cli.values.env ?? 'InvertedPendulum-v5';
  const steps = cli.integer('steps', 1_000_000);
  const cycles = cli.integer('cycles', 1000);
  if (typeof (globalThis as { gc?: unknown }).gc !== 'function') console.log('(run with --expose-gc for RSS after a full collection)');
  const start = rssMB();
  await loadMujocoEnvs();
  const loaded = rssMB();
  console.log(`RSS: ${start.toFixed(1)} MB before loading MuJoCo, ${loaded.toFixed(1)} MB after`);
  const run = runSteps(env, steps);
  console.log(`${env} × ${steps.toLocaleString('en-US')} steps (${Math.round(run.stepsPerSecond).toLocaleString('en-US')} steps/s), RSS after every tenth: ${run.samples.join(', ')}`);
  const cycled = runCycles(cycles);
  console.log(`${cycles} create/reset/step/close cycles of each of the ${MUJOCO_ENV_IDS.length} MuJoCo envs, RSS after every tenth: ${cycled.join(', ')}`);
}

await main();
