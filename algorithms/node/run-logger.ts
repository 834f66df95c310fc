/**
 * The progress files of a run folder: `progress.csv` and `progress.jsonl`, one row per finished
 * episode and per evaluation, the same columns in both. The columns are fixed for a run: the
 * counters, then the algorithm's metrics and gauges (algorithms/common/records.ts), then timing.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { showValue } from '../../engine/index.ts';
import type { EvalPoint, ProgressRecord } from '../common/records.ts';

export type { EvalPoint, ProgressRecord };

const COUNTERS = ['step', 'episode', 'episode_return', 'eval_return_mean', 'eval_return_std'] as const;
const TIMING = ['updates_per_s', 'wall_s'] as const;

export class RunLogger {
  readonly csvPath: string;
  readonly jsonlPath: string;
  private readonly columns: string[];
  private readonly evaluations: EvalPoint[] = [];

  /**
   * @param valueNames the metric and gauge columns, fixed for the run (e.g. ['critic_loss', 'actor_loss', 'alpha']).
   * @param resumeFromStep keep the rows of an existing run up to this step (rows written after the
   *   checkpoint being resumed are dropped, so a resumed run's files match an uninterrupted one);
   *   when omitted, existing files are replaced.
   */
  constructor(dir: string, valueNames: readonly string[], resumeFromStep?: number) {
    // Checked before the folder is created.
    if (typeof dir !== 'string' || dir === '') throw new TypeError(`RunLogger: dir must be a folder path, got ${showValue(dir)}`);
    if (!Array.isArray(valueNames) || !valueNames.every((name) => typeof name === 'string')) {
      throw new TypeError(`RunLogger: valueNames must be an array of column names, got ${showValue(valueNames)}`);
    }
    if (resumeFromStep !== undefined && !(Number.isInteger(resumeFromStep) && resumeFromStep >= 0)) {
      throw new RangeError(`RunLogger: resumeFromStep must be a non-negative integer, got ${showValue(resumeFromStep)}`);
    }
    fs.mkdirSync(dir, { recursive: true });
    this.csvPath = path.join(dir, 'progress.csv');
    this.jsonlPath = path.join(dir, 'progress.jsonl');
    this.columns = [...COUNTERS, ...valueNames, ...TIMING];
    const kept = resumeFromStep === undefined ? [] : this.readRows().filter((row) => (row.step as number) <= resumeFromStep);
    fs.writeFileSync(this.csvPath, this.columns.join(',') + '\n' + kept.map((r) => this.csvLine(r)).join(''));
    fs.writeFileSync(this.jsonlPath, kept.map((r) => JSON.stringify(r) + '\n').join(''));
    for (const row of kept) this.remember(row);
  }

  /** Appends one row to both files. */
  write(record: ProgressRecord): void {
    const row: Record<string, number | null> = {
      step: record.step,
      episode: record.episode,
      episode_return: record.episodeReturn ?? null,
      eval_return_mean: record.evalReturnMean ?? null,
      eval_return_std: record.evalReturnStd ?? null,
    };
    for (const name of this.columns.slice(COUNTERS.length, this.columns.length - TIMING.length)) {
      row[name] = record.metrics[name] ?? record.gauges[name] ?? null;
    }
    row.updates_per_s = record.updatesPerSecond === undefined ? null : Math.round(record.updatesPerSecond * 1000) / 1000;
    row.wall_s = Math.round(record.wallSeconds * 1000) / 1000;
    fs.appendFileSync(this.csvPath, this.csvLine(row));
    fs.appendFileSync(this.jsonlPath, JSON.stringify(row) + '\n');
    this.remember(row);
  }

  /** Every evaluation logged so far (including those kept from before a resume). */
  evalHistory(): readonly EvalPoint[] {
    return this.evaluations;
  }

  private remember(row: Record<string, number | null>): void {
    const mean = row.eval_return_mean;
    if (typeof mean === 'number') this.evaluations.push({ step: row.step as number, mean, std: (row.eval_return_std as number) ?? 0 });
  }

  private csvLine(row: Record<string, number | null>): string {
    return this.columns.map((c) => (row[c] === null || row[c] === undefined ? '' : String(row[c]))).join(',') + '\n';
  }

  private readRows(): Record<string, number | null>[] {
    if (!fs.existsSync(this.jsonlPath)) return [];
    return fs.readFileSync(this.jsonlPath, 'utf8').split('\n').filter((line) => line.trim() !== '').flatMap((line) => {
      try {
        return [JSON.parse(line) as Record<string, number | null>];
      } catch {
        return []; // a line cut short by a kill mid-write
      }
    });
  }
}

/** The rows of a run's progress.jsonl as RunLogger wrote them; a last line cut short by a kill is skipped. */
export function readProgressRows(runDir: string): Record<string, number | null>[] {
  const file = path.join(runDir, 'progress.jsonl');
  if (!fs.existsSync(file)) return [];
  return fs.readFileSync(file, 'utf8').split('\n').filter((line) => line.trim()).flatMap((line) => {
    try {
      return [JSON.parse(line) as Record<string, number | null>];
    } catch {
      return [];
    }
  });
}

/** The evaluation points among progress rows. */
export function evalPointsOf(rows: readonly Record<string, number | null>[]): EvalPoint[] {
  return rows.flatMap((row) => (typeof row.eval_return_mean === 'number'
    ? [{ step: row.step as number, mean: row.eval_return_mean, std: row.eval_return_std ?? 0 }] : []));
}

/** Reads the evaluation points of a run's progress.jsonl (for curves of finished runs). */
export function readEvalHistory(runDir: string): EvalPoint[] {
  return evalPointsOf(readProgressRows(runDir));
}

/** The first evaluation of the run at or before `upToStep` whose mean return reaches `threshold`, if any. */
export function firstEvalReaching(runDir: string, threshold: number, upToStep: number): EvalPoint | undefined {
  return readEvalHistory(runDir).find((point) => point.step <= upToStep && point.mean >= threshold);
}
