/**
 * Console progress for training: a one-line bar redrawn in place on a TTY, plain periodic lines
 * otherwise (CI logs, `nohup`, pipes), as a training callback.
 */
import { showValue } from '../../engine/index.ts';
import type { Callback, TrainingRun } from '../common/callbacks.ts';
import type { ProgressOptions } from '../common/host.ts';
import type { EvalPoint } from '../common/records.ts';
import { expectPositiveInteger } from '../common/arguments.ts';

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

/** Checks progress options for plain-JS callers; `owner` names the function or class. */
function checkProgressOptions(owner: string, options: unknown): asserts options is ProgressReporterOptions {
  if (typeof options !== 'object' || options === null) throw new TypeError(`${owner}: options must be an object { totalSteps, label, … }, got ${showValue(options)}`);
  const o = options as Record<string, unknown>;
  expectPositiveInteger(owner, 'options.totalSteps', o.totalSteps);
  if (typeof o.label !== 'string') throw new TypeError(`${owner}: options.label must be a string, got ${showValue(o.label)}`);
  if (o.intervalSeconds !== undefined && !(typeof o.intervalSeconds === 'number' && o.intervalSeconds >= 0)) {
    throw new RangeError(`${owner}: options.intervalSeconds must be a number ≥ 0, got ${showValue(o.intervalSeconds)}`);
  }
  for (const key of ['tty', 'silent'] as const) {
    if (o[key] !== undefined && typeof o[key] !== 'boolean') throw new TypeError(`${owner}: options.${key} must be true or false, got ${showValue(o[key])}`);
  }
  const stream = o.stream as { write?: unknown } | undefined;
  if (stream !== undefined && (typeof stream !== 'object' || stream === null || typeof stream.write !== 'function')) {
    throw new TypeError(`${owner}: options.stream must be a writable stream, got ${showValue(stream)}`);
  }
}

/** Console progress: a bar redrawn at most 10×/s on a TTY, otherwise one line every `intervalSeconds`. */
export class ProgressReporter {
  private readonly options: Required<Omit<ProgressReporterOptions, 'stream'>> & { stream: NonNullable<ProgressReporterOptions['stream']> };
  private lastDraw = -Infinity;
  private drewBar = false;
  private lastLine = '';

  constructor(options: ProgressReporterOptions) {
    checkProgressOptions('ProgressReporter', options);
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

function statusOf(run: TrainingRun): ProgressStatus {
  const lastEval = run.learner.training.lastEval;
  return {
    step: run.step, episode: run.episode, lastEpisodeReturn: run.lastEpisodeReturn,
    ...(lastEval ? { lastEval } : {}), updatesPerSecond: run.updatesPerSecond, etaSeconds: run.etaSeconds(), wallSeconds: run.wallSeconds(),
  };
}

/** Progress on stderr: a line after every evaluation, the bar (or a periodic line) in between, a last line at the end. */
export function progressCallback(options: ProgressOptions): Callback {
  checkProgressOptions('progressCallback', options);
  const reporter = new ProgressReporter({
    totalSteps: options.totalSteps, label: options.label,
    ...(options.tty !== undefined ? { tty: options.tty } : {}), ...(options.intervalSeconds !== undefined ? { intervalSeconds: options.intervalSeconds } : {}),
  });
  return {
    onEvaluation: (run) => reporter.evaluated(statusOf(run)),
    onStep(run) {
      if (reporter.due()) reporter.update(statusOf(run), true);
    },
    onTrainingEnd: (run) => reporter.finish(statusOf(run)),
  };
}
