/**
 * Run logging: `progress.csv` and `progress.jsonl` (one row per finished episode and per
 * evaluation, same columns in both), and a console view: a one-line progress bar on a TTY, plain
 * periodic lines otherwise (CI logs, `nohup`, pipes).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

/** One row of the progress files. Absent values are written as empty CSV fields / JSON null. */
export interface ProgressRecord {
  /** Env steps taken so far. */
  step: number;
  /** Episodes finished so far. */
  episode: number;
  /** Return of the episode that just finished (training policy, with exploration). */
  episodeReturn?: number;
  /** Deterministic-policy evaluation at this step. */
  evalReturnMean?: number;
  evalReturnStd?: number;
  /** Mean of each loss over the updates since the previous row, e.g. { critic_loss, actor_loss }. */
  losses?: Record<string, number>;
  /** Entropy temperature (SAC). */
  alpha?: number;
  /** Gradient updates per second of wall time since the previous row. */
  updatesPerSecond?: number;
  /** Wall-clock seconds of training so far (summed over resumed segments). */
  wallSeconds: number;
}

export interface EvalPoint {
  readonly step: number;
  readonly mean: number;
  readonly std: number;
}

const BEFORE_LOSSES = ['step', 'episode', 'episode_return', 'eval_return_mean', 'eval_return_std'] as const;
const AFTER_LOSSES = ['alpha', 'updates_per_s', 'wall_s'] as const;

export class RunLogger {
  readonly csvPath: string;
  readonly jsonlPath: string;
  private readonly columns: string[];
  private readonly evaluations: EvalPoint[] = [];

  /**
   * @param lossNames the loss columns, fixed for the run (e.g. ['critic_loss', 'actor_loss']).
   * @param resumeFromStep keep the rows of an existing run up to this step (rows written after the
   *   checkpoint being resumed are dropped, so a resumed run's files match an uninterrupted one);
   *   when omitted, existing files are replaced.
   */
  constructor(dir: string, lossNames: readonly string[], resumeFromStep?: number) {
    fs.mkdirSync(dir, { recursive: true });
    this.csvPath = path.join(dir, 'progress.csv');
    this.jsonlPath = path.join(dir, 'progress.jsonl');
    this.columns = [...BEFORE_LOSSES, ...lossNames, ...AFTER_LOSSES];
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
    for (const name of this.columns.slice(BEFORE_LOSSES.length, this.columns.length - AFTER_LOSSES.length)) {
      row[name] = record.losses?.[name] ?? null;
    }
    row.alpha = record.alpha ?? null;
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

/** Reads the evaluation points of a run's progress.jsonl (for curves of finished runs). */
export function readEvalHistory(runDir: string): EvalPoint[] {
  const file = path.join(runDir, 'progress.jsonl');
  if (!fs.existsSync(file)) return [];
  const points: EvalPoint[] = [];
  for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
    if (!line.trim()) continue;
    try {
      const row = JSON.parse(line) as Record<string, number | null>;
      if (typeof row.eval_return_mean === 'number') {
        points.push({ step: row.step as number, mean: row.eval_return_mean, std: row.eval_return_std ?? 0 });
      }
    } catch {
      // ignore a truncated last line
    }
  }
  return points;
}

export interface ProgressStatus {
  step: number;
  episode: number;
  lastEpisodeReturn?: number;
  lastEval?: EvalPoint;
  updatesPerSecond?: number;
  /** Estimated seconds to the end of training, once it can be estimated. */
  etaSeconds?: number;
  wallSeconds: number;
}

export interface ProgressReporterOptions {
  totalSteps: number;
  /** Prefix of every line, e.g. 'SAC Pendulum-v1 seed 0'. */
  label: string;
  /** Default process.stderr. */
  stream?: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  /** Redraw a bar in place (default: whether the stream is a TTY). */
  tty?: boolean;
  /** Seconds between plain lines when not a TTY (default 15). */
  intervalSeconds?: number;
  /** No output at all (library use, tests). */
  silent?: boolean;
}

/** Console progress: a bar redrawn at most 10×/s on a TTY, otherwise one line every `intervalSeconds`. */
export class ProgressReporter {
  private readonly options: Required<Omit<ProgressReporterOptions, 'stream'>> & { stream: NonNullable<ProgressReporterOptions['stream']> };
  private lastDraw = -Infinity;
  private drewBar = false;
  private lastLine = '';

  constructor(options: ProgressReporterOptions) {
    const stream = options.stream ?? process.stderr;
    this.options = {
      stream,
      totalSteps: options.totalSteps,
      label: options.label,
      tty: options.tty ?? Boolean(stream.isTTY),
      intervalSeconds: options.intervalSeconds ?? 15,
      silent: options.silent ?? false,
    };
  }

  /** Whether `update` would draw now (check this before building a status in a hot loop). */
  due(): boolean {
    const { silent, tty, intervalSeconds } = this.options;
    return !silent && performance.now() / 1000 - this.lastDraw >= (tty ? 0.1 : intervalSeconds);
  }

  /** Draws when the throttle allows (see `due`), or always when `force` is set. */
  update(status: ProgressStatus, force = false): void {
    const { silent, tty, stream } = this.options;
    if (silent) return;
    if (!force && !this.due()) return;
    this.lastDraw = performance.now() / 1000;
    if (tty) {
      const width = this.width();
      stream.write('\r' + this.barLine(status).slice(0, width).padEnd(width));
      this.drewBar = true;
    } else {
      const line = this.plainLine(status);
      if (line !== this.lastLine) stream.write(line + '\n');
      this.lastLine = line;
    }
  }

  /** After an evaluation: a permanent line on a TTY (the bar continues below it), a plain line otherwise. */
  evaluated(status: ProgressStatus): void {
    if (this.options.silent) return;
    if (this.options.tty) this.message(this.plainLine(status));
    else this.update(status, true);
  }

  /** A message on its own line; on a TTY it replaces the bar, which is redrawn below it. */
  message(text: string): void {
    if (this.options.silent) return;
    this.options.stream.write(this.drewBar ? `\r${text.padEnd(this.width())}\n` : `${text}\n`);
    this.drewBar = false;
    this.lastDraw = -Infinity;
  }

  private width(): number {
    const columns = this.options.stream.columns;
    return columns && columns > 20 ? columns - 1 : 120;
  }

  finish(status: ProgressStatus): void {
    if (this.options.silent) return;
    this.update(status, true);
    if (this.drewBar) this.options.stream.write('\n');
    this.drewBar = false;
  }

  private fields(s: ProgressStatus): string {
    const parts = [`ep ${s.episode}`];
    if (s.lastEpisodeReturn !== undefined) parts.push(`return ${s.lastEpisodeReturn.toFixed(1)}`);
    if (s.lastEval) parts.push(`eval ${s.lastEval.mean.toFixed(1)}±${s.lastEval.std.toFixed(1)} @${s.lastEval.step}`);
    if (s.updatesPerSecond !== undefined) parts.push(`${s.updatesPerSecond.toFixed(1)} upd/s`);
    if (s.etaSeconds !== undefined && s.etaSeconds > 0) parts.push(`eta ${formatDuration(s.etaSeconds)}`);
    return parts.join('  ');
  }

  private barLine(s: ProgressStatus): string {
    const { totalSteps, label } = this.options;
    const fraction = Math.min(1, s.step / totalSteps);
    const filled = Math.round(fraction * 20);
    const bar = '█'.repeat(filled) + '░'.repeat(20 - filled);
    return `${label} ${s.step}/${totalSteps} ${bar} ${this.fields(s)}  ${formatDuration(s.wallSeconds)}`;
  }

  private plainLine(s: ProgressStatus): string {
    const { totalSteps, label } = this.options;
    const percent = ((100 * s.step) / totalSteps).toFixed(1);
    return `${label} step ${s.step}/${totalSteps} (${percent}%)  ${this.fields(s)}  wall ${formatDuration(s.wallSeconds)}`;
  }
}

/** 75 → '1m15s'. */
export function formatDuration(seconds: number): string {
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}
