/** Gradient utilities shared by every training loop: global-norm clipping and zeroing. */
import { ValueError } from '../errors.ts';
import { kernels } from '../kernels/index.ts';
import { Tensor } from '../tensor.ts';
import { assertNotRecording } from '../trace/recorder.ts';

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
 * @example const norm = clipGradNorm(actor.parameters(), 0.5);
 */
export function clipGradNorm(params: Iterable<Tensor>, maxNorm: number, options: ClipGradNormOptions = {}): number {
  const { normType = 2, errorIfNonfinite = false } = options;
  if (!(normType > 0)) throw new ValueError(`clipGradNorm: normType must be positive or Infinity, got ${normType}`);
  if (!(maxNorm >= 0)) throw new ValueError(`clipGradNorm: maxNorm must be ≥ 0, got ${maxNorm}`);
  assertNotRecording('clipGradNorm');
  const withGrad = [...params].filter((p) => p.grad !== null);
  let total = 0;
  for (const p of withGrad) {
    const g = (p.grad as Tensor).data;
    if (normType === Infinity) {
      for (let i = 0; i < g.length; i++) {
        const a = Math.abs(g[i]);
        total = a > total || Number.isNaN(a) ? a : total;
      }
    } else if (normType === 2) {
      for (let i = 0; i < g.length; i++) total += g[i] * g[i];
    } else {
      for (let i = 0; i < g.length; i++) total += Math.abs(g[i]) ** normType;
    }
  }
  if (normType !== Infinity) total = normType === 2 ? Math.sqrt(total) : total ** (1 / normType);
  if (!Number.isFinite(total) && errorIfNonfinite) {
    throw new ValueError(`clipGradNorm: the total norm of order ${normType} of the gradients is ${total}`);
  }
  const coefficient = maxNorm / (total + 1e-6);
  if (coefficient < 1 || Number.isNaN(coefficient)) {
    for (const p of withGrad) {
      const g = p.grad as Tensor;
      const scaled = kernels().allocate(g.dtype, g.size);
      for (let i = 0; i < scaled.length; i++) scaled[i] = g.data[i] * coefficient;
      p.grad = new Tensor(scaled, g.shape);
    }
  }
  return total;
}

/** Drops the gradients of `params` (sets `.grad` to null). */
export function zeroGrad(params: Iterable<Tensor>): void {
  for (const p of params) p.grad = null;
}
