/**
 * Training callbacks (SB3's model): evaluation, logging, checkpoints, progress and early stop are
 * all callbacks, and users add their own. The runner calls, in list order:
 * - `onTrainingStart` once;
 * - `onStep` after every env step and the updates that follow it (return false to stop);
 * - `onEvaluation` whenever a callback reports an evaluation (`run.reportEvaluation`), so an
 *   early-stop rule sees the result before its own `onStep` (return false to stop);
 * - `onRecord` for every progress row (an episode ended, or an evaluation ran);
 * - `onTrainingEnd` once, when training ends for any reason except an exception.
 *
 * @example
 * agent.learn({ totalSteps: 20_000, callbacks: [stopOnEvalReturn(-200), { onEvaluation: (run, r) => console.log(run.step, r.mean) }] });
 */
import { showValue } from '../../engine/index.ts';
import { evaluate, type EvaluationResult } from './evaluate.ts';
import { checkEnv, type ContinuousEnv } from './env.ts';
import type { Learner } from './learner.ts';
import type { ProgressRecord } from './records.ts';
import { expectPositiveInteger } from './arguments.ts';

/** Read-only view of the run given to callbacks. */
export interface TrainingContext {
  /** Env steps taken so far (counting steps before a resume). */
  readonly step: number;
  /** Episodes finished so far. */
  readonly episode: number;
  /** Gradient updates (on-policy: training iterations) done so far. */
  readonly updates: number;
  /** The `totalSteps` this `learn` call trains to. */
  readonly totalSteps: number;
  /** Return of the last finished training episode, if any. */
  readonly lastEpisodeReturn: number | undefined;
}

/** What the runner offers callbacks beyond the counters. */
export interface TrainingRun extends TrainingContext {
  readonly learner: Learner;
  /** Return of the episode that finished at this step, if one did. */
  readonly finishedEpisodeReturn: number | undefined;
  /** The evaluation reported at this step, if any. */
  readonly evaluation: EvaluationResult | undefined;
  /** Gradient updates per second since the previous progress row, once updates run. */
  readonly updatesPerSecond: number | undefined;
  /** Seconds left at the recent update rate (acting and evaluation not counted), once updates run. */
  etaSeconds(): number | undefined;
  /** Wall-clock seconds of training so far, over resumed segments. */
  wallSeconds(): number;
  /** Publishes an evaluation: stored as the run's last, passed to every callback's `onEvaluation`. */
  reportEvaluation(result: EvaluationResult): void;
  /** Where the last complete checkpoint of this run is, if any (named by the NaN guard). */
  lastCheckpoint: string | null;
}

export interface TrainingEnd {
  readonly reason: 'completed' | 'callback' | 'interrupted';
}

export interface Callback {
  onTrainingStart?(run: TrainingRun): void;
  /** After each env step (and the updates that follow it). Return false to stop training. */
  onStep?(run: TrainingRun): boolean | void;
  /** After an evaluation is reported. Return false to stop training. */
  onEvaluation?(run: TrainingRun, result: EvaluationResult): boolean | void;
  /** A progress row. */
  onRecord?(run: TrainingRun, record: ProgressRecord): void;
  /** Once, when training ends for any reason except an exception. */
  onTrainingEnd?(run: TrainingRun, end: TrainingEnd): void;
}

/** Stops training once an evaluation's mean return reaches `threshold` (SB3's StopTrainingOnRewardThreshold). */
export function stopOnEvalReturn(threshold: number): Callback {
  if (typeof threshold !== 'number' || Number.isNaN(threshold)) throw new RangeError(`stopOnEvalReturn: threshold must be a number, got ${threshold}`);
  return { onEvaluation: (_run, result) => result.mean < threshold };
}

/** Calls `fn` every `interval` env steps. */
export function everySteps(interval: number, fn: (run: TrainingRun) => boolean | void): Callback {
  if (!Number.isInteger(interval) || interval < 1) throw new RangeError(`everySteps: interval must be a positive integer, got ${interval}`);
  if (typeof fn !== 'function') throw new TypeError(`everySteps: fn must be a function, got ${showValue(fn)}`);
  return { onStep: (run) => (run.step % interval === 0 ? fn(run) : undefined) };
}

export interface EvaluationSchedule {
  /** A separate instance of the training env. */
  readonly env: ContinuousEnv;
  /** Env steps between evaluations, at multiples of this (0 disables). */
  readonly every: number;
  /** Episodes per evaluation. */
  readonly episodes: number;
  /** Episode i resets with seed `seed + i`, so every evaluation sees the same start states. */
  readonly seed: number;
}

/**
 * True when going from env step `previous` to `step` reaches a multiple of `every` (0: never). A
 * vector env's step count may jump past a multiple; that counts once.
 */
export function reachedMultiple(previous: number, step: number, every: number): boolean {
  return every > 0 && Math.floor(step / every) > Math.floor(previous / every);
}

/**
 * Evaluates the deterministic policy each time the step count reaches a multiple of `every`
 * (SB3's EvalCallback; a vector env's step count may jump past a multiple, which counts once).
 */
export function evaluationCallback(schedule: EvaluationSchedule): Callback {
  if (typeof schedule !== 'object' || schedule === null) {
    throw new TypeError(`evaluationCallback: the schedule must be an object { env, every, episodes, seed }, got ${showValue(schedule)}`);
  }
  const { env, every, episodes, seed } = schedule;
  checkEnv('evaluationCallback', env, 'env');
  if (!Number.isInteger(every) || every < 0) throw new RangeError(`evaluationCallback: every must be a non-negative integer, got ${showValue(every)}`);
  expectPositiveInteger('evaluationCallback', 'episodes', episodes);
  if (!Number.isSafeInteger(seed)) throw new RangeError(`evaluationCallback: seed must be a safe integer, got ${showValue(seed)}`);
  let previousStep = 0;
  return {
    onTrainingStart(run) {
      previousStep = run.step;
    },
    onStep(run) {
      const due = reachedMultiple(previousStep, run.step, every);
      previousStep = run.step;
      if (!due) return;
      const learner = run.learner;
      run.reportEvaluation(evaluate((obs) => learner.predict(obs, { deterministic: true }), env, { episodes, seed }));
    },
  };
}
