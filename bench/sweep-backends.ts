/**
 * One sweep through both backends: `varl sweep run` (local processes) into one folder and `varl
 * sweep submit --backend slurm` into another, on a single-node SLURM cluster started for the run
 * (spec/support/slurm-cluster.ts: root and apt needed), then every job's result.json and progress
 * rows (timing columns left out) compared byte for byte.
 *
 * Run: node --import tsx bench/sweep-backends.ts [sweep file] (default bench/sweeps/sac-pendulum-lr-2k.yaml)
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startSlurmCluster } from '../spec/support/slurm-cluster.ts';
import { parseCli } from './cli-args.ts';

const USAGE = `usage: node --import tsx bench/sweep-backends.ts [SWEEP_FILE]
  SWEEP_FILE   the sweep run through both backends (default bench/sweeps/sac-pendulum-lr-2k.yaml)`;
const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const [file = join(root, 'bench', 'sweeps', 'sac-pendulum-lr-2k.yaml')] = parseCli({ script: 'sweep-backends', usage: USAGE, flags: {}, maxPositionals: 1 }).positionals;
const varl = (args: string[], env: NodeJS.ProcessEnv = process.env): string => {
  const r = spawnSync(process.execPath, [join(root, 'bin', 'varl.js'), ...args], { env, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`varl ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  return r.stdout;
};
const TIMING = new Set(['updates_per_s', 'wall_s', 'time', 'timestamp']);
const rows = (path: string): string =>
  readFileSync(path, 'utf8').trim().split('\n').map((line) => {
    const row = JSON.parse(line) as Record<string, unknown>;
    for (const key of Object.keys(row)) if (TIMING.has(key)) delete row[key];
    return JSON.stringify(row);
  }).join('\n');

const work = mkdtempSync(join(os.tmpdir(), 'varl-backends-'));
const [localDir, slurmDir] = [join(work, 'local'), join(work, 'slurm')];
const started = await startSlurmCluster((line) => process.stderr.write(`${line}\n`));
if ('notRun' in started) {
  process.stdout.write(`SLURM not started: ${started.notRun}\n`);
  process.exit(1);
}
const { cluster } = started;
try {
  let t = performance.now();
  varl(['sweep', 'run', file, '--out', localDir, '--quiet']);
  const localSeconds = (performance.now() - t) / 1000;
  t = performance.now();
  process.stdout.write(varl(['sweep', 'submit', file, '--out', slurmDir, '--backend', 'slurm', '--max-concurrent', String(os.availableParallelism())], cluster.env));
  for (;;) {
    // the first line counts the jobs by state: "… N done, R running, F failed, I interrupted, P pending"
    const counts = /(\d+) running, (\d+) failed, (\d+) interrupted, (\d+) pending/.exec(varl(['sweep', 'status', slurmDir], cluster.env).split('\n')[0]);
    if (!counts) throw new Error('varl sweep status: unexpected output');
    if (counts[1] === '0' && counts[4] === '0' && counts[3] === '0') break;
    await new Promise((resolve) => setTimeout(resolve, 5000));
  }
  const slurmSeconds = (performance.now() - t) / 1000;
  const sweep = JSON.parse(readFileSync(join(localDir, 'sweep.json'), 'utf8')) as { jobs: { id: string }[] };
  let identical = 0;
  const lines = ['| job | final eval (local) | final eval (SLURM) | result.json | progress rows |', '|---|---:|---:|:---:|:---:|'];
  for (const { id } of sweep.jobs) {
    const [a, b] = [localDir, slurmDir].map((d) => readFileSync(join(d, 'jobs', id, 'result.json'), 'utf8'));
    const [pa, pb] = [localDir, slurmDir].map((d) => rows(join(d, 'jobs', id, 'progress.jsonl')));
    const same = a === b && pa === pb;
    if (same) identical++;
    const final = (json: string): string => ((JSON.parse(json) as { finalEval: { mean: number } }).finalEval.mean).toFixed(3);
    lines.push(`| ${id} | ${final(a)} | ${final(b)} | ${a === b ? 'identical' : 'DIFFERENT'} | ${pa === pb ? 'identical' : 'DIFFERENT'} |`);
  }
  process.stdout.write(`${lines.join('\n')}\n\n${identical}/${sweep.jobs.length} jobs identical; local ${localSeconds.toFixed(0)} s, SLURM ${slurmSeconds.toFixed(0)} s\n`);
  process.stdout.write(`${varl(['sweep', 'report', localDir])}\n`);
  if (identical !== sweep.jobs.length) process.exitCode = 1;
} finally {
  await cluster.stop();
  rmSync(work, { recursive: true, force: true });
}
