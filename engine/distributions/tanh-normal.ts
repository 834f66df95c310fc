/**
 * The tanh-squashed diagonal Normal of SAC-style policies (Haarnoja et al., 2018, appendix C):
 * y = tanh(u), u ~ Normal(loc, scale), optionally mapped affinely onto an action box [low, high] —
 * a TransformedDistribution over [TanhTransform, AffineTransform]. The log-density uses the stable
 * form log(1 − tanh²u) = 2·(log 2 − u − softplus(−2u)), which stays finite and smooth where tanh
 * saturates (or, with `epsilon`, the common log(1 − y² + ε)); everything is written with engine
 * ops, so it is differentiable to any order.
 */
import { ShapeError, ValueError, describeValue, expectObject, formatShape } from '../errors.ts';
import { add, div, log, mean, mul, sub } from '../ops/index.ts';
import { noGrad } from '../autograd/graph.ts';
import { type Generator, expectGenerator } from '../random.ts';
import { Tensor, expectTensor, tensor } from '../tensor.ts';
import { Normal, asParameter, checkSampleArguments, expectNormal, expectParameter, type DistributionOptions } from './normal.ts';
import { TransformedDistribution } from './transformed.ts';
import { AffineTransform, TanhTransform, type Transform } from './transforms.ts';

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
  /** Squash correction log(1 − y² + ε) instead of the exact stable form (see TanhTransform); default 0. */
  epsilon?: number;
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
    expectObject('AffineBox', 'box', box);
    for (const bound of ['low', 'high'] as const) {
      const v: unknown = box[bound];
      if (!(v instanceof Tensor) && typeof v !== 'number' && !Array.isArray(v)) {
        throw new ValueError(`AffineBox: box.${bound} must be a Tensor, a number or an array of numbers, got ${describeValue(v)}`);
      }
    }
    // undefined has always meant float32 here
    if (dtype !== undefined && dtype !== 'float32' && dtype !== 'float64') {
      throw new ValueError(`AffineBox: dtype must be 'float32' or 'float64', got ${describeValue(dtype)}`);
    }
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
  readonly squash: TanhTransform;
  /** The same distribution as a TransformedDistribution over [tanh, box map]. */
  readonly transformed: TransformedDistribution;

  constructor(loc: Tensor, scale: Tensor | number, options: TanhNormalOptions & { [prebuiltBase]?: Normal } = {}) {
    expectObject('TanhNormal', 'options', options);
    if (options[prebuiltBase] === undefined) {
      expectTensor('TanhNormal', 'loc', loc);
      expectParameter('TanhNormal', 'scale', scale);
    }
    if (options.box !== undefined) expectObject('TanhNormal', 'options.box', options.box);
    this.base = options[prebuiltBase] ?? new Normal(loc, scale, options);
    this.box = options.box ? new AffineBox(options.box, loc.dtype) : null;
    this.squash = new TanhTransform({ epsilon: options.epsilon ?? 0 });
    const transforms: Transform[] = [this.squash];
    if (this.box) transforms.push(new AffineTransform(this.box.center, this.box.halfRange, { logAbsScale: this.box.logHalfRange }));
    this.transformed = new TransformedDistribution(this.base, transforms);
  }

  /** TanhNormal with σ = exp(logScale), keeping log σ exact. */
  static fromLogScale(loc: Tensor, logScale: Tensor | number, options: TanhNormalOptions = {}): TanhNormal {
    expectTensor('TanhNormal.fromLogScale', 'loc', loc);
    expectParameter('TanhNormal.fromLogScale', 'logScale', logScale);
    expectObject('TanhNormal.fromLogScale', 'options', options);
    return TanhNormal.fromBase(Normal.fromLogScale(loc, logScale, options), options.box, options.epsilon);
  }

  /** tanh of an existing Normal. */
  static fromBase(base: Normal, box?: ActionBox, epsilon?: number): TanhNormal {
    expectNormal('TanhNormal.fromBase', 'base', base);
    if (box !== undefined) expectObject('TanhNormal.fromBase', 'box', box);
    return new TanhNormal(base.loc, base.scale, { eventDims: base.eventDims, box, epsilon, [prebuiltBase]: base });
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

  /** A reparameterised sample: u = loc + scale·ε, value = tanh(u) (mapped to the box). */
  rsample(generator: Generator | number, sampleShape: readonly number[] = []): TanhNormalSample {
    checkSampleArguments('TanhNormal.rsample', generator, sampleShape);
    const { value, intermediates } = this.transformed.rsample(generator, sampleShape);
    return { value, preTanh: intermediates[0] };
  }

  /** A sample cut from the graph. */
  sample(generator: Generator | number, sampleShape: readonly number[] = []): TanhNormalSample {
    checkSampleArguments('TanhNormal.sample', generator, sampleShape);
    return noGrad(() => {
      const { value, preTanh } = this.rsample(generator, sampleShape);
      return { value: value.detach(), preTanh: preTanh.detach() };
    });
  }

  /** The most likely value of u mapped through tanh: tanh(loc) (in the box). Deterministic evaluation. */
  get mode(): Tensor {
    return this.transformed.transforms.reduce((v, t) => t.forward(v), this.base.mean);
  }

  /** Σ log|dy/du| over the event axes: 2·(log 2 − u − softplus(−2u)) (log(1 − tanh²u), stable), or log(1 − tanh²u + ε). */
  logAbsDetJacobian(preTanh: Tensor): Tensor {
    expectTensor('TanhNormal.logAbsDetJacobian', 'preTanh', preTanh);
    return this.base.sumEvent(this.squash.logAbsDetJacobian(preTanh, this.squash.forward(preTanh)));
  }

  /**
   * log q(value) = log N(u) − Σ log(1 − tanh²u) − Σ log halfRange. Pass `preTanh` (from rsample)
   * whenever you have it: it is then used instead of u = atanh(value), which loses precision near
   * the bounds (value is clamped to 1 − 1e-6 (float32) or 1 − 1e-12 (float64) before atanh).
   */
  logProb(value: Tensor, preTanh?: Tensor): Tensor {
    expectTensor('TanhNormal.logProb', 'value', value);
    if (preTanh !== undefined) expectTensor('TanhNormal.logProb', 'preTanh', preTanh);
    this.base.checkValue('logProb', preTanh ?? value);
    if (preTanh === undefined) return this.transformed.logProb(value);
    return this.transformed.logProb(value, this.box ? [preTanh, this.squash.forward(preTanh)] : [preTanh]);
  }

  /** u = atanh(y) for a value y, clamped just inside (−1, 1). */
  inverse(value: Tensor): Tensor {
    expectTensor('TanhNormal.inverse', 'value', value);
    return this.transformed.invert(value)[0];
  }

  /**
   * Monte-Carlo estimate of KL(q ‖ Uniform(−1, 1)ᵈ) = E_q[log q(y)] + d·log 2 (d = event size)
   * from `samples` reparameterised draws, so it is differentiable in loc and scale (the pathwise
   * gradient). KL is invariant under the box's affine map, so this is also the KL to the uniform
   * distribution on the box. Equals −(entropy of q) + d·log 2; shape: the batch shape.
   */
  klToUniform(generator: Generator | number, samples = 1): Tensor {
    expectGenerator('TanhNormal.klToUniform', 'generator', generator);
    if (!Number.isInteger(samples) || samples < 1) throw new ValueError(`TanhNormal.klToUniform: samples must be a positive integer, got ${typeof samples === 'number' ? samples : describeValue(samples)}`);
    const u = this.base.rsample(generator, [samples]);
    const logq = sub(this.base.logProb(u), this.logAbsDetJacobian(u));
    const d = this.eventShape.reduce((a, b) => a * b, 1);
    return add(mean(logq, 0), d * LOG_TWO);
  }
}
