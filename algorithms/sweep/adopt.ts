/**
 * `varl sweep adopt DIR --from SOURCE`: copies into a sweep folder the runs of another sweep folder or
 * archive that it plans too, so that an edited sweep file, or one that overlaps another, does not train them
 * again. A run is adopted only where SOURCE planned the job with the same id and definition (algorithm, env,
 * seed, budget, resolved config, evaluation), the check that copying job folders by hand leaves out. Finished
 * jobs are adopted whole (with their checkpoints, where SOURCE has them); a job with a checkpoint and no result
 * is adopted to be resumed, unless SOURCE is being run (it may be resuming that job) or cannot be locked. DIR is locked meanwhile,
 * and each job is copied to a temporary folder and renamed into place, so a job is adopted whole or not at all;
 * a job DIR already holds is left as it is.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { UsageError } from '../node/usage.ts';
import { jobDir, jobStatus, lockSweep, readSweep, sameDefinition, writeFolderAtomic } from './folder.ts';

export interface AdoptSummary {
  /** Finished jobs copied in. */
  readonly finished: readonly string[];
  /** Jobs with a checkpoint and no result copied in, to be resumed. */
  readonly resumable: readonly string[];
  /** Jobs SOURCE holds with another definition: not copied. */
  readonly otherDefinition: readonly string[];
  /** Jobs with a checkpoint in SOURCE left there because SOURCE is being run (or could not be locked). */
  readonly leftRunning: readonly string[];
  /** Jobs DIR already had a folder for. */
  readonly alreadyHere: number;
  /** Jobs SOURCE has nothing for (not planned there, or pending, failed or running). */
  readonly notInSource: number;
}

export function adoptJobs(dir: string, source: string): AdoptSummary {
  if (path.resolve(dir) === path.resolve(source)) throw new UsageError(`sweep adopt: --from must be another folder than the sweep folder ${dir}`);
  const sweep = readSweep(dir);
  const from = readSweep(source);
  const planned = new Map(from.jobs.map((job) => [job.id, job]));
  const releaseDir = lockSweep(dir);
  let releaseSource: (() => void) | null = null;
  try {
    try {
      releaseSource = lockSweep(source);
    } catch (error) {
      // Being run, or a folder this process may not write: its finished jobs can still be adopted.
      const code = (error as NodeJS.ErrnoException).code;
      if (!(error instanceof UsageError) && code !== 'EACCES' && code !== 'EPERM' && code !== 'EROFS') throw error;
    }
    const summary = { finished: [] as string[], resumable: [] as string[], otherDefinition: [] as string[], leftRunning: [] as string[], alreadyHere: 0, notInSource: 0 };
    for (const job of sweep.jobs) {
      if (fs.existsSync(jobDir(dir, job))) {
        summary.alreadyHere++;
        continue;
      }
      const theirs = planned.get(job.id);
      const state = theirs ? jobStatus(source, theirs) : 'pending';
      if (!theirs || (state !== 'done' && state !== 'interrupted')) {
        summary.notInSource++;
      } else if (!sameDefinition(theirs, job)) {
        summary.otherDefinition.push(job.id);
      } else if (state === 'interrupted' && releaseSource === null) {
        summary.leftRunning.push(job.id);
      } else {
        writeFolderAtomic(jobDir(dir, job), (partial) => fs.cpSync(jobDir(source, theirs), partial, { recursive: true }));
        (state === 'done' ? summary.finished : summary.resumable).push(job.id);
      }
    }
    return summary;
  } finally {
    releaseSource?.();
    releaseDir();
  }
}

/** One line per outcome, for the CLI. */
export function describeAdoption(dir: string, source: string, summary: AdoptSummary): string {
  const some = (ids: readonly string[]): string => ids.slice(0, 3).join(', ') + (ids.length > 3 ? `, … (${ids.length - 3} more)` : '');
  return [
    `adopted ${summary.finished.length} finished and ${summary.resumable.length} resumable job(s) from ${source} into ${dir}`,
    ...(summary.otherDefinition.length ? [`not adopted, planned there with another definition: ${some(summary.otherDefinition)}`] : []),
    ...(summary.leftRunning.length ? [`not adopted, unfinished while ${source} is being run (or cannot be locked): ${some(summary.leftRunning)}`] : []),
    `${summary.alreadyHere} job(s) already in ${dir}; ${summary.notInSource} with nothing to adopt in ${source}`,
  ].join('\n');
}
