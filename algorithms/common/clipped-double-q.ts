/**
 * TD3's critic step (Fujimoto et al. 2018), shared by TD3 and Langevin-TD3: target policy smoothing
 * noise (eq. 14) and one step of the twin critics towards the clipped double-Q target (eq. 10). Each
 * algorithm supplies its own next action (TD3: the target actor's; Langevin-TD3: the flow's end).
 */
import { add, clamp, mean, minimum, mul, noGrad, randn, square, sub, type Adam, type Generator, type Tensor } from '../../engine/index.ts';
import type { QNetwork } from './networks.ts';
import type { TensorBatch } from './tensor-batch.ts';

/** The twin critics, their targets and the optimizer over both critics. */
export interface TwinQ {
  readonly critic1: QNetwork;
  readonly critic2: QNetwork;
  readonly critic1Target: QNetwork;
  readonly critic2Target: QNetwork;
  readonly criticOptimizer: Adam;
}

/** Target policy smoothing noise (eq. 14): clip(ε, −c, c), ε ~ N(0, σ̃²), shape [batch, actions]. */
export function smoothingNoise(batchSize: number, actionSize: number, std: number, noiseClip: number, generator: Generator): Tensor {
  return clamp(randn([batchSize, actionSize], { generator, std }), -noiseClip, noiseClip);
}

/**
 * y = r + γ(1 − d)·min(Q̄₁(s', ã'), Q̄₂(s', ã')) (eq. 10) for the smoothed next action ã', then one step
 * on MSE(Q₁(s, a), y) + MSE(Q₂(s, a), y). Returns the loss, a scalar tensor.
 */
export function clippedDoubleQStep(q: TwinQ, batch: TensorBatch, nextAction: Tensor, gamma: number): Tensor {
  const { observations: obs, actions, rewards, nextObservations: nextObs, notTerminated } = batch;
  const target = noGrad(() => {
    const qNext = minimum(q.critic1Target.forward(nextObs, nextAction), q.critic2Target.forward(nextObs, nextAction));
    return add(rewards, mul(mul(notTerminated, gamma), qNext));
  });
  const q1 = q.critic1.forward(obs, actions);
  const q2 = q.critic2.forward(obs, actions);
  const loss = add(mean(square(sub(q1, target))), mean(square(sub(q2, target))));
  q.criticOptimizer.zeroGrad();
  loss.backward();
  q.criticOptimizer.step();
  return loss;
}
