/**
 * Rollout buffer for on-policy algorithms (PPO, TRPO, REINFORCE with a baseline): `rolloutSteps`
 * vector steps of `numEnvs` envs, on preallocated typed arrays, with returns and advantages from
 * generalized advantage estimation (Schulman et al. 2016, "High-Dimensional Continuous Control Using
 * Generalized Advantage Estimation", eq. 16) and random minibatches written into engine tensors.
 *
 * Conventions (SB3's `RolloutBuffer` and `OnPolicyAlgorithm.collect_rollouts`):
 * - Every `add` is one real transition of every env, as a SAME_STEP vector env produces
 *   (envs/vector/sync-vector-env.ts): after an episode ends, the next step's observation is the reset one.
 * - A step is *done* when the env terminated or was truncated there; done cuts the GAE recursion.
 * - Termination bootstraps with nothing. Truncation (a time limit, not an MDP terminal state)
 *   bootstraps with the value of the true final observation: `add` folds γ·V(s_final) into that
 *   step's reward, so the recursion can treat both kinds of ending alike.
 * - Storage is step-major: transition (t, e) is flat index t·numEnvs + e.
 *
 * @example
 * const buffer = new RolloutBuffer({ rolloutSteps: 2048, numEnvs: 4, observationSize: 3, actionSize: 1, gamma: 0.99, gaeLambda: 0.95 });
 * while (!buffer.full) buffer.add({ observations, actions, rewards, values, logProbs, terminations, truncations, bootstrapValues });
 * buffer.computeReturnsAndAdvantages(valuesOfNextObservations);
 * for (let epoch = 0; epoch < 10; epoch++) {
 *   for (const batch of buffer.minibatches(64, generator, { normalizeAdvantages: 'minibatch' })) ppoStep(batch);
 * }
 * buffer.reset();
 */
import { zeros, type Generator, type Tensor } from '../../engine/index.ts';

/** Misuse of the buffer's life cycle: adding to a full rollout, sampling before advantages, computing them twice. */
export class RolloutBufferError extends Error {
  override name = 'RolloutBufferError';
}

export interface RolloutBufferOptions {
  /** Vector steps per rollout (n). */
  readonly rolloutSteps: number;
  /** Envs stepped together (E). */
  readonly numEnvs: number;
  /** Flat length of one env's observation. */
  readonly observationSize: number;
  /** Flat length of one env's action. */
  readonly actionSize: number;
  /** Discount γ ∈ [0, 1]; used both to fold truncation bootstraps into rewards and in GAE. */
  readonly gamma: number;
  /** GAE's λ ∈ [0, 1]: 0 gives one-step TD errors, 1 discounted Monte-Carlo returns minus values. */
  readonly gaeLambda: number;
}

/** One vector step. Every array has `numEnvs` rows, row e for env e; all are copied. */
export interface RolloutStepInput {
  /** The observations the actions were taken in, [E × observationSize]. */
  readonly observations: ArrayLike<number>;
  /** The actions the policy produced, as the algorithm wants them back (e.g. in [−1, 1]), [E × actionSize]. */
  readonly actions: ArrayLike<number>;
  readonly rewards: ArrayLike<number>;
  /** V(s_t) of the observations, [E]. */
  readonly values: ArrayLike<number>;
  /** log π(a_t | s_t) under the policy that acted, [E]. */
  readonly logProbs: ArrayLike<number>;
  /** 1 where env e reached a terminal state at this step, else 0. */
  readonly terminations: ArrayLike<number>;
  /** 1 where env e was cut by a time limit at this step, else 0. */
  readonly truncations: ArrayLike<number>;
  /**
   * V(final observation of env e), [E]. Read only where truncated and not terminated (a step that is
   * both counts as terminated); other entries are ignored, so the whole row may come from one batched
   * forward pass over the vector env's `finalObs`. May be omitted when no env is truncated.
   */
  readonly bootstrapValues?: ArrayLike<number> | null;
}

/**
 * How advantages are standardised in a batch, (A − mean)/(std + 1e-8) with the unbiased std as
 * `torch.std` (SB3's `normalize_advantage`). The buffer keeps the raw advantages.
 * - 'none': raw advantages.
 * - 'rollout': mean and std over the whole rollout (n·E values), computed once per call.
 * - 'minibatch': mean and std over each minibatch, as SB3's PPO and CleanRL; a batch of one is left raw.
 */
export type AdvantageNormalization = 'none' | 'rollout' | 'minibatch';

export interface RolloutBatchOptions {
  /** Default 'none'. */
  readonly normalizeAdvantages?: AdvantageNormalization;
}

/**
 * A batch of transitions in engine tensors (float32, preallocated and reused: each batch of the
 * same size overwrites the previous one through `mutate_`, so a graph recorded on it cannot be
 * backpropagated after the data changed). Copy what you keep.
 */
export interface RolloutBatch {
  readonly size: number;
  /** Flat indices t·numEnvs + e of the rows, in row order. */
  readonly indices: Uint32Array;
  /** [b, observationSize] */
  readonly observations: Tensor;
  /** [b, actionSize] */
  readonly actions: Tensor;
  /** [b] log π_old(a | s). */
  readonly oldLogProbs: Tensor;
  /** [b] A (normalised as asked). */
  readonly advantages: Tensor;
  /** [b] A + V_old, the value target. */
  readonly returns: Tensor;
  /** [b] V_old(s), for value clipping. */
  readonly oldValues: Tensor;
}

/** Everything needed to restore a buffer exactly, filled part only (`size` vector steps). */
export interface RolloutBufferState extends RolloutBufferOptions {
  /** Vector steps added so far. */
  readonly size: number;
  readonly advantagesComputed: boolean;
  readonly observations: Float32Array;
  readonly actions: Float32Array;
  /** Rewards with truncation bootstraps already folded in. */
  readonly rewards: Float64Array;
  readonly values: Float64Array;
  readonly logProbs: Float64Array;
  readonly terminations: Float32Array;
  readonly truncations: Float32Array;
  /** n·E values once advantages are computed, else empty. */
  readonly advantages: Float64Array;
  readonly returns: Float64Array;
}

const NORMALIZATIONS: readonly AdvantageNormalization[] = ['none', 'rollout', 'minibatch'];
/** Added to the std before dividing, as SB3. */
const NORMALIZATION_EPSILON = 1e-8;

function describe(value: unknown): string {
  if (typeof value === 'number' || typeof value === 'boolean' || value === null || value === undefined) return String(value);
  if (typeof value === 'string') return JSON.stringify(value);
  return Object.prototype.toString.call(value);
}

function isArrayLike(value: unknown): value is ArrayLike<unknown> {
  return Array.isArray(value) || ArrayBuffer.isView(value);
}

/** Throws unless `array` holds `length` finite numbers (or 0/1 flags). */
function checkArray(where: string, name: string, array: unknown, length: number, kind: 'finite' | 'flag' = 'finite'): void {
  if (!isArrayLike(array)) throw new TypeError(`${where}: ${name} must be an array of ${length} numbers, got ${describe(array)}`);
  if (array.length !== length) throw new RangeError(`${where}: ${name} has ${array.length} entries, expected ${length}`);
  for (let i = 0; i < length; i++) {
    const v = array[i];
    if (kind === 'flag' ? v !== 0 && v !== 1 : typeof v !== 'number' || !Number.isFinite(v)) {
      throw new RangeError(`${where}: ${name}[${i}] is ${describe(v)}, expected ${kind === 'flag' ? '0 or 1' : 'a finite number'}`);
    }
  }
}

export class RolloutBuffer {
  readonly rolloutSteps: number;
  readonly numEnvs: number;
  readonly observationSize: number;
  readonly actionSize: number;
  readonly gamma: number;
  readonly gaeLambda: number;
  private readonly observations: Float32Array;
  private readonly actions: Float32Array;
  private readonly rewardData: Float64Array;
  private readonly valueData: Float64Array;
  private readonly logProbs: Float64Array;
  private readonly terminations: Float32Array;
  private readonly truncations: Float32Array;
  private readonly advantageData: Float64Array;
  private readonly returnData: Float64Array;
  /** Shuffled flat indices of the current epoch. */
  private readonly permutation: Uint32Array;
  private readonly batches = new Map<number, RolloutBatch>();
  private count = 0;
  private computed = false;
  /** Bumped by every new epoch, reset and setState; an iterator of an older epoch refuses to continue. */
  private epoch = 0;

  constructor(options: RolloutBufferOptions) {
    const { rolloutSteps, numEnvs, observationSize, actionSize, gamma, gaeLambda } = options ?? ({} as RolloutBufferOptions);
    for (const [name, v] of Object.entries({ rolloutSteps, numEnvs, observationSize, actionSize })) {
      if (!Number.isInteger(v) || (v as number) <= 0) throw new RangeError(`RolloutBuffer: ${name} must be a positive integer, got ${describe(v)}`);
    }
    for (const [name, v] of Object.entries({ gamma, gaeLambda })) {
      if (typeof v !== 'number' || !(v >= 0 && v <= 1)) throw new RangeError(`RolloutBuffer: ${name} must be a number in [0, 1], got ${describe(v)}`);
    }
    const total = rolloutSteps * numEnvs;
    if (!Number.isSafeInteger(total * Math.max(observationSize, actionSize)) || total > 2 ** 32) {
      throw new RangeError(`RolloutBuffer: ${rolloutSteps} × ${numEnvs} transitions of size ${Math.max(observationSize, actionSize)} are too many`);
    }
    this.rolloutSteps = rolloutSteps;
    this.numEnvs = numEnvs;
    this.observationSize = observationSize;
    this.actionSize = actionSize;
    this.gamma = gamma;
    this.gaeLambda = gaeLambda;
    this.observations = new Float32Array(total * observationSize);
    this.actions = new Float32Array(total * actionSize);
    this.rewardData = new Float64Array(total);
    this.valueData = new Float64Array(total);
    this.logProbs = new Float64Array(total);
    this.terminations = new Float32Array(total);
    this.truncations = new Float32Array(total);
    this.advantageData = new Float64Array(total);
    this.returnData = new Float64Array(total);
    this.permutation = new Uint32Array(total);
  }

  /** Vector steps added to this rollout (≤ rolloutSteps). */
  get size(): number {
    return this.count;
  }

  get full(): boolean {
    return this.count === this.rolloutSteps;
  }

  /** Whether `computeReturnsAndAdvantages` has run on this rollout. */
  get advantagesComputed(): boolean {
    return this.computed;
  }

  /**
   * Stores one vector step (copied). Where env e was truncated and not terminated, its reward is
   * stored as r + γ·bootstrapValues[e] (SB3: truncation bootstraps with the final observation's
   * value, termination does not); the step is done either way. Validates everything before writing.
   */
  add(step: RolloutStepInput): void {
    const where = 'RolloutBuffer.add';
    if (this.computed) throw new RolloutBufferError(`${where}: advantages of this rollout are computed; call reset() before adding`);
    if (this.full) throw new RolloutBufferError(`${where}: the rollout is full (${this.rolloutSteps} steps); call reset() before adding`);
    if (step === null || typeof step !== 'object') throw new TypeError(`${where}: expected a step object, got ${describe(step)}`);
    const { numEnvs: envs, observationSize: o, actionSize: a } = this;
    const { observations, actions, rewards, values, logProbs, terminations, truncations, bootstrapValues } = step;
    checkArray(where, 'observations', observations, envs * o);
    checkArray(where, 'actions', actions, envs * a);
    checkArray(where, 'rewards', rewards, envs);
    checkArray(where, 'values', values, envs);
    checkArray(where, 'logProbs', logProbs, envs);
    checkArray(where, 'terminations', terminations, envs, 'flag');
    checkArray(where, 'truncations', truncations, envs, 'flag');
    const hasBootstrap = bootstrapValues !== undefined && bootstrapValues !== null;
    if (hasBootstrap && !isArrayLike(bootstrapValues)) {
      throw new TypeError(`${where}: bootstrapValues must be an array of ${envs} numbers, got ${describe(bootstrapValues)}`);
    }
    if (hasBootstrap && bootstrapValues.length !== envs) {
      throw new RangeError(`${where}: bootstrapValues has ${bootstrapValues.length} entries, expected ${envs}`);
    }
    for (let e = 0; e < envs; e++) {
      if (truncations[e] !== 1 || terminations[e] === 1) continue;
      if (!hasBootstrap) throw new RangeError(`${where}: env ${e} was truncated but no bootstrapValues were given`);
      const v = bootstrapValues[e];
      if (typeof v !== 'number' || !Number.isFinite(v)) {
        throw new RangeError(`${where}: bootstrapValues[${e}] is ${describe(v)} for truncated env ${e}, expected a finite number`);
      }
    }
    const row = this.count * envs;
    for (let j = 0; j < envs * o; j++) this.observations[row * o + j] = observations[j];
    for (let j = 0; j < envs * a; j++) this.actions[row * a + j] = actions[j];
    for (let e = 0; e < envs; e++) {
      const i = row + e;
      const truncatedOnly = truncations[e] === 1 && terminations[e] === 0;
      this.rewardData[i] = truncatedOnly ? rewards[e] + this.gamma * bootstrapValues![e] : rewards[e];
      this.valueData[i] = values[e];
      this.logProbs[i] = logProbs[e];
      this.terminations[i] = terminations[e];
      this.truncations[i] = truncations[e];
    }
    this.count++;
  }

  /**
   * GAE(λ) over the full rollout, backwards in time for each env (eq. 16 as a recursion):
   *   δ_t = r_t + γ·V(s_{t+1})·(1 − done_t) − V(s_t)
   *   A_t = δ_t + γλ·(1 − done_t)·A_{t+1},   returns_t = A_t + V(s_t),
   * with done_t = terminated_t ∨ truncated_t (a truncation's bootstrap is already in r_t). After the
   * last step, V(s_n) = `lastValues[e]`, the value of the observations the envs are in now; the last
   * step's own done flags (stored by `add`) decide whether it is used, so no separate "last done" is needed.
   *
   * @example buffer.computeReturnsAndAdvantages(critic(nextObservations))
   */
  computeReturnsAndAdvantages(lastValues: ArrayLike<number>): void {
    const where = 'RolloutBuffer.computeReturnsAndAdvantages';
    if (this.computed) throw new RolloutBufferError(`${where}: advantages of this rollout are already computed; call reset() for the next rollout`);
    if (!this.full) throw new RolloutBufferError(`${where}: the rollout has ${this.count} of ${this.rolloutSteps} steps`);
    checkArray(where, 'lastValues', lastValues, this.numEnvs);
    const { numEnvs: envs, rolloutSteps: n, gamma } = this;
    const gammaLambda = gamma * this.gaeLambda;
    for (let e = 0; e < envs; e++) {
      let advantage = 0;
      let nextValue = lastValues[e];
      for (let t = n - 1; t >= 0; t--) {
        const i = t * envs + e;
        const notDone = this.terminations[i] === 1 || this.truncations[i] === 1 ? 0 : 1;
        const delta = this.rewardData[i] + gamma * nextValue * notDone - this.valueData[i];
        advantage = delta + gammaLambda * notDone * advantage;
        this.advantageData[i] = advantage;
        this.returnData[i] = advantage + this.valueData[i];
        nextValue = this.valueData[i];
      }
    }
    this.computed = true;
  }

  /**
   * One epoch of minibatches: a uniformly random permutation of the n·E transitions (Fisher–Yates
   * with `generator`, drawn when this is called, so deterministic under a seed) cut into batches of
   * `batchSize`; the last is smaller when `batchSize` does not divide n·E. Every transition appears
   * exactly once. Batches are reused tensors (see `RolloutBatch`); starting another epoch, `reset` or
   * `setState` makes an unfinished iterator throw.
   *
   * @example for (const batch of buffer.minibatches(64, streams.minibatch)) loss(batch).backward();
   */
  minibatches(batchSize: number, generator: Generator, options: RolloutBatchOptions = {}): IterableIterator<RolloutBatch> {
    const where = 'RolloutBuffer.minibatches';
    this.requireAdvantages(where);
    const total = this.rolloutSteps * this.numEnvs;
    if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > total) {
      throw new RangeError(`${where}: batchSize must be an integer in [1, ${total}], got ${describe(batchSize)}`);
    }
    if (typeof (generator as { integer?: unknown } | null)?.integer !== 'function') {
      throw new TypeError(`${where}: generator must be an engine Generator, got ${describe(generator)}`);
    }
    const normalization = this.normalization(where, options);
    const permutation = this.permutation;
    for (let i = 0; i < total; i++) permutation[i] = i;
    for (let i = total - 1; i > 0; i--) {
      const j = generator.integer(i + 1);
      const swap = permutation[i];
      permutation[i] = permutation[j];
      permutation[j] = swap;
    }
    const epoch = ++this.epoch;
    const stats = normalization === 'rollout' ? this.advantageStats(null, total) : null;
    return this.iterate(epoch, batchSize, normalization, stats);
  }

  /**
   * The whole rollout as one batch in storage order (row t·numEnvs + e), e.g. for TRPO.
   * 'rollout' and 'minibatch' normalisation coincide here.
   *
   * @example const { observations, advantages } = buffer.fullBatch({ normalizeAdvantages: 'rollout' });
   */
  fullBatch(options: RolloutBatchOptions = {}): RolloutBatch {
    const where = 'RolloutBuffer.fullBatch';
    this.requireAdvantages(where);
    const normalization = this.normalization(where, options);
    const total = this.rolloutSteps * this.numEnvs;
    const batch = this.batchOfSize(total);
    for (let i = 0; i < total; i++) batch.indices[i] = i;
    this.fill(batch, normalization === 'none' ? null : this.advantageStats(null, total));
    return batch;
  }

  /** Raw advantages, a copy in storage order [n·E]. */
  get advantages(): Float64Array {
    this.requireAdvantages('RolloutBuffer.advantages');
    return this.advantageData.slice();
  }

  /** Returns (value targets) A + V, a copy in storage order [n·E]. */
  get returns(): Float64Array {
    this.requireAdvantages('RolloutBuffer.returns');
    return this.returnData.slice();
  }

  /** Stored rewards of the filled steps (truncation bootstraps folded in), a copy [size·E]. */
  get rewards(): Float64Array {
    return this.rewardData.slice(0, this.count * this.numEnvs);
  }

  /** Stored V(s_t) of the filled steps, a copy [size·E]. */
  get values(): Float64Array {
    return this.valueData.slice(0, this.count * this.numEnvs);
  }

  /** Empties the buffer for the next rollout (storage is kept and overwritten). */
  reset(): void {
    this.count = 0;
    this.computed = false;
    this.epoch++;
  }

  getState(): RolloutBufferState {
    const filled = this.count * this.numEnvs;
    const computed = this.computed ? filled : 0;
    return {
      rolloutSteps: this.rolloutSteps,
      numEnvs: this.numEnvs,
      observationSize: this.observationSize,
      actionSize: this.actionSize,
      gamma: this.gamma,
      gaeLambda: this.gaeLambda,
      size: this.count,
      advantagesComputed: this.computed,
      observations: this.observations.slice(0, filled * this.observationSize),
      actions: this.actions.slice(0, filled * this.actionSize),
      rewards: this.rewardData.slice(0, filled),
      values: this.valueData.slice(0, filled),
      logProbs: this.logProbs.slice(0, filled),
      terminations: this.terminations.slice(0, filled),
      truncations: this.truncations.slice(0, filled),
      advantages: this.advantageData.slice(0, computed),
      returns: this.returnData.slice(0, computed),
    };
  }

  /** Throws (naming the field and value) when `state` cannot be restored into this buffer; writes nothing. */
  checkState(state: RolloutBufferState): void {
    const where = 'RolloutBuffer.setState';
    if (state === null || typeof state !== 'object') throw new TypeError(`${where}: expected a state object, got ${describe(state)}`);
    for (const name of ['rolloutSteps', 'numEnvs', 'observationSize', 'actionSize', 'gamma', 'gaeLambda'] as const) {
      if (state[name] !== this[name]) throw new RangeError(`${where}: saved ${name} is ${describe(state[name])}, this buffer's is ${this[name]}`);
    }
    const { size, advantagesComputed } = state;
    if (!Number.isInteger(size) || size < 0 || size > this.rolloutSteps) {
      throw new RangeError(`${where}: size must be an integer in [0, ${this.rolloutSteps}], got ${describe(size)}`);
    }
    if (typeof advantagesComputed !== 'boolean') throw new TypeError(`${where}: advantagesComputed must be a boolean, got ${describe(advantagesComputed)}`);
    if (advantagesComputed && size !== this.rolloutSteps) {
      throw new RangeError(`${where}: advantagesComputed is true but size is ${size} of ${this.rolloutSteps}`);
    }
    const filled = size * this.numEnvs;
    const computed = advantagesComputed ? filled : 0;
    checkArray(where, 'observations', state.observations, filled * this.observationSize);
    checkArray(where, 'actions', state.actions, filled * this.actionSize);
    for (const name of ['rewards', 'values', 'logProbs'] as const) checkArray(where, name, state[name], filled);
    for (const name of ['terminations', 'truncations'] as const) checkArray(where, name, state[name], filled, 'flag');
    for (const name of ['advantages', 'returns'] as const) checkArray(where, name, state[name], computed);
  }

  /** Restores a `getState()` snapshot (validated first); unfinished minibatch iterators become invalid. */
  setState(state: RolloutBufferState): void {
    this.checkState(state);
    this.observations.set(state.observations);
    this.actions.set(state.actions);
    this.rewardData.set(state.rewards);
    this.valueData.set(state.values);
    this.logProbs.set(state.logProbs);
    this.terminations.set(state.terminations);
    this.truncations.set(state.truncations);
    this.advantageData.set(state.advantages);
    this.returnData.set(state.returns);
    this.count = state.size;
    this.computed = state.advantagesComputed;
    this.epoch++;
  }

  private requireAdvantages(where: string): void {
    if (!this.computed) {
      throw new RolloutBufferError(`${where}: advantages are not computed (${this.count} of ${this.rolloutSteps} steps); call computeReturnsAndAdvantages first`);
    }
  }

  private normalization(where: string, options: RolloutBatchOptions): AdvantageNormalization {
    const value = options?.normalizeAdvantages ?? 'none';
    if (!NORMALIZATIONS.includes(value)) {
      throw new RangeError(`${where}: normalizeAdvantages must be one of ${NORMALIZATIONS.map((n) => `'${n}'`).join(', ')}, got ${describe(value)}`);
    }
    return value;
  }

  private *iterate(epoch: number, batchSize: number, normalization: AdvantageNormalization, rolloutStats: AdvantageStats | null): IterableIterator<RolloutBatch> {
    const total = this.rolloutSteps * this.numEnvs;
    for (let start = 0; start < total; start += batchSize) {
      if (this.epoch !== epoch) {
        throw new RolloutBufferError('RolloutBuffer.minibatches: the buffer changed (a new epoch, reset or setState) while this epoch was unfinished');
      }
      const size = Math.min(batchSize, total - start);
      const batch = this.batchOfSize(size);
      batch.indices.set(this.permutation.subarray(start, start + size));
      const stats = normalization === 'minibatch' ? this.advantageStats(batch.indices, size) : rolloutStats;
      this.fill(batch, stats);
      yield batch;
    }
  }

  /**
   * Mean and unbiased std of the advantages at `indices[0, count)`, or of the first `count` in storage
   * order when `indices` is null; null (leave raw) for fewer than two values.
   */
  private advantageStats(indices: Uint32Array | null, count: number): AdvantageStats | null {
    if (count < 2) return null;
    const at = (k: number): number => this.advantageData[indices === null ? k : indices[k]];
    let sum = 0;
    for (let k = 0; k < count; k++) sum += at(k);
    const mean = sum / count;
    let squares = 0;
    for (let k = 0; k < count; k++) squares += (at(k) - mean) ** 2;
    return { mean, std: Math.sqrt(squares / (count - 1)) };
  }

  private batchOfSize(size: number): RolloutBatch {
    let batch = this.batches.get(size);
    if (batch === undefined) {
      batch = {
        size,
        indices: new Uint32Array(size),
        observations: zeros([size, this.observationSize]),
        actions: zeros([size, this.actionSize]),
        oldLogProbs: zeros([size]),
        advantages: zeros([size]),
        returns: zeros([size]),
        oldValues: zeros([size]),
      };
      this.batches.set(size, batch);
    }
    return batch;
  }

  /** Copies the rows `batch.indices` into the batch tensors through `mutate_` (bumping their versions). */
  private fill(batch: RolloutBatch, stats: AdvantageStats | null): void {
    const { indices, size } = batch;
    const { observationSize: o, actionSize: a } = this;
    batch.observations.mutate_((out) => {
      for (let k = 0; k < size; k++) for (let j = 0; j < o; j++) out[k * o + j] = this.observations[indices[k] * o + j];
    });
    batch.actions.mutate_((out) => {
      for (let k = 0; k < size; k++) for (let j = 0; j < a; j++) out[k * a + j] = this.actions[indices[k] * a + j];
    });
    const shift = stats?.mean ?? 0;
    const scale = stats === null ? 1 : 1 / (stats.std + NORMALIZATION_EPSILON);
    batch.advantages.mutate_((out) => {
      for (let k = 0; k < size; k++) out[k] = (this.advantageData[indices[k]] - shift) * scale;
    });
    batch.oldLogProbs.mutate_((out) => {
      for (let k = 0; k < size; k++) out[k] = this.logProbs[indices[k]];
    });
    batch.returns.mutate_((out) => {
      for (let k = 0; k < size; k++) out[k] = this.returnData[indices[k]];
    });
    batch.oldValues.mutate_((out) => {
      for (let k = 0; k < size; k++) out[k] = this.valueData[indices[k]];
    });
  }
}

interface AdvantageStats {
  readonly mean: number;
  readonly std: number;
}
