/**
 * Training callbacks, SB3's protocol reduced to what off-policy training calls: a hook after every
 * env step and one after every evaluation, each of which may stop training by returning `false`.
 *
 * @example
 * sac.learn({ totalSteps: 20_000, callbacks: [stopOnEvalReturn(-200), { onEval: (c, r) => console.log(c.step, r.mean) }] });
 */
import type { EvaluationResult } from './evaluate.ts';

/** Read-only view of the training loop given to callbacks. */
export interface TrainingContext {
  /** Env steps taken so far (counting steps before a resume). */
  readonly step: number;
  /** Episodes finished so far. */
  readonly episode: number;
  /** Gradient updates done so far. */
  readonly updates: number;
  /** The `totalSteps` this `learn` call trains to. */
  readonly totalSteps: number;
  /** Return of the last finished training episode, if any. */
  readonly lastEpisodeReturn: number | undefined;
}

export interface Callback {
  onTrainingStart?(context: TrainingContext): void;
  /** After each env step (and the updates that follow it). Return false to stop training. */
  onStep?(context: TrainingContext): boolean | void;
  /** After each periodic evaluation. Return false to stop training. */
  onEval?(context: TrainingContext, result: EvaluationResult): boolean | void;
  /** Once, when training ends for any reason except an exception. */
  onTrainingEnd?(context: TrainingContext): void;
}

/** Stops training once an evaluation's mean return reaches `threshold` (SB3's StopTrainingOnRewardThreshold). */
export function stopOnEvalReturn(threshold: number): Callback {
  return { onEval: (_context, result) => result.mean < threshold };
}

/** Calls `fn` every `interval` env steps. */
export function everySteps(interval: number, fn: (context: TrainingContext) => boolean | void): Callback {
  if (!Number.isInteger(interval) || interval < 1) throw new RangeError(`everySteps: interval must be a positive integer, got ${interval}`);
  return { onStep: (context) => (context.step % interval === 0 ? fn(context) : undefined) };
}

/** Runs a hook on every callback; true when none asked to stop. */
export function runCallbacks<K extends 'onStep' | 'onEval'>(
  callbacks: readonly Callback[], hook: K, ...args: Parameters<NonNullable<Callback[K]>>
): boolean {
  let keepGoing = true;
  for (const callback of callbacks) {
    const fn = callback[hook] as ((...a: typeof args) => boolean | void) | undefined;
    if (fn && fn.apply(callback, args) === false) keepGoing = false;
  }
  return keepGoing;
}
