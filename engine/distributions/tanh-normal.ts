/**
 * The tanh-squashed diagonal Normal of SAC-style policies (Haarnoja et al., 2018, appendix C):
 * y = tanh(u), u ~ Normal(loc, scale), optionally mapped affinely onto an action box [low, high].
 * The log-density uses the stable form log(1 − tanh²u) = 2·(log 2 − u − softplus(−2u)), which
 * stays finite and smooth where tanh saturates, and everything is written with engine ops, so it
 * is differentiable to any order.
 */
import { ShapeError, ValueError, formatShape } from '../errors.ts';
import { add, atanh, broadcastTo, clamp, div, log, mean, mul, softplus, sub, tanh } from '../ops/index.ts';
import { noGrad } from '../autograd/graph.ts';
import type { Generator } from '../random.ts';
import { Tensor, tensor } from '../tensor.ts';
import { Normal, asParameter, type DistributionOptions } from './normal.ts';

const LOG_TWO = Math.log(2);
/** Module-private option key: an already built base Normal. */
const prebuiltBase = Symbol('prebuiltBase');

/** Bounds of a box of actions, per dimension (broadcast against the event). */
export interface ActionBox {
  readonly low: Tensor | number | readonly number[];
  readonly high: Tensor | number | readonly number[];
}

export interface TanhNormalOptions extends DistributionOptions {
  /** Map tanh's (−1, 1) affinely onto this box: a = center + halfRange·y. Default: no map. */
  box?: ActionBox;
}

/** A sample of a TanhNormal: the value (in the box, if any) and the Normal draw u before tanh. */
export interface TanhNormalSample {
  readonly value: Tensor;
  readonly preTanh: Tensor;
}

/**
 * An affine map between (−1, 1)ᵈ and a box [low, high]: a = center + halfRange·y with
 * center = (high + low)/2, halfRange = (high − low)/2.
 */
export class AffineBox {
  readonly center: Tensor;
  readonly halfRange: Tensor;
  readonly logHalfRange: Tensor;

  constructor(box: ActionBox, dtype: Tensor['dtype']) {
    const asTensor = (v: ActionBox['low']): Tensor =>
      v instanceof Tensor ? asParameter(v.detach(), dtype) : typeof v === 'number' ? asParameter(v, dtype) : tensor([...v], { dtype });
    const low = asTensor(box.low);
    const high = asTensor(box.high);
    if (low.size !== high.size && low.size !== 1 && high.size !== 1) {
      throw new ShapeError(`AffineBox: low ${formatShape(low.shape)} and high ${formatShape(high.shape)} differ`);
    }
    const [center, halfRange] = noGrad(() => [mul(add(high, low), 0.5), mul(sub(high, low), 0.5)]);
    halfRange.data.forEach((h, i) => {
      if (!(h > 0 && Number.isFinite(h))) throw new ValueError(`AffineBox: bounds at index ${i} give half-range ${h}; need low < high, both finite`);
    });
    this.center = center;
    this.halfRange = halfRange;
    this.logHalfRange = noGrad(() => log(halfRange));
  }

  /** y ∈ (−1, 1) → a in the box. */
  toBox(y: Tensor): Tensor {
    return add(this.center, mul(this.halfRange, y));
  }

  /** a in the box → y ∈ (−1, 1). */
  fromBox(a: Tensor): Tensor {
    return div(sub(a, this.center), this.halfRange);
  }
}

/**
 * tanh(Normal(loc, scale)), optionally rescaled to an action box.
 * @example
 * const pi = TanhNormal.fromLogScale(mean, logStd, { box: { low: -2, high: 2 } });
 * const { value, preTanh } = pi.rsample(rng);
 * const logp = pi.logProb(value, preTanh);  // [batch], exact and stable with preTanh
 */
export class TanhNormal {
  readonly base: Normal;
  readonly box: AffineBox | null;

  constructor(loc: Tensor, scale: Tensor | number, options: TanhNormalOptions & { [prebuiltBase]?: Normal } = {}) {
    this.base = options[prebuiltBase] ?? new Normal(loc, scale, options);
    this.box = options.box ? new AffineBox(options.box, loc.dtype) : null;
  }

  /** TanhNormal with σ = exp(logScale), keeping log σ exact. */
  static fromLogScale(loc: Tensor, logScale: Tensor | number, options: TanhNormalOptions = {}): TanhNormal {
    return TanhNormal.fromBase(Normal.fromLogScale(loc, logScale, options), options.box);
  }

  /** tanh of an existing Normal. */
  static fromBase(base: Normal, box?: ActionBox): TanhNormal {
    return new TanhNormal(base.loc, base.scale, { eventDims: base.eventDims, box, [prebuiltBase]: base });
  }

  get shape(): readonly number[] {
    return this.base.shape;
  }

  get batchShape(): readonly number[] {
    return this.base.batchShape;
  }

  get eventShape(): readonly number[] {
    return this.base.eventShape;
  }

  private squash(u: Tensor): Tensor {
    const y = tanh(u);
    return this.box ? this.box.toBox(y) : y;
  }

  /** A reparameterised sample: u = loc + scale·ε, value = tanh(u) (mapped to the box). */
  rsample(generator: Generator | number, sampleShape: readonly number[] = []): TanhNormalSample {
    const preTanh = this.base.rsample(generator, sampleShape);
    return { value: this.squash(preTanh), preTanh };
  }

  /** A sample cut from the graph. */
  sample(generator: Generator | number, sampleShape: readonly number[] = []): TanhNormalSample {
    return noGrad(() => {
      const { value, preTanh } = this.rsample(generator, sampleShape);
      return { value: value.detach(), preTanh: preTanh.detach() };
    });
  }

  /** The most likely value of u mapped through tanh: tanh(loc) (in the box). Deterministic evaluation. */
  get mode(): Tensor {
    return this.squash(this.base.mean);
  }

  /** Σ log|dy/du| = Σ 2·(log 2 − u − softplus(−2u)) over the event axes (log(1 − tanh²u), stable). */
  logAbsDetJacobian(preTanh: Tensor): Tensor {
    const elementwise = mul(sub(sub(LOG_TWO, preTanh), softplus(mul(preTanh, -2))), 2);
    return this.base.sumEvent(elementwise);
  }

  /**
   * log q(value) = log N(u) − Σ log(1 − tanh²u) − Σ log halfRange. Pass `preTanh` (from rsample)
   * whenever you have it: it is then used instead of u = atanh(value), which loses precision near
   * the bounds (value is clamped to 1 − 1e-6 (float32) or 1 − 1e-12 (float64) before atanh).
   */
  logProb(value: Tensor, preTanh?: Tensor): Tensor {
    this.base.checkValue('logProb', preTanh ?? value);
    const u = preTanh ?? this.inverse(value);
    let logp = sub(this.base.logProb(u), this.logAbsDetJacobian(u));
    if (this.box) logp = sub(logp, this.base.sumEvent(broadcastTo(this.box.logHalfRange, this.shape)));
    return logp;
  }

  /** u = atanh(y) for a value y, clamped just inside (−1, 1). */
  inverse(value: Tensor): Tensor {
    const y = this.box ? this.box.fromBox(value) : value;
    const bound = 1 - (y.dtype === 'float64' ? 1e-12 : 1e-6);
    return atanh(clamp(y, -bound, bound));
  }

  /**
   * Monte-Carlo estimate of KL(q ‖ Uniform(−1, 1)ᵈ) = E_q[log q(y)] + d·log 2 (d = event size)
   * from `samples` reparameterised draws, so it is differentiable in loc and scale (the pathwise
   * gradient). KL is invariant under the box's affine map, so this is also the KL to the uniform
   * distribution on the box. Equals −(entropy of q) + d·log 2; shape: the batch shape.
   */
  klToUniform(generator: Generator | number, samples = 1): Tensor {
    if (!Number.isInteger(samples) || samples < 1) throw new ValueError(`TanhNormal.klToUniform: samples must be a positive integer, got ${samples}`);
    const u = this.base.rsample(generator, [samples]);
    const logq = sub(this.base.logProb(u), this.logAbsDetJacobian(u));
    const d = this.eventShape.reduce((a, b) => a * b, 1);
    return add(mean(logq, 0), d * LOG_TWO);
  }
}
