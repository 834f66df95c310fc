/**
 * `varl sweep job <dir> --index I [--until STEPS]`: runs or resumes one job of a sweep folder in
 * this process, as `varl train` would, in <dir>/jobs/<id>/. Every backend runs jobs through this one
 * function (the local backend in child processes, SLURM in array tasks), so status and results are
 * written the same way everywhere.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { planCommand, runTrain, type TrainPlan } from '../cli.ts';
import { warmUpWarnings } from '../node/command-plan.ts';
import { hasCheckpoint, readCheckpointMeta } from '../node/checkpoint-dir.ts';
import { firstEvalReaching, readEvalHistory } from '../node/run-logger.ts';
import { UsageError } from '../node/usage.ts';
import type { SweepJob } from './expand.ts';
import { HEARTBEAT_MS, jobDir, jobStatus, readJobStatusFile, writeFileAtomic, writeJobStatusFile, type JobResult } from './folder.ts';

/** The `varl train` arguments that start a job afresh (its config from config.json, no preset on top: it is resolved already). */
function freshTrainArgs(job: SweepJob, folder: string, steps: number): string[] {
  return [
    'train', '--algo', job.algorithm, '--env', job.envId, '--seed', String(job.seed), '--steps', String(steps),
    '--out', folder, '--force', '--no-preset', '--config', path.join(folder, 'config.json'),
    '--eval-every', String(job.evalEvery), '--eval-episodes', String(job.evalEpisodes), '--eval-seed', String(job.evalSeed),
    '--checkpoint-every', String(job.checkpointEvery),
    ...(job.stopAtReturn !== undefined ? ['--stop-at-return', String(job.stopAtReturn)] : []),
  ];
}

function checkpointStep(folder: string): number {
  return readCheckpointMeta(path.join(folder, 'checkpoint')).training.step as number;
}

/** result.json from the run folder of a finished job. */
function resultOf(job: SweepJob, folder: string): JobResult {
  const meta = readCheckpointMeta(path.join(folder, 'checkpoint'));
  const curve = readEvalHistory(folder);
  return {
    id: job.id, algorithm: job.algorithm, envId: job.envId, seed: job.seed, evalSeed: job.evalSeed, steps: meta.training.step as number,
    finalEval: curve.length > 0 ? curve[curve.length - 1] : null, evalCurve: curve,
    episodes: meta.training.episode as number, updates: meta.training.updates as number,
    ...(job.stopAtReturn !== undefined
      ? { reachedAt: firstEvalReaching(folder, job.stopAtReturn, meta.training.step as number)?.step ?? null } : {}),
  };
}

/**
 * How far the job's run is, from its checkpoint: 'done' when it reached its `stopAtReturn` or trained its
 * full budget, 'stopped' at a smaller `target` (a tuning rung), null when it has not reached `target`.
 */
function runEnd(job: SweepJob, folder: string, target: number): 'done' | 'stopped' | null {
  const step = checkpointStep(folder);
  if (job.stopAtReturn !== undefined && firstEvalReaching(folder, job.stopAtReturn, step)) return 'done';
  if (step < target) return null;
  return target === job.steps ? 'done' : 'stopped';
}

export interface JobRunOptions {
  /** Train only up to this many env steps (a tuning rung); the job stays resumable and gets no result.json. */
  readonly until?: number;
  readonly quiet?: boolean;
}

/**
 * Runs (or resumes, or skips when done) one job; resolves to the exit status: 0 done (or stopped at
 * `until`), 1 failed, 130 interrupted. A job with result.json is not run again.
 */
export async function runSweepJob(dir: string, job: SweepJob, options: JobRunOptions = {}): Promise<number> {
  const folder = jobDir(dir, job);
  const state = jobStatus(dir, job);
  if (state === 'done') return 0;
  if (state === 'running') {
    const status = readJobStatusFile(dir, job);
    throw new UsageError(`sweep job: ${job.id} is running already (process ${status?.pid} on ${status?.host})`);
  }
  const target = Math.min(options.until ?? job.steps, job.steps);
  const resumable = fs.existsSync(path.join(folder, 'run.json')) && hasCheckpoint(path.join(folder, 'checkpoint'));
  const end = resumable ? runEnd(job, folder, target) : null;
  if (end !== null) {
    if (end === 'done') writeFileAtomic(path.join(folder, 'result.json'), JSON.stringify(resultOf(job, folder), null, 1) + '\n');
    return 0;
  }
  fs.mkdirSync(folder, { recursive: true });
  writeJobStatusFile(dir, job, { state: 'running' });
  const heartbeat = setInterval(() => writeJobStatusFile(dir, job, { state: 'running' }), HEARTBEAT_MS);
  heartbeat.unref();
  let code: number;
  try {
    let plan: TrainPlan;
    if (resumable) {
      plan = planCommand(['train', '--resume', '--out', folder, '--steps', String(target), ...(options.quiet ? ['--quiet'] : [])]) as TrainPlan;
    } else {
      fs.writeFileSync(path.join(folder, 'config.json'), JSON.stringify(job.config, null, 1) + '\n');
      const fresh = planCommand([...freshTrainArgs(job, folder, target), ...(options.quiet ? ['--quiet'] : [])]) as TrainPlan;
      // `sweep plan` warned of the job's warm-up against its budget already (and under --until the run goes on later).
      const warmUp = new Set(warmUpWarnings(job.algorithm, job.config, target));
      plan = { ...fresh, warnings: fresh.warnings.filter((line) => !warmUp.has(line)) };
    }
    code = await runTrain(plan);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    process.stderr.write(`sweep job ${job.id} failed: ${error instanceof Error && !(error instanceof UsageError) ? error.stack : message}\n`);
    writeJobStatusFile(dir, job, { state: 'failed', exitCode: 1, message });
    return 1;
  } finally {
    clearInterval(heartbeat);
  }
  const ended = code === 0 ? runEnd(job, folder, target) : null;
  if (ended !== null) {
    if (ended === 'done') {
      writeFileAtomic(path.join(folder, 'result.json'), JSON.stringify(resultOf(job, folder), null, 1) + '\n');
      writeJobStatusFile(dir, job, { state: 'done', exitCode: 0 });
    } else {
      writeJobStatusFile(dir, job, { state: 'stopped', exitCode: 0, until: target });
    }
    return 0;
  }
  if (code === 130) {
    writeJobStatusFile(dir, job, { state: 'interrupted', exitCode: 130 });
    return 130;
  }
  writeJobStatusFile(dir, job, { state: 'failed', exitCode: code === 0 ? 1 : code, message: `training exited with status ${code}` });
  return code === 0 ? 1 : code;
}
