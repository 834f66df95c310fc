/** Gradient utilities shared by every training loop: global-norm clipping and zeroing. */
import { ValueError, describeValue, expectObject } from '../errors.ts';
import { kernels } from '../kernels/index.ts';
import { Tensor, expectTensor } from '../tensor.ts';
import { expectParameters } from './optimizer.ts';
import { activeRecording, hostCall } from '../trace/recorder.ts';
import type { FloatArray } from '../kernels/types.ts';

export interface ClipGradNormOptions {
  /** Order of the norm: a positive number or Infinity (default 2). */
  normType?: number;
  /** Throw when the total norm is NaN or infinite instead of scaling by it (default false). */
  errorIfNonfinite?: boolean;
}

/**
 * Scales the gradients of `params` together so that their global norm is at most `maxNorm`, as
 * torch.nn.utils.clip_grad_norm_: with n the norm of all gradients taken as one vector, every
 * gradient is multiplied by min(1, maxNorm / (n + 1e-6)). Returns n, the norm before clipping.
 * Parameters without a gradient are ignored. Scaled gradients are new tensors (`.grad` is
 * replaced, never written in place, since backward may hand several leaves one shared buffer).
 *
 * Inside a traced step (engine/trace) the norm is taken and applied by one host call that replay
 * runs again, so every replayed step clips by its own norm; `.grad` then always points at new
 * tensors (a copy when nothing is clipped: the same values), and the number returned is the norm
 * of the recording call only.
 * @example const norm = clipGradNorm(actor.parameters(), 0.5);
 */
export function clipGradNorm(params: Iterable<Tensor>, maxNorm: number, options: ClipGradNormOptions = {}): number {
  expectParameters('clipGradNorm', params);
  const all = [...params];
  all.forEach((p, i) => {
    if (!(p instanceof Tensor)) expectTensor('clipGradNorm', `params[${i}]`, p);
  });
  expectObject('clipGradNorm', 'options', options);
  const { normType = 2, errorIfNonfinite = false } = options;
  if (typeof normType !== 'number' || !(normType > 0)) {
    throw new ValueError(`clipGradNorm: normType must be positive or Infinity, got ${typeof normType === 'number' ? normType : describeValue(normType)}`);
  }
  if (typeof maxNorm !== 'number' || !(maxNorm >= 0)) {
    throw new ValueError(`clipGradNorm: maxNorm must be a number ≥ 0, got ${typeof maxNorm === 'number' ? maxNorm : describeValue(maxNorm)}`);
  }
  if (typeof errorIfNonfinite !== 'boolean') throw new ValueError(`clipGradNorm: options.errorIfNonfinite must be true or false, got ${describeValue(errorIfNonfinite)}`);
  const withGrad = all.filter((p) => p.grad !== null);
  const grads = withGrad.map((p) => (p.grad as Tensor).data);
  if (activeRecording() === null) {
    const total = totalNorm(grads, normType, errorIfNonfinite);
    const coefficient = maxNorm / (total + 1e-6);
    if (coefficient < 1 || Number.isNaN(coefficient)) {
      for (const p of withGrad) {
        const g = p.grad as Tensor;
        const scaled = kernels().allocate(g.dtype, g.size);
        kernels().scale(g.data, coefficient, scaled);
        p.grad = new Tensor(scaled, g.shape);
      }
    }
    return total;
  }
  const scaledGrads = withGrad.map((p) => kernels().allocate((p.grad as Tensor).dtype, (p.grad as Tensor).size));
  let total = 0;
  hostCall('clipGradNorm', () => {
    total = totalNorm(grads, normType, errorIfNonfinite);
    const coefficient = maxNorm / (total + 1e-6);
    const clip = coefficient < 1 || Number.isNaN(coefficient);
    for (let i = 0; i < grads.length; i++) {
      if (clip) kernels().scale(grads[i], coefficient, scaledGrads[i]);
      else scaledGrads[i].set(grads[i]);
    }
  }, { reads: grads, writes: scaledGrads, detail: `${maxNorm} ${normType} ${errorIfNonfinite}` });
  withGrad.forEach((p, i) => (p.grad = new Tensor(scaledGrads[i], (p.grad as Tensor).shape)));
  return total;
}

/**
 * The norm of order `normType` of all of `grads` taken as one vector, accumulated in double precision
 * (for the 2-norm, each gradient's sum of squares by the kernel, in the order the kernels fix).
 */
function totalNorm(grads: readonly FloatArray[], normType: number, errorIfNonfinite: boolean): number {
  let total = 0;
  for (const g of grads) {
    if (normType === Infinity) {
      for (let i = 0; i < g.length; i++) {
        const a = Math.abs(g[i]);
        total = a > total || Number.isNaN(a) ? a : total;
      }
    } else if (normType === 2) {
      total += kernels().sumOfSquares(g);
    } else {
      for (let i = 0; i < g.length; i++) total += Math.abs(g[i]) ** normType;
    }
  }
  if (normType !== Infinity) total = normType === 2 ? Math.sqrt(total) : total ** (1 / normType);
  if (!Number.isFinite(total) && errorIfNonfinite) {
    throw new ValueError(`clipGradNorm: the total norm of order ${normType} of the gradients is ${total}`);
  }
  return total;
}

/** Drops the gradients of `params` (sets `.grad` to null). */
export function zeroGrad(params: Iterable<Tensor>): void {
  expectParameters('zeroGrad', params);
  let i = 0;
  for (const p of params) {
    if (!(p instanceof Tensor)) expectTensor('zeroGrad', `params[${i}]`, p);
    p.grad = null;
    i++;
  }
}
