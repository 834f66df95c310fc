/**
 * `varl tune <file> --backend slurm …`: the rungs of successive halving (tune.ts) as SLURM job arrays.
 * Each rung submits the jobs of its surviving trials that have not reached the rung's budget as one
 * array, whose task i runs `varl sweep job <dir> --index i --until <budget>` (the last rung and the
 * re-evaluation without `--until`), waits until the queue holds none of them, and hands back which
 * fell short; tune.ts then scores and promotes as it does for the local backend, from the same files.
 *
 * Resuming: a job whose checkpoint is at the rung's budget (or that has its result.json) is not
 * submitted again, and a job an earlier submission still holds in the queue is waited for, not
 * submitted twice. Stopping `varl tune` (Ctrl-C) leaves the queued jobs running; run it again to
 * continue.
 *
 *   const backend = slurmTuneBackend({ partition: 'cpu', time: '1:00:00', pollSeconds: 10 });
 *   await runTune(file, spec, { backend });
 */
import * as path from 'node:path';
import { numberFlag } from '../node/usage.ts';
import type { SweepJob } from './expand.ts';
import { jobStatus, jobStep, lockSweep, type SweepFolder } from './folder.ts';
import {
  findOnPath, isQueuedState, readSlurmSubmissions, SLURM_SUBMIT_FLAGS, SlurmError, slurmQueueStatus, slurmSubmitOptionsFromFlags, submitSlurm, waitForSlurm,
  type SlurmFlagValues, type SlurmQueueStatus, type SlurmSubmitOptions,
} from './slurm.ts';
import type { TuneBackend, TuneBatchOutcome } from './tune.ts';

export interface SlurmTuneOptions extends Omit<SlurmSubmitOptions, 'dryRun' | 'indices' | 'until'> {
  /** Seconds between two looks at the queue while a rung runs (default 5). */
  readonly pollSeconds?: number;
  /** No progress lines. */
  readonly quiet?: boolean;
  /** Where progress lines go (default process.stderr). */
  readonly stream?: NodeJS.WritableStream;
}

/** The flags of `varl tune … --backend slurm`: those of `varl sweep submit` (but --dry-run) and --poll-interval. */
export const SLURM_TUNE_FLAGS = (() => {
  const { 'dry-run': _dryRun, ...submit } = SLURM_SUBMIT_FLAGS;
  return { ...submit, 'poll-interval': { type: 'string' } } as const;
})();

/** Backend options from the parsed `SLURM_TUNE_FLAGS`, every value checked (UsageErrors naming the flag). */
export function slurmTuneOptionsFromFlags(command: string, values: SlurmFlagValues & { readonly 'poll-interval'?: string }): SlurmTuneOptions {
  const { dryRun: _dryRun, ...submit } = slurmSubmitOptionsFromFlags(command, values);
  const pollSeconds = numberFlag(command, 'poll-interval', values['poll-interval'], 5, 0.1);
  return { ...submit, pollSeconds };
}

/** The SLURM backend of `varl tune`. */
export function slurmTuneBackend(options: SlurmTuneOptions = {}): TuneBackend {
  return {
    run: (dir, sweep, batch) => runBatch(dir, sweep, batch.jobs ?? sweep.jobs, batch.until, batch.label, options),
    logs: (dir) => `the logs in ${path.join(dir, 'slurm', 'logs')}`,
  };
}

/** Ids of the jobs of `dir` that a submission still holds in the queue. */
async function queuedJobs(dir: string, env: NodeJS.ProcessEnv | undefined): Promise<Set<string>> {
  if (readSlurmSubmissions(dir).length === 0) return new Set();
  const status = await slurmQueueStatus(dir, { env });
  return new Set(Object.values(status.jobs).filter((job) => isQueuedState(job.state) && !job.hasResult).map((job) => job.id));
}

async function runBatch(dir: string, sweep: SweepFolder, jobs: readonly SweepJob[], until: number | undefined, label: string, options: SlurmTuneOptions): Promise<TuneBatchOutcome> {
  const stream = options.stream ?? process.stderr;
  const say = (line: string): void => {
    if (!options.quiet) stream.write(`${line}\n`);
  };
  // The lock keeps a second `varl tune` (or local run) from submitting the same jobs again.
  const release = lockSweep(dir);
  const controller = new AbortController();
  const onSignal = (): void => controller.abort();
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    const partial = (job: SweepJob): boolean => until !== undefined && until < job.steps;
    // At the budget: done (result.json), or stopped at a checkpoint at or past a rung's budget.
    const reached = (job: SweepJob): boolean => jobStatus(dir, job) === 'done' || (partial(job) && jobStep(dir, job) >= (until as number));
    const open = jobs.filter((job) => !reached(job));
    if (open.length === 0) return { failed: [], interrupted: false };

    // The rung is waited for in the queue: without squeue and sacct the array would be submitted and never seen to end.
    const env = options.env ?? process.env;
    if (findOnPath('squeue', env) === null && findOnPath('sacct', env) === null) {
      throw new SlurmError(`neither squeue nor sacct is on PATH (${env.PATH ?? 'PATH is unset'}); varl tune --backend slurm waits for each rung ` +
        'in the queue: run it where the SLURM client commands are (a login node), or install them (Debian: apt-get install slurm-client)');
    }
    const queued = await queuedJobs(dir, options.env);
    const submit = open.filter((job) => !queued.has(job.id));
    const waitFor = open.filter((job) => queued.has(job.id));
    if (waitFor.length > 0) say(`${label}: waiting for ${waitFor.length} job(s) still in the SLURM queue`);
    // One array per budget: the jobs of a tuning sweep share theirs, so this is one array per rung.
    const groups = new Map<number | undefined, SweepJob[]>();
    for (const job of submit) {
      const key = partial(job) ? until : undefined;
      groups.set(key, [...(groups.get(key) ?? []), job]);
    }
    for (const [budget, group] of groups) {
      const { pollSeconds: _poll, quiet: _quiet, stream: _stream, ...submitOptions } = options;
      const submission = await submitSlurm(dir, { ...submitOptions, indices: group.map((job) => job.index), until: budget });
      say(`${label}: submitted array job ${submission.arrayJobId} (--array=${submission.array}${budget !== undefined ? `, --until ${budget}` : ''})`);
    }

    let lastLine = '';
    const status = await waitForSlurm(dir, {
      env: options.env, ids: open.map((job) => job.id), pollSeconds: options.pollSeconds, signal: controller.signal,
      onStatus: (s: SlurmQueueStatus) => {
        const counts = new Map<string, number>();
        for (const job of open) if (isQueuedState(s.jobs[job.id]!.state)) counts.set(s.jobs[job.id]!.state, (counts.get(s.jobs[job.id]!.state) ?? 0) + 1);
        const line = `${label}: ${jobs.filter(reached).length}/${jobs.length} jobs at their budget; in the queue: ` +
          `${[...counts].map(([state, n]) => `${n} ${state}`).join(', ') || 'none'}`;
        if (line !== lastLine) say(line);
        lastLine = line;
      },
    });
    if (controller.signal.aborted) {
      say(`${label}: stopped waiting; the submitted jobs stay in the SLURM queue (run varl tune again to continue)`);
      return { failed: [], interrupted: true };
    }
    const failed = open.filter((job) => !reached(job)).map((job) => ({ id: job.id, log: status.jobs[job.id]!.stderr ?? path.join(dir, 'slurm', 'logs') }));
    for (const { id, log } of failed) say(`${label}: ${id} ended ${status.jobs[id]!.state} short of its budget; log: ${log}`);
    return { failed, interrupted: false };
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    release();
  }
}

