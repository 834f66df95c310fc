/**
 * Networks shared by the actor-critic algorithms: the state-action value network Q(s, a) as an MLP
 * on the concatenation [s, a] (CleanRL's `SoftQNetwork`, SB3's `ContinuousCritic` with one head).
 */
import { MLP, Module, Tensor, concat, reshape, zeros, type FloatArray, type Generator, showValue } from '../../engine/index.ts';
import { expectPositiveInteger } from './arguments.ts';

export interface QNetworkOptions {
  observationSize: number;
  actionSize: number;
  hiddenSizes: readonly number[];
  generator: Generator;
}

/** Q(s, a): [B, obs] × [B, act] → [B]. */
export class QNetwork extends Module {
  readonly net: MLP;

  constructor(options: QNetworkOptions) {
    super();
    if (typeof options !== 'object' || options === null) {
      throw new TypeError(`QNetwork: options must be an object { observationSize, actionSize, hiddenSizes, generator }, got ${showValue(options)}`);
    }
    const { observationSize, actionSize, hiddenSizes, generator } = options;
    this.net = this.registerModule('net', new MLP({
      inputSize: observationSize + actionSize, hiddenSizes, outputSize: 1, activation: 'relu', generator,
    }));
  }

  forward(obs: Tensor, action: Tensor): Tensor {
    const q = this.net.forward(concat([obs, action], -1));
    return reshape(q, [q.shape[0]]);
  }
}

/** Copies one observation of `size` finite numbers into `out` (checked as `checkObservation` does). */
export function copyObservation(obs: ArrayLike<number>, size: number, out: FloatArray, context?: string): void {
  checkObservation(obs, size, context);
  for (let i = 0; i < size; i++) out[i] = obs[i];
}

/**
 * One observation as the networks take it: `size` finite numbers. A RangeError (prefixed with `context`,
 * e.g. 'PPO.predict') names a wrong length, or the first entry that is not a finite number; a TypeError
 * names what was given instead of an array.
 */
export function checkObservation(obs: ArrayLike<number>, size: number, context?: string): void {
  const prefix = context ? `${context}: ` : '';
  // A string has a length and indices too: '1,0,0' would be read as 5 values.
  if (typeof obs !== 'object' || obs === null || typeof obs.length !== 'number') {
    throw new TypeError(`${prefix}the observation must be an array of ${size} numbers, got ${showValue(obs)}`);
  }
  if (obs.length !== size) throw new RangeError(`${prefix}expected an observation of ${size} values, got ${obs.length}`);
  for (let i = 0; i < size; i++) {
    const v: unknown = obs[i];
    if (typeof v !== 'number' || !Number.isFinite(v)) {
      throw new RangeError(`${prefix}observation[${i}] must be a finite number, got ${typeof v === 'number' ? String(v) : JSON.stringify(v) ?? String(v)}`);
    }
  }
}

/** One observation as a [1, n] float32 tensor. */
export function observationTensor(obs: ArrayLike<number>, size: number, context?: string): Tensor {
  expectPositiveInteger(context ?? 'observationTensor', 'size', size);
  const t = zeros([1, size]);
  copyObservation(obs, size, t.data, context);
  return t;
}
