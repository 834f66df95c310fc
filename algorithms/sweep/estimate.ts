/**
 * How much job time a sweep has left, from the seconds per env step its jobs have logged (`wall_s`
 * in progress.jsonl, which resumed runs carry on; over the latter half of each job's logged steps,
 * `lastLogged`'s recentRate): a job past a quarter of its budget uses its own
 * rate; a job not that far, or not started, the mean rate of its variant's jobs, else of its
 * algorithm on its env in this sweep, else of its algorithm on the sweep's other envs (settled rates
 * first; a rough figure, as envs differ in cost), else its own early one. Done jobs
 * have none left; failed ones are left out (they run again only when asked). Jobs that stop at a
 * return may end sooner, so the figure is an upper bound for them.
 */
import type { SweepJob } from './expand.ts';
import { jobStatus, jobStep, lastLogged, type SweepFolder } from './folder.ts';

export interface TimeLeft {
  /** Seconds left per job (by index in the sweep), 0 when done, null when there is no rate to go by (or the job failed). */
  readonly perJob: readonly (number | null)[];
  /** Sum over the jobs with an estimate. */
  readonly totalSeconds: number;
  /** Unfinished, not failed jobs without an estimate. */
  readonly unknown: number;
}

const mean = (values: readonly number[]): number | null => (values.length === 0 ? null : values.reduce((a, b) => a + b, 0) / values.length);

/** `target`: the env steps each job is to reach (default its budget; a tuning rung stops earlier). */
export function timeLeft(dir: string, sweep: SweepFolder, target: (job: SweepJob) => number = (job) => job.steps): TimeLeft {
  const states = sweep.jobs.map((job) => jobStatus(dir, job));
  const logged = sweep.jobs.map((job) => lastLogged(dir, job));
  const rates = logged.map(({ recentRate }) => recentRate);
  // A run's first steps (before learning starts, or while the buffer is small) are cheaper than the rest:
  // the rate is over the latter half of the logged steps, and counts as settled once a quarter of the
  // budget has been logged.
  const settled = sweep.jobs.map((job, i) => rates[i] !== null && logged[i].step >= target(job) / 4);
  const groupRate = (key: (job: SweepJob) => string): Map<string, number | null> => {
    const groups = new Map<string, { settled: number[]; early: number[] }>();
    sweep.jobs.forEach((job, i) => {
      const rate = rates[i];
      if (rate === null) return;
      const group = groups.get(key(job)) ?? { settled: [], early: [] };
      (settled[i] ? group.settled : group.early).push(rate);
      groups.set(key(job), group);
    });
    return new Map([...groups].map(([k, g]) => [k, mean(g.settled.length > 0 ? g.settled : g.early)]));
  };
  const byVariant = groupRate((job) => job.variant);
  const byAlgorithmEnv = groupRate((job) => `${job.algorithm} ${job.envId}`);
  const byAlgorithm = groupRate((job) => job.algorithm);
  let totalSeconds = 0;
  let unknown = 0;
  const perJob = sweep.jobs.map((job, i) => {
    const state = states[i];
    if (state === 'done') return 0;
    if (state === 'failed') return null;
    const shared = byVariant.get(job.variant) ?? byAlgorithmEnv.get(`${job.algorithm} ${job.envId}`) ?? byAlgorithm.get(job.algorithm) ?? null;
    const rate = settled[i] ? rates[i] : shared ?? rates[i];
    if (rate === null) {
      unknown++;
      return null;
    }
    // A running job goes on from its last logged step; an interrupted one resumes from its checkpoint.
    const from = state === 'running' ? logged[i].step : jobStep(dir, job);
    const seconds = Math.max(0, target(job) - from) * rate;
    totalSeconds += seconds;
    return seconds;
  });
  return { perJob, totalSeconds, unknown };
}
