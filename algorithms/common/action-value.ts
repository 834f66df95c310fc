/**
 * Action values shared by the actor-critic algorithms, in the sample-major layout iterative
 * inference and MCMC action chains use: states [B, S], actions [N, B, A] (N samples per state),
 * values [N, B]. Twin critics, and the pessimistic value Q̂ = mean − β·std of a pair (Marino et al.
 * 2021, eq. 13; β = 1/√2 is the clipped double-Q minimum of Fujimoto et al. 2018).
 */
import {
  MLP, Module, ShapeError, Tensor, ValueError, add, broadcastTo, concat, expectFunction, expectObject, expectTensor, mul, reshape, showValue, sqrt, square, sub,
  type Generator,
} from '../../engine/index.ts';
import type { LinearInit } from '../../engine/nn/index.ts';

/** A state-action value to maximise: maps states [B, S] and actions [N, B, A] to values [N, B]. */
export type ActionValue = (observations: Tensor, actions: Tensor) => Tensor;

/** Anything with a forward map of [..., in] → [..., 1] (an MLP critic). */
export interface ScalarNetwork {
  forward(x: Tensor): Tensor;
}

/** Q(s, aᵢ) for every sample i: the state is repeated N times and concatenated with the action, [N, B]. */
export function sampledQValues(critic: ScalarNetwork, observations: Tensor, actions: Tensor): Tensor {
  expectObject('sampledQValues', 'critic', critic);
  expectFunction('sampledQValues', 'critic.forward', critic.forward);
  expectTensor('sampledQValues', 'observations', observations);
  expectTensor('sampledQValues', 'actions', actions);
  if (observations.shape.length !== 2 || actions.shape.length !== 3 || actions.shape[1] !== observations.shape[0]) {
    throw new ShapeError(`sampledQValues: observations must be [B, S] and actions [N, B, A], got [${observations.shape.join(', ')}] and [${actions.shape.join(', ')}]`);
  }
  const [samples, batch] = actions.shape;
  const stateSize = observations.shape[1];
  const states = broadcastTo(reshape(observations, [1, batch, stateSize]), [samples, batch, stateSize]);
  return reshape(critic.forward(concat([states, actions], -1)), [samples, batch]);
}

/**
 * Q̂ = (Q₁ + Q₂)/2 − β·√((Q₁ − Q₂)²/2 + 10⁻⁶), the unbiased two-sample std (Marino et al. 2021, eq. 13). β = 1/√2
 * gives min(Q₁, Q₂) up to the 10⁻⁶; β < 0 is optimism.
 */
export function pessimisticValue(q1: Tensor, q2: Tensor, pessimism: number): Tensor {
  const average = mul(add(q1, q2), 0.5);
  if (pessimism === 0) return average;
  const spread = sqrt(add(mul(square(sub(q1, q2)), 0.5), 1e-6));
  return sub(average, mul(spread, pessimism));
}

/** The pessimistic value of a pair of critics as an `ActionValue`. */
export function twinCriticValue(q1: ScalarNetwork, q2: ScalarNetwork, pessimism: number): ActionValue {
  for (const [what, q] of [['q1', q1], ['q2', q2]] as const) {
    expectObject('twinCriticValue', what, q);
    expectFunction('twinCriticValue', `${what}.forward`, q.forward);
  }
  if (typeof pessimism !== 'number' || !Number.isFinite(pessimism)) throw new ValueError(`twinCriticValue: pessimism must be a finite number, got ${showValue(pessimism)}`);
  return (observations, actions) =>
    pessimisticValue(sampledQValues(q1, observations, actions), sampledQValues(q2, observations, actions), pessimism);
}


export interface TwinCriticOptions {
  stateSize: number;
  actionSize: number;
  hiddenSizes: readonly number[];
  generator: Generator;
  /** Initialisation of the hidden layers and of the scalar heads (default: the MLP's). */
  hiddenInit?: LinearInit;
  outputInit?: LinearInit;
}

/** Two Q networks of concat(s, a), each hidden → ReLU, then a scalar head; q1 is built first. */
export class TwinCritic extends Module {
  readonly q1: MLP;
  readonly q2: MLP;

  constructor(options: TwinCriticOptions) {
    super();
    expectObject('TwinCritic', 'options', options);
    const { stateSize, actionSize, hiddenSizes, generator, hiddenInit, outputInit } = options;
    const make = (): MLP => new MLP({
      inputSize: stateSize + actionSize, hiddenSizes, outputSize: 1, generator,
      ...(hiddenInit ? { hiddenInit } : {}), ...(outputInit ? { outputInit } : {}),
    });
    this.q1 = this.registerModule('q1', make());
    this.q2 = this.registerModule('q2', make());
  }

  /** The pessimistic value of the pair with pessimism β. */
  value(pessimism: number): ActionValue {
    return twinCriticValue(this.q1, this.q2, pessimism);
  }
}
