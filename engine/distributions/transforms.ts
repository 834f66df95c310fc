/**
 * Invertible transforms for change-of-variables distributions (normalizing flows, squashed
 * policies). Each maps x ↦ y elementwise-shaped and gives log|∂y/∂x| as a tensor of x's shape whose
 * sum over the event axes is log|det J| (every transform here has a diagonal or triangular
 * Jacobian, so the determinant is a product of per-element factors). Everything is written with
 * engine ops, so densities are differentiable to any order.
 *
 * @example
 * const flow = new ComposeTransform([new AffineCouplingTransform(mask, conditioner), new TanhTransform()]);
 * const pi = new TransformedDistribution(Normal.fromLogScale(mean, logStd), flow.parts);
 */
import { ShapeError, ValueError, formatShape } from '../errors.ts';
import { add, atanh, broadcastTo, clamp, div, exp, log, mul, neg, softplus, square, sub, tanh } from '../ops/index.ts';
import { Tensor, tensor } from '../tensor.ts';

const LOG_TWO = Math.log(2);

export interface Transform {
  /** For error messages. */
  readonly name: string;
  forward(x: Tensor): Tensor;
  inverse(y: Tensor): Tensor;
  /** log|∂yᵢ/∂xᵢ| per element, shape of x (y = forward(x), passed to avoid recomputing). */
  logAbsDetJacobian(x: Tensor, y: Tensor): Tensor;
}

export interface TanhTransformOptions {
  /**
   * 0 (default): the stable exact log(1 − tanh²x) = 2(log 2 − x − softplus(−2x)) (spinningup);
   * ε > 0: log(1 − y² + ε) on the squashed value (haarnoja/sac, SB3, CleanRL with ε = 1e-6).
   */
  epsilon?: number;
}

/** y = tanh(x). */
export class TanhTransform implements Transform {
  readonly name = 'tanh';
  readonly epsilon: number;

  constructor({ epsilon = 0 }: TanhTransformOptions = {}) {
    if (typeof epsilon !== 'number' || !(epsilon >= 0) || !Number.isFinite(epsilon)) {
      throw new ValueError(`TanhTransform: epsilon must be a finite number ≥ 0, got ${epsilon}`);
    }
    this.epsilon = epsilon;
  }

  forward(x: Tensor): Tensor {
    return tanh(x);
  }

  /** atanh(y) with y clamped just inside (−1, 1): 1 − 1e-6 in float32, 1 − 1e-12 in float64. */
  inverse(y: Tensor): Tensor {
    const bound = 1 - (y.dtype === 'float64' ? 1e-12 : 1e-6);
    return atanh(clamp(y, -bound, bound));
  }

  logAbsDetJacobian(x: Tensor, y: Tensor): Tensor {
    if (this.epsilon > 0) return log(add(sub(1, square(y)), this.epsilon));
    return mul(sub(sub(LOG_TWO, x), softplus(mul(x, -2))), 2);
  }
}

function asTensor(value: Tensor | number | readonly number[], dtype: Tensor['dtype']): Tensor {
  if (value instanceof Tensor) return value;
  if (typeof value === 'number') return tensor(value, { dtype });
  if (Array.isArray(value)) return tensor([...value], { dtype });
  throw new ValueError(`AffineTransform: loc and scale must be tensors, numbers or arrays, got ${typeof value}`);
}

/** y = loc + scale·x (scale ≠ 0; loc and scale broadcast against x). */
export class AffineTransform implements Transform {
  readonly name = 'affine';
  readonly loc: Tensor;
  readonly scale: Tensor;
  /** log|scale|, precomputed (pass it when known exactly, e.g. a learned log-scale). */
  readonly logAbsScale: Tensor;

  constructor(loc: Tensor | number | readonly number[], scale: Tensor | number | readonly number[], options: { dtype?: Tensor['dtype']; logAbsScale?: Tensor } = {}) {
    const dtype = options.dtype ?? (loc instanceof Tensor ? loc.dtype : scale instanceof Tensor ? scale.dtype : 'float32');
    this.loc = asTensor(loc, dtype);
    this.scale = asTensor(scale, dtype);
    if (!(scale instanceof Tensor) || !scale.requiresGrad) {
      const zero = Array.from(this.scale.data).findIndex((s) => s === 0 || !Number.isFinite(s));
      if (zero >= 0) throw new ValueError(`AffineTransform: scale at index ${zero} is ${this.scale.data[zero]}; it must be finite and non-zero`);
    }
    this.logAbsScale = options.logAbsScale ?? log(mul(this.scale, this.scale)).mul(0.5);
  }

  forward(x: Tensor): Tensor {
    return add(this.loc, mul(this.scale, x));
  }

  inverse(y: Tensor): Tensor {
    return div(sub(y, this.loc), this.scale);
  }

  logAbsDetJacobian(x: Tensor): Tensor {
    return broadcastTo(this.logAbsScale, x.shape);
  }
}

/** The conditioner of a coupling layer: log-scale s and shift t from the masked input (same shape as it). */
export type CouplingConditioner = (maskedInput: Tensor) => { logScale: Tensor; shift: Tensor };

/**
 * RealNVP's affine coupling layer (Dinh, Sohl-Dickstein & Bengio 2017, eq. 7–9): with a binary
 * mask m, y = m⊙x + (1 − m)⊙(x⊙exp(s(m⊙x)) + t(m⊙x)), log|det J| = Σ (1 − m)⊙s. The masked part
 * passes through unchanged and conditions the rest, so the inverse is as cheap as the forward.
 * To condition on a context (a state), close over it in the conditioner.
 */
export class AffineCouplingTransform implements Transform {
  readonly name = 'affineCoupling';
  readonly mask: Tensor;
  private readonly keep: Tensor;

  constructor(mask: Tensor | readonly number[], readonly conditioner: CouplingConditioner) {
    const m = mask instanceof Tensor ? mask : tensor([...mask]);
    const bad = Array.from(m.data).findIndex((v) => v !== 0 && v !== 1);
    if (bad >= 0) throw new ValueError(`AffineCouplingTransform: mask entries must be 0 or 1, entry ${bad} is ${m.data[bad]}`);
    if (typeof conditioner !== 'function') throw new ValueError('AffineCouplingTransform: conditioner must be a function');
    this.mask = m;
    this.keep = sub(1, m);
  }

  private condition(masked: Tensor): { logScale: Tensor; shift: Tensor } {
    const { logScale, shift } = this.conditioner(masked);
    for (const [name, t] of [['logScale', logScale], ['shift', shift]] as const) {
      if (!(t instanceof Tensor)) throw new ValueError(`AffineCouplingTransform: the conditioner's ${name} is not a tensor`);
      if (t.shape.join() !== masked.shape.join()) {
        throw new ShapeError(`AffineCouplingTransform: the conditioner's ${name} has shape ${formatShape(t.shape)}, the input ${formatShape(masked.shape)}`);
      }
    }
    return { logScale, shift };
  }

  forward(x: Tensor): Tensor {
    const masked = mul(x, this.mask);
    const { logScale, shift } = this.condition(masked);
    return add(masked, mul(this.keep, add(mul(x, exp(logScale)), shift)));
  }

  inverse(y: Tensor): Tensor {
    const masked = mul(y, this.mask);
    const { logScale, shift } = this.condition(masked);
    return add(masked, mul(this.keep, mul(sub(y, shift), exp(neg(logScale)))));
  }

  logAbsDetJacobian(x: Tensor): Tensor {
    return mul(this.keep, this.condition(mul(x, this.mask)).logScale);
  }
}

/** Transforms applied in order: y = f_K(…f_1(x)). */
export class ComposeTransform implements Transform {
  readonly name = 'compose';

  constructor(readonly parts: readonly Transform[]) {
    if (!Array.isArray(parts) || parts.length === 0) throw new ValueError('ComposeTransform: needs at least one transform');
  }

  forward(x: Tensor): Tensor {
    return this.parts.reduce((v, t) => t.forward(v), x);
  }

  inverse(y: Tensor): Tensor {
    return this.parts.reduceRight((v, t) => t.inverse(v), y);
  }

  logAbsDetJacobian(x: Tensor): Tensor {
    let total: Tensor | null = null;
    let v = x;
    for (const t of this.parts) {
      const next = t.forward(v);
      const term = t.logAbsDetJacobian(v, next);
      total = total ? add(total, term) : term;
      v = next;
    }
    return total as Tensor;
  }
}
