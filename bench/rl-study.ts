/**
 * `npm run bench:rl`: the Pendulum-v1 learning study, SAC and TD3 with their RL Zoo settings, 5 seeds,
 * 20,000 env steps, deterministic evaluation of 10 episodes every 1,000 steps. The study is the sweep
 * file bench/sweeps/rl-study.yaml; this script only runs it and writes its report:
 *
 *   npm run bench:rl [-- --jobs 2]     varl sweep run bench/sweeps/rl-study.yaml (jobs in sweeps/rl-study/,
 *                                      resumable), then its report: bench/results/rl-study-rerun.md
 *                                      (+ .json, -Pendulum-v1.svg)
 *   npm run bench:rl -- --report       only the report of what sweeps/rl-study holds
 *   npm run bench:rl -- --stored       the report of the stored runs of bench/results/rl-study.json
 *                                      (bench/import-study-runs.ts): bench/results/rl-study-sweep.md
 *
 * The same with the CLI: `varl sweep run bench/sweeps/rl-study.yaml --jobs 2` and
 * `varl sweep report sweeps/rl-study --out bench/results/rl-study-rerun.md`.
 *
 * bench/results/rl-study.md (per-run table) and rl-study.json (every stored run's final evaluation and
 * curve) are the record of the runs made before the sweep file existed; their evaluation seeds
 * overlapped across training seeds, which a run of the sweep file does not.
 */
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { runSweepCommand } from '../algorithms/sweep/cli.ts';
import { parseCli } from './cli-args.ts';
import { importRlStudy } from './import-study-runs.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const SWEEP_FILE = 'bench/sweeps/rl-study.yaml';

const USAGE = `usage: npm run bench:rl -- [--jobs N] [--report] [--stored]
  --jobs N    parallel jobs of the sweep (default 2)
  --report    only the report of what sweeps/rl-study holds
  --stored    the report of the stored runs of bench/results/rl-study.json`;
const cli = parseCli({ script: 'rl-study', usage: USAGE, flags: { jobs: { type: 'string' }, report: { type: 'boolean' }, stored: { type: 'boolean' } } });
const { values } = cli;
const jobs = cli.integer('jobs', 2, { max: 1024 }); // varl sweep run's bounds
let status = 0;
if (values.stored) {
  const dir = path.join('sweeps', 'rl-study-stored');
  importRlStudy(path.join(ROOT, dir));
  status = await runSweepCommand('sweep', ['report', dir, '--out', 'bench/results/rl-study-sweep.md'], ROOT);
} else {
  if (!values.report) status = await runSweepCommand('sweep', ['run', SWEEP_FILE, '--jobs', String(jobs)], ROOT);
  // A failed job does not stop the others; report what finished unless the run was interrupted.
  if (values.report || status !== 130) {
    const reported = await runSweepCommand('sweep', ['report', path.join('sweeps', 'rl-study'), '--out', 'bench/results/rl-study-rerun.md'], ROOT);
    status = status || reported;
  }
}
process.exitCode = status;
