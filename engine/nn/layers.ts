/**
 * Layers: Linear, LayerNorm, activations, Sequential and the MLP built from them. Parameter names
 * and layouts are PyTorch's (`weight` [out, in], `bias` [out]; an MLP is named like the equivalent
 * `nn.Sequential`, activations included in the numbering), so state dicts transfer both ways.
 */
import { ValueError, describeValue, expectArray, expectFunction, expectObject } from '../errors.ts';
import { expectBoolean, expectDType } from '../arguments.ts';
import type { DType } from '../kernels/types.ts';
import { add, elu, linear, mean, mul, relu, sigmoid, softplus, sqrt, square, sub, div, tanh } from '../ops/index.ts';
import { Generator, expectGenerator, toGenerator } from '../random.ts';
import { Tensor, expectTensor, ones, zeros } from '../tensor.ts';
import { uniform_ } from './init.ts';
import { Module, type UnaryModule } from './module.ts';

/**
 * Largest `inFeatures` / `outFeatures` of a Linear layer (and size of an MLP layer): 2²⁰. Wider
 * layers, and weights of more than MAX_LINEAR_WEIGHTS elements, are refused before allocating.
 */
export const MAX_LAYER_WIDTH = 2 ** 20;

/** Most elements of one Linear weight: 2²⁸ (1 GiB of float32). */
export const MAX_LINEAR_WEIGHTS = 2 ** 28;

/**
 * The generator of a layer's options, checked: the type says `number | Generator`, but a plain-JS
 * caller may omit it, and there is deliberately no default (initial weights must be reproducible).
 */
function requireGenerator(owner: string, generator: unknown): Generator {
  if (typeof generator === 'number' || generator instanceof Generator) return toGenerator(generator);
  throw new ValueError(
    `${owner}: options.generator must be a seed (a safe integer) or a Generator, got ${describeValue(generator)}`
    + ' (there is no default: initial parameters are always drawn from an explicit stream)',
  );
}

function requireWidth(owner: string, what: string, n: unknown, minimum: 0 | 1): number {
  if (typeof n !== 'number' || !Number.isInteger(n) || n < minimum || n > MAX_LAYER_WIDTH) {
    const shown = typeof n === 'number' ? String(n) : typeof n === 'string' ? JSON.stringify(n) : typeof n;
    throw new ValueError(`${owner}: ${what} must be an integer ${minimum}…${MAX_LAYER_WIDTH} (MAX_LAYER_WIDTH), got ${shown}`);
  }
  return n;
}

/** Optional options of a layer, checked where a wrong type would otherwise be taken silently ('false' is truthy). */
function checkOptionalBoolean(owner: string, what: string, x: unknown): void {
  if (x !== undefined) expectBoolean(owner, what, x);
}

function checkOptionalDType(owner: string, what: string, x: unknown): void {
  if (x !== undefined) expectDType(owner, what, x);
}

/** A parameter initialiser for one Linear layer, given the stream to draw from. */
export type LinearInit = (layer: Linear, generator: Generator) => void;

/**
 * PyTorch's nn.Linear default: kaiming_uniform(a = √5) on the weight, which is U(−1/√in, 1/√in),
 * and U(−1/√in, 1/√in) on the bias, drawn in that order.
 */
export const defaultLinearInit: LinearInit = (layer, generator) => {
  if (!(layer instanceof Linear)) throw new ValueError(`defaultLinearInit: layer must be a Linear, got ${describeValue(layer)}`);
  expectGenerator('defaultLinearInit', 'generator', generator);
  const bound = layer.inFeatures > 0 ? 1 / Math.sqrt(layer.inFeatures) : 0;
  uniform_(layer.weight, -bound, bound, { generator });
  if (layer.bias) uniform_(layer.bias, -bound, bound, { generator });
};

export interface LinearOptions {
  /** Draws the initial parameters. */
  generator: number | Generator;
  /** Include a bias (default true). */
  bias?: boolean;
  dtype?: DType;
  /** Default: `defaultLinearInit` (PyTorch's). */
  init?: LinearInit;
}

/**
 * The affine map y = x·Wᵀ + b on the last axis, W of shape [out, in].
 * @example const layer = new Linear(4, 2, { generator: 0 }); layer.forward(x) // [..., 4] → [..., 2]
 */
export class Linear extends Module implements UnaryModule {
  constructor(readonly inFeatures: number, readonly outFeatures: number, options: LinearOptions) {
    super();
    requireWidth('Linear', 'inFeatures', inFeatures, 0);
    requireWidth('Linear', 'outFeatures', outFeatures, 0);
    if (inFeatures * outFeatures > MAX_LINEAR_WEIGHTS) {
      throw new ValueError(`Linear: weight [${outFeatures}, ${inFeatures}] has ${inFeatures * outFeatures} elements, more than MAX_LINEAR_WEIGHTS = ${MAX_LINEAR_WEIGHTS}`);
    }
    if (typeof options !== 'object' || options === null) throw new ValueError(`Linear: options must be an object with a generator, got ${describeValue(options)}`);
    const generator = requireGenerator('Linear', options.generator);
    checkOptionalBoolean('Linear', 'options.bias', options.bias);
    checkOptionalDType('Linear', 'options.dtype', options.dtype);
    if (options.init !== undefined) expectFunction('Linear', 'options.init', options.init);
    const dtype = options.dtype ?? 'float32';
    this.registerParameter('weight', zeros([outFeatures, inFeatures], { dtype }));
    if (options.bias ?? true) this.registerParameter('bias', zeros([outFeatures], { dtype }));
    (options.init ?? defaultLinearInit)(this, generator);
  }

  get weight(): Tensor {
    return this.getParameter('weight');
  }

  get bias(): Tensor | undefined {
    return this.hasParameter('bias') ? this.getParameter('bias') : undefined;
  }

  forward(x: Tensor): Tensor {
    return linear(x, this.weight, this.bias);
  }
}

export interface LayerNormOptions {
  /** Added to the variance (default 1e-5, as PyTorch). */
  eps?: number;
  /** Learnable per-feature scale `weight` (ones) and shift `bias` (zeros); default true. */
  elementwiseAffine?: boolean;
  dtype?: DType;
}

/**
 * Ba et al. (2016): normalises the last axis to zero mean and unit (population) variance, then
 * scales and shifts per feature: y = (x − mean) / √(var + eps) · weight + bias.
 */
export class LayerNorm extends Module implements UnaryModule {
  readonly eps: number;

  constructor(readonly normalizedSize: number, options: LayerNormOptions = {}) {
    super();
    requireWidth('LayerNorm', 'normalizedSize', normalizedSize, 0);
    expectObject('LayerNorm', 'options', options);
    checkOptionalDType('LayerNorm', 'options.dtype', options.dtype);
    checkOptionalBoolean('LayerNorm', 'options.elementwiseAffine', options.elementwiseAffine);
    this.eps = options.eps ?? 1e-5;
    if (typeof this.eps !== 'number' || !(this.eps >= 0 && this.eps < Infinity)) {
      throw new ValueError(`LayerNorm: options.eps must be a finite number ≥ 0, got ${typeof this.eps === 'number' ? this.eps : describeValue(this.eps)}`);
    }
    const dtype = options.dtype ?? 'float32';
    if (options.elementwiseAffine ?? true) {
      this.registerParameter('weight', ones([normalizedSize], { dtype }));
      this.registerParameter('bias', zeros([normalizedSize], { dtype }));
    }
  }

  forward(x: Tensor): Tensor {
    expectTensor('LayerNorm.forward', 'x', x);
    if (x.shape[x.rank - 1] !== this.normalizedSize) {
      throw new ValueError(`LayerNorm: last axis of input [${x.shape.join(', ')}] is not ${this.normalizedSize}`);
    }
    const centered = sub(x, mean(x, -1, true));
    const variance = mean(square(centered), -1, true);
    const normalized = div(centered, sqrt(add(variance, this.eps)));
    if (!this.hasParameter('weight')) return normalized;
    return add(mul(normalized, this.getParameter('weight')), this.getParameter('bias'));
  }
}

export type ActivationName = 'relu' | 'tanh' | 'elu' | 'sigmoid' | 'softplus' | 'identity';

const activationFunctions: { readonly [K in ActivationName]: (x: Tensor) => Tensor } = {
  relu,
  tanh,
  elu: (x) => elu(x),
  sigmoid,
  softplus,
  identity: (x) => x,
};

/** Throws a ValueError unless `x` names an activation (an own key: not 'toString') or is a function. */
function checkActivation(owner: string, what: string, x: unknown): void {
  if (typeof x !== 'function' && !(typeof x === 'string' && Object.hasOwn(activationFunctions, x))) {
    const names = Object.keys(activationFunctions).map((name) => `'${name}'`).join(', ');
    throw new ValueError(`${owner}: ${what} must be one of ${names} or a function, got ${describeValue(x)}`);
  }
}

/** A parameterless elementwise nonlinearity as a module (so it takes a slot in Sequential's numbering). */
export class Activation extends Module implements UnaryModule {
  private readonly fn: (x: Tensor) => Tensor;

  constructor(readonly activation: ActivationName | ((x: Tensor) => Tensor)) {
    super();
    checkActivation('Activation', 'activation', activation);
    this.fn = typeof activation === 'function' ? activation : activationFunctions[activation];
  }

  forward(x: Tensor): Tensor {
    return this.fn(x);
  }
}

/** Applies its layers in order; children are named 0, 1, 2, … as in torch's nn.Sequential. */
export class Sequential extends Module implements UnaryModule {
  readonly layers: readonly UnaryModule[];

  constructor(layers: readonly UnaryModule[]) {
    super();
    expectArray('Sequential', 'layers', layers);
    layers.forEach((layer: unknown, i) => {
      if (!(layer instanceof Module) || typeof (layer as { forward?: unknown }).forward !== 'function') {
        throw new ValueError(`Sequential: layers[${i}] must be a Module with forward(x), got ${describeValue(layer)}`);
      }
    });
    layers.forEach((layer, i) => this.registerModule(String(i), layer));
    this.layers = [...layers];
  }

  /** Applies the layers in order; a Linear followed by a relu Activation runs as one fused call (the same numbers). */
  forward(x: Tensor): Tensor {
    let h = x;
    for (let i = 0; i < this.layers.length; i++) {
      const layer = this.layers[i];
      const next = this.layers[i + 1];
      if (layer instanceof Linear && next instanceof Activation && next.activation === 'relu') {
        h = linear(h, layer.weight, layer.bias, { relu: true });
        i++;
      } else {
        h = layer.forward(h);
      }
    }
    return h;
  }
}

export interface MLPOptions {
  inputSize: number;
  /** Widths of the hidden layers, in order (may be empty: a single Linear). */
  hiddenSizes: readonly number[];
  outputSize: number;
  /** Nonlinearity after every hidden layer (default 'relu'). */
  activation?: ActivationName | ((x: Tensor) => Tensor);
  /** Nonlinearity after the output layer (default 'identity': none). */
  outputActivation?: ActivationName | ((x: Tensor) => Tensor);
  /** Insert a LayerNorm after each hidden Linear, before its activation (default false). */
  layerNorm?: boolean;
  /** Draws every layer's initial parameters, layer by layer. */
  generator: number | Generator;
  dtype?: DType;
  /** Initialiser of the hidden layers (default PyTorch's). */
  hiddenInit?: LinearInit;
  /** Initialiser of the output layer (default `hiddenInit`), e.g. small or zero for policy heads. */
  outputInit?: LinearInit;
}

/**
 * A multilayer perceptron: Linear → [LayerNorm] → activation for each hidden size, then the
 * output Linear and the output activation. State dict keys match the equivalent torch
 * `nn.Sequential` (for hidden sizes [64, 64] and relu: 0.weight, 0.bias, 2.weight, …, 4.bias).
 * @example
 * const critic = new MLP({ inputSize: obs + act, hiddenSizes: [256, 256], outputSize: 1, generator: rng });
 */
export class MLP extends Sequential {
  readonly inputSize: number;
  readonly outputSize: number;

  constructor(options: MLPOptions) {
    expectObject('MLP', 'options', options);
    requireWidth('MLP', 'inputSize', options.inputSize, 1);
    requireWidth('MLP', 'outputSize', options.outputSize, 1);
    if (!Array.isArray(options.hiddenSizes)) {
      throw new ValueError(`MLP: hiddenSizes must be an array of layer widths (may be empty), got ${describeValue(options.hiddenSizes)}`);
    }
    options.hiddenSizes.forEach((size, i) => requireWidth('MLP', `hiddenSizes[${i}]`, size, 1));
    const generator = requireGenerator('MLP', options.generator);
    if (options.activation !== undefined) checkActivation('MLP', 'options.activation', options.activation);
    if (options.outputActivation !== undefined) checkActivation('MLP', 'options.outputActivation', options.outputActivation);
    checkOptionalBoolean('MLP', 'options.layerNorm', options.layerNorm);
    checkOptionalDType('MLP', 'options.dtype', options.dtype);
    if (options.hiddenInit !== undefined) expectFunction('MLP', 'options.hiddenInit', options.hiddenInit);
    if (options.outputInit !== undefined) expectFunction('MLP', 'options.outputInit', options.outputInit);
    const dtype = options.dtype ?? 'float32';
    const hiddenInit = options.hiddenInit ?? defaultLinearInit;
    const activation = options.activation ?? 'relu';
    const layers: UnaryModule[] = [];
    let width = options.inputSize;
    for (const size of options.hiddenSizes) {
      layers.push(new Linear(width, size, { generator, dtype, init: hiddenInit }));
      if (options.layerNorm) layers.push(new LayerNorm(size, { dtype }));
      layers.push(new Activation(activation));
      width = size;
    }
    layers.push(new Linear(width, options.outputSize, { generator, dtype, init: options.outputInit ?? hiddenInit }));
    const outputActivation = options.outputActivation ?? 'identity';
    if (outputActivation !== 'identity') layers.push(new Activation(outputActivation));
    super(layers);
    this.inputSize = options.inputSize;
    this.outputSize = options.outputSize;
  }

  /** The Linear layers, input to output. */
  get linearLayers(): Linear[] {
    return this.layers.filter((l): l is Linear => l instanceof Linear);
  }
}
