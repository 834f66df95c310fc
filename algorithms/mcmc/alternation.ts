/**
 * The policy iteration (11) of seed 003 that HMC-SAC and Langevin-TD3 share: θ_{t+1} = argmax_θ J(θ, h_t),
 * then h_{t+1} = argmax_h J(θ_{t+1}, h), one Adam step each; or, with `joint`, one step of θ and h
 * together on J(θ, h_t).
 */
import type { Adam, Tensor } from '../../engine/index.ts';

export interface PolicyIterationSteps {
  readonly actorLoss: Tensor;
  readonly chainLoss: Tensor;
}

/**
 * `actorLoss` is −J(θ, h_t) with its graph through the chain; `chainLossAtUpdated` builds −J(θ_{t+1}, h)
 * from the updated policy, after the θ step (alternating only). Returns both losses (the same tensor
 * when joint).
 */
export function policyIteration(
  actorLoss: Tensor, optimizers: { readonly actor: Adam; readonly chain: Adam }, joint: boolean, chainLossAtUpdated: () => Tensor,
): PolicyIterationSteps {
  const { actor, chain } = optimizers;
  actor.zeroGrad();
  if (joint) chain.zeroGrad();
  actorLoss.backward({ inputs: joint ? [...actor.params, ...chain.params] : actor.params });
  actor.step();
  if (joint) {
    chain.step();
    return { actorLoss, chainLoss: actorLoss };
  }
  const chainLoss = chainLossAtUpdated();
  chain.zeroGrad();
  chainLoss.backward({ inputs: chain.params });
  chain.step();
  return { actorLoss, chainLoss };
}
