/**
 * The Fisher-vector product TRPO's conjugate gradient calls (a Hessian-vector product of a 2×64 Gaussian
 * policy's mean KL over 2,048 states, bench/workloads.ts `fisherVectorWorkload`), varl traced on one
 * thread against PyTorch on one thread (bench/peers/fvp_torch.py, the same computation), alternating
 * rounds in one run so that load hits both alike. PyTorch runs with OpenBLAS when bench/peers/install.sh
 * unpacked it (as bench/index.ts's 'pytorch-openblas'), else with the BLAS it was built with.
 *
 * Run: node --import tsx bench/hvp.bench.ts [--calls 200] [--rounds 3]  → bench/results/hvp.json
 */
import { execFileSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { kernelThreads, setKernelThreads } from '../engine/index.ts';
import { parseCli } from './cli-args.ts';
import { fisherVectorWorkload } from './workloads.ts';

const here = dirname(fileURLToPath(import.meta.url));
const PYTHON = process.env.VARL_PYTHON ?? '/usr/bin/python3';
const USAGE = `usage: node --import tsx bench/hvp.bench.ts [--calls N] [--rounds N]
  --calls N    products timed per round, in each engine (default 200)
  --rounds N   alternating rounds of varl and PyTorch; the medians are reported (default 3)`;
const cli = parseCli({ script: 'hvp.bench', usage: USAGE, flags: { calls: { type: 'string' }, rounds: { type: 'string' } } });
const calls = cli.integer('calls', 200);
const rounds = cli.integer('rounds', 3);
const openblas = join(here, 'peers', 'node_modules', '.openblas');
const torchEnv = existsSync(openblas) ? { ...process.env, LD_LIBRARY_PATH: openblas } : process.env;

setKernelThreads(1);
const product = fisherVectorWorkload();
for (let i = 0; i < 20; i++) product();

function timeVarl(): number {
  const start = performance.now();
  for (let i = 0; i < calls; i++) product();
  return (performance.now() - start) / calls;
}

function timeTorch(): { ms: number; torch: string } {
  const out = execFileSync(PYTHON, [join(here, 'peers', 'fvp_torch.py'), '--calls', String(calls), '--threads', '1'], { env: torchEnv, encoding: 'utf8' });
  const result = JSON.parse(out.trim().split('\n').pop() as string) as { ms_per_call: number; torch: string };
  return { ms: result.ms_per_call, torch: result.torch };
}

const varl: number[] = [];
const torch: number[] = [];
let torchVersion = '';
for (let r = 0; r < rounds; r++) {
  varl.push(timeVarl());
  const t = timeTorch();
  torch.push(t.ms);
  torchVersion = t.torch;
}
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const summary = {
  varlMsPerProduct: median(varl), torchMsPerProduct: median(torch), ratioVarlOverTorch: median(varl) / median(torch),
  torchBlas: existsSync(openblas) ? 'OpenBLAS (bench/peers/install.sh)' : 'as built', torch: torchVersion, threads: kernelThreads(),
};
writeFileSync(join(here, 'results', 'hvp.json'), JSON.stringify({
  workload: 'Fisher-vector product, 2×64 tanh Gaussian policy (3 → 1), 2048 states, damping 0.1', calls, rounds,
  loadAverage: os.loadavg(), node: process.version, date: new Date().toISOString(), summary, varl, torch,
}, null, 1) + '\n');
console.log(JSON.stringify(summary, null, 1));
