/**
 * Policy evaluation: run N full episodes with a (normally deterministic) policy and report the
 * mean and standard deviation of the undiscounted return, as SB3's `evaluate_policy` (population
 * std, NumPy's default).
 */
import { showValue } from '../../engine/index.ts';
import { checkEnv, type ContinuousEnv } from './env.ts';
import { expectPositiveInteger } from './arguments.ts';

export interface EvaluationOptions {
  /** Number of episodes (default 10). */
  episodes?: number;
  /**
   * Episode i resets with seed `seed + i`, so every evaluation of a run sees the same start states
   * and evaluation never touches the training streams (default 0).
   */
  seed?: number;
  /** Safety cap on steps per episode for envs without a time limit (default 100 000). */
  maxEpisodeSteps?: number;
}

export interface EvaluationResult {
  readonly mean: number;
  readonly std: number;
  readonly returns: number[];
  readonly lengths: number[];
}

/** The policy or env produced NaN or ±Inf during evaluation: refused rather than averaged into a return. */
export class NonFiniteEvaluationError extends Error {
  override name = 'NonFiniteEvaluationError';
}

/**
 * @param act maps an observation to an action in the env's own units.
 * @example evaluate((obs) => sac.predict(obs, { deterministic: true }), makeEnv(), { episodes: 10 })
 */
export function evaluate(
  act: (obs: ArrayLike<number>) => ArrayLike<number>, env: ContinuousEnv, options: EvaluationOptions = {},
): EvaluationResult {
  checkEpisodeArguments('evaluate', act, env, options);
  const { episodes = 10, seed = 0, maxEpisodeSteps = 100_000 } = options;
  expectPositiveInteger('evaluate', 'episodes', episodes);
  const returns: number[] = [];
  const lengths: number[] = [];
  for (let e = 0; e < episodes; e++) {
    const episode = runEpisode(act, env, e, seed + e, maxEpisodeSteps);
    returns.push(episode.return);
    lengths.push(episode.length);
  }
  return { ...meanStd(returns), returns, lengths };
}

export interface RecordedEpisode {
  /** `renderSvg()` after the reset and after every step: length + 1 frames. */
  readonly frames: string[];
  readonly return: number;
  readonly length: number;
}

/**
 * One episode of `act` from `env.reset({ seed })` with a rendered frame per state: with the evaluation's
 * policy and seed, the frames of `evaluate`'s first episode.
 * @example writeFileSync('episode.svg', animatedSvg(recordEpisode(act, env, { seed }).frames, env.metadata.renderFps))
 */
export function recordEpisode(
  act: (obs: ArrayLike<number>) => ArrayLike<number>, env: ContinuousEnv & { renderSvg(): string },
  options: Omit<EvaluationOptions, 'episodes'> = {},
): RecordedEpisode {
  checkEpisodeArguments('recordEpisode', act, env, options);
  if (typeof env.renderSvg !== 'function') throw new TypeError(`recordEpisode: env.renderSvg must be a function (it draws the frames), got ${showValue(env.renderSvg)}`);
  const { seed = 0, maxEpisodeSteps = 100_000 } = options;
  const frames: string[] = [];
  const episode = runEpisode(act, env, 0, seed, maxEpisodeSteps, () => frames.push(env.renderSvg()));
  return { frames, ...episode };
}

/** Checks what `evaluate` and `recordEpisode` share, for plain-JS callers. */
function checkEpisodeArguments(owner: string, act: unknown, env: unknown, options: unknown): void {
  if (typeof act !== 'function') throw new TypeError(`${owner}: act must be a function from an observation to an action, got ${showValue(act)}`);
  checkEnv(owner, env, 'env');
  if (typeof options !== 'object' || options === null) throw new TypeError(`${owner}: options must be an object, got ${showValue(options)}`);
  const { seed, maxEpisodeSteps } = options as EvaluationOptions;
  if (seed !== undefined && !Number.isSafeInteger(seed)) throw new RangeError(`${owner}: seed must be a safe integer, got ${showValue(seed)}`);
  if (maxEpisodeSteps !== undefined) expectPositiveInteger(owner, 'maxEpisodeSteps', maxEpisodeSteps);
}

/** Runs episode number `index` from a reset with `seed`, calling `onState` after the reset and after each step. */
function runEpisode(
  act: (obs: ArrayLike<number>) => ArrayLike<number>, env: ContinuousEnv, index: number, seed: number, maxEpisodeSteps: number,
  onState?: () => void,
): { return: number; length: number } {
  const action = new Float32Array(env.actionSpace.low.length);
  let { obs } = env.reset({ seed });
  onState?.();
  let total = 0;
  let length = 0;
  for (;;) {
    action.set(act(obs));
    for (let i = 0; i < action.length; i++) {
      if (!Number.isFinite(action[i])) {
        throw new NonFiniteEvaluationError(`evaluate: the policy's action ${i} is ${action[i]} in episode ${index} at step ${length} (non-finite weights or observations); no return is reported`);
      }
    }
    const step = env.step(action);
    if (!Number.isFinite(step.reward)) {
      throw new NonFiniteEvaluationError(`evaluate: the env returned reward ${step.reward} in episode ${index} at step ${length + 1}; no return is reported`);
    }
    onState?.();
    total += step.reward;
    length++;
    obs = step.obs;
    if (step.terminated || step.truncated || length >= maxEpisodeSteps) return { return: total, length };
  }
}

/** Mean and population standard deviation. */
export function meanStd(values: readonly number[]): { mean: number; std: number } {
  if (!Array.isArray(values) || !values.every((v) => typeof v === 'number')) {
    throw new TypeError(`meanStd: values must be an array of numbers, got ${showValue(values)}`);
  }
  if (values.length === 0) throw new RangeError('meanStd: values must hold at least one number, got []');
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  const variance = values.reduce((a, v) => a + (v - mean) ** 2, 0) / values.length;
  return { mean, std: Math.sqrt(variance) };
}
