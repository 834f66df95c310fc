/** Sweeps, tuning and reports (algorithms/sweep/README.md): what the backends and studies build on. */
export { canonicalJson, evaluationSeed, expandSweep, expandTuning, gridPoints, sampleTrials, type SweepJob } from './expand.ts';
export {
  findJob, jobDir, jobStatus, jobStep, lockSweep, loggedStep, readJobResult, readJobStatusFile, readSweep, selectJobs, writeFileAtomic,
  writeJobStatusFile, writeSweep,
  type JobResult, type JobState, type JobStatusFile, type SweepFolder,
} from './folder.ts';
export { runSweepJob, type JobRunOptions } from './job.ts';
export { exitStatus, runLocal, runLocalSweeps, type LocalRunOptions, type LocalRunSummary, type LocalSweep } from './local.ts';
export { buildReport, renderMarkdown, writeReport, type PairedComparison, type SweepReport, type VariantSummary } from './report.ts';
export { meanInterval, pairedDifferences, studentTCdf, studentTQuantile, type IntervalSummary } from '../common/stats.ts';
export { checkSweep, parseSweepText, readSweepFile, type Distribution, type SweepSpec } from './sweep-file.ts';
export { rungBudgets, runTune } from './tune.ts';
