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
import { ShapeError, ValueError, describeValue, expectObject, formatShape } from '../errors.ts';
import { isGradEnabled } from '../autograd/graph.ts';
import { abs, add, atanh, broadcastTo, clamp, concat, div, exp, log, mul, neg, sliceAxis, softplus, square, sub, tanh } from '../ops/index.ts';
import { broadcastShapes, sameShape } from '../shape.ts';
import { Tensor, expectTensor, tensor } from '../tensor.ts';

const LOG_TWO = Math.log(2);

/**
 * An invertible map y = f(x) between tensors of one shape. `logAbsDetJacobian` gives one term per
 * element (PyTorch's convention for elementwise transforms), so one transform serves a base with any
 * number of event axes: the distribution sums them (`TransformedDistribution.logAbsDetJacobian`
 * returns the per-sample sums, shape [batch]). A transform that mixes elements along the last axis
 * (coupling) needs that axis inside the event.
 */
export interface Transform {
  /** For error messages. */
  readonly name: string;
  forward(x: Tensor): Tensor;
  inverse(y: Tensor): Tensor;
  /** Terms of log|det ∂y/∂x|, shape of x; y = forward(x) is passed so it need not be recomputed. */
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

  constructor(options: TanhTransformOptions = {}) {
    expectObject('TanhTransform', 'options', options);
    const { epsilon = 0 } = options;
    if (typeof epsilon !== 'number' || !(epsilon >= 0) || !Number.isFinite(epsilon)) {
      throw new ValueError(`TanhTransform: epsilon must be a finite number ≥ 0, got ${typeof epsilon === 'number' ? epsilon : describeValue(epsilon)}`);
    }
    this.epsilon = epsilon;
  }

  forward(x: Tensor): Tensor {
    return tanh(x);
  }

  /** atanh(y) with y clamped just inside (−1, 1): 1 − 1e-6 in float32, 1 − 1e-12 in float64. */
  inverse(y: Tensor): Tensor {
    expectTensor('TanhTransform.inverse', 'y', y);
    const bound = 1 - (y.dtype === 'float64' ? 1e-12 : 1e-6);
    return atanh(clamp(y, -bound, bound));
  }

  logAbsDetJacobian(x: Tensor, y: Tensor): Tensor {
    expectTensor('TanhTransform.logAbsDetJacobian', 'x', x);
    if (this.epsilon > 0) expectTensor('TanhTransform.logAbsDetJacobian', 'y', y);
    if (this.epsilon > 0) return log(add(sub(1, square(y)), this.epsilon));
    return mul(sub(sub(LOG_TWO, x), softplus(mul(x, -2))), 2);
  }
}

function asTensor(value: Tensor | number | readonly number[], dtype: Tensor['dtype'], what: string): Tensor {
  if (value instanceof Tensor) return value;
  if (typeof value === 'number') return tensor(value, { dtype });
  if (Array.isArray(value)) return tensor([...value], { dtype });
  throw new ValueError(`AffineTransform: ${what} must be a tensor, a number or an array of numbers, got ${describeValue(value)}`);
}

export interface AffineTransformOptions {
  /** dtype of loc and scale given as numbers or arrays (default: that of a tensor argument, else float32). */
  dtype?: Tensor['dtype'];
  /** log|scale| when known exactly (a learned log-scale, a precomputed log half-range); default log(|scale|). */
  logAbsScale?: Tensor;
}

/**
 * y = loc + scale·x, log|∂yᵢ/∂xᵢ| = log|scaleᵢ| (scale ≠ 0; loc and scale broadcast against x).
 * @example new AffineTransform(center, halfRange)   // (−1, 1) → [low, high]
 */
export class AffineTransform implements Transform {
  readonly name = 'affine';
  readonly loc: Tensor;
  readonly scale: Tensor;
  readonly logAbsScale: Tensor;

  constructor(loc: Tensor | number | readonly number[], scale: Tensor | number | readonly number[], options: AffineTransformOptions = {}) {
    expectObject('AffineTransform', 'options', options);
    if (options.dtype !== undefined && options.dtype !== 'float32' && options.dtype !== 'float64') {
      throw new ValueError(`AffineTransform: options.dtype must be 'float32' or 'float64', got ${describeValue(options.dtype)}`);
    }
    const dtype = options.dtype ?? (loc instanceof Tensor ? loc.dtype : scale instanceof Tensor ? scale.dtype : 'float32');
    this.loc = asTensor(loc, dtype, 'loc');
    this.scale = asTensor(scale, dtype, 'scale');
    if (!this.scale.requiresGrad) {
      const bad = Array.from(this.scale.data).findIndex((s) => s === 0 || !Number.isFinite(s));
      if (bad >= 0) throw new ValueError(`AffineTransform: scale at index ${bad} is ${this.scale.data[bad]}; it must be finite and non-zero`);
    }
    if (options.logAbsScale !== undefined && !(options.logAbsScale instanceof Tensor)) {
      throw new ValueError(`AffineTransform: logAbsScale must be a tensor, got ${describeValue(options.logAbsScale)}`);
    }
    this.logAbsScale = options.logAbsScale ?? log(abs(this.scale));
  }

  forward(x: Tensor): Tensor {
    return add(this.loc, mul(this.scale, x));
  }

  inverse(y: Tensor): Tensor {
    return div(sub(y, this.loc), this.scale);
  }

  logAbsDetJacobian(x: Tensor): Tensor {
    expectTensor('AffineTransform.logAbsDetJacobian', 'x', x);
    return broadcastTo(this.logAbsScale, x.shape);
  }
}

/**
 * One remembered call of a transform, reused when the same (unmodified) x and y come back, as
 * PyTorch's `cache_size=1`: `logProb(value, intermediates)` then costs no second conditioner pass.
 * A result computed without recording is not reused while recording, so it cannot drop gradients.
 */
class LastCall<T> {
  private entry: { x: Tensor; y: Tensor; xVersion: number; yVersion: number; recorded: boolean; value: T } | null = null;

  set(x: Tensor, y: Tensor, value: T): void {
    this.entry = { x, y, xVersion: x.version, yVersion: y.version, recorded: isGradEnabled(), value };
  }

  get(x: Tensor, y: Tensor): T | undefined {
    const e = this.entry;
    const fresh = e !== null && e.x === x && e.y === y && e.xVersion === x.version && e.yVersion === y.version;
    return fresh && (e.recorded || !isGradEnabled()) ? e.value : undefined;
  }
}

/** Log-scale s and shift t of a coupling layer, each of the shape of the masked input. */
export interface CouplingParameters {
  logScale: Tensor;
  shift: Tensor;
}

/**
 * The conditioner of a coupling layer, from the masked input m⊙x (and the context, if the transform
 * has one) to s and t. Either a function, or a module whose `forward` takes [m⊙x, context]
 * concatenated on the last axis and returns 2d values per event: s then t.
 */
export type CouplingConditioner =
  | ((maskedInput: Tensor, context: Tensor | undefined) => CouplingParameters)
  | { forward(input: Tensor): Tensor };

export interface AffineCouplingOptions {
  /**
   * A tensor the conditioner also sees, e.g. the state of a policy π(a | s): [..., c], broadcast
   * against the leading axes of x (so a [B, c] state serves samples of shape [S, B, d]).
   */
  context?: Tensor;
}

/**
 * RealNVP's affine coupling layer (Dinh, Sohl-Dickstein & Bengio 2017, eq. 7–9): with a binary
 * mask m over the last axis, y = m⊙x + (1 − m)⊙(x⊙exp(s(m⊙x)) + t(m⊙x)), log|det J| = Σ (1 − m)⊙s.
 * The Jacobian is triangular (masked outputs copy their inputs, the rest scale elementwise given
 * them), and the inverse is as cheap as the forward: x = m⊙y + (1 − m)⊙(y − t(m⊙y))⊙exp(−s(m⊙y)).
 * @example
 * const net = new MLP({ inputSize: actionDim + stateDim, hiddenSizes: [64], outputSize: 2 * actionDim, generator: 1 });
 * const layer = new AffineCouplingTransform([1, 0, 1, 0], net, { context: obs });
 */
export class AffineCouplingTransform implements Transform {
  readonly name = 'affineCoupling';
  readonly mask: Tensor;
  readonly context: Tensor | undefined;
  private readonly keep: Tensor;
  private readonly last = new LastCall<Tensor>();

  constructor(mask: Tensor | readonly number[], readonly conditioner: CouplingConditioner, options: AffineCouplingOptions = {}) {
    if (!(mask instanceof Tensor) && !Array.isArray(mask)) throw new ValueError(`AffineCouplingTransform: mask must be a tensor or an array of 0s and 1s, got ${describeValue(mask)}`);
    const m = mask instanceof Tensor ? mask : tensor([...mask]);
    if (m.rank !== 1) throw new ShapeError(`AffineCouplingTransform: mask must be one-dimensional (over the event axis), got shape ${formatShape(m.shape)}`);
    const bad = Array.from(m.data).findIndex((v) => v !== 0 && v !== 1);
    if (bad >= 0) throw new ValueError(`AffineCouplingTransform: mask entries must be 0 or 1, entry ${bad} is ${m.data[bad]}`);
    const isModule = typeof conditioner === 'object' && conditioner !== null && typeof conditioner.forward === 'function';
    if (typeof conditioner !== 'function' && !isModule) {
      throw new ValueError(`AffineCouplingTransform: conditioner must be a function or a module with forward(input), got ${describeValue(conditioner)}`);
    }
    expectObject('AffineCouplingTransform', 'options', options);
    const context = options.context;
    if (context !== undefined && (!(context instanceof Tensor) || context.rank < 1)) {
      throw new ValueError(`AffineCouplingTransform: context must be a tensor of rank ≥ 1, got ${context instanceof Tensor ? `shape ${formatShape(context.shape)}` : describeValue(context)}`);
    }
    this.mask = m;
    this.context = context;
    this.keep = sub(1, m);
  }

  /** The same layer (mask, conditioner) seeing another context, e.g. the next batch of states. */
  withContext(context: Tensor): AffineCouplingTransform {
    return new AffineCouplingTransform(this.mask, this.conditioner, { context });
  }

  /** m⊙x, after checking that x's last axis is the mask's. */
  private masked(x: Tensor): Tensor {
    if (!(x instanceof Tensor)) throw new ValueError(`AffineCouplingTransform: input must be a tensor, got ${describeValue(x)}`);
    if (x.rank < 1 || x.shape[x.rank - 1] !== this.mask.size) {
      throw new ShapeError(`AffineCouplingTransform: input of shape ${formatShape(x.shape)} does not end in the mask's size ${this.mask.size}`);
    }
    return mul(x, this.mask);
  }

  private condition(masked: Tensor): CouplingParameters {
    const size = this.mask.size;
    const context = this.context === undefined ? undefined : this.broadcastContext(masked);
    let params: CouplingParameters;
    if (typeof this.conditioner === 'function') {
      params = this.conditioner(masked, context);
    } else {
      const out = this.conditioner.forward(context === undefined ? masked : concat([masked, context], -1));
      if (!(out instanceof Tensor) || !sameShape(out.shape, [...masked.shape.slice(0, -1), 2 * size])) {
        throw new ShapeError(`AffineCouplingTransform: the conditioner module returned ${out instanceof Tensor ? `shape ${formatShape(out.shape)}` : typeof out}, expected ${formatShape([...masked.shape.slice(0, -1), 2 * size])} (log-scale then shift)`);
      }
      params = { logScale: sliceAxis(out, -1, 0, size), shift: sliceAxis(out, -1, size, 2 * size) };
    }
    for (const name of ['logScale', 'shift'] as const) {
      const t: unknown = params?.[name];
      if (!(t instanceof Tensor)) throw new ValueError(`AffineCouplingTransform: the conditioner's ${name} is not a tensor`);
      if (!sameShape(t.shape, masked.shape)) {
        throw new ShapeError(`AffineCouplingTransform: the conditioner's ${name} has shape ${formatShape(t.shape)}, the input ${formatShape(masked.shape)}`);
      }
    }
    return params;
  }

  /** The context broadcast to the leading axes of the input: [...lead, c]. */
  private broadcastContext(masked: Tensor): Tensor {
    const context = this.context as Tensor;
    const lead = masked.shape.slice(0, -1);
    const contextLead = context.shape.slice(0, -1);
    if (!sameShape(broadcastShapes('AffineCouplingTransform (context)', contextLead, lead), lead)) {
      throw new ShapeError(`AffineCouplingTransform: context of shape ${formatShape(context.shape)} does not broadcast to the input's leading axes ${formatShape(lead)}`);
    }
    return sameShape(contextLead, lead) ? context : broadcastTo(context, [...lead, context.shape[context.rank - 1]]);
  }

  forward(x: Tensor): Tensor {
    const masked = this.masked(x);
    const { logScale, shift } = this.condition(masked);
    const y = add(masked, mul(this.keep, add(mul(x, exp(logScale)), shift)));
    this.last.set(x, y, logScale);
    return y;
  }

  inverse(y: Tensor): Tensor {
    // m⊙x = m⊙y, so the conditioner sees the same input as in the forward
    const masked = this.masked(y);
    const { logScale, shift } = this.condition(masked);
    const x = add(masked, mul(this.keep, mul(sub(y, shift), exp(neg(logScale)))));
    this.last.set(x, y, logScale);
    return x;
  }

  logAbsDetJacobian(x: Tensor, y: Tensor): Tensor {
    const logScale = this.last.get(x, y) ?? this.condition(this.masked(x)).logScale;
    return mul(this.keep, logScale);
  }
}

/** Throws unless every entry has the three methods of a Transform, naming the first that does not. */
export function checkTransforms(op: string, transforms: unknown): asserts transforms is readonly Transform[] {
  if (!Array.isArray(transforms)) throw new ValueError(`${op}: transforms must be an array, got ${describeValue(transforms)}`);
  transforms.forEach((t: unknown, i) => {
    const candidate = t as Partial<Transform> | null | undefined;
    if (typeof candidate !== 'object' || candidate === null
      || typeof candidate.forward !== 'function' || typeof candidate.inverse !== 'function' || typeof candidate.logAbsDetJacobian !== 'function') {
      throw new ValueError(`${op}: transforms[${i}] is not a Transform (forward, inverse, logAbsDetJacobian), got ${describeValue(t)}`);
    }
  });
}

/**
 * Transforms applied in order, y = f_K(…f_1(x)); log|det J| = Σ_k log|det J_k| at x_{k−1} (chain rule).
 * The intermediate values of the last forward or inverse are remembered for `logAbsDetJacobian`.
 */
export class ComposeTransform implements Transform {
  readonly name = 'compose';
  private readonly last = new LastCall<Tensor[]>();

  constructor(readonly parts: readonly Transform[]) {
    checkTransforms('ComposeTransform', parts);
    if (parts.length === 0) throw new ValueError('ComposeTransform: needs at least one transform');
  }

  /** [x_0 = x, x_1, …, x_K = y]. */
  private path(x: Tensor): Tensor[] {
    const values = [x];
    for (const t of this.parts) values.push(t.forward(values[values.length - 1]));
    return values;
  }

  forward(x: Tensor): Tensor {
    const values = this.path(x);
    const y = values[values.length - 1];
    this.last.set(x, y, values);
    return y;
  }

  inverse(y: Tensor): Tensor {
    const values = [y];
    for (let k = this.parts.length - 1; k >= 0; k--) values.unshift(this.parts[k].inverse(values[0]));
    this.last.set(values[0], y, values);
    return values[0];
  }

  logAbsDetJacobian(x: Tensor, y: Tensor): Tensor {
    const values = this.last.get(x, y) ?? this.path(x);
    return this.parts.map((t, k) => t.logAbsDetJacobian(values[k], values[k + 1])).reduce((a, b) => add(a, b));
  }
}
