/**
 * Replay buffer for off-policy algorithms, on preallocated typed arrays (a ring of `capacity`
 * transitions). It stores (obs, action, reward, nextObs, terminated): the true next observation
 * and the *termination* flag only, so the target bootstraps past a time-limit truncation and never
 * past a terminal state (Gymnasium ≥ 0.26 semantics; SB3's `handle_timeout_termination`).
 *
 * @example
 * const buffer = new ReplayBuffer({ capacity: 100_000, observationSize: 3, actionSize: 1 });
 * buffer.add(obs, action, reward, nextObs, terminated);     // never `terminated || truncated`
 * const batch = createBatch(256, 3, 1);
 * buffer.sample(generator, batch);                         // fills batch in place, no allocation
 */
import { Generator, showValue } from '../../engine/index.ts';
import { expectPositiveInteger } from './arguments.ts';

export interface ReplayBufferOptions {
  /** Maximum number of transitions kept; the oldest is overwritten first. */
  capacity: number;
  /** Flat length of one observation. */
  observationSize: number;
  /** Flat length of one action. */
  actionSize: number;
}

/** A minibatch, row-major: row i of `observations` is observations[i·observationSize …]. */
export interface Batch {
  readonly size: number;
  readonly observations: Float32Array;
  readonly actions: Float32Array;
  readonly rewards: Float32Array;
  readonly nextObservations: Float32Array;
  /** 1 − terminated: the factor that multiplies the bootstrapped value (1 after a truncation). */
  readonly notTerminated: Float32Array;
}

/** Preallocated minibatch storage; pass existing arrays (e.g. tensors' data) to sample straight into them. */
export function createBatch(size: number, observationSize: number, actionSize: number, arrays: Partial<Omit<Batch, 'size'>> = {}): Batch {
  for (const [what, n] of [['size', size], ['observationSize', observationSize], ['actionSize', actionSize]] as const) {
    expectPositiveInteger('createBatch', what, n);
  }
  if (typeof arrays !== 'object' || arrays === null) throw new TypeError(`createBatch: arrays must be an object of Float32Arrays, got ${showValue(arrays)}`);
  const check = (name: string, a: Float32Array | undefined, length: number): Float32Array => {
    if (a === undefined) return new Float32Array(length);
    if (!(a instanceof Float32Array)) throw new TypeError(`createBatch: ${name} must be a Float32Array, got ${showValue(a)}`);
    if (a.length !== length) throw new RangeError(`createBatch: ${name} has ${a.length} entries, expected ${length}`);
    return a;
  };
  return {
    size,
    observations: check('observations', arrays.observations, size * observationSize),
    actions: check('actions', arrays.actions, size * actionSize),
    rewards: check('rewards', arrays.rewards, size),
    nextObservations: check('nextObservations', arrays.nextObservations, size * observationSize),
    notTerminated: check('notTerminated', arrays.notTerminated, size),
  };
}

/** Everything needed to restore a buffer exactly (only the filled part of the arrays). */
export interface ReplayBufferState {
  readonly capacity: number;
  readonly observationSize: number;
  readonly actionSize: number;
  readonly position: number;
  readonly size: number;
  readonly observations: Float32Array;
  readonly actions: Float32Array;
  readonly rewards: Float32Array;
  readonly nextObservations: Float32Array;
  readonly terminated: Float32Array;
}

export class ReplayBuffer {
  readonly capacity: number;
  readonly observationSize: number;
  readonly actionSize: number;
  private readonly observations: Float32Array;
  private readonly actions: Float32Array;
  private readonly rewards: Float32Array;
  private readonly nextObservations: Float32Array;
  private readonly terminated: Float32Array;
  /** Slot the next transition goes to. */
  private position = 0;
  private count = 0;

  constructor(options: ReplayBufferOptions) {
    if (typeof options !== 'object' || options === null) {
      throw new TypeError(`ReplayBuffer: options must be an object { capacity, observationSize, actionSize }, got ${showValue(options)}`);
    }
    const { capacity, observationSize, actionSize } = options;
    for (const [name, v] of Object.entries({ capacity, observationSize, actionSize })) {
      expectPositiveInteger('ReplayBuffer', name, v);
    }
    this.capacity = capacity;
    this.observationSize = observationSize;
    this.actionSize = actionSize;
    this.observations = new Float32Array(capacity * observationSize);
    this.actions = new Float32Array(capacity * actionSize);
    this.rewards = new Float32Array(capacity);
    this.nextObservations = new Float32Array(capacity * observationSize);
    this.terminated = new Float32Array(capacity);
  }

  /** Number of transitions stored (≤ capacity). */
  get size(): number {
    return this.count;
  }

  /**
   * Stores one transition. `terminated` is the MDP's terminal flag; pass `false` on a pure
   * time-limit truncation so that the target still bootstraps from `nextObs`.
   */
  add(obs: ArrayLike<number>, action: ArrayLike<number>, reward: number, nextObs: ArrayLike<number>, terminated: boolean): void {
    const { observationSize: o, actionSize: a } = this;
    if (obs.length !== o || nextObs.length !== o || action.length !== a) {
      throw new RangeError(
        `ReplayBuffer.add: got obs ${obs.length}, action ${action.length}, nextObs ${nextObs.length}; expected ${o}, ${a}, ${o}`,
      );
    }
    const i = this.position;
    for (let j = 0; j < o; j++) {
      this.observations[i * o + j] = obs[j];
      this.nextObservations[i * o + j] = nextObs[j];
    }
    for (let j = 0; j < a; j++) this.actions[i * a + j] = action[j];
    this.rewards[i] = reward;
    this.terminated[i] = terminated ? 1 : 0;
    this.position = (i + 1) % this.capacity;
    if (this.count < this.capacity) this.count++;
  }

  /** Fills `batch` with `batch.size` transitions drawn uniformly with replacement (as SB3). */
  sample(generator: Generator, batch: Batch): void {
    if (this.count === 0) throw new RangeError('ReplayBuffer.sample: the buffer is empty');
    const { observationSize: o, actionSize: a } = this;
    for (let row = 0; row < batch.size; row++) {
      const i = generator.integer(this.count);
      for (let j = 0; j < o; j++) {
        batch.observations[row * o + j] = this.observations[i * o + j];
        batch.nextObservations[row * o + j] = this.nextObservations[i * o + j];
      }
      for (let j = 0; j < a; j++) batch.actions[row * a + j] = this.actions[i * a + j];
      batch.rewards[row] = this.rewards[i];
      batch.notTerminated[row] = 1 - this.terminated[i];
    }
  }

  /** Transition `index` (0 = the oldest slot in storage order), for inspection and tests. */
  get(index: number): { obs: Float32Array; action: Float32Array; reward: number; nextObs: Float32Array; terminated: boolean } {
    if (!Number.isInteger(index) || index < 0 || index >= this.count) {
      throw new RangeError(`ReplayBuffer.get: index ${index} is outside [0, ${this.count})`);
    }
    const { observationSize: o, actionSize: a } = this;
    return {
      obs: this.observations.slice(index * o, (index + 1) * o),
      action: this.actions.slice(index * a, (index + 1) * a),
      reward: this.rewards[index],
      nextObs: this.nextObservations.slice(index * o, (index + 1) * o),
      terminated: this.terminated[index] === 1,
    };
  }

  getState(): ReplayBufferState {
    const n = this.count;
    return {
      capacity: this.capacity,
      observationSize: this.observationSize,
      actionSize: this.actionSize,
      position: this.position,
      size: n,
      observations: this.observations.slice(0, n * this.observationSize),
      actions: this.actions.slice(0, n * this.actionSize),
      rewards: this.rewards.slice(0, n),
      nextObservations: this.nextObservations.slice(0, n * this.observationSize),
      terminated: this.terminated.slice(0, n),
    };
  }

  /** Throws (RangeError naming the mismatch) when `state` cannot be restored into this buffer; writes nothing. */
  checkState(state: ReplayBufferState): void {
    if (state.capacity !== this.capacity || state.observationSize !== this.observationSize || state.actionSize !== this.actionSize) {
      throw new RangeError(
        `ReplayBuffer.setState: saved buffer is capacity ${state.capacity} × (obs ${state.observationSize}, action ${state.actionSize}), ` +
          `this one is ${this.capacity} × (obs ${this.observationSize}, action ${this.actionSize})`,
      );
    }
    const n = state.size;
    const full = n === this.capacity;
    const positionOk = Number.isInteger(state.position) && state.position >= 0 && state.position < this.capacity
      && (full || state.position === n % this.capacity);
    if (!Number.isInteger(n) || !(n >= 0 && n <= this.capacity) || !positionOk
      || state.rewards.length !== n || state.terminated.length !== n
      || state.observations.length !== n * this.observationSize || state.nextObservations.length !== n * this.observationSize
      || state.actions.length !== n * this.actionSize) {
      throw new RangeError(`ReplayBuffer.setState: inconsistent state (size ${n}, position ${state.position})`);
    }
  }

  setState(state: ReplayBufferState): void {
    this.checkState(state);
    this.observations.fill(0).set(state.observations);
    this.actions.fill(0).set(state.actions);
    this.rewards.fill(0).set(state.rewards);
    this.nextObservations.fill(0).set(state.nextObservations);
    this.terminated.fill(0).set(state.terminated);
    this.position = state.position;
    this.count = state.size;
  }
}
