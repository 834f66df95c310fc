/**
 * Networks shared by the actor-critic algorithms: the state-action value network Q(s, a) as an MLP
 * on the concatenation [s, a] (CleanRL's `SoftQNetwork`, SB3's `ContinuousCritic` with one head).
 */
import { MLP, Module, Tensor, concat, reshape, zeros, type FloatArray, type Generator } from '../../engine/index.ts';

export interface QNetworkOptions {
  observationSize: number;
  actionSize: number;
  hiddenSizes: readonly number[];
  generator: Generator;
}

/** Q(s, a): [B, obs] × [B, act] → [B]. */
export class QNetwork extends Module {
  readonly net: MLP;

  constructor({ observationSize, actionSize, hiddenSizes, generator }: QNetworkOptions) {
    super();
    this.net = this.registerModule('net', new MLP({
      inputSize: observationSize + actionSize, hiddenSizes, outputSize: 1, activation: 'relu', generator,
    }));
  }

  forward(obs: Tensor, action: Tensor): Tensor {
    const q = this.net.forward(concat([obs, action], -1));
    return reshape(q, [q.shape[0]]);
  }
}

/** Copies one observation of `size` values into `out`; a RangeError names both sizes when it has another. */
export function copyObservation(obs: ArrayLike<number>, size: number, out: FloatArray): void {
  if (obs?.length !== size) throw new RangeError(`expected an observation of ${size} values, got ${obs?.length}`);
  for (let i = 0; i < size; i++) out[i] = obs[i];
}

/** One observation as a [1, n] float32 tensor. */
export function observationTensor(obs: ArrayLike<number>, size: number): Tensor {
  const t = zeros([1, size]);
  copyObservation(obs, size, t.data);
  return t;
}
