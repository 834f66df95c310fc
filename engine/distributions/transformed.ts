/**
 * The distribution of y = f_K(…f_1(x)), x ~ base (change of variables):
 *   log p(y) = log p_base(x₀) − Σ_k Σ_event log|∂x_k/∂x_{k−1}|,   x₀ = x, x_K = y.
 * Sampling returns the intermediate values too, so `logProb` can use them instead of inverting
 * (no atanh of a saturated tanh).
 *
 * @example
 * const pi = new TransformedDistribution(Normal.fromLogScale(mean, logStd), [new TanhTransform()]);
 * const { value, intermediates } = pi.rsample(rng);
 * pi.logProb(value, intermediates);   // [batch]
 */
import { ValueError, describeValue, expectArray } from '../errors.ts';
import { noGrad } from '../autograd/graph.ts';
import { sub } from '../ops/index.ts';
import type { Generator } from '../random.ts';
import { type Tensor, expectTensor } from '../tensor.ts';
import { checkSampleArguments } from './normal.ts';
import { checkTransforms, type Transform } from './transforms.ts';

/** What a base distribution must offer (`Normal` does): reparameterised draws, a density, its event axes. */
export interface BaseDistribution {
  /** Batch shape then event shape. */
  readonly shape: readonly number[];
  rsample(generator: Generator | number, sampleShape?: readonly number[]): Tensor;
  /** log p(x), summed over the event axes. */
  logProb(x: Tensor): Tensor;
  /** Sums the event axes of an elementwise quantity. */
  sumEvent(x: Tensor): Tensor;
  /** Throws unless x's trailing axes are the event shape. */
  checkValue(op: string, x: Tensor): void;
}

/** A sample: the value and the values entering each transform (intermediates[0] is the base draw). */
export interface TransformedSample {
  readonly value: Tensor;
  readonly intermediates: readonly Tensor[];
}

export class TransformedDistribution {
  constructor(readonly base: BaseDistribution, readonly transforms: readonly Transform[]) {
    const b = base as Partial<BaseDistribution> | null | undefined;
    if (typeof b !== 'object' || b === null || typeof b.rsample !== 'function' || typeof b.logProb !== 'function' || typeof b.sumEvent !== 'function') {
      throw new ValueError(`TransformedDistribution: base must be a distribution such as Normal (rsample, logProb, sumEvent), got ${describeValue(base)}`);
    }
    checkTransforms('TransformedDistribution', transforms);
  }

  get shape(): readonly number[] {
    return this.base.shape;
  }

  /** A reparameterised sample, differentiable in the base's parameters and in every transform's. */
  rsample(generator: Generator | number, sampleShape: readonly number[] = []): TransformedSample {
    checkSampleArguments('TransformedDistribution.rsample', generator, sampleShape);
    const intermediates: Tensor[] = [];
    let v = this.base.rsample(generator, sampleShape);
    for (const t of this.transforms) {
      intermediates.push(v);
      v = t.forward(v);
    }
    return { value: v, intermediates: intermediates.length ? intermediates : [v] };
  }

  /** A sample cut from the graph. */
  sample(generator: Generator | number, sampleShape: readonly number[] = []): TransformedSample {
    checkSampleArguments('TransformedDistribution.sample', generator, sampleShape);
    return noGrad(() => {
      const { value, intermediates } = this.rsample(generator, sampleShape);
      return { value: value.detach(), intermediates: intermediates.map((t) => t.detach()) };
    });
  }

  /** The values entering each transform, by inverting from `value`. */
  invert(value: Tensor): Tensor[] {
    expectTensor('TransformedDistribution.invert', 'value', value);
    const out: Tensor[] = new Array(this.transforms.length);
    let v = value;
    for (let k = this.transforms.length - 1; k >= 0; k--) {
      v = this.transforms[k].inverse(v);
      out[k] = v;
    }
    return out;
  }

  /** Σ_k Σ_event log|det J_k| along the path starting at the base draw `intermediates[0]`. */
  logAbsDetJacobian(value: Tensor, intermediates: readonly Tensor[]): Tensor[] {
    return this.transforms.map((t, k) => this.base.sumEvent(t.logAbsDetJacobian(intermediates[k], k + 1 < this.transforms.length ? intermediates[k + 1] : value)));
  }

  /** log p(value); pass `intermediates` from `rsample` to skip the inversion. */
  logProb(value: Tensor, intermediates?: readonly Tensor[]): Tensor {
    expectTensor('TransformedDistribution.logProb', 'value', value);
    this.base.checkValue('logProb', value);
    if (intermediates !== undefined) expectArray('TransformedDistribution.logProb', 'intermediates', intermediates);
    if (intermediates !== undefined && intermediates.length !== Math.max(1, this.transforms.length)) {
      throw new ValueError(`TransformedDistribution.logProb: ${intermediates.length} intermediates for ${this.transforms.length} transforms`);
    }
    const path = intermediates ?? this.invert(value);
    if (this.transforms.length === 0) return this.base.logProb(value);
    let logp = this.base.logProb(path[0]);
    for (const term of this.logAbsDetJacobian(value, path)) logp = sub(logp, term);
    return logp;
  }
}
