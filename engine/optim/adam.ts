/**
 * Adam (Kingma & Ba, 2015) and AdamW (Loshchilov & Hutter, 2019), exactly as PyTorch's
 * torch.optim.Adam / AdamW: bias-corrected moments, eps added to √v̂, weight decay as an L2 term
 * on the gradient (Adam) or as a decoupled shrink of the parameter (AdamW). Each step is one call
 * of the fused `kernels().adam` per parameter, in place on parameter and moments.
 */
import { ValueError, expectObject, showValue } from '../errors.ts';
import type { AdamHyper, FloatArray } from '../kernels/types.ts';
import { hostCall } from '../trace/recorder.ts';
import { kernels } from '../kernels/index.ts';
import type { Tensor } from '../tensor.ts';
import { Optimizer, assertHyper } from './optimizer.ts';

export interface AdamOptions {
  /** Learning rate (default 1e-3). */
  lr?: number;
  /** Decay rates (β₁, β₂) of the first and second moment averages (default [0.9, 0.999]). */
  betas?: readonly [number, number];
  /** Added to √v̂ in the denominator (default 1e-8). */
  eps?: number;
  /** Adam: L2 coefficient added to the gradient (default 0); AdamW: decoupled decay (default 1e-2). */
  weightDecay?: number;
}

type MutableAdamHyper = { -readonly [K in keyof AdamHyper]: AdamHyper[K] };

/**
 * Adam. With g the gradient (plus weightDecay·θ), t the parameter's step count:
 * m ← β₁m + (1−β₁)g, v ← β₂v + (1−β₂)g², θ ← θ − lr/(1−β₁ᵗ) · m / (√v/√(1−β₂ᵗ) + eps).
 * @example
 * const opt = new Adam(actor.parameters(), { lr: 3e-4 });
 * opt.zeroGrad(); loss.backward(); opt.step();
 */
export class Adam extends Optimizer {
  lr: number;
  beta1: number;
  beta2: number;
  eps: number;
  weightDecay: number;
  private readonly hyperScratch: MutableAdamHyper;

  constructor(params: Iterable<Tensor>, options: AdamOptions = {}, protected readonly decoupled = false) {
    super(params, decoupled ? 'AdamW' : 'Adam');
    expectObject(this.kind, 'options', options);
    const betas: unknown = options.betas ?? [0.9, 0.999];
    if (!Array.isArray(betas) || betas.length !== 2) {
      throw new ValueError(`${this.kind}: options.betas must be a pair [beta1, beta2], got ${showValue(betas)}`);
    }
    const [beta1, beta2] = betas as [number, number];
    const values = { lr: options.lr ?? 1e-3, beta1, beta2, eps: options.eps ?? 1e-8, weightDecay: options.weightDecay ?? (decoupled ? 1e-2 : 0) };
    this.validateHyper(values);
    ({ lr: this.lr, beta1: this.beta1, beta2: this.beta2, eps: this.eps, weightDecay: this.weightDecay } = values);
    this.hyperScratch = { ...values, decoupled, step: 0 };
  }

  protected getHyper(): Record<string, number> {
    return { lr: this.lr, beta1: this.beta1, beta2: this.beta2, eps: this.eps, weightDecay: this.weightDecay };
  }

  protected validateHyper(values: Record<string, number | boolean>): void {
    const { lr, beta1, beta2, eps, weightDecay } = values as Record<string, number>;
    assertHyper(this.kind, 'lr', lr, lr >= 0, '≥ 0');
    assertHyper(this.kind, 'beta1', beta1, beta1 >= 0 && beta1 < 1, 'in [0, 1)');
    assertHyper(this.kind, 'beta2', beta2, beta2 >= 0 && beta2 < 1, 'in [0, 1)');
    assertHyper(this.kind, 'eps', eps, eps >= 0, '≥ 0');
    assertHyper(this.kind, 'weightDecay', weightDecay, weightDecay >= 0, '≥ 0');
  }

  protected assignHyper(values: Record<string, number | boolean>): void {
    ({ lr: this.lr, beta1: this.beta1, beta2: this.beta2, eps: this.eps, weightDecay: this.weightDecay } = values as Record<string, number>);
  }

  protected get slotNames(): readonly string[] {
    return ['expAvg', 'expAvgSq'];
  }

  step(): void {
    const updates: { index: number; grad: FloatArray }[] = [];
    for (let i = 0; i < this.params.length; i++) {
      const g = this.gradientOf(i);
      if (g) updates.push({ index: i, grad: g.data });
    }
    // One host call, so that a traced step replays it with the live hyperparameters and step counts.
    hostCall(this.kind, () => this.apply(updates), {
      reads: updates.map((u) => u.grad), writes: updates.map((u) => this.params[u.index].data),
    });
  }

  private apply(updates: readonly { index: number; grad: FloatArray }[]): void {
    const hyper = this.hyperScratch;
    hyper.lr = this.lr;
    hyper.beta1 = this.beta1;
    hyper.beta2 = this.beta2;
    hyper.eps = this.eps;
    hyper.weightDecay = this.weightDecay;
    const set = kernels();
    for (const { index, grad } of updates) {
      const s = this.stateOf(index);
      hyper.step = ++s.step;
      const m = s.tensors.expAvg;
      const v = s.tensors.expAvgSq;
      this.params[index].mutate_((data) => set.adam(data, grad, m.data, v.data, hyper));
    }
  }
}

/**
 * AdamW: Adam with decoupled weight decay θ ← θ·(1 − lr·weightDecay) before the Adam update
 * (default weightDecay 1e-2, as PyTorch).
 */
export class AdamW extends Adam {
  constructor(params: Iterable<Tensor>, options: AdamOptions = {}) {
    super(params, options, true);
  }
}
