/**
 * Parameter initializers, in place, with PyTorch's definitions (torch.nn.init). Every random one
 * takes an explicit generator (or seed). Fans follow PyTorch: for a weight of shape [out, in, ...k]
 * fanIn = in·∏k and fanOut = out·∏k (a Linear weight [out, in] has fanIn = in).
 */
import { ValueError, describeValue, expectObject, formatShape } from '../errors.ts';
import { expectNumber } from '../arguments.ts';
import { Generator, expectGenerator, toGenerator } from '../random.ts';
import { type Tensor, expectTensor } from '../tensor.ts';

export type Nonlinearity =
  | 'linear' | 'identity' | 'sigmoid' | 'tanh' | 'relu' | 'leakyRelu' | 'selu';

export type FanMode = 'fanIn' | 'fanOut';

/**
 * The recommended gain for a nonlinearity (torch.nn.init.calculate_gain): 1 for linear and
 * sigmoid, 5/3 for tanh, √2 for relu, √(2 / (1 + slope²)) for leaky relu, 3/4 for selu.
 */
export function calculateGain(nonlinearity: Nonlinearity, negativeSlope = 0.01): number {
  expectNumber('calculateGain', 'negativeSlope', negativeSlope);
  switch (nonlinearity) {
    case 'linear': case 'identity': case 'sigmoid': return 1;
    case 'tanh': return 5 / 3;
    case 'relu': return Math.SQRT2;
    case 'leakyRelu': return Math.sqrt(2 / (1 + negativeSlope ** 2));
    case 'selu': return 3 / 4;
    default: return unknownNonlinearity('calculateGain', 'nonlinearity', nonlinearity);
  }
}

const NONLINEARITIES: readonly Nonlinearity[] = ['linear', 'identity', 'sigmoid', 'tanh', 'relu', 'leakyRelu', 'selu'];

function unknownNonlinearity(op: string, what: string, x: unknown): never {
  throw new ValueError(`${op}: ${what} must be one of ${NONLINEARITIES.map((n) => `'${n}'`).join(', ')}, got ${describeValue(x)}`);
}

/** The checks every random initializer makes of its tensor and options bag, naming `op`. */
function checkRandomInit(op: string, t: unknown, options: unknown): asserts options is RandomInitOptions {
  expectTensor(op, 'the first argument', t);
  expectObject(op, 'options', options);
  expectGenerator(op, 'options.generator', (options as Partial<RandomInitOptions>).generator);
}

/** `gain` of an options bag: a finite number or undefined (then 1). */
function checkGain(op: string, gain: unknown): void {
  if (gain !== undefined && !(typeof gain === 'number' && Number.isFinite(gain))) {
    throw new ValueError(`${op}: options.gain must be a finite number, got ${typeof gain === 'number' ? gain : describeValue(gain)}`);
  }
}

/** [fanIn, fanOut] of a weight of rank ≥ 2. */
export function fans(t: Tensor): [number, number] {
  expectTensor('fans', 'its argument', t);
  if (t.rank < 2) throw new ValueError(`init: fan in and fan out need a tensor of rank ≥ 2, got ${formatShape(t.shape)}`);
  const receptive = t.shape.slice(2).reduce((a, b) => a * b, 1);
  return [t.shape[1] * receptive, t.shape[0] * receptive];
}

export interface RandomInitOptions {
  generator: number | Generator;
}

/** Fills with U(low, high). */
export function uniform_(t: Tensor, low: number, high: number, options: RandomInitOptions): Tensor {
  checkRandomInit('uniform_', t, options);
  expectNumber('uniform_', 'low', low);
  expectNumber('uniform_', 'high', high);
  const { generator } = options;
  if (!(low <= high)) throw new ValueError(`uniform_: low ${low} exceeds high ${high}`);
  const g = toGenerator(generator);
  return t.mutate_((data) => g.fillUniform(data, low, high));
}

/** Fills with N(mean, std²). */
export function normal_(t: Tensor, mean: number, std: number, options: RandomInitOptions): Tensor {
  checkRandomInit('normal_', t, options);
  expectNumber('normal_', 'mean', mean);
  expectNumber('normal_', 'std', std);
  const { generator } = options;
  if (!(std >= 0)) throw new ValueError(`normal_: std must be ≥ 0, got ${std}`);
  const g = toGenerator(generator);
  return t.mutate_((data) => g.fillNormal(data, mean, std));
}

export function constant_(t: Tensor, value: number): Tensor {
  expectTensor('constant_', 'the first argument', t);
  expectNumber('constant_', 'value', value);
  return t.mutate_((data) => data.fill(value));
}

/** Zeros, e.g. for biases and for output heads that should start at exactly zero. */
export function zeros_(t: Tensor): Tensor {
  expectTensor('zeros_', 'its argument', t);
  return constant_(t, 0);
}

export interface XavierOptions extends RandomInitOptions {
  gain?: number;
}

/** Glorot & Bengio (2010): U(−b, b) with b = gain·√(6 / (fanIn + fanOut)). */
export function xavierUniform_(t: Tensor, options: XavierOptions): Tensor {
  checkRandomInit('xavierUniform_', t, options);
  checkGain('xavierUniform_', options.gain);
  const { gain = 1, generator } = options;
  const [fanIn, fanOut] = fans(t);
  const bound = gain * Math.sqrt(6 / (fanIn + fanOut));
  return uniform_(t, -bound, bound, { generator });
}

/** Glorot & Bengio (2010): N(0, σ²) with σ = gain·√(2 / (fanIn + fanOut)). */
export function xavierNormal_(t: Tensor, options: XavierOptions): Tensor {
  checkRandomInit('xavierNormal_', t, options);
  checkGain('xavierNormal_', options.gain);
  const { gain = 1, generator } = options;
  const [fanIn, fanOut] = fans(t);
  return normal_(t, 0, gain * Math.sqrt(2 / (fanIn + fanOut)), { generator });
}

export interface KaimingOptions extends RandomInitOptions {
  /** Negative slope of the leaky relu that follows (used when nonlinearity is 'leakyRelu'); default 0. */
  a?: number;
  mode?: FanMode;
  nonlinearity?: Nonlinearity;
}

/** The checks of a Kaiming initializer's arguments (an unknown `mode` would otherwise mean fanOut). */
function checkKaiming(op: string, t: unknown, options: unknown): void {
  checkRandomInit(op, t, options);
  const { a, mode, nonlinearity } = options as Partial<KaimingOptions>;
  if (a !== undefined) expectNumber(op, 'options.a', a);
  if (mode !== undefined && mode !== 'fanIn' && mode !== 'fanOut') {
    throw new ValueError(`${op}: options.mode must be 'fanIn' or 'fanOut', got ${describeValue(mode)}`);
  }
  if (nonlinearity !== undefined && !NONLINEARITIES.includes(nonlinearity)) unknownNonlinearity(op, 'options.nonlinearity', nonlinearity);
}

function kaimingStd(t: Tensor, { a = 0, mode = 'fanIn', nonlinearity = 'leakyRelu' }: KaimingOptions): number {
  const [fanIn, fanOut] = fans(t);
  return calculateGain(nonlinearity, a) / Math.sqrt(mode === 'fanIn' ? fanIn : fanOut);
}

/**
 * He et al. (2015): U(−b, b) with b = gain·√(3 / fan). With the defaults (a = 0, leaky relu,
 * fanIn) the gain is √2; `a = √5` gives PyTorch's nn.Linear default b = 1/√fanIn.
 */
export function kaimingUniform_(t: Tensor, options: KaimingOptions): Tensor {
  checkKaiming('kaimingUniform_', t, options);
  const bound = Math.sqrt(3) * kaimingStd(t, options);
  return uniform_(t, -bound, bound, options);
}

/** He et al. (2015): N(0, σ²) with σ = gain / √fan (σ = √(2 / fanIn) with the defaults). */
export function kaimingNormal_(t: Tensor, options: KaimingOptions): Tensor {
  checkKaiming('kaimingNormal_', t, options);
  return normal_(t, 0, kaimingStd(t, options), options);
}

export interface OrthogonalOptions extends RandomInitOptions {
  gain?: number;
}

/**
 * Saxe et al. (2014), as torch.nn.init.orthogonal_: the tensor viewed as rows × cols (rows =
 * shape[0]) becomes gain·Q, where Q has orthonormal rows (rows ≤ cols) or columns (rows ≥ cols),
 * from the QR decomposition of a standard normal matrix with the signs fixed so diag(R) > 0,
 * which makes Q Haar-distributed.
 */
export function orthogonal_(t: Tensor, options: OrthogonalOptions): Tensor {
  checkRandomInit('orthogonal_', t, options);
  checkGain('orthogonal_', options.gain);
  const { gain = 1, generator } = options;
  if (t.rank < 2) throw new ValueError(`orthogonal_: need a tensor of rank ≥ 2, got ${formatShape(t.shape)}`);
  const rows = t.shape[0];
  const cols = t.size / rows;
  if (t.size === 0) return t;
  // Work on the tall orientation n × k (n ≥ k) and orthonormalise its k columns.
  const tall = rows >= cols;
  const n = tall ? rows : cols;
  const k = tall ? cols : rows;
  const a = new Float64Array(n * k); // column-major: column j at a[j·n ... j·n + n)
  toGenerator(generator).fillNormal(a);
  orthonormalizeColumns(a, n, k);
  return t.mutate_((data) => {
    for (let i = 0; i < rows; i++) {
      for (let j = 0; j < cols; j++) {
        // tall: entry (i, j) is column j row i; wide: Qᵀ, entry (i, j) is column i row j.
        data[i * cols + j] = gain * (tall ? a[j * n + i] : a[i * n + j]);
      }
    }
  });
}

/**
 * Modified Gram–Schmidt with one re-orthogonalisation pass, in place on the k columns (length n,
 * column-major). Gram–Schmidt's R has a positive diagonal, so this is the sign-fixed QR factor.
 */
function orthonormalizeColumns(a: Float64Array, n: number, k: number): void {
  for (let j = 0; j < k; j++) {
    const cj = j * n;
    for (let pass = 0; pass < 2; pass++) {
      for (let p = 0; p < j; p++) {
        const cp = p * n;
        let dot = 0;
        for (let i = 0; i < n; i++) dot += a[cp + i] * a[cj + i];
        for (let i = 0; i < n; i++) a[cj + i] -= dot * a[cp + i];
      }
    }
    let norm = 0;
    for (let i = 0; i < n; i++) norm += a[cj + i] * a[cj + i];
    norm = Math.sqrt(norm);
    if (norm === 0) throw new ValueError('orthogonal_: degenerate random matrix (zero column); try another seed');
    for (let i = 0; i < n; i++) a[cj + i] /= norm;
  }
}
