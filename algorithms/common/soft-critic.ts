/**
 * SAC's critic and temperature (Haarnoja et al. 2018), shared by SAC, HMC-SAC and flow-SAC: twin soft
 * Q networks with Polyak targets and the ½·MSE loss of eq. (5), and the learned temperature α of
 * eq. (18). The policies differ, so each algorithm supplies the next action and its log-density.
 * The steps return their losses as scalar tensors, so that they can run inside a traced update
 * (engine/trace) and be read after it.
 */
import {
  Adam, Tensor, add, copyParameters, exp, mean, minimum, mul, noGrad, polyakUpdate, square, sub, sum, zeros, type Generator,
} from '../../engine/index.ts';
import type { SACConfig } from '../sac.ts';
import { QNetwork } from './networks.ts';

/** What the critic and the temperature read of a SAC-like config. */
type SoftCriticSettings = Pick<SACConfig, 'hiddenSizes' | 'learningRate' | 'criticLearningRate' | 'alphaLearningRate' | 'initialAlpha' | 'learnAlpha'>;

/** Twin Q networks, their Polyak targets and one Adam over both (SAC's critic). */
export class SoftTwinCritic {
  readonly critic1: QNetwork;
  readonly critic2: QNetwork;
  readonly critic1Target: QNetwork;
  readonly critic2Target: QNetwork;
  readonly optimizer: Adam;

  constructor(observationSize: number, actionSize: number, config: SoftCriticSettings, generator: Generator) {
    const q = { observationSize, actionSize, hiddenSizes: config.hiddenSizes, generator };
    this.critic1 = new QNetwork(q);
    this.critic2 = new QNetwork(q);
    this.critic1Target = new QNetwork(q).requiresGrad_(false);
    this.critic2Target = new QNetwork(q).requiresGrad_(false);
    copyParameters(this.critic1Target, this.critic1);
    copyParameters(this.critic2Target, this.critic2);
    this.optimizer = new Adam([...this.critic1.parameters(), ...this.critic2.parameters()], { lr: config.criticLearningRate ?? config.learningRate });
  }

  /** The value the actor maximises: min or mean of the online critics, [B]. */
  value(obs: Tensor, action: Tensor, reduction: SACConfig['actorQReduction']): Tensor {
    const q1 = this.critic1.forward(obs, action);
    const q2 = this.critic2.forward(obs, action);
    return reduction === 'min' ? minimum(q1, q2) : mul(add(q1, q2), 0.5);
  }

  /**
   * Soft Q target (eq. 3 with the twin-Q minimum) y = r + γ(1 − d)(min_j Q̄_j(s', a') − α·log q(a'|s')), then
   * one step on the critic loss (eq. 5) J_Q = ½E[(Q_j(s, a) − y)²] for each critic. Returns the loss, a scalar tensor.
   * α is a number or a scalar tensor (a traced update's `dynamicScalar`).
   */
  update(batch: { observations: Tensor; actions: Tensor; rewards: Tensor; nextObservations: Tensor; notTerminated: Tensor },
    next: { action: Tensor; logProb: Tensor }, alpha: number | Tensor, gamma: number): Tensor {
    const target = noGrad(() => {
      const qNext = minimum(this.critic1Target.forward(batch.nextObservations, next.action), this.critic2Target.forward(batch.nextObservations, next.action));
      return add(batch.rewards, mul(mul(batch.notTerminated, gamma), sub(qNext, mul(next.logProb, alpha))));
    });
    const q1 = this.critic1.forward(batch.observations, batch.actions);
    const q2 = this.critic2.forward(batch.observations, batch.actions);
    const loss = add(mul(mean(square(sub(q1, target))), 0.5), mul(mean(square(sub(q2, target))), 0.5));
    this.optimizer.zeroGrad();
    loss.backward();
    this.optimizer.step();
    return loss;
  }

  /** θ̄ ← (1 − τ)θ̄ + τθ for both targets. */
  updateTargets(tau: number): void {
    polyakUpdate(this.critic1Target, this.critic1, tau);
    polyakUpdate(this.critic2Target, this.critic2, tau);
  }
}

/** SAC's learned temperature α = exp(log α) and its dual step (eq. 18). */
export class Temperature {
  /** log α, shape [1]. */
  readonly logAlpha: Tensor;
  readonly optimizer: Adam;

  constructor(config: SoftCriticSettings, readonly targetEntropy: number) {
    this.logAlpha = zeros([1]).mutate_((d) => d.fill(Math.log(config.initialAlpha))).requiresGrad_(config.learnAlpha);
    this.optimizer = new Adam([this.logAlpha], { lr: config.alphaLearningRate ?? config.learningRate });
  }

  get alpha(): number {
    return Math.exp(this.logAlpha.data[0]);
  }

  /** J(α) = E[−α(log q + H̄)] with the gradient through log α or α; `logProb` is detached. Returns the loss, a scalar tensor. */
  update(logProb: Tensor, form: SACConfig['alphaLoss']): Tensor {
    const gap = mean(add(logProb.detach(), this.targetEntropy));
    const multiplier = form === 'logAlpha' ? this.logAlpha : exp(this.logAlpha);
    const loss = mul(sum(multiplier), gap).neg();
    this.optimizer.zeroGrad();
    loss.backward({ inputs: this.optimizer.params });
    this.optimizer.step();
    return loss;
  }
}
