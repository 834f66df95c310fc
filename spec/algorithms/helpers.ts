/** Shared helpers of the algorithm specs. */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { LearnOptions, ProgressRecord, SACConfig, TD3Config } from '../../algorithms/index.ts';
import {
  availableKernels, isTracingEnabled, kernels, registerKernels, setTracing, useKernels, type CheckpointFiles, type Kernels,
} from '../../engine/index.ts';
import { createWasmKernels } from '../../engine/kernels/wasm/index.ts';

/** Runs the enclosing describe block on the kernel set `name` ('wasm', 'js'), restoring the previous one after. */
export function onKernels(name: string): void {
  let previous = name;
  before(() => {
    previous = kernels().name;
    useKernels(name);
  });
  after(() => useKernels(previous));
}

/**
 * The kernel set that reproduces fixtures recorded with kernel set `name`: the fixtures of 'wasm'
 * were written by the plain SIMD kernels, so when this process's 'wasm' set uses relaxed-SIMD FMA
 * (node --experimental-wasm-relaxed-simd) they are compared on a registered non-FMA wasm set.
 */
export function fixtureKernels(name: string): string {
  const active = availableKernels().includes(name) ? name : kernels().name;
  if (active !== 'wasm' || !(registeredSet(active) as { fma?: boolean }).fma) return active;
  if (!availableKernels().includes('wasm-no-fma')) registerKernels(createWasmKernels({ name: 'wasm-no-fma', fma: false, memoryMB: 256 }));
  return 'wasm-no-fma';
}

function registeredSet(name: string): Kernels {
  const previous = kernels().name;
  useKernels(name);
  const set = kernels();
  useKernels(previous);
  return set;
}

/** Environment for CLI child processes: the same kernel set as the spec that spawns them. */
export function childEnv(): NodeJS.ProcessEnv {
  return { ...process.env, VARL_KERNELS: kernels().name };
}

/** Small networks and batches so a few thousand updates take seconds. */
export const TINY: Partial<SACConfig> & Partial<TD3Config> = {
  hiddenSizes: [16, 16], batchSize: 32, learningStarts: 150, bufferSize: 5000, learningRate: 1e-3,
};

export function tempDir(prefix = 'varl-spec-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

/**
 * Everything a checkpoint holds, minus what legitimately differs between two identical runs
 * (wall-clock time, timestamps): tensor files byte for byte (as SHA-256), the rest as JSON.
 */
export function checkpointFingerprint(dir: string): Record<string, unknown> {
  const meta = JSON.parse(fs.readFileSync(path.join(dir, 'meta.json'), 'utf8')) as Record<string, unknown>;
  const { savedAt: _savedAt, training, ...rest } = meta;
  const { wallSeconds: _wall, ...counters } = training as Record<string, unknown>;
  const bytes = (file: string): string => createHash('sha256').update(fs.readFileSync(path.join(dir, file))).digest('hex');
  const present = (file: string): boolean => fs.existsSync(path.join(dir, file));
  return {
    ...rest,
    training: counters,
    model: bytes('model.safetensors'),
    optimizers: bytes('optimizers.safetensors'),
    ...(present('replay.safetensors') ? { replay: bytes('replay.safetensors') } : {}),
    ...(present('rollout.safetensors') ? { rollout: bytes('rollout.safetensors') } : {}),
  };
}

/** Rows of progress.jsonl without the timing columns. */
export function progressRows(runDir: string): Record<string, unknown>[] {
  return fs.readFileSync(path.join(runDir, 'progress.jsonl'), 'utf8').trim().split('\n').map((line) => {
    const { wall_s: _w, updates_per_s: _u, ...row } = JSON.parse(line) as Record<string, unknown>;
    return row;
  });
}

/** Restores the tracing switch (setTracing) after the enclosing describe block, whatever its tests set it to. */
export function restoresTracing(): void {
  let tracing = true;
  before(() => {
    tracing = isTracingEnabled();
  });
  after(() => setTracing(tracing));
}

/** Trains `agent` to `totalSteps` and returns its progress records as JSON, without the wall-clock fields. */
export async function learnedRecords(agent: { learn(options: LearnOptions): Promise<unknown> }, totalSteps: number): Promise<string[]> {
  const rows: string[] = [];
  await agent.learn({
    totalSteps,
    callbacks: [{
      onRecord: (_run, record: ProgressRecord) => void rows.push(JSON.stringify(record, (key, value: unknown) => (key === 'updatesPerSecond' || key === 'wallSeconds' ? undefined : value))),
    }],
  });
  return rows;
}

/** meta.json without the wall-clock fields (the only part of a checkpoint two identical runs may differ in). */
export function withoutClock(files: CheckpointFiles): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, bytes] of Object.entries(files)) {
    if (name !== 'meta.json') {
      out[name] = bytes;
      continue;
    }
    const { savedAt: _savedAt, training, ...meta } = JSON.parse(new TextDecoder().decode(bytes)) as Record<string, unknown>;
    const { wallSeconds: _wall, ...counters } = training as Record<string, unknown>;
    out[name] = { ...meta, training: counters };
  }
  return out;
}

/** Runs the CLI's `main` in this process with its stdout captured: the exit status and what it printed. */
export async function runCliCaptured(argv: readonly string[]): Promise<{ status: number; stdout: string }> {
  const { main } = await import('../../algorithms/cli.ts');
  const printed: string[] = [];
  const write = process.stdout.write.bind(process.stdout);
  process.stdout.write = ((chunk: string | Uint8Array): boolean => (printed.push(String(chunk)), true)) as typeof process.stdout.write;
  try {
    return { status: await main([...argv]), stdout: printed.join('') };
  } finally {
    process.stdout.write = write;
  }
}
