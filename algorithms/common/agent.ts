/**
 * The surface every agent shares (SB3's `BaseAlgorithm` without the inheritance tower): `learn`,
 * `predict`, `save`/`load` to a directory (Node), `toCheckpoint`/`fromCheckpoint` as in-memory
 * files (anywhere), and for off-policy agents the replay store and action mapping. An algorithm
 * file extends `OffPolicyAgent` and writes only what is its own: networks, `update`, acting.
 */
import type { Generator } from '../../engine/index.ts';
import { showValue } from '../../engine/index.ts';
import type { AgentParts, CheckpointFiles, RestoreOptions } from './checkpoint.ts';
import { checkFiles, checkRestoreOptions, checkSource, encodeAgentCheckpoint, restoreAgentCheckpoint } from './checkpoint.ts';
import { ConfigError, resolveConfig, type ConfigRules } from './config.ts';
import { ActionScaler, checkEnv, flatSize, type ContinuousEnv } from './env.ts';
import { host } from './host.ts';
import type { Learner, Metrics, OffPolicyConfig, OffPolicyLearner } from './learner.ts';
import type { ReplayBuffer } from './replay-buffer.ts';
import { learn, type LearnOptions, type LearnResult } from './runner.ts';
import { createStreams, initialTrainingState, type RandomStreams, type TrainingState } from './training-state.ts';

/** How an algorithm's config is defined: defaults with documented units, and the rules overrides must pass. */
export interface ConfigSpec<C> {
  /** Display name, e.g. 'SAC'. */
  readonly name: string;
  readonly defaults: Readonly<C>;
  readonly rules: ConfigRules;
}

/**
 * Checks the spec an algorithm's constructor passes to its base class (`super(spec, env, config)`), so a
 * subclass written in plain JavaScript learns what is missing; `base` names the base class.
 */
export function checkSpec(base: string, spec: unknown): asserts spec is ConfigSpec<object> {
  const s = spec as Partial<ConfigSpec<object>> | null | undefined;
  if (typeof s !== 'object' || s === null || typeof s.name !== 'string' || s.name === ''
    || typeof s.defaults !== 'object' || s.defaults === null || typeof s.rules !== 'object' || s.rules === null) {
    throw new TypeError(`${base}: the first argument (what a subclass passes to super) must be a spec { name: string, defaults: object, rules: object }, got ${showValue(spec)}`);
  }
}

/**
 * `deterministic` of predict's options (default true), checked for plain-JS callers: a string such
 * as 'false' would otherwise count as true. O(1), as predict runs every env step.
 */
export function deterministicOption(algorithm: string, options: { deterministic?: boolean } | undefined): boolean {
  if (options === undefined) return true;
  if (typeof options !== 'object' || options === null) {
    throw new TypeError(`${algorithm}.predict: options must be an object ({ deterministic?: boolean }), got ${showValue(options)}`);
  }
  const { deterministic = true } = options;
  if (typeof deterministic !== 'boolean') throw new TypeError(`${algorithm}.predict: options.deterministic must be true or false, got ${showValue(deterministic)}`);
  return deterministic;
}

/** Checks a directory argument of save / load. */
function checkDir(owner: string, dir: unknown): void {
  if (typeof dir !== 'string' || dir === '') throw new TypeError(`${owner}: dir must be a folder path, got ${showValue(dir)}`);
}

/** What `close()` releases: an env or a vector env. */
interface Closable {
  close?(): void;
}

/** The envs each agent made from a function its caller gave (the agent owns them), and the agents closed. */
const madeEnvs = new WeakMap<AgentSurface, Closable[]>();
const closedAgents = new WeakSet<AgentSurface>();

/**
 * @internal Records envs `agent` made by calling the function its caller passed (on-policy agents
 * call it numEnvs times; `createAgent`/`loadAgent` call it once for an off-policy agent), so that
 * `agent.close()` closes them. Envs passed in as objects stay their caller's.
 */
export function recordMadeEnvs(agent: AgentSurface, envs: readonly Closable[]): void {
  madeEnvs.set(agent, [...(madeEnvs.get(agent) ?? []), ...envs]);
}

/** The largest replay buffer an agent allocates (checked before allocating). */
export const MAX_REPLAY_BYTES = 8 * 2 ** 30;

/**
 * The surface every learner class shares, whatever its family: `learn`, in-memory checkpoints and
 * their directories (Node). OffPolicyAgent and OnPolicyAgent extend it.
 */
export abstract class AgentSurface {
  /**
   * Trains until `totalSteps` env steps in total (so after `load`, the run continues where it
   * stopped). See LearnOptions for evaluation, run folder, checkpoints and signals.
   */
  learn(this: Learner & AgentSurface, options: LearnOptions): Promise<LearnResult> {
    if (closedAgents.has(this)) {
      return Promise.reject(new Error(`${this.algorithm}.learn: the agent was closed, and the envs it made with it; predict, save and toCheckpoint still work`));
    }
    return learn(this, options);
  }

  /**
   * Closes the envs the agent made from a function it was given (`new PPO(() => make(id))`,
   * `createAgent(name, () => make(id))`, `loadAgent(dir, () => make(id))`), releasing what they hold
   * (a MuJoCo env: its share of the wasm heap). Envs and vector envs passed in as objects are left to
   * their caller. Idempotent. Afterwards `learn` throws; `predict` and checkpoints still work.
   */
  close(): void {
    if (closedAgents.has(this)) return;
    closedAgents.add(this);
    const envs = madeEnvs.get(this) ?? [];
    madeEnvs.delete(this);
    for (const env of envs) env.close?.();
  }

  /** Whether `close()` was called. */
  get closed(): boolean {
    return closedAgents.has(this);
  }

  /** Everything needed to resume exactly (networks, optimizers, buffer or rollout, streams, env, counters) as files. */
  toCheckpoint(this: Learner): CheckpointFiles {
    return encodeAgentCheckpoint(this);
  }

  /**
   * Restores files from `toCheckpoint` (all or nothing); `weightsOnly` reads the networks and free tensors only.
   * `source` names the files in errors (their folder, or the file a page was given).
   */
  fromCheckpoint<T extends Learner & AgentSurface>(this: T, files: Readonly<CheckpointFiles>, options: RestoreOptions = {}, source = 'checkpoint'): T {
    const owner = `${this.algorithm}.fromCheckpoint`;
    checkFiles(owner, files);
    checkRestoreOptions(owner, options);
    checkSource(owner, 'source', source);
    restoreAgentCheckpoint(files, this, options, source);
    return this;
  }

  /** Writes a complete checkpoint into directory `dir`, atomically (Node): a new or empty folder, or an earlier checkpoint, which it replaces. */
  save(this: Learner, dir: string): void {
    checkDir(`${this.algorithm}.save`, dir);
    host('save(dir)').writeCheckpoint(dir, encodeAgentCheckpoint(this));
  }

  /** Restores the checkpoint in directory `dir` (Node); a checkpoint of another algorithm is refused before anything is read into the agent. */
  load<T extends Learner & AgentSurface>(this: T, dir: string, options: RestoreOptions = {}): T {
    checkDir(`${this.algorithm}.load`, dir);
    checkRestoreOptions(`${this.algorithm}.load`, options);
    restoreAgentCheckpoint(host('load(dir)').readCheckpoint(dir), this, options, dir);
    return this;
  }
}

export abstract class OffPolicyAgent<C extends OffPolicyConfig> extends AgentSurface implements OffPolicyLearner {
  readonly kind = 'off-policy' as const;
  readonly algorithm: string;
  readonly env: ContinuousEnv;
  readonly config: Readonly<C>;
  readonly envId: string;
  readonly observationSize: number;
  readonly actionSize: number;
  readonly scaler: ActionScaler;
  readonly streams: RandomStreams;
  readonly training: TrainingState;
  abstract readonly buffer: ReplayBuffer;
  abstract readonly metricNames: readonly string[];
  readonly gaugeNames: readonly string[] = [];

  /**
   * @param env the training env (Gymnasium API, bounded Box actions); its `getState` makes mid-episode checkpoints exact.
   * @param config overrides of the defaults; unknown keys and bad values throw ConfigError.
   */
  protected constructor(spec: ConfigSpec<C>, env: ContinuousEnv, config: Partial<C>) {
    super();
    checkSpec('OffPolicyAgent', spec);
    this.algorithm = spec.name;
    this.env = checkEnv(spec.name, env);
    this.config = Object.freeze(resolveConfig(spec.name, spec.defaults, config, spec.rules));
    const c = this.config;
    if (c.batchSize > c.bufferSize) throw new ConfigError(`${spec.name} config: batchSize ${c.batchSize} exceeds bufferSize ${c.bufferSize}`);
    this.observationSize = flatSize(env.observationSpace.shape);
    this.actionSize = flatSize(env.actionSpace.shape);
    const replayBytes = c.bufferSize * (2 * this.observationSize + this.actionSize + 2) * 4;
    if (replayBytes > MAX_REPLAY_BYTES) {
      throw new ConfigError(
        `${spec.name} config: bufferSize ${c.bufferSize} needs ${(replayBytes / 2 ** 30).toFixed(1)} GiB of replay for observations of ` +
          `${this.observationSize} and actions of ${this.actionSize} values; the limit is ${MAX_REPLAY_BYTES / 2 ** 30} GiB`,
      );
    }
    this.envId = (env as { id?: string }).id ?? 'custom-env';
    this.scaler = new ActionScaler(env.actionSpace);
    this.streams = createStreams(c.seed);
    this.training = initialTrainingState(this.observationSize);
  }

  abstract exploreAction(obs: Float32Array, out: Float32Array): void;
  abstract predict(obs: ArrayLike<number>, options?: { deterministic?: boolean }): Float32Array;
  abstract update(): Metrics;
  abstract checkpointParts(): AgentParts;
  abstract describe(): string;

  gauges(): Record<string, number> {
    return {};
  }

  extraStreams(): Readonly<Record<string, Generator>> {
    return {};
  }

  toEnvAction(action: Float32Array, out: Float32Array): Float32Array {
    return this.scaler.toEnv(action, out);
  }

  store(obs: Float32Array, action: Float32Array, reward: number, nextObs: ArrayLike<number>, terminated: boolean): void {
    this.buffer.add(obs, action, reward, nextObs, terminated);
  }
}

/** What every agent offers its users, whatever its family. */
export interface Agent {
  readonly algorithm: string;
  readonly kind: 'off-policy' | 'on-policy';
  readonly envId: string;
  readonly config: Readonly<{ seed: number }>;
  readonly training: TrainingState;
  learn(options: LearnOptions): Promise<LearnResult>;
  predict(obs: ArrayLike<number>, options?: { deterministic?: boolean }): Float32Array;
  toCheckpoint(): CheckpointFiles;
  fromCheckpoint(files: Readonly<CheckpointFiles>, options?: RestoreOptions, source?: string): Agent;
  save(dir: string): void;
  load(dir: string, options?: RestoreOptions): Agent;
  describe(): string;
  /** Closes the envs the agent made from a function it was given; envs passed as objects stay the caller's. */
  close(): void;
  readonly closed: boolean;
}
