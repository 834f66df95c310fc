/**
 * The off-policy training loop shared by SAC and TD3 (SB3's `OffPolicyAlgorithm.learn`, flattened
 * into one function): act, step the env, store the transition, update, evaluate, log, checkpoint.
 * The algorithm files provide only what differs: how to act and how to update.
 *
 * Everything the loop touches lives in `TrainingState` or in the algorithm (networks, optimizers,
 * buffer, generators), and all of it is checkpointed, so `learn` resumed from a checkpoint
 * continues exactly as the uninterrupted run would.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Generator, type GeneratorState } from '../../engine/index.ts';
import { runCallbacks, type Callback, type TrainingContext } from './callbacks.ts';
import { hasCheckpoint } from './checkpoint.ts';
import { learningCurveSvg } from './curve-svg.ts';
import { ConfigError } from './config.ts';
import { ActionScaler, flatSize, type ContinuousEnv } from './env.ts';
import { evaluate, type EvaluationResult } from './evaluate.ts';
import { ProgressReporter, RunLogger, type EvalPoint, type ProgressStatus } from './logger.ts';
import type { ReplayBuffer } from './replay-buffer.ts';

/** Hyperparameters of the loop itself, part of every off-policy algorithm's config. */
export interface OffPolicyConfig {
  /** Root seed: env, network init, exploration and minibatch streams all derive from it. */
  seed: number;
  /** Replay capacity in transitions. */
  bufferSize: number;
  /** Minibatch size per gradient step. */
  batchSize: number;
  /** Env steps with uniform random actions before the first update. */
  learningStarts: number;
  /** Env steps between rounds of updates (1: update after every step). */
  trainFrequency: number;
  /** Gradient steps per round (the update-to-data ratio is gradientSteps / trainFrequency). */
  gradientSteps: number;
}

/** Counters and episode bookkeeping: the loop's own state, saved in every checkpoint. */
export interface TrainingState {
  /** Env steps taken. */
  step: number;
  /** Episodes finished. */
  episode: number;
  /** Gradient updates done. */
  updates: number;
  /** Undiscounted return and length of the episode in progress. */
  episodeReturn: number;
  episodeLength: number;
  lastEpisodeReturn: number | null;
  /** The env must be reset before the next step (start of training, after an episode ended). */
  needsReset: boolean;
  /** The observation the next action is taken in (valid when !needsReset); written in place. */
  readonly observation: Float32Array;
  /** Wall-clock seconds of `learn`, summed over resumed segments. */
  wallSeconds: number;
  lastEval: EvalPoint | null;
  /** Sum and count of each loss since the last progress row (saved, so rows continue across a resume). */
  lossSums: Record<string, number>;
  lossCounts: Record<string, number>;
}

export function initialTrainingState(observationSize: number): TrainingState {
  return {
    step: 0, episode: 0, updates: 0, episodeReturn: 0, episodeLength: 0, lastEpisodeReturn: null,
    needsReset: true, observation: new Float32Array(observationSize), wallSeconds: 0, lastEval: null,
    lossSums: {}, lossCounts: {},
  };
}

/** The training state as plain JSON (the observation as an array of numbers). */
export function serializeTrainingState(state: TrainingState): Record<string, unknown> {
  return { ...state, observation: Array.from(state.observation) };
}

/**
 * Restores counters from a checkpoint and puts the env back where it was. Without an env state
 * (an env lacking getState/setState) the episode in progress cannot be continued: the next step
 * starts a new episode, and the resumed run is no longer step-for-step identical.
 */
export function restoreTrainingState(state: TrainingState, saved: Record<string, unknown>, env: ContinuousEnv, envState: unknown): void {
  const s = saved as unknown as Omit<TrainingState, 'observation'> & { observation: number[] };
  if (!Number.isInteger(s.step) || !Number.isInteger(s.episode) || !Number.isInteger(s.updates)) {
    throw new Error('checkpoint: training counters are missing or malformed');
  }
  state.step = s.step;
  state.episode = s.episode;
  state.updates = s.updates;
  state.episodeReturn = s.episodeReturn;
  state.episodeLength = s.episodeLength;
  state.lastEpisodeReturn = s.lastEpisodeReturn;
  state.wallSeconds = s.wallSeconds;
  state.lastEval = s.lastEval;
  state.needsReset = s.needsReset;
  state.lossSums = { ...(s.lossSums ?? {}) };
  state.lossCounts = { ...(s.lossCounts ?? {}) };
  state.observation.fill(0);
  if (!s.needsReset) state.observation.set(s.observation);
  if (envState !== null && envState !== undefined && env.setState) {
    env.setState(envState);
  } else if (!s.needsReset) {
    state.needsReset = true;
  }
}

/** The independent random streams of a run, split from the root seed in a fixed order. */
export interface RandomStreams {
  /** Network initialisation (used once, at construction). */
  readonly init: Generator;
  /** Warm-up actions and exploration noise / policy samples while acting. */
  readonly exploration: Generator;
  /** Minibatch indices. */
  readonly minibatch: Generator;
  /** Noise inside updates: reparameterised policy samples (SAC), target smoothing (TD3). */
  readonly update: Generator;
}

export function createStreams(seed: number): RandomStreams {
  const root = new Generator(seed);
  return { init: root.split(), exploration: root.split(), minibatch: root.split(), update: root.split() };
}

/** What every off-policy learner derives from its env and resolved config. */
export interface LearnerSetup {
  readonly envId: string;
  readonly observationSize: number;
  readonly actionSize: number;
  readonly scaler: ActionScaler;
  readonly streams: RandomStreams;
  readonly training: TrainingState;
}

/** The common part of a learner's constructor; throws ConfigError when a minibatch cannot fit the buffer. */
export function learnerSetup(algorithm: string, env: ContinuousEnv, config: OffPolicyConfig): LearnerSetup {
  if (config.batchSize > config.bufferSize) {
    throw new ConfigError(`${algorithm} config: batchSize ${config.batchSize} exceeds bufferSize ${config.bufferSize}`);
  }
  const observationSize = flatSize(env.observationSpace.shape);
  return {
    envId: (env as { id?: string }).id ?? 'custom-env',
    observationSize,
    actionSize: flatSize(env.actionSpace.shape),
    scaler: new ActionScaler(env.actionSpace),
    streams: createStreams(config.seed),
    training: initialTrainingState(observationSize),
  };
}

export function streamStates(streams: RandomStreams): Record<string, GeneratorState> {
  return { exploration: streams.exploration.getState(), minibatch: streams.minibatch.getState(), update: streams.update.getState() };
}

export function restoreStreams(streams: RandomStreams, states: Record<string, GeneratorState>): void {
  streams.exploration.setState(states.exploration);
  streams.minibatch.setState(states.minibatch);
  streams.update.setState(states.update);
}

/** What the loop needs from an algorithm. */
export interface OffPolicyLearner {
  /** 'SAC', 'TD3'. */
  readonly algorithm: string;
  readonly env: ContinuousEnv;
  readonly config: OffPolicyConfig;
  readonly scaler: ActionScaler;
  readonly buffer: ReplayBuffer;
  readonly streams: RandomStreams;
  readonly training: TrainingState;
  /** Names of the losses `update` returns, in column order. */
  readonly lossNames: readonly string[];
  /** The env id for titles and checkpoints, when known. */
  readonly envId: string;
  /** A training action in [−1, 1]ᴬ for `obs` (policy sample, or μ(s) plus noise), into `out`. */
  exploreAction(obs: Float32Array, out: Float32Array): void;
  /** The deterministic action in the env's units. */
  predict(obs: ArrayLike<number>, options?: { deterministic?: boolean }): Float32Array;
  /** One gradient step on a fresh minibatch; returns the losses by name. */
  update(): Record<string, number>;
  /** Entropy temperature, when the algorithm has one. */
  currentAlpha?(): number;
  /** Writes a complete checkpoint (atomically) into `dir`. */
  save(dir: string): void;
  /** One line describing the configuration (for curve titles). */
  describe(): string;
}

export interface LearnOptions {
  /** Train until this many env steps have been taken in total (counting steps before a resume). */
  totalSteps: number;
  callbacks?: readonly Callback[];
  /** Run folder: progress.csv, progress.jsonl, curve.svg and checkpoint/ are written here. */
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
  readonly reason: 'completed' | 'callback' | 'interrupted';
  readonly step: number;
  readonly episode: number;
  readonly updates: number;
  readonly wallSeconds: number;
  readonly lastEval: EvalPoint | null;
}

/** A loss became NaN or ±Inf: training stopped, the last checkpoint (if any) was left untouched. */
export class NonFiniteLossError extends Error {
  override name = 'NonFiniteLossError';
  constructor(
    readonly algorithm: string, readonly lossName: string, readonly value: number,
    readonly step: number, readonly update: number, readonly lastCheckpoint: string | null,
  ) {
    super(
      `${algorithm}: ${lossName} is ${value} at env step ${step} (update ${update}); training stopped. ` +
        (lastCheckpoint ? `The last good checkpoint is kept at ${lastCheckpoint}.` : 'No checkpoint was written.'),
    );
  }
}

function positiveInteger(name: string, value: number, allowZero = false): void {
  if (!Number.isInteger(value) || value < (allowZero ? 0 : 1)) {
    throw new RangeError(`learn: ${name} must be a${allowZero ? ' non-negative' : ' positive'} integer, got ${value}`);
  }
}

function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** The training loop. Resolves when `totalSteps` is reached, a callback stops, or a signal arrives. */
export async function trainOffPolicy(agent: OffPolicyLearner, options: LearnOptions): Promise<LearnResult> {
  const { totalSteps, callbacks = [], runDir, evalEnv, evalEpisodes = 10, handleSignals = false } = options;
  const evalEvery = options.evalEvery ?? 5000;
  const checkpointEvery = options.checkpointEvery ?? 10_000;
  const evalSeed = options.evalSeed ?? agent.config.seed + 1_000_000;
  positiveInteger('totalSteps', totalSteps);
  positiveInteger('evalEvery', evalEvery, true);
  positiveInteger('checkpointEvery', checkpointEvery, true);
  positiveInteger('evalEpisodes', evalEpisodes);

  const { env, config, scaler, buffer, streams, training: state } = agent;
  const checkpointDir = runDir ? path.join(runDir, 'checkpoint') : null;
  const logger = runDir ? new RunLogger(runDir, agent.lossNames, state.step > 0 ? state.step : undefined) : null;
  const label = (typeof options.progress === 'object' ? options.progress.label : undefined)
    ?? `${agent.algorithm} ${agent.envId} seed ${config.seed}`;
  const reporter = new ProgressReporter({
    totalSteps,
    label,
    silent: !options.progress,
    ...(typeof options.progress === 'object' ? { intervalSeconds: options.progress.intervalSeconds, tty: options.progress.tty } : {}),
  });

  const context = (): TrainingContext => ({
    step: state.step, episode: state.episode, updates: state.updates, totalSteps,
    lastEpisodeReturn: state.lastEpisodeReturn ?? undefined,
  });
  const updatesPerStep = config.gradientSteps / config.trainFrequency;
  const status = (): ProgressStatus => ({
    step: state.step, episode: state.episode, lastEpisodeReturn: state.lastEpisodeReturn ?? undefined,
    lastEval: state.lastEval ?? undefined, updatesPerSecond: recentUpdatesPerSecond, wallSeconds: wallNow(),
    // The remaining updates at the current rate (acting and evaluation not counted).
    etaSeconds: recentUpdatesPerSecond && state.step >= config.learningStarts
      ? ((totalSteps - state.step) * updatesPerStep) / recentUpdatesPerSecond : undefined,
  });

  // Wall time of this segment is added to what earlier segments recorded.
  const wallAtStart = state.wallSeconds;
  const segmentStart = performance.now();
  const wallNow = (): number => wallAtStart + (performance.now() - segmentStart) / 1000;

  let lastCheckpoint: string | null = checkpointDir && hasCheckpoint(checkpointDir) ? checkpointDir : null;
  const saveCheckpoint = (): void => {
    if (!checkpointDir) return;
    state.wallSeconds = wallNow();
    agent.save(checkpointDir);
    lastCheckpoint = checkpointDir;
    writeCurve();
  };
  const writeCurve = (): void => {
    if (!runDir || !logger) return;
    const points = logger.evalHistory();
    const svg = learningCurveSvg([{ label: `seed ${config.seed}`, points }], {
      title: `${agent.algorithm} on ${agent.envId} (seed ${config.seed})`,
      subtitle: agent.describe(),
    });
    fs.writeFileSync(path.join(runDir, 'curve.svg'), svg);
  };

  // Signals: set a flag; the loop saves and stops at its next turn (it yields every ~50 ms).
  let interrupted = false;
  const onSignal = (signal: NodeJS.Signals): void => {
    if (interrupted) process.exit(130); // a second Ctrl-C: leave now
    interrupted = true;
    reporter.message(`${signal}: saving a checkpoint and stopping…`);
  };
  if (handleSignals) {
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  }

  const currentObs = state.observation;
  const action = new Float32Array(scaler.size);
  const envAction = new Float32Array(scaler.size);
  let updatesSinceRow = 0;
  let updateSecondsSinceRow = 0;
  let recentUpdatesPerSecond: number | undefined;
  let reason: LearnResult['reason'] = 'completed';
  let lastYield = performance.now();

  const runEvaluation = (): EvaluationResult => {
    const result = evaluate((o) => agent.predict(o, { deterministic: true }), evalEnv as ContinuousEnv, { episodes: evalEpisodes, seed: evalSeed });
    state.lastEval = { step: state.step, mean: result.mean, std: result.std };
    return result;
  };

  const writeRow = (episodeReturn: number | undefined, evaluation: EvaluationResult | undefined): void => {
    const losses: Record<string, number> = {};
    for (const name of agent.lossNames) {
      if (state.lossCounts[name] > 0) losses[name] = state.lossSums[name] / state.lossCounts[name];
    }
    if (updateSecondsSinceRow > 0) recentUpdatesPerSecond = updatesSinceRow / updateSecondsSinceRow;
    logger?.write({
      step: state.step,
      episode: state.episode,
      episodeReturn,
      evalReturnMean: evaluation?.mean,
      evalReturnStd: evaluation?.std,
      losses,
      alpha: agent.currentAlpha?.(),
      updatesPerSecond: updatesSinceRow > 0 ? recentUpdatesPerSecond : undefined,
      wallSeconds: wallNow(),
    });
    state.lossSums = {};
    state.lossCounts = {};
    updatesSinceRow = 0;
    updateSecondsSinceRow = 0;
  };

  try {
    for (const c of callbacks) c.onTrainingStart?.(context());
    while (state.step < totalSteps) {
      // 1. Observe: reset at the start and after every episode. Only the very first reset is seeded
      //    (Gymnasium's convention); later resets continue the env's own generator, which is checkpointed.
      if (state.needsReset) {
        const { obs: first } = env.reset(state.step === 0 && state.episode === 0 ? { seed: config.seed } : undefined);
        currentObs.set(first);
        state.needsReset = false;
        state.episodeReturn = 0;
        state.episodeLength = 0;
      }

      // 2. Act: uniform random actions during warm-up, then the algorithm's exploration policy.
      if (state.step < config.learningStarts) {
        for (let i = 0; i < action.length; i++) action[i] = 2 * streams.exploration.uniform() - 1;
      } else {
        agent.exploreAction(currentObs, action);
      }
      const result = env.step(scaler.toEnv(action, envAction));
      state.step++;
      state.episodeReturn += result.reward;
      state.episodeLength++;

      // 3. Store (s, a, r, s', terminated): a truncated episode still bootstraps from s'.
      buffer.add(currentObs, action, result.reward, result.obs, result.terminated);
      currentObs.set(result.obs);
      let finishedReturn: number | undefined;
      if (result.terminated || result.truncated) {
        state.episode++;
        finishedReturn = state.lastEpisodeReturn = state.episodeReturn;
        state.needsReset = true;
      }

      // 4. Learn.
      if (state.step >= config.learningStarts && state.step % config.trainFrequency === 0) {
        const started = performance.now();
        for (let g = 0; g < config.gradientSteps; g++) {
          const losses = agent.update();
          state.updates++;
          for (const name of agent.lossNames) {
            const value = losses[name];
            if (value === undefined) continue;
            if (!Number.isFinite(value)) {
              throw new NonFiniteLossError(agent.algorithm, name, value, state.step, state.updates, lastCheckpoint);
            }
            state.lossSums[name] = (state.lossSums[name] ?? 0) + value;
            state.lossCounts[name] = (state.lossCounts[name] ?? 0) + 1;
          }
        }
        updatesSinceRow += config.gradientSteps;
        updateSecondsSinceRow += (performance.now() - started) / 1000;
      }

      // 5. Evaluate, log, checkpoint, callbacks.
      let evaluation: EvaluationResult | undefined;
      if (evalEnv && evalEvery > 0 && state.step % evalEvery === 0) evaluation = runEvaluation();
      if (finishedReturn !== undefined || evaluation) writeRow(finishedReturn, evaluation);
      if (evaluation) reporter.evaluated(status());
      let keepGoing = true;
      if (callbacks.length > 0) {
        if (evaluation && !runCallbacks(callbacks, 'onEval', context(), evaluation)) keepGoing = false;
        if (!runCallbacks(callbacks, 'onStep', context())) keepGoing = false;
      }
      if (checkpointEvery > 0 && state.step % checkpointEvery === 0 && state.step < totalSteps) saveCheckpoint();
      if (reporter.due()) reporter.update(status(), true);
      if (!keepGoing) {
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
    saveCheckpoint();
    state.wallSeconds = wallNow();
    for (const c of callbacks) c.onTrainingEnd?.(context());
    reporter.finish(status());
    if (reason === 'interrupted' && checkpointDir) reporter.message(`checkpoint saved at step ${state.step} in ${checkpointDir}`);
    return { reason, step: state.step, episode: state.episode, updates: state.updates, wallSeconds: state.wallSeconds, lastEval: state.lastEval };
  } finally {
    if (handleSignals) {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    }
  }
}
