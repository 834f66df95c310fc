/**
 * The training runner: one loop for every algorithm. It owns env stepping, episodes, warm-up, the
 * update schedule, the NaN guard, signals and the progress rows, and hands everything else to
 * callbacks (evaluation, run folder, progress, early stop, the user's own). The algorithm supplies
 * only its hooks (learner.ts): off-policy learners act, store and update; on-policy learners act,
 * observe a rollout and train on it.
 *
 * Everything the loop touches lives in the learner's `TrainingState` or in the learner itself, and
 * all of it is checkpointed, so `learn` resumed from a checkpoint continues exactly.
 */
import type { Callback, TrainingEnd, TrainingRun } from './callbacks.ts';
import { evaluationCallback } from './callbacks.ts';
import { checkEnv, flatSize, type ContinuousEnv } from './env.ts';
import type { EvaluationResult } from './evaluate.ts';
import { host } from './host.ts';
import type { Learner, Metrics, OffPolicyLearner, OnPolicyLearner } from './learner.ts';
import type { ProgressRecord } from './records.ts';
import { accumulateMetrics, takeMetricMeans, type TrainingState } from './training-state.ts';
import { showValue } from '../../engine/index.ts';

/** What `learn` takes; unknown keys throw, and an `evalEnv` must have the observation and action sizes of the agent's env. */
export interface LearnOptions {
  /** Train until this many env steps have been taken in total (counting steps before a resume). */
  totalSteps: number;
  callbacks?: readonly Callback[];
  /** Run folder (Node): progress.csv, progress.jsonl, curve.svg and checkpoint/ are written here. */
  runDir?: string;
  /** Env for periodic deterministic evaluation (a separate instance from the training env). */
  evalEnv?: ContinuousEnv;
  /** Env steps between evaluations, at multiples of this (default 5000; 0 disables). */
  evalEvery?: number;
  /** Episodes per evaluation (default 10). */
  evalEpisodes?: number;
  /** Evaluation episode i resets with seed evalSeed + i (default seed + 1 000 000). */
  evalSeed?: number;
  /** Env steps between checkpoints in runDir (default 10 000; 0: only at the end). */
  checkpointEvery?: number;
  /** Console progress (default off). */
  progress?: boolean | { label?: string; intervalSeconds?: number; tty?: boolean };
  /** On SIGINT/SIGTERM save a checkpoint and return with reason 'interrupted' (default false). */
  handleSignals?: boolean;
}

export interface LearnResult {
  readonly reason: TrainingEnd['reason'];
  readonly step: number;
  readonly episode: number;
  readonly updates: number;
  readonly wallSeconds: number;
  readonly lastEval: { readonly step: number; readonly mean: number; readonly std: number } | null;
}

/** A metric became NaN or ±Inf: training stopped, the last checkpoint (if any) was left untouched. */
export class NonFiniteLossError extends Error {
  override name = 'NonFiniteLossError';
  constructor(
    readonly algorithm: string, readonly lossName: string, readonly value: number,
    readonly step: number, readonly update: number, readonly lastCheckpoint: string | null,
  ) {
    super(`${NonFiniteLossError.describe(algorithm, lossName, value, step, update)} ` +
      (lastCheckpoint ? `The last good checkpoint is kept at ${lastCheckpoint}.` : 'No checkpoint was written.'));
  }

  /** What stopped training, without the pointer to a checkpoint (which a report about an archived run cannot use). */
  get reason(): string {
    return NonFiniteLossError.describe(this.algorithm, this.lossName, this.value, this.step, this.update);
  }

  /** `reason` of a message this error wrote (e.g. a failed sweep job's status); other messages are returned as they are. */
  static reasonOf(message: string): string {
    return message.replace(/ (The last good checkpoint is kept at .*|No checkpoint was written\.)$/s, '');
  }

  private static describe(algorithm: string, lossName: string, value: number, step: number, update: number): string {
    return `${algorithm}: ${lossName} is ${value} at env step ${step} (update ${update}); training stopped.`;
  }
}

function checkCount(name: string, value: unknown, allowZero = false): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < (allowZero ? 0 : 1)) {
    throw new RangeError(`learn: ${name} must be a${allowZero ? ' non-negative' : ' positive'} integer, got ${showValue(value)}`);
  }
  return value;
}

const yieldToEventLoop = (): Promise<void> =>
  new Promise((resolve) => (typeof setImmediate === 'function' ? setImmediate(resolve) : setTimeout(resolve, 0)));

const CALLBACK_HOOKS = ['onTrainingStart', 'onStep', 'onEvaluation', 'onRecord', 'onTrainingEnd'] as const;

/** A callback is an object whose hooks, where present, are functions (checked once, before training). */
function checkCallback(what: string, callback: unknown): void {
  if (typeof callback !== 'object' || callback === null) throw new TypeError(`${what} must be a callback object ({ onStep?, onEvaluation?, … }), got ${showValue(callback)}`);
  for (const hook of CALLBACK_HOOKS) {
    const f: unknown = (callback as Record<string, unknown>)[hook];
    if (f !== undefined && typeof f !== 'function') throw new TypeError(`${what}.${hook} must be a function, got ${showValue(f)}`);
  }
}

/** An evaluation env must take the agent's actions and give it observations of its size: a mismatch would otherwise surface at the first evaluation, deep in training. */
function checkEvalEnv(learner: Learner, evalEnv: ContinuousEnv): void {
  const observationSize = 'observationSize' in learner && typeof learner.observationSize === 'number' ? learner.observationSize : null;
  const sizes = [flatSize(evalEnv.observationSpace.shape), flatSize(evalEnv.actionSpace.shape)];
  if ((observationSize === null || sizes[0] === observationSize) && sizes[1] === learner.actionSize) return;
  const evalId = 'id' in evalEnv && typeof evalEnv.id === 'string' ? ` (${evalEnv.id})` : '';
  throw new RangeError(`learn: evalEnv${evalId} does not fit the agent, built for ${learner.envId}: ` +
    `observations of ${sizes[0]} values and actions of ${sizes[1]}, where the agent takes ${observationSize ?? 'its'} and gives ${learner.actionSize}`);
}

/** Every key of LearnOptions (a key added there and not here fails to compile). */
const LEARN_OPTION_KEYS = Object.keys({
  totalSteps: true, callbacks: true, runDir: true, evalEnv: true, evalEvery: true, evalEpisodes: true, evalSeed: true, checkpointEvery: true,
  progress: true, handleSignals: true,
} satisfies Record<keyof LearnOptions, true>);

/** The options with their defaults, checked before any work. */
function resolveOptions(learner: Learner, options: LearnOptions) {
  if (typeof options !== 'object' || options === null) throw new TypeError(`learn: options must be an object with totalSteps, got ${showValue(options)}`);
  // A misspelt option (evalFreq, checkpointFrequency) would otherwise train with the default, silently.
  const unknown = Object.keys(options).filter((key) => !LEARN_OPTION_KEYS.includes(key));
  if (unknown.length > 0) throw new RangeError(`learn: unknown option '${unknown[0]}'; known options: ${LEARN_OPTION_KEYS.join(', ')}`);
  const callbacks = options.callbacks ?? [];
  if (!Array.isArray(callbacks)) throw new TypeError(`learn: callbacks must be an array, got ${showValue(callbacks)}`);
  callbacks.forEach((callback: unknown, i) => checkCallback(`learn: callbacks[${i}]`, callback));
  if (options.evalEnv !== undefined) checkEvalEnv(learner, checkEnv('learn', options.evalEnv, 'evalEnv'));
  const progress: unknown = options.progress;
  if (progress !== undefined && typeof progress !== 'boolean' && (typeof progress !== 'object' || progress === null)) {
    throw new TypeError(`learn: progress must be true, false or { label?, intervalSeconds?, tty? }, got ${showValue(progress)}`);
  }
  if (options.handleSignals !== undefined && typeof options.handleSignals !== 'boolean') {
    throw new TypeError(`learn: handleSignals must be true or false, got ${showValue(options.handleSignals)}`);
  }
  if (options.runDir !== undefined && (typeof options.runDir !== 'string' || options.runDir === '')) {
    throw new TypeError(`learn: runDir must be a non-empty path, got ${showValue(options.runDir)}`);
  }
  return {
    totalSteps: checkCount('totalSteps', options.totalSteps),
    evalEvery: checkCount('evalEvery', options.evalEvery ?? 5000, true),
    evalEpisodes: checkCount('evalEpisodes', options.evalEpisodes ?? 10),
    evalSeed: checkCount('evalSeed', options.evalSeed ?? learner.config.seed + 1_000_000, true),
    checkpointEvery: checkCount('checkpointEvery', options.checkpointEvery ?? 10_000, true),
    callbacks,
  };
}

/** Trains `learner` until `totalSteps`, a callback stops, or a signal arrives. */
export async function learn(learner: Learner, options: LearnOptions): Promise<LearnResult> {
  const { totalSteps, evalEvery, evalEpisodes, evalSeed, checkpointEvery, callbacks: userCallbacks } = resolveOptions(learner, options);
  const state = learner.training;
  const progress = options.progress;
  const label = (typeof progress === 'object' ? progress.label : undefined) ?? `${learner.algorithm} ${learner.envId} seed ${learner.config.seed}`;
  const hostCallbacks = [
    ...(options.runDir !== undefined ? host('learn({ runDir })').runFolderCallbacks(options.runDir, learner, { totalSteps, checkpointEvery }) : []),
    ...(progress ? [host('learn({ progress })').progressCallback({
      totalSteps, label, ...(typeof progress === 'object' ? { intervalSeconds: progress.intervalSeconds, tty: progress.tty } : {}),
    })] : []),
  ];

  // Wall time of this segment is added to what earlier segments recorded.
  const wallAtStart = state.wallSeconds;
  const segmentStart = performance.now();
  const wallNow = (): number => wallAtStart + (performance.now() - segmentStart) / 1000;

  let finishedEpisodeReturn: number | undefined;
  let evaluation: EvaluationResult | undefined;
  let stopRequested = false;
  let updatesSinceRow = 0;
  let updateSecondsSinceRow = 0;
  let recentUpdatesPerSecond: number | undefined;

  const recorder: Callback = {
    onStep(run) {
      if (finishedEpisodeReturn === undefined && evaluation === undefined) return;
      if (updateSecondsSinceRow > 0) recentUpdatesPerSecond = updatesSinceRow / updateSecondsSinceRow;
      const record: ProgressRecord = {
        step: state.step,
        episode: state.episode,
        episodeReturn: finishedEpisodeReturn,
        evalReturnMean: evaluation?.mean,
        evalReturnStd: evaluation?.std,
        metrics: takeMetricMeans(state, learner.metricNames),
        gauges: learner.gauges(),
        updatesPerSecond: updatesSinceRow > 0 ? recentUpdatesPerSecond : undefined,
        wallSeconds: wallNow(),
      };
      updatesSinceRow = 0;
      updateSecondsSinceRow = 0;
      for (const c of callbacks) c.onRecord?.(run, record);
    },
  };
  const callbacks: readonly Callback[] = [
    ...(options.evalEnv ? [evaluationCallback({ env: options.evalEnv, every: evalEvery, episodes: evalEpisodes, seed: evalSeed })] : []),
    recorder,
    ...userCallbacks,
    ...hostCallbacks,
  ];

  const run: TrainingRun = {
    learner,
    totalSteps,
    get step() { return state.step; },
    get episode() { return state.episode; },
    get updates() { return state.updates; },
    get lastEpisodeReturn() { return state.lastEpisodeReturn ?? undefined; },
    get finishedEpisodeReturn() { return finishedEpisodeReturn; },
    get evaluation() { return evaluation; },
    get updatesPerSecond() { return recentUpdatesPerSecond; },
    etaSeconds: () => etaSeconds(learner, state, totalSteps, recentUpdatesPerSecond),
    wallSeconds: wallNow,
    lastCheckpoint: null,
    reportEvaluation(result) {
      evaluation = result;
      state.lastEval = { step: state.step, mean: result.mean, std: result.std };
      for (const c of callbacks) if (c.onEvaluation?.(run, result) === false) stopRequested = true;
    },
  };

  /** Runs `train` (one or more updates), guarding every metric and timing it for the progress rows. */
  const trained = (updates: number, train: () => Metrics): void => {
    const started = performance.now();
    for (let u = 0; u < updates; u++) {
      const metrics = train();
      state.updates++;
      for (const name of learner.metricNames) {
        const value = metrics[name];
        if (value !== undefined && !Number.isFinite(value)) {
          throw new NonFiniteLossError(learner.algorithm, name, value, state.step, state.updates, run.lastCheckpoint);
        }
      }
      accumulateMetrics(state, learner.metricNames, metrics);
    }
    updatesSinceRow += updates;
    updateSecondsSinceRow += (performance.now() - started) / 1000;
  };
  const collect = learner.kind === 'off-policy' ? offPolicyCollector(learner, trained) : onPolicyCollector(learner, trained, totalSteps);

  let interrupted = false;
  const stopListening = options.handleSignals
    ? host('learn({ handleSignals })').onInterrupt(() => {
      interrupted = true;
    })
    : () => {};
  let reason: TrainingEnd['reason'] = 'completed';
  let lastYield = performance.now();
  try {
    for (const c of callbacks) c.onTrainingStart?.(run);
    while (state.step < totalSteps) {
      finishedEpisodeReturn = collect();
      evaluation = undefined;
      state.wallSeconds = wallNow();
      for (const c of callbacks) if (c.onStep?.(run) === false) stopRequested = true;
      if (stopRequested) {
        reason = 'callback';
        break;
      }
      if (performance.now() - lastYield > 50) {
        await yieldToEventLoop();
        lastYield = performance.now();
        if (interrupted) {
          reason = 'interrupted';
          break;
        }
      }
    }
    state.wallSeconds = wallNow();
    for (const c of callbacks) c.onTrainingEnd?.(run, { reason });
    return { reason, step: state.step, episode: state.episode, updates: state.updates, wallSeconds: state.wallSeconds, lastEval: state.lastEval };
  } finally {
    stopListening();
  }
}

/** Seconds left at the recent update rate (acting and evaluation not counted), once updates run. */
function etaSeconds(learner: Learner, state: TrainingState, totalSteps: number, updatesPerSecond: number | undefined): number | undefined {
  if (!updatesPerSecond) return undefined;
  if (learner.kind === 'off-policy') {
    const c = learner.config;
    if (state.step < c.learningStarts) return undefined;
    return ((totalSteps - state.step) * (c.gradientSteps / c.trainFrequency)) / updatesPerSecond;
  }
  const stepsPerIteration = learner.config.rolloutSteps * learner.env.numEnvs;
  return (totalSteps - state.step) / stepsPerIteration / updatesPerSecond;
}

type Trainer = (updates: number, train: () => Metrics) => void;

/**
 * One env step of an off-policy learner: reset when needed, act (uniform during warm-up), step,
 * store, and update on the schedule. Returns the return of an episode that ended at this step.
 */
function offPolicyCollector(learner: OffPolicyLearner, trained: Trainer): () => number | undefined {
  const { env, config, training: state, streams } = learner;
  const observation = state.observation;
  const action = new Float32Array(learner.actionSize);
  const envAction = new Float32Array(learner.actionSize);
  return () => {
    // Only the very first reset is seeded (Gymnasium's convention); later resets continue the env's
    // own generator, which is checkpointed.
    if (state.needsReset) {
      observation.set(env.reset(state.step === 0 && state.episode === 0 ? { seed: config.seed } : undefined).obs);
      state.needsReset = false;
      state.episodeReturn = 0;
      state.episodeLength = 0;
    }
    if (state.step < config.learningStarts) {
      for (let i = 0; i < action.length; i++) action[i] = 2 * streams.exploration.uniform() - 1;
    } else {
      learner.exploreAction(observation, action);
    }
    const result = env.step(learner.toEnvAction(action, envAction));
    state.step++;
    state.episodeReturn += result.reward;
    state.episodeLength++;
    // (s, a, r, s', terminated): a truncated episode still bootstraps from s'.
    learner.store(observation, action, result.reward, result.obs, result.terminated);
    observation.set(result.obs);
    let finished: number | undefined;
    if (result.terminated || result.truncated) {
      state.episode++;
      finished = state.lastEpisodeReturn = state.episodeReturn;
      state.needsReset = true;
    }
    if (state.step >= config.learningStarts && state.step % config.trainFrequency === 0) trained(config.gradientSteps, () => learner.update());
    return finished;
  };
}

/**
 * One vector step of an on-policy learner (all E envs, E env steps), and after every
 * `rolloutSteps` of them a training iteration. Episode returns are tracked for env 0.
 */
function onPolicyCollector(learner: OnPolicyLearner, trained: Trainer, totalSteps: number): () => number | undefined {
  const { env, config, training: state } = learner;
  if (env.autoresetMode !== 'SAME_STEP') {
    throw new RangeError(`learn: an on-policy learner needs a vector env in SAME_STEP autoreset mode, got ${env.autoresetMode}`);
  }
  const observations = state.observation;
  const previous = new Float32Array(observations.length);
  const actions = new Float32Array(env.numEnvs * learner.actionSize);
  return () => {
    if (state.needsReset) {
      observations.set(env.reset({ seed: config.seed }).obs);
      state.needsReset = false;
      state.episodeReturn = 0;
      state.episodeLength = 0;
    }
    learner.act(observations, actions);
    previous.set(observations);
    const result = env.step(actions);
    state.step += env.numEnvs;
    state.episodeReturn += result.rewards[0];
    state.episodeLength++;
    let finished: number | undefined;
    for (let i = 0; i < env.numEnvs; i++) {
      if (!result.terminations[i] && !result.truncations[i]) continue;
      state.episode++;
      if (i === 0) {
        finished = state.lastEpisodeReturn = state.episodeReturn;
        state.episodeReturn = 0;
        state.episodeLength = 0;
      }
    }
    learner.observe({
      observations: previous, actions, rewards: result.rewards, terminations: result.terminations, truncations: result.truncations,
      finalObservations: result.info.finalObs, finalMask: result.info.finalObsMask,
    });
    observations.set(result.obs);
    // The position in the rollout follows from the step count, so it needs no saving.
    if ((state.step / env.numEnvs) % config.rolloutSteps === 0) trained(1, () => learner.train(observations, { step: state.step, totalSteps }));
    return finished;
  };
}
