/**
 * A one-step continuous contextual bandit with a known optimum, for learning specs.
 *
 * obs s ~ U(−1, 1) (one value); action a ∈ [low, high] (default [−2, 2]); reward −(a − a*(s))²
 * with a*(s) = optimumSlope·s + optimumOffset, then the episode terminates. The optimal return is
 * 0 and the optimal action is a*(s). getState/setState make it checkpointable mid-run.
 */
import { Generator, type GeneratorState } from '../../engine/index.ts';
import type { ContinuousEnv, StepResult } from '../../algorithms/common/env.ts';

export interface BanditOptions {
  low?: number;
  high?: number;
  optimumSlope?: number;
  optimumOffset?: number;
  /** After this many calls to step, rewards become NaN (for the non-finite-loss spec). */
  nanAfter?: number;
}

export class BanditEnv implements ContinuousEnv {
  readonly id = 'Bandit-v0';
  readonly observationSpace = { shape: [1] };
  readonly actionSpace: { shape: number[]; low: Float32Array; high: Float32Array };
  private rng = new Generator(0);
  private context = 0;
  private steps = 0;
  private readonly obs = new Float32Array(1);

  constructor(readonly options: BanditOptions = {}) {
    this.actionSpace = { shape: [1], low: Float32Array.of(options.low ?? -2), high: Float32Array.of(options.high ?? 2) };
  }

  optimum(context: number): number {
    return (this.options.optimumSlope ?? 0.5) * context + (this.options.optimumOffset ?? 0.5);
  }

  reset(args: { seed?: number } = {}): { obs: Float32Array } {
    if (args.seed !== undefined) this.rng = new Generator(args.seed);
    this.context = Math.fround(2 * this.rng.uniform() - 1); // as the agent sees it (float32 obs)
    this.obs[0] = this.context;
    return { obs: this.obs };
  }

  step(action: Float32Array): StepResult {
    this.steps++;
    const reward = this.options.nanAfter !== undefined && this.steps > this.options.nanAfter
      ? NaN
      : -((action[0] - this.optimum(this.context)) ** 2);
    return { obs: this.obs, reward, terminated: true, truncated: false };
  }

  getState(): { rng: GeneratorState; context: number; steps: number } {
    return { rng: this.rng.getState(), context: this.context, steps: this.steps };
  }

  setState(state: unknown): void {
    const s = state as { rng: GeneratorState; context: number; steps: number };
    this.rng = Generator.fromState(s.rng);
    this.context = s.context;
    this.steps = s.steps;
    this.obs[0] = s.context;
  }
}
