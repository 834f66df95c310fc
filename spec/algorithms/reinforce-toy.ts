/**
 * A toy on-policy learner for the runner's on-policy path: REINFORCE (Williams 1992) with a mean
 * baseline, a linear Gaussian policy μ(s) = w·s + b with a learned log σ, on E one-step bandits
 * stepped as a vector env. The bandit's optimum a*(s) = 0.5·s + 0.5 is known, so learning is checkable.
 */
import {
  Adam, Generator, Linear, Module, Normal, Tensor, mean, mul, noGrad, tensor, zeros,
} from '../../engine/index.ts';
import type {
  AgentParts, LearnerBase, Metrics, OnPolicyLearner, RandomStreams, RolloutStep, TrainingState, VectorEnvLike,
} from '../../algorithms/index.ts';
import { createStreams, initialTrainingState } from '../../algorithms/index.ts';
import { BanditEnv } from './bandit-env.ts';

/** E bandits stepped together, SAME_STEP autoreset: every step ends every episode and starts the next. */
export class VectorBandit implements VectorEnvLike {
  readonly autoresetMode = 'SAME_STEP' as const;
  readonly envs: BanditEnv[];
  private readonly obs: Float32Array;
  private readonly finalObs: Float32Array;
  private readonly rewards: Float64Array;

  constructor(readonly numEnvs: number) {
    this.envs = Array.from({ length: numEnvs }, () => new BanditEnv());
    this.obs = new Float32Array(numEnvs);
    this.finalObs = new Float32Array(numEnvs);
    this.rewards = new Float64Array(numEnvs);
  }

  reset({ seed }: { seed?: number } = {}): { obs: Float32Array } {
    this.envs.forEach((env, i) => (this.obs[i] = env.reset(seed === undefined ? {} : { seed: seed + i }).obs[0]));
    return { obs: this.obs };
  }

  step(actions: ArrayLike<number>) {
    for (let i = 0; i < this.numEnvs; i++) {
      this.finalObs[i] = this.obs[i];
      this.rewards[i] = this.envs[i].step(Float32Array.of(actions[i])).reward;
      this.obs[i] = this.envs[i].reset().obs[0];
    }
    const ones = new Uint8Array(this.numEnvs).fill(1);
    return {
      obs: this.obs, rewards: this.rewards, terminations: ones, truncations: new Uint8Array(this.numEnvs),
      info: { finalObs: this.finalObs, finalObsMask: ones },
    };
  }
}

class LinearGaussianPolicy extends Module {
  readonly mean: Linear;
  readonly logStd: Tensor;
  constructor(generator: Generator) {
    super();
    this.mean = this.registerModule('mean', new Linear(1, 1, { generator }));
    this.logStd = this.registerParameter('logStd', zeros([1]).mutate_((d) => d.fill(Math.log(0.5))));
  }
  distribution(obs: Tensor): Normal {
    return Normal.fromLogScale(this.mean.forward(obs), this.logStd);
  }
}

export class ToyReinforce implements OnPolicyLearner, LearnerBase {
  readonly kind = 'on-policy' as const;
  readonly algorithm = 'REINFORCE-toy';
  readonly envId = 'VectorBandit';
  readonly actionSize = 1;
  readonly metricNames = ['policy_loss', 'mean_reward'] as const;
  readonly gaugeNames = ['std'] as const;
  readonly streams: RandomStreams;
  readonly training: TrainingState;
  readonly policy: LinearGaussianPolicy;
  private readonly optimizer: Adam;
  private readonly observations: number[] = [];
  private readonly actions: number[] = [];
  private readonly rewards: number[] = [];

  constructor(readonly env: VectorBandit, readonly config: { seed: number; rolloutSteps: number }) {
    this.streams = createStreams(config.seed);
    this.training = initialTrainingState(env.numEnvs);
    this.policy = new LinearGaussianPolicy(this.streams.init);
    this.optimizer = new Adam(this.policy.parameters(), { lr: 0.05 });
  }

  act(observations: Float32Array, out: Float32Array): void {
    noGrad(() => out.set(this.policy.distribution(new Tensor(observations.slice(), [observations.length, 1])).sample(this.streams.exploration).data));
  }

  observe(step: RolloutStep): void {
    this.observations.push(...step.observations);
    this.actions.push(...step.actions);
    this.rewards.push(...Array.from(step.rewards));
  }

  /** ∇J ≈ mean((R − b)·∇log π(a|s)), b the rollout's mean reward. */
  train(): Metrics {
    const n = this.rewards.length;
    const baseline = this.rewards.reduce((a, r) => a + r, 0) / n;
    const obs = tensor(this.observations).reshape([n, 1]);
    const actions = tensor(this.actions).reshape([n, 1]);
    const advantages = tensor(this.rewards.map((r) => r - baseline));
    const loss = mean(mul(this.policy.distribution(obs).logProb(actions), advantages)).neg();
    this.optimizer.zeroGrad();
    loss.backward();
    this.optimizer.step();
    this.observations.length = this.actions.length = this.rewards.length = 0;
    return { policy_loss: loss.item(), mean_reward: baseline };
  }

  gauges(): Record<string, number> {
    return { std: Math.exp(this.policy.logStd.data[0]) };
  }

  predict(obs: ArrayLike<number>): Float32Array {
    return noGrad(() => Float32Array.from(this.policy.mean.forward(new Tensor(Float32Array.from(obs), [1, 1])).data));
  }

  checkpointParts(): AgentParts {
    return { modules: { policy: this.policy }, tensors: {}, optimizers: { policy: this.optimizer } };
  }

  extraStreams(): Record<string, Generator> {
    return {};
  }

  describe(): string {
    return `REINFORCE toy, rollout ${this.config.rolloutSteps} × ${this.env.numEnvs}`;
  }

  /** The policy mean's weight and bias. */
  line(): { slope: number; offset: number } {
    return { slope: this.policy.mean.weight.data[0], offset: this.policy.mean.bias!.data[0] };
  }
}
