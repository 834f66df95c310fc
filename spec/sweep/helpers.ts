/** Shared helpers of the sweep specs: sweep files written to temporary folders, the CLI in child processes. */
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { childEnv } from '../algorithms/helpers.ts';

export { childEnv, tempDir } from '../algorithms/helpers.ts';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** A SAC sweep on Pendulum-v1 small enough for specs: 64×64 nets, warm-up 100 steps, evaluation every 200 steps on 2 episodes. */
export function tinySweepYaml(name: string, { steps = 400, seeds = '[0, 1]', grid = '', extra = '' } = {}): string {
  return [
    `name: ${name}`,
    'algorithm: sac',
    'env: Pendulum-v1',
    `seeds: ${seeds}`,
    `steps: ${steps}`,
    'config:',
    '  hiddenSizes: [64, 64]',
    '  learningStarts: 100',
    '  batchSize: 32',
    '  bufferSize: 5000',
    ...(grid ? ['grid:', grid] : []),
    'evaluation:',
    '  every: 200',
    '  episodes: 2',
    'checkpointEvery: 100',
    extra,
  ].join('\n') + '\n';
}

/**
 * A SAC tuning file on Pendulum-v1 small enough for specs: learning rate and τ searched, rungs at half
 * and all of the budget (η = 2), the best trial re-evaluated on 2 fresh seeds.
 */
export function tinyTuneYaml(name: string, { steps, hidden, learningStarts, every, episodes, trials }: {
  steps: number; hidden: number; learningStarts: number; every: number; episodes: number; trials: number;
}): string {
  return `name: ${name}
algorithm: sac
env: Pendulum-v1
steps: ${steps}
config:
  hiddenSizes: [${hidden}, ${hidden}]
  learningStarts: ${learningStarts}
  batchSize: 32
  bufferSize: 5000
search:
  learningRate: { loguniform: [0.0001, 0.01] }
  tau: { choice: [0.005, 0.02] }
evaluation:
  every: ${every}
  episodes: ${episodes}
checkpointEvery: 100
tune:
  trials: ${trials}
  seeds: [0]
  reductionFactor: 2
  rungs: [0.5, 1]
  top: 1
  evaluationSeeds: 2
`;
}

export function writeFile(dir: string, name: string, text: string): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, text);
  return file;
}

export interface CliRun {
  readonly child: ChildProcess;
  /** Resolves with the exit status (128 + n for signal n) and the output. */
  readonly done: Promise<{ status: number; stdout: string; stderr: string }>;
}

/** `node bin/varl.js …args` in `cwd`, asynchronously (so the spec can watch and kill it). */
export function varl(args: readonly string[], cwd: string): CliRun {
  const child = spawn(process.execPath, [path.join(ROOT, 'bin', 'varl.js'), ...args], { cwd, env: childEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const done = new Promise<{ status: number; stdout: string; stderr: string }>((resolve) => {
    child.on('close', (code, signal) => resolve({ status: code ?? (signal === 'SIGKILL' ? 137 : 128), stdout, stderr }));
  });
  return { child, done };
}

/** Runs `body` with this process's stdout and stderr captured (restored after). */
export async function captureOutput(body: () => Promise<number>): Promise<{ status: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const writeOut = process.stdout.write.bind(process.stdout);
  const writeErr = process.stderr.write.bind(process.stderr);
  process.stdout.write = ((chunk: string) => ((stdout += chunk), true)) as typeof process.stdout.write;
  process.stderr.write = ((chunk: string) => ((stderr += chunk), true)) as typeof process.stderr.write;
  try {
    return { status: await body(), stdout, stderr };
  } finally {
    process.stdout.write = writeOut;
    process.stderr.write = writeErr;
  }
}

/** `varl sweep|tune …args` in this process (for commands that fail or finish before any training), with its output captured. */
export async function varlInProcess(args: readonly string[], cwd: string): Promise<{ status: number; stdout: string; stderr: string }> {
  const { runSweepCommand } = await import('../../algorithms/sweep/cli.ts');
  const [kind, ...rest] = args;
  if (kind !== 'sweep' && kind !== 'tune') throw new Error(`varlInProcess: sweep or tune, not ${kind}`);
  return captureOutput(() => runSweepCommand(kind, rest, cwd));
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls until `ready` holds (or fails after `seconds`). */
export async function until(ready: () => boolean, seconds: number, what: string): Promise<void> {
  const deadline = Date.now() + seconds * 1000;
  while (!ready()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(25);
  }
}
