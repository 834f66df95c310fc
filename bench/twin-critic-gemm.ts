/**
 * Twin critics as one batched GEMM, or as two calls? The hidden layer of SAC's and TD3's two critics
 * (batch 256, 256 → 256) computed by two GEMM calls against one call with batch 2 over stacked
 * operands (what stacking the critics' weights would allow), alternating rounds, medians.
 *
 * Run: VARL_THREADS=1 node --experimental-wasm-relaxed-simd --import tsx bench/twin-critic-gemm.ts
 *      (and VARL_THREADS=2; no flags but --help); appends to bench/results/twin-critic-gemm.json.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { kernelThreads, kernels } from '../engine/index.ts';
import { parseCli } from './cli-args.ts';

const ROWS = 256;
const WIDTH = 256;
const CALLS = 200;
const ROUNDS = 9;

const USAGE = `usage: VARL_THREADS=1 node --experimental-wasm-relaxed-simd --import tsx bench/twin-critic-gemm.ts
  takes no flags: ${ROUNDS} alternating rounds of ${CALLS} calls each way, on VARL_THREADS threads`;
parseCli({ script: 'twin-critic-gemm', usage: USAGE, flags: {} });

const set = kernels();
function filled(size: number): Float32Array {
  const a = set.allocate('float32', size) as Float32Array;
  for (let i = 0; i < size; i++) a[i] = Math.sin(i) * 0.5;
  return a;
}
const x = filled(2 * ROWS * WIDTH);
const w = filled(2 * WIDTH * WIDTH);
const y = filled(2 * ROWS * WIDTH);
const half = (a: Float32Array, i: number): Float32Array => a.subarray((i * a.length) / 2, ((i + 1) * a.length) / 2);

const twoCalls = (): void => {
  for (let i = 0; i < 2; i++) set.matmul(half(x, i), half(w, i), half(y, i), 1, ROWS, WIDTH, WIDTH, false, false, 0, 0);
};
const batched = (): void => set.matmul(x, w, y, 2, ROWS, WIDTH, WIDTH, false, false, ROWS * WIDTH, WIDTH * WIDTH);

function msPerCall(step: () => void): number {
  const start = performance.now();
  for (let i = 0; i < CALLS; i++) step();
  return (performance.now() - start) / CALLS;
}
const median = (a: number[]): number => [...a].sort((p, q) => p - q)[a.length >> 1];

const rounds = { twoCalls: [] as number[], batched: [] as number[] };
for (let r = 0; r < ROUNDS; r++) {
  rounds.twoCalls.push(msPerCall(twoCalls));
  rounds.batched.push(msPerCall(batched));
}
const record = {
  date: new Date().toISOString(), kernels: set.name, threads: kernelThreads(),
  twoCallsMs: median(rounds.twoCalls), batchedMs: median(rounds.batched),
};
const out = join(dirname(fileURLToPath(import.meta.url)), 'results', 'twin-critic-gemm.json');
const previous = existsSync(out) ? (JSON.parse(readFileSync(out, 'utf8')) as unknown[]) : [];
writeFileSync(out, JSON.stringify([...previous, record], null, 1) + '\n');
console.log(`${record.kernels}, ${record.threads} thread(s): two calls ${record.twoCallsMs.toFixed(3)} ms, one batched call ${record.batchedMs.toFixed(3)} ms (${(record.twoCallsMs / record.batchedMs).toFixed(3)}×)`);
