/**
 * The diagonal Normal distribution, written with engine ops only, so every quantity (log-density,
 * entropy, KL, reparameterised samples) is differentiable to any order in its parameters.
 */
import { ShapeError, ValueError, describeValue, expectArray, expectObject, formatShape } from '../errors.ts';
import type { DType } from '../kernels/types.ts';
import { add, broadcastTo, cast, div, exp, log, mul, square, sub, sum } from '../ops/index.ts';
import { noGrad } from '../autograd/graph.ts';
import { type Generator, expectGenerator } from '../random.ts';
import { broadcastShapes } from '../shape.ts';
import { Tensor, expectTensor, full, randn } from '../tensor.ts';

const HALF_LOG_TWO_PI = 0.5 * Math.log(2 * Math.PI);
/** Module-private option key: the exact log σ when the caller parameterised by it. */
const exactLogScale = Symbol('exactLogScale');

export interface DistributionOptions {
  /**
   * How many trailing axes form one event (default 1: the last axis is the dimension of a diagonal
   * multivariate normal, and logProb, entropy and KL sum over it; 0 gives elementwise values).
   */
  eventDims?: number;
}

/** Throws a ValueError naming `op` and the argument unless `x` is a Tensor or a number (a distribution parameter). */
export function expectParameter(op: string, what: string, x: unknown): asserts x is Tensor | number {
  if (!(x instanceof Tensor) && typeof x !== 'number') throw new ValueError(`${op}: ${what} must be a Tensor or a number, got ${describeValue(x)}`);
}

/** Throws a ValueError naming `op` unless `x` is a Normal. */
export function expectNormal(op: string, what: string, x: unknown): asserts x is Normal {
  if (!(x instanceof Normal)) throw new ValueError(`${op}: ${what} must be a Normal, got ${describeValue(x)}`);
}

/** The arguments of a sampling method: a seed or Generator, and an array of sizes (checked by randn). */
export function checkSampleArguments(op: string, generator: unknown, sampleShape: unknown): void {
  expectGenerator(op, 'generator', generator);
  expectArray(op, 'sampleShape', sampleShape);
}

/** A number or tensor parameter as a tensor of `dtype` (tensors of the other float dtype are cast). */
export function asParameter(value: Tensor | number, dtype: DType): Tensor {
  return typeof value === 'number' ? full([], value, { dtype }) : cast(value, dtype);
}

/**
 * Normal(loc, diag(scale²)) with loc and scale broadcast together; the last `eventDims` axes are the
 * event, the rest the batch.
 * @example
 * const pi = Normal.fromLogScale(mean, logStd);     // mean, logStd: [batch, actionDim]
 * const a = pi.rsample(rng);                         // differentiable in mean and logStd
 * const logp = pi.logProb(a);                        // [batch]
 */
export class Normal {
  readonly loc: Tensor;
  readonly scale: Tensor;
  /** log σ; exact (not log(exp(·))) when constructed with `fromLogScale`. */
  readonly logScale: Tensor;
  readonly eventDims: number;
  /** Shape of loc and scale broadcast together: batch shape then event shape. */
  readonly shape: readonly number[];

  constructor(loc: Tensor, scale: Tensor | number, options: DistributionOptions & { [exactLogScale]?: Tensor } = {}) {
    expectTensor('Normal', 'loc', loc);
    expectParameter('Normal', 'scale', scale);
    expectObject('Normal', 'options', options);
    this.loc = loc;
    this.scale = asParameter(scale, loc.dtype);
    this.logScale = options[exactLogScale] ?? log(this.scale);
    this.eventDims = options.eventDims ?? 1;
    this.shape = broadcastShapes('Normal', loc.shape, this.scale.shape);
    if (typeof this.eventDims !== 'number') throw new ValueError(`Normal: options.eventDims must be an integer, got ${describeValue(this.eventDims)}`);
    if (!Number.isInteger(this.eventDims) || this.eventDims < 0 || this.eventDims > this.shape.length) {
      throw new ValueError(`Normal: eventDims ${this.eventDims} does not fit parameters of shape ${formatShape(this.shape)}`);
    }
  }

  /** Normal with σ = exp(logScale), keeping log σ exact for logProb, entropy and KL. */
  static fromLogScale(loc: Tensor, logScale: Tensor | number, options: DistributionOptions = {}): Normal {
    expectTensor('Normal.fromLogScale', 'loc', loc);
    expectParameter('Normal.fromLogScale', 'logScale', logScale);
    expectObject('Normal.fromLogScale', 'options', options);
    const exact = asParameter(logScale, loc.dtype);
    return new Normal(loc, exp(exact), { ...options, [exactLogScale]: exact });
  }

  get dtype(): DType {
    return this.loc.dtype;
  }

  get batchShape(): readonly number[] {
    return this.shape.slice(0, this.shape.length - this.eventDims);
  }

  get eventShape(): readonly number[] {
    return this.shape.slice(this.shape.length - this.eventDims);
  }

  get mean(): Tensor {
    return broadcastTo(this.loc, this.shape);
  }

  get mode(): Tensor {
    return this.mean;
  }

  get stddev(): Tensor {
    return broadcastTo(this.scale, this.shape);
  }

  get variance(): Tensor {
    return square(this.stddev);
  }

  /** Sums the event axes of an elementwise quantity of shape [..., ...this.shape]. */
  sumEvent(x: Tensor): Tensor {
    expectTensor('Normal.sumEvent', 'x', x);
    if (this.eventDims === 0) return x;
    const axes = Array.from({ length: this.eventDims }, (_, i) => x.rank - 1 - i);
    return sum(x, axes);
  }

  /** Standard normal noise of shape [...sampleShape, ...this.shape] in this distribution's dtype. */
  protected noise(generator: Generator | number, sampleShape: readonly number[]): Tensor {
    return randn([...sampleShape, ...this.shape], { generator, dtype: this.dtype });
  }

  /**
   * A reparameterised sample loc + scale·ε, ε ~ N(0, I) from `generator`: differentiable in loc
   * and scale. Shape [...sampleShape, ...shape].
   */
  rsample(generator: Generator | number, sampleShape: readonly number[] = []): Tensor {
    checkSampleArguments('Normal.rsample', generator, sampleShape);
    return add(this.loc, mul(this.scale, this.noise(generator, sampleShape)));
  }

  /** A sample cut from the graph. */
  sample(generator: Generator | number, sampleShape: readonly number[] = []): Tensor {
    checkSampleArguments('Normal.sample', generator, sampleShape);
    return noGrad(() => this.rsample(generator, sampleShape)).detach();
  }

  /** log N(x; loc, σ²) = −(x − loc)²/(2σ²) − log σ − ½ log 2π, summed over the event axes. */
  logProb(x: Tensor): Tensor {
    this.checkValue('logProb', x);
    const z = div(sub(x, this.loc), this.scale);
    const elementwise = sub(sub(mul(square(z), -0.5), this.logScale), HALF_LOG_TWO_PI);
    return this.sumEvent(elementwise);
  }

  /** Differential entropy ½ + ½ log 2π + log σ per dimension, summed over the event axes. */
  entropy(): Tensor {
    return this.sumEvent(add(broadcastTo(this.logScale, this.shape), 0.5 + HALF_LOG_TWO_PI));
  }

  /**
   * KL(this ‖ other) = log(σ₂/σ₁) + (σ₁² + (μ₁ − μ₂)²)/(2σ₂²) − ½ per dimension, summed over the
   * event axes; differentiable in both distributions' parameters.
   */
  klDivergence(other: Normal): Tensor {
    expectNormal('Normal.klDivergence', 'other', other);
    if (other.eventDims !== this.eventDims) {
      throw new ValueError(`Normal.klDivergence: eventDims ${this.eventDims} and ${other.eventDims} differ`);
    }
    const varianceRatio = square(div(this.scale, other.scale));
    const meanTerm = square(div(sub(this.loc, other.loc), other.scale));
    const elementwise = add(sub(other.logScale, this.logScale), mul(sub(add(varianceRatio, meanTerm), 1), 0.5));
    return this.sumEvent(elementwise);
  }

  /** Throws a `ShapeError` unless x's trailing axes are the event shape. */
  checkValue(op: string, x: Tensor): void {
    if (!(x instanceof Tensor)) expectTensor(`${this.constructor.name}.${op}`, 'value', x);
    const event = this.eventShape;
    const tail = x.shape.slice(x.rank - event.length);
    if (x.rank < event.length || tail.some((d, i) => d !== event[i] && event[i] !== 1)) {
      throw new ShapeError(`${this.constructor.name}.${op}: value of shape ${formatShape(x.shape)} does not end in event shape ${formatShape(event)}`);
    }
  }
}

/** KL(p ‖ q) of two Normals (see `Normal.klDivergence`). */
export function klDivergence(p: Normal, q: Normal): Tensor {
  expectNormal('klDivergence', 'p', p);
  expectNormal('klDivergence', 'q', q);
  return p.klDivergence(q);
}
