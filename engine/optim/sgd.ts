/**
 * Stochastic gradient descent with momentum, exactly as torch.optim.SGD: with d = g + wd·θ,
 * b ← d on the first step and b ← μ·b + (1 − dampening)·d afterwards; the step direction is b, or
 * d + μ·b with Nesterov momentum; θ ← θ − lr·direction. One fused in-place pass per parameter.
 */
import { ValueError, describeValue, expectObject } from '../errors.ts';
import type { FloatArray } from '../kernels/types.ts';
import type { Tensor } from '../tensor.ts';
import { hostCall } from '../trace/recorder.ts';
import { Optimizer, assertHyper } from './optimizer.ts';

export interface SGDOptions {
  lr: number;
  /** Momentum factor μ (default 0: plain SGD). */
  momentum?: number;
  /** Dampening of the gradient in the momentum average (default 0). */
  dampening?: number;
  /** L2 coefficient added to the gradient (default 0). */
  weightDecay?: number;
  /** Nesterov momentum (needs momentum > 0 and dampening 0). */
  nesterov?: boolean;
  /** Ascend instead of descend (default false). */
  maximize?: boolean;
}

export class SGD extends Optimizer {
  lr = 0;
  momentum = 0;
  dampening = 0;
  weightDecay = 0;
  nesterov = false;
  maximize = false;

  constructor(params: Iterable<Tensor>, options: SGDOptions) {
    super(params, 'SGD');
    expectObject('SGD', 'options', options);
    const values = {
      lr: options.lr, momentum: options.momentum ?? 0, dampening: options.dampening ?? 0,
      weightDecay: options.weightDecay ?? 0, nesterov: options.nesterov ?? false, maximize: options.maximize ?? false,
    };
    this.validateHyper(values);
    this.assignHyper(values);
  }

  protected getHyper(): Record<string, number | boolean> {
    const { lr, momentum, dampening, weightDecay, nesterov, maximize } = this;
    return { lr, momentum, dampening, weightDecay, nesterov, maximize };
  }

  protected validateHyper(values: Record<string, number | boolean>): void {
    const { lr, momentum, dampening, weightDecay, nesterov } = values as Record<string, number> & { nesterov: boolean };
    assertHyper('SGD', 'lr', lr, lr >= 0, '≥ 0');
    assertHyper('SGD', 'momentum', momentum, momentum >= 0, '≥ 0');
    assertHyper('SGD', 'dampening', dampening, Number.isFinite(dampening), 'finite');
    assertHyper('SGD', 'weightDecay', weightDecay, weightDecay >= 0, '≥ 0');
    for (const name of ['nesterov', 'maximize']) {
      if (typeof values[name] !== 'boolean') throw new ValueError(`SGD: ${name} must be true or false, got ${describeValue(values[name])}`);
    }
    if (nesterov && (momentum <= 0 || dampening !== 0)) {
      throw new ValueError(`SGD: Nesterov momentum needs momentum > 0 and dampening 0, got ${momentum} and ${dampening}`);
    }
  }

  protected assignHyper(values: Record<string, number | boolean>): void {
    const v = values as { lr: number; momentum: number; dampening: number; weightDecay: number; nesterov: boolean; maximize: boolean };
    ({ lr: this.lr, momentum: this.momentum, dampening: this.dampening, weightDecay: this.weightDecay } = v);
    ({ nesterov: this.nesterov, maximize: this.maximize } = v);
  }

  protected get slotNames(): readonly string[] {
    return this.momentum !== 0 ? ['momentumBuffer'] : [];
  }

  step(): void {
    const updates: { index: number; grad: FloatArray }[] = [];
    for (let i = 0; i < this.params.length; i++) {
      const g = this.gradientOf(i);
      if (g) updates.push({ index: i, grad: g.data });
    }
    // One host call, so that a traced step replays it with the live hyperparameters and step counts.
    hostCall('SGD', () => this.apply(updates), {
      reads: updates.map((u) => u.grad), writes: updates.map((u) => this.params[u.index].data),
    });
  }

  private apply(updates: readonly { index: number; grad: FloatArray }[]): void {
    const { lr, momentum, dampening, weightDecay, nesterov } = this;
    const sign = this.maximize ? -1 : 1;
    for (const { index: i, grad: g } of updates) {
      const s = this.stateOf(i);
      const first = s.step === 0;
      s.step++;
      const buffer = momentum !== 0 ? s.tensors.momentumBuffer.data : null;
      this.params[i].mutate_((p) => {
        for (let j = 0; j < p.length; j++) {
          let d = sign * g[j];
          if (weightDecay !== 0) d += weightDecay * p[j];
          if (buffer) {
            buffer[j] = first ? d : momentum * buffer[j] + (1 - dampening) * d;
            // read back: the buffer is rounded to the parameter's precision, as PyTorch stores it
            d = nesterov ? d + momentum * buffer[j] : buffer[j];
          }
          p[j] -= lr * d;
        }
      });
    }
  }
}
