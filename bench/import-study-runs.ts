/**
 * Turns the stored runs of the Pendulum-v1 study (bench/results/rl-study.json, written by the
 * script that ran it before sweep files existed) into a sweep folder of bench/sweeps/rl-study.yaml,
 * so that `varl sweep report` aggregates them like any sweep:
 *
 *   node --import tsx bench/import-study-runs.ts [--out sweeps/rl-study-stored]
 *   varl sweep report sweeps/rl-study-stored --out bench/results/rl-study-sweep.md
 *
 * The folder holds sweep.json (the sweep file's spec and jobs) and one jobs/<id>/result.json per
 * stored run: its final evaluation and evaluation curve as stored. Two things differ from a folder
 * that `varl sweep run` fills, and the folder records both:
 *
 * - Evaluation seeds. The stored runs evaluated training seed s on seeds 1,000,000 + s … + 9, so
 *   neighbouring training seeds shared 9 of their 10 evaluation episodes; the sweep file gives
 *   seed s the disjoint range 1,000,000 + 1000·s …. Each job's `evalSeed` is the stored one, so the
 *   folder cannot be mistaken for (or mixed with) a run of the sweep file: `varl sweep run` refuses
 *   it because the job definitions differ.
 * - `updates`: rl-study.json does not record it, so it is null. `episodes` is 100 (Pendulum-v1 ends
 *   every episode by truncation at 200 steps, so 20,000 steps are 100 episodes).
 *
 * Before writing, every job's resolved config is checked to be what `varl train --algo A --env
 * Pendulum-v1 --seed s` resolves (defaults ← the per-env preset ← seed), which is how the stored
 * runs were started, and every stored run to have the sweep file's budget and evaluation cadence.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { EvalPoint } from '../algorithms/common/records.ts';
import { algorithm } from '../algorithms/registry.ts';
import { canonicalJson, expandSweep, readSweepFile, writeFileAtomic, writeSweep, type JobResult, type SweepJob } from '../algorithms/sweep/index.ts';
import { parseCli } from './cli-args.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const SWEEP_FILE = 'bench/sweeps/rl-study.yaml';
const STORED = 'bench/results/rl-study.json';
/** The evaluation seed of training seed s in the stored runs (overlapping ranges). */
const STORED_EVAL_SEED_BASE = 1_000_000;
/** Pendulum-v1 truncates every episode at this many steps and never terminates. */
const PENDULUM_EPISODE_STEPS = 200;

interface StoredRun {
  readonly algo: string;
  readonly seed: number;
  readonly step: number;
  readonly final: EvalPoint | null;
  readonly curve: readonly EvalPoint[];
}

/** What `varl train --algo <name> --env <envId> --seed <seed>` resolves: defaults ← per-env preset ← seed. */
function trainConfig(name: string, envId: string, seed: number): Record<string, unknown> {
  const record = algorithm(name);
  return record.resolveConfig(record.envPresets[envId]?.config ?? {}, { seed });
}

/** The stored run of `job`, checked against the job's budget and evaluation cadence. */
function storedRun(runs: readonly StoredRun[], job: SweepJob): StoredRun {
  const run = runs.find((r) => r.algo === job.algorithm && r.seed === job.seed);
  if (!run) throw new Error(`${STORED} has no run of ${job.algorithm} seed ${job.seed} (job ${job.id})`);
  if (run.step !== job.steps || !run.final || run.final.step !== job.steps) {
    throw new Error(`${STORED}: ${job.algorithm} seed ${job.seed} stopped at step ${run.step}, the sweep's budget is ${job.steps}`);
  }
  const steps = run.curve.map((p) => p.step);
  const expected = Array.from({ length: job.steps / job.evalEvery }, (_, i) => (i + 1) * job.evalEvery);
  if (canonicalJson(steps) !== canonicalJson(expected)) {
    throw new Error(`${STORED}: ${job.algorithm} seed ${job.seed} was evaluated at steps ${steps.join(', ')}, not every ${job.evalEvery}`);
  }
  return run;
}

/** Writes the sweep folder `out` from the stored runs; returns the jobs written. */
export function importRlStudy(out: string): SweepJob[] {
  const spec = readSweepFile(path.join(ROOT, SWEEP_FILE), SWEEP_FILE);
  const { runs } = JSON.parse(fs.readFileSync(path.join(ROOT, STORED), 'utf8')) as { runs: StoredRun[] };
  const jobs = expandSweep(spec, SWEEP_FILE).map((job) => {
    const expected = trainConfig(job.algorithm, job.envId, job.seed);
    if (canonicalJson(job.config) !== canonicalJson(expected)) {
      throw new Error(`${SWEEP_FILE}: job ${job.id} resolves to ${canonicalJson(job.config)}, the stored runs used ${canonicalJson(expected)}`);
    }
    return { ...job, evalSeed: STORED_EVAL_SEED_BASE + job.seed };
  });
  writeSweep(out, { name: spec.name, file: SWEEP_FILE, spec, jobs });
  for (const job of jobs) {
    const run = storedRun(runs, job);
    const result: Omit<JobResult, 'updates'> & { updates: null; source: string } = {
      id: job.id, algorithm: job.algorithm, envId: job.envId, seed: job.seed, evalSeed: job.evalSeed, steps: run.step,
      finalEval: run.final, evalCurve: run.curve, episodes: run.step / PENDULUM_EPISODE_STEPS, updates: null,
      source: `${STORED}: stored run ${run.algo} seed ${run.seed}; evaluation seeds ${job.evalSeed} … ${job.evalSeed + job.evalEpisodes - 1}, ` +
        'overlapping those of the neighbouring training seeds',
    };
    writeFileAtomic(path.join(out, 'jobs', job.id, 'result.json'), JSON.stringify(result, null, 1) + '\n');
  }
  return jobs;
}

const USAGE = `usage: node --import tsx bench/import-study-runs.ts [--out DIR]
  --out DIR   the sweep folder written (default sweeps/rl-study-stored)`;

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const given = parseCli({ script: 'import-study-runs', usage: USAGE, flags: { out: { type: 'string' } } }).values.out ?? 'sweeps/rl-study-stored';
  const out = path.resolve(given);
  const jobs = importRlStudy(out);
  process.stdout.write(`${jobs.length} stored runs imported into ${out}; report them with: varl sweep report ${given} --out bench/results/rl-study-sweep.md\n`);
}
