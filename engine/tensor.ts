/**
 * Tensors: dense, row-major, float32 (default) or float64, immutable from the user's view.
 *
 * Storage is a typed array obtained from the active kernel set's `allocate`, so a kernel set that
 * keeps tensors in a `WebAssembly.Memory` can run on them without copies. View-like ops (permute,
 * slice, expand) produce new dense tensors; `reshape` and `detach` share storage, which is safe
 * because nothing writes to a tensor except the explicit in-place API (`mutate_`), which bumps a
 * version counter that the backward pass checks.
 */
import { GradientError, ShapeError, ValueError, describeValue, expectFunction, formatShape } from './errors.ts';
import { kernels } from './kernels/index.ts';
import type { DType, FloatArray } from './kernels/types.ts';
import { Generator, expectGenerator, toGenerator } from './random.ts';
import { assertElementLimit, assertValidShape, sizeOf, type Shape } from './shape.ts';
import type { GraphNode } from './autograd/graph.ts';
import * as ops from './ops/index.ts';
import { backward, type BackwardOptions } from './autograd/backward.ts';
import { activeRecording, assertNotRecording, hostCall } from './trace/recorder.ts';
import { expectBoolean, expectDType } from './arguments.ts';

export type { DType, FloatArray } from './kernels/types.ts';

/** Nested JavaScript arrays of numbers, as accepted by `tensor` and returned by `toArray`. */
export type NestedArray = number | readonly NestedArray[];

export interface TensorOptions {
  dtype?: DType;
  requiresGrad?: boolean;
}

export class Tensor {
  readonly shape: readonly number[];
  readonly dtype: DType;
  /** Storage, row-major. Read freely; write only through `mutate_`. */
  readonly data: FloatArray;
  /** Whether gradients flow to this tensor (set on leaves by the user, on results by the engine). */
  requiresGrad = false;
  /** Accumulated gradient, filled by `backward()` on leaves and on tensors that `retainGrad()`. */
  grad: Tensor | null = null;
  /** Incremented by every in-place write. */
  version = 0;
  private producer: GraphNode | null = null;
  private keepsGrad = false;

  constructor(data: FloatArray, shape: Shape) {
    // FloatArray is checked at compile time only; an Int32Array (or a plain array) would otherwise
    // be stored and labelled float32
    if (!(data instanceof Float32Array || data instanceof Float64Array)) {
      throw new ValueError(`Tensor: data must be a Float32Array or Float64Array, got ${describeValue(data)}; convert it first (e.g. Float32Array.from(data)) or use tensor()`);
    }
    if (!Array.isArray(shape)) throw new ShapeError(`Tensor: shape must be an array of non-negative integers, got ${describeValue(shape)}`);
    if (data.length !== sizeOf(shape)) {
      throw new ShapeError(`Tensor: ${data.length} values do not fill shape ${formatShape(shape)}`);
    }
    this.data = data;
    this.shape = Object.freeze([...shape]);
    this.dtype = data instanceof Float64Array ? 'float64' : 'float32';
    activeRecording()?.tensorCreated(this, data);
  }

  get rank(): number {
    return this.shape.length;
  }

  get size(): number {
    return this.data.length;
  }

  /** The op that produced this tensor, when it was recorded. */
  get node(): GraphNode | null {
    return this.producer;
  }

  /** @internal Called by the engine when it records the op that produced this tensor. */
  setNode(node: GraphNode): void {
    this.producer = node;
    this.requiresGrad = true;
  }

  get isLeaf(): boolean {
    return this.producer === null;
  }

  get retainsGrad(): boolean {
    return this.keepsGrad;
  }

  /** Marks a leaf as a parameter (or input) to differentiate with respect to. Returns `this`. */
  requiresGrad_(flag = true): this {
    expectBoolean('requiresGrad_', 'flag', flag);
    if (!this.isLeaf) {
      throw new GradientError(`requiresGrad_: only leaf tensors can change requiresGrad; use detach() first`);
    }
    this.requiresGrad = flag;
    return this;
  }

  /** Keeps `.grad` on this intermediate result after `backward()`. */
  retainGrad(): this {
    if (!this.requiresGrad) throw new GradientError(`retainGrad: tensor of shape ${formatShape(this.shape)} does not require grad`);
    this.keepsGrad = true;
    return this;
  }

  /** The same values, cut from the graph. Shares storage. */
  detach(): Tensor {
    return new Tensor(this.data, this.shape);
  }

  /**
   * Backpropagates from this tensor into `.grad` of the leaves that require grad (and of
   * intermediates that `retainGrad()`), accumulating. A non-scalar needs an explicit `seed`.
   * `{ inputs }` restricts the accumulation to the given tensors (PyTorch's `inputs=`).
   * @example actorLoss.backward({ inputs: actor.parameters() })
   */
  backward(seed?: Tensor | BackwardOptions, options: BackwardOptions = {}): void {
    if (seed === undefined || seed instanceof Tensor) backward(this, seed, options);
    else backward(this, undefined, seed);
  }

  /** Writes in place through `fn(data)`, outside autodiff; bumps the version counter. */
  mutate_(fn: (data: FloatArray) => void): this {
    expectFunction('mutate_', 'fn', fn);
    if (activeRecording() === null) {
      fn(this.data);
      this.version++;
    } else {
      const data = this.data;
      hostCall('mutate_', () => {
        fn(data);
        this.version++;
      }, { reads: [data], writes: [data] });
    }
    return this;
  }

  /** A copy of the values as a typed array of this tensor's dtype. */
  toTypedArray(): FloatArray {
    assertNotRecording('toTypedArray()');
    return this.data.slice();
  }

  /** The values as nested arrays (a number for a rank-0 tensor). */
  toArray(): NestedArray {
    assertNotRecording('toArray()');
    const build = (axis: number, offset: number): NestedArray => {
      if (axis === this.rank) return this.data[offset];
      const stride = sizeOf(this.shape.slice(axis + 1));
      return Array.from({ length: this.shape[axis] }, (_, i) => build(axis + 1, offset + i * stride));
    };
    return build(0, 0);
  }

  /** The single value of a one-element tensor. */
  item(): number {
    assertNotRecording('item()');
    if (this.size !== 1) throw new ShapeError(`item: tensor of shape ${formatShape(this.shape)} has ${this.size} elements, expected 1`);
    return this.data[0];
  }

  toString(): string {
    return `Tensor(${formatShape(this.shape)}, ${this.dtype}${this.requiresGrad ? ', requiresGrad' : ''})`;
  }

  // Chainable op methods; each is the function of the same name in engine/ops.
  add(other: Tensor | number): Tensor { return ops.add(this, other); }
  sub(other: Tensor | number): Tensor { return ops.sub(this, other); }
  mul(other: Tensor | number): Tensor { return ops.mul(this, other); }
  div(other: Tensor | number): Tensor { return ops.div(this, other); }
  pow(other: Tensor | number): Tensor { return ops.pow(this, other); }
  maximum(other: Tensor | number): Tensor { return ops.maximum(this, other); }
  minimum(other: Tensor | number): Tensor { return ops.minimum(this, other); }
  neg(): Tensor { return ops.neg(this); }
  square(): Tensor { return ops.square(this); }
  sqrt(): Tensor { return ops.sqrt(this); }
  exp(): Tensor { return ops.exp(this); }
  log(): Tensor { return ops.log(this); }
  log1p(): Tensor { return ops.log1p(this); }
  expm1(): Tensor { return ops.expm1(this); }
  abs(): Tensor { return ops.abs(this); }
  tanh(): Tensor { return ops.tanh(this); }
  atanh(): Tensor { return ops.atanh(this); }
  sigmoid(): Tensor { return ops.sigmoid(this); }
  softplus(): Tensor { return ops.softplus(this); }
  relu(): Tensor { return ops.relu(this); }
  elu(alpha = 1): Tensor { return ops.elu(this, alpha); }
  clamp(min: number, max: number): Tensor { return ops.clamp(this, min, max); }
  matmul(other: Tensor): Tensor { return ops.matmul(this, other); }
  sum(axes?: number | readonly number[], keepdims = false): Tensor { return ops.sum(this, axes, keepdims); }
  mean(axes?: number | readonly number[], keepdims = false): Tensor { return ops.mean(this, axes, keepdims); }
  max(axes?: number | readonly number[], keepdims = false): Tensor { return ops.max(this, axes, keepdims); }
  min(axes?: number | readonly number[], keepdims = false): Tensor { return ops.min(this, axes, keepdims); }
  reshape(shape: readonly number[]): Tensor { return ops.reshape(this, shape); }
  transpose(axis0 = -2, axis1 = -1): Tensor { return ops.transpose(this, axis0, axis1); }
  permute(perm: readonly number[]): Tensor { return ops.permute(this, perm); }
  expand(shape: readonly number[]): Tensor { return ops.broadcastTo(this, shape); }
  cast(dtype: DType): Tensor { return ops.cast(this, dtype); }
}

function inferShape(values: NestedArray): number[] {
  const shape: number[] = [];
  let level: NestedArray = values;
  while (Array.isArray(level)) {
    shape.push(level.length);
    if (level.length === 0) break;
    level = (level as readonly NestedArray[])[0];
  }
  return shape;
}

function flatten(values: NestedArray, shape: readonly number[], out: FloatArray): void {
  let i = 0;
  const walk = (v: NestedArray, axis: number, path: number[]): void => {
    if (axis === shape.length) {
      if (typeof v !== 'number') {
        throw Array.isArray(v)
          ? new ShapeError(`tensor: ragged nested array at [${path.join(', ')}]`)
          : new ValueError(`tensor: the value at [${path.join(', ')}] must be a number, got ${describeValue(v)}`);
      }
      out[i++] = v;
      return;
    }
    if (!Array.isArray(v) || v.length !== shape[axis]) {
      throw new ShapeError(`tensor: ragged nested array at [${path.join(', ')}]: expected ${shape[axis]} entries`);
    }
    (v as readonly NestedArray[]).forEach((child, j) => walk(child, axis + 1, [...path, j]));
  };
  walk(values, 0, []);
}


function allocate(dtype: DType, size: number): FloatArray {
  return kernels().allocate(dtype, size);
}

/** A new uninitialised-by-contract (zero-filled) result tensor; used by op forwards. */
export function emptyTensor(shape: Shape, dtype: DType): Tensor {
  assertElementLimit('emptyTensor', shape);
  return new Tensor(allocate(dtype, sizeOf(shape)), shape);
}

/**
 * A tensor from nested arrays, a typed array (with `shape`), or a number.
 * @example tensor([[1, 2], [3, 4]], { dtype: 'float64' })
 */
export function tensor(
  values: NestedArray | FloatArray | readonly number[],
  options: TensorOptions & { shape?: readonly number[] } = {},
): Tensor {
  // the declared types are checked at compile time only; plain-JS callers reach here with anything
  if (!(typeof values === 'number' || Array.isArray(values) || values instanceof Float32Array || values instanceof Float64Array)) {
    throw new ValueError(
      `tensor: values must be a number, a nested array of numbers or a Float32Array/Float64Array, got ${describeValue(values)}`
      + (ArrayBuffer.isView(values) ? '; convert it first (e.g. Float32Array.from(values))' : ''),
    );
  }
  if (options.dtype !== undefined && options.dtype !== 'float32' && options.dtype !== 'float64') {
    throw new ValueError(`tensor: dtype must be 'float32' or 'float64', got ${describeValue(options.dtype)}`);
  }
  const dtype = options.dtype ?? (values instanceof Float64Array ? 'float64' : 'float32');
  const flat = values instanceof Float32Array || values instanceof Float64Array
    || (options.shape !== undefined && Array.isArray(values) && values.every((v) => typeof v === 'number'));
  const shape = options.shape ?? (flat ? [(values as ArrayLike<number>).length] : inferShape(values as NestedArray));
  assertValidShape('tensor', shape);
  const data = allocate(dtype, sizeOf(shape));
  if (flat) {
    const source = values as ArrayLike<number>;
    if (source.length !== data.length) {
      throw new ShapeError(`tensor: ${source.length} values do not fill shape ${formatShape(shape)}`);
    }
    data.set(source);
  } else {
    flatten(values as NestedArray, shape, data);
  }
  const t = new Tensor(data, shape);
  if (options.requiresGrad) t.requiresGrad = true;
  return t;
}

/** The options bag of a creation function, checked for untyped callers ('int32' would silently give float32). */
function checkTensorOptions(op: string, options: unknown): asserts options is TensorOptions {
  if (typeof options !== 'object' || options === null) throw new ValueError(`${op}: options must be an object, got ${describeValue(options)}`);
  const { dtype, requiresGrad } = options as TensorOptions;
  if (dtype !== undefined) expectDType(op, 'options.dtype', dtype);
  if (requiresGrad !== undefined) expectBoolean(op, 'options.requiresGrad', requiresGrad);
}

function filled(op: string, shape: readonly number[], value: number, options: TensorOptions): Tensor {
  assertValidShape(op, shape);
  checkTensorOptions(op, options);
  const t = emptyTensor(shape, options.dtype ?? 'float32');
  if (value !== 0) t.data.fill(value);
  t.requiresGrad = options.requiresGrad ?? false;
  return t;
}

export function scalar(value: number, dtype: DType = 'float32'): Tensor {
  if (typeof value !== 'number') throw new ValueError(`scalar: value must be a number, got ${describeValue(value)}`);
  expectDType('scalar', 'dtype', dtype);
  return full([], value, { dtype });
}

export function full(shape: readonly number[], value: number, options: TensorOptions = {}): Tensor {
  if (typeof value !== 'number') throw new ValueError(`full: value must be a number, got ${describeValue(value)}`);
  return filled('full', shape, value, options);
}

export function zeros(shape: readonly number[], options: TensorOptions = {}): Tensor {
  return filled('zeros', shape, 0, options);
}

export function ones(shape: readonly number[], options: TensorOptions = {}): Tensor {
  return filled('ones', shape, 1, options);
}

export function zerosLike(t: Tensor): Tensor {
  expectTensor('zerosLike', 'its argument', t);
  return zeros(t.shape, { dtype: t.dtype });
}

export function onesLike(t: Tensor): Tensor {
  expectTensor('onesLike', 'its argument', t);
  return ones(t.shape, { dtype: t.dtype });
}

/** Values start, start + step, … below stop (NumPy's arange). */
export function arange(start: number, stop?: number, step = 1, options: TensorOptions = {}): Tensor {
  for (const [what, v] of [['start', start], ['stop', stop ?? 0]] as const) {
    if (typeof v !== 'number' || !Number.isFinite(v)) throw new ValueError(`arange: ${what} must be a finite number, got ${describeValue(v)}`);
  }
  checkTensorOptions('arange', options);
  if (stop === undefined) [start, stop] = [0, start];
  if (step === 0 || !Number.isFinite(step)) throw new ValueError(`arange: step must be finite and non-zero, got ${describeValue(step)}`);
  const n = Math.max(0, Math.ceil((stop - start) / step));
  const t = emptyTensor([n], options.dtype ?? 'float32');
  for (let i = 0; i < n; i++) t.data[i] = start + i * step;
  return t;
}

/** The n×m identity (m defaults to n). */
export function eye(n: number, m = n, options: TensorOptions = {}): Tensor {
  const t = zeros([n, m], options);
  for (let i = 0; i < Math.min(n, m); i++) t.data[i * m + i] = 1;
  return t;
}

export interface RandomOptions extends TensorOptions {
  /** A seed or a generator; a generator advances, so successive calls differ. */
  generator: number | Generator;
}

/** The generator of random-tensor options, checked (plain-JS callers may omit it; there is no default). */
function generatorOf(op: string, options: RandomOptions | undefined): Generator {
  const generator: unknown = options?.generator;
  expectGenerator(op, 'options.generator', generator);
  return toGenerator(generator);
}

/** Uniform samples in [low, high). */
export function rand(shape: readonly number[], options: RandomOptions & { low?: number; high?: number }): Tensor {
  assertValidShape('rand', shape);
  const generator = generatorOf('rand', options);
  const t = zeros(shape, options);
  const [data, low, high] = [t.data, options.low ?? 0, options.high ?? 1];
  hostCall('rand', () => generator.fillUniform(data, low, high), { writes: [data] });
  return t;
}

/** Normal samples with the given mean and standard deviation. */
export function randn(shape: readonly number[], options: RandomOptions & { mean?: number; std?: number }): Tensor {
  assertValidShape('randn', shape);
  const generator = generatorOf('randn', options);
  const t = zeros(shape, options);
  const [data, mean, std] = [t.data, options.mean ?? 0, options.std ?? 1];
  hostCall('randn', () => generator.fillNormal(data, mean, std), { writes: [data] });
  return t;
}

export function isTensor(x: unknown): x is Tensor {
  return x instanceof Tensor;
}

/** Throws a ValueError naming `op` and the argument (`what`) unless `x` is a Tensor (see errors.ts's expect…). */
export function expectTensor(op: string, what: string, x: unknown): asserts x is Tensor {
  if (!(x instanceof Tensor)) throw new ValueError(`${op}: ${what} must be a Tensor, got ${describeValue(x)}`);
}

/** `xs` is an array of Tensors; the message names the first entry that is not. */
export function expectTensors(op: string, what: string, xs: unknown): asserts xs is readonly Tensor[] {
  if (!Array.isArray(xs)) throw new ValueError(`${op}: ${what} must be an array of Tensors, got ${describeValue(xs)}`);
  // the entry's name is built only for the message, so a valid list costs one type test per entry
  for (let i = 0; i < xs.length; i++) if (!(xs[i] instanceof Tensor)) expectTensor(op, `${what}[${i}]`, xs[i]);
}
