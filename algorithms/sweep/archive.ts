/**
 * `varl sweep archive DIR --out ARCHIVE`: the records of a sweep's finished and failed jobs without
 * their checkpoints, a folder small enough to keep with the code or send along (a run that diverged is a
 * result too, and stays on record with its message). `varl sweep report` reads
 * it as it reads the sweep folder, and `varl sweep run` resumes from a copy of it (finished jobs are
 * skipped, failed ones are tried again, the rest start afresh). Archiving again into the same folder adds
 * the jobs finished or failed since, and replaces a failed job's records by newer ones;
 * a job already archived must hold the same result (runs are bit-identical under the same seed), so
 * two different runs of one job never mix. Each job is copied to a temporary folder and renamed into
 * place, so a job is archived whole or not at all.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { UsageError } from '../node/usage.ts';
import type { SweepJob } from './expand.ts';
import { jobDir, jobStatus, readSweep, writeFolderAtomic, writeSweep } from './folder.ts';

/** What an archived job keeps, where it has them: its result, its resolved config, the run's description, its logs and its output. */
export const ARCHIVED_FILES = ['result.json', 'config.json', 'run.json', 'progress.jsonl', 'status.json', 'log.txt'] as const;

export interface ArchiveSummary {
  /** Jobs copied by this call (finished, or failed). */
  readonly added: readonly string[];
  /** Finished jobs the archive already held with the same result. */
  readonly alreadyArchived: number;
  /** Jobs neither finished nor failed in the sweep folder (not archived). */
  readonly unfinished: number;
}

export function archiveSweep(dir: string, out: string): ArchiveSummary {
  if (path.resolve(dir) === path.resolve(out)) throw new UsageError(`sweep archive: --out must be another folder than the sweep folder ${dir}`);
  const sweep = readSweep(dir);
  const states = new Map(sweep.jobs.map((job) => [job, jobStatus(dir, job)]));
  const recorded = sweep.jobs.filter((job) => states.get(job) === 'done' || states.get(job) === 'failed');
  const toCopy: SweepJob[] = [];
  // every check before the first write: a refused archive leaves the target as it was
  const planned = fs.existsSync(path.join(out, 'sweep.json'));
  if (planned) writeSweep(out, sweep); // checks that the archive holds this sweep's jobs
  for (const job of recorded) {
    const target = jobDir(out, job);
    if (!fs.existsSync(target)) {
      toCopy.push(job);
      continue;
    }
    const archivedState = jobStatus(out, job);
    if (archivedState === 'failed') {
      toCopy.push(job); // a failed record gives way to the newer attempt's
      continue;
    }
    if (archivedState !== 'done') {
      throw new UsageError(`sweep archive: ${target} exists but holds no finished or failed job; archive into a folder that holds only archived jobs`);
    }
    if (states.get(job) === 'failed') {
      throw new UsageError(`sweep archive: ${out} holds job ${job.id} finished, and ${dir} holds it failed (a different run of it); ` +
        'archive into another folder, or delete that job from the archive');
    }
    if (fs.readFileSync(path.join(target, 'result.json'), 'utf8') !== fs.readFileSync(path.join(jobDir(dir, job), 'result.json'), 'utf8')) {
      throw new UsageError(`sweep archive: ${out} holds job ${job.id} with another result than ${dir} (a different run of it); ` +
        'archive into another folder, or delete that job from the archive');
    }
  }
  if (!planned) writeSweep(out, sweep);
  for (const job of toCopy) copyJob(jobDir(dir, job), jobDir(out, job));
  return { added: toCopy.map((job) => job.id), alreadyArchived: recorded.length - toCopy.length, unfinished: sweep.jobs.length - recorded.length };
}

/** The archived files of a job folder, copied in whole (a failed job's older records are replaced whole). */
function copyJob(from: string, to: string): void {
  writeFolderAtomic(to, (partial) => {
    for (const name of ARCHIVED_FILES) {
      const source = path.join(from, name);
      if (fs.existsSync(source)) fs.copyFileSync(source, path.join(partial, name));
    }
  });
}
