/**
 * Plain TypeScript kernels: the reference implementation every other kernel set is checked against,
 * and the fallback where WebAssembly SIMD is not available (`VARL_KERNELS=js`).
 */
import type {
  AdamHyper, BinaryKernel, BroadcastLayout, DType, FloatArray, Kernels, ReduceKernel, StridedView, UnaryKernel,
} from './types.ts';

type Scalar1 = (x: number, param: number) => number;
type Scalar2 = (a: number, b: number) => number;

function softplus(x: number): number {
  // log(1 + e^x) without overflow: max(x, 0) + log1p(e^-|x|)
  return Math.max(x, 0) + Math.log1p(Math.exp(-Math.abs(x)));
}

function sigmoid(x: number): number {
  if (x >= 0) return 1 / (1 + Math.exp(-x));
  const e = Math.exp(x);
  return e / (1 + e);
}

export const unaryScalar: { readonly [K in UnaryKernel]: Scalar1 } = {
  neg: (x) => -x,
  exp: Math.exp,
  log: Math.log,
  log1p: Math.log1p,
  expm1: Math.expm1,
  sqrt: Math.sqrt,
  abs: Math.abs,
  sign: (x) => (x > 0 ? 1 : x < 0 ? -1 : 0),
  square: (x) => x * x,
  reciprocal: (x) => 1 / x,
  tanh: Math.tanh,
  atanh: Math.atanh,
  sigmoid,
  softplus,
  // NaN stays NaN (as PyTorch's relu): a NaN weight must not evaluate to a finite result
  relu: (x) => (x > 0 || x !== x ? x : 0),
  elu: (x, alpha) => (x > 0 ? x : alpha * Math.expm1(x)),
  step: (x) => (x > 0 ? 1 : 0),
  isFinite: (x) => (Number.isFinite(x) ? 1 : 0),
};

export const binaryScalar: { readonly [K in BinaryKernel]: Scalar2 } = {
  add: (a, b) => a + b,
  sub: (a, b) => a - b,
  mul: (a, b) => a * b,
  div: (a, b) => a / b,
  pow: Math.pow,
  maximum: (a, b) => (a > b || Number.isNaN(a) ? a : b),
  minimum: (a, b) => (a < b || Number.isNaN(a) ? a : b),
  reluMask: (g, x) => g * (x > 0 ? 1 : x === x ? 0 : x),
  greater: (a, b) => (a > b ? 1 : 0),
  greaterEqual: (a, b) => (a >= b ? 1 : 0),
  less: (a, b) => (a < b ? 1 : 0),
  lessEqual: (a, b) => (a <= b ? 1 : 0),
  equal: (a, b) => (a === b ? 1 : 0),
};

function allocate(dtype: DType, size: number): FloatArray {
  return dtype === 'float32' ? new Float32Array(size) : new Float64Array(size);
}

function unary(op: UnaryKernel, x: FloatArray, out: FloatArray, param: number): void {
  const f = unaryScalar[op];
  const n = out.length;
  for (let i = 0; i < n; i++) out[i] = f(x[i], param);
}

/** Visits every output index of a strided loop nest, calling `body(outIndex, offsets)`. */
function forEachStrided(
  shape: readonly number[], strides: readonly (readonly number[])[],
  body: (outIndex: number, offsets: Int32Array | number[]) => void,
): void {
  const rank = shape.length;
  const operands = strides.length;
  const offsets = new Array<number>(operands).fill(0);
  const index = new Array<number>(rank).fill(0);
  let total = 1;
  for (const d of shape) total *= d;
  for (let o = 0; o < total; o++) {
    body(o, offsets);
    for (let axis = rank - 1; axis >= 0; axis--) {
      index[axis]++;
      for (let j = 0; j < operands; j++) offsets[j] += strides[j][axis];
      if (index[axis] < shape[axis]) break;
      for (let j = 0; j < operands; j++) offsets[j] -= strides[j][axis] * shape[axis];
      index[axis] = 0;
    }
  }
}

function isContiguous(shape: readonly number[], strides: readonly number[]): boolean {
  let expected = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    if (shape[i] !== 1 && strides[i] !== expected) return false;
    expected *= shape[i];
  }
  return true;
}

function isScalarStrides(strides: readonly number[]): boolean {
  return strides.every((s) => s === 0);
}

function binary(op: BinaryKernel, a: FloatArray, b: FloatArray, out: FloatArray, layout: BroadcastLayout): void {
  const f = binaryScalar[op];
  const { outShape, aStrides, bStrides } = layout;
  const n = out.length;
  const aDense = isContiguous(outShape, aStrides);
  const bDense = isContiguous(outShape, bStrides);
  if (aDense && bDense) {
    for (let i = 0; i < n; i++) out[i] = f(a[i], b[i]);
  } else if (aDense && isScalarStrides(bStrides)) {
    const s = b[0];
    for (let i = 0; i < n; i++) out[i] = f(a[i], s);
  } else if (bDense && isScalarStrides(aStrides)) {
    const s = a[0];
    for (let i = 0; i < n; i++) out[i] = f(s, b[i]);
  } else {
    const rank = outShape.length;
    const cols = rank === 0 ? 1 : outShape[rank - 1];
    // row-vector broadcast (MLP bias): a dense, b repeats one row
    if (aDense && rank >= 1 && bStrides[rank - 1] === 1 && bStrides.slice(0, -1).every((s) => s === 0)) {
      for (let i = 0; i < n; i += cols) for (let j = 0; j < cols; j++) out[i + j] = f(a[i + j], b[j]);
      return;
    }
    forEachStrided(outShape, [aStrides, bStrides], (o, off) => {
      out[o] = f(a[off[0]], b[off[1]]);
    });
  }
}

function where(
  cond: FloatArray, a: FloatArray, b: FloatArray, out: FloatArray,
  outShape: readonly number[], strides: readonly [readonly number[], readonly number[], readonly number[]],
): void {
  forEachStrided(outShape, strides, (o, off) => {
    out[o] = cond[off[0]] !== 0 ? a[off[1]] : b[off[2]];
  });
}

function clamp(x: FloatArray, lo: number, hi: number, out: FloatArray): void {
  for (let i = 0; i < out.length; i++) {
    const v = x[i];
    out[i] = v < lo ? lo : v > hi ? hi : v;
  }
}

function matmul(
  a: FloatArray, b: FloatArray, out: FloatArray,
  batch: number, m: number, k: number, n: number,
  transA: boolean, transB: boolean, aBatchStride: number, bBatchStride: number,
  bias?: FloatArray, relu = false,
): void {
  // Row strides of op(A) and op(B) in (row, col) terms.
  const aRow = transA ? 1 : k, aCol = transA ? m : 1;
  const bRow = transB ? 1 : n, bCol = transB ? k : 1;
  for (let p = 0; p < batch; p++) {
    const aBase = p * aBatchStride, bBase = p * bBatchStride, cBase = p * m * n;
    for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) out[cBase + i * n + j] = bias ? bias[j] : 0;
    for (let i = 0; i < m; i++) {
      const cRow = cBase + i * n;
      for (let t = 0; t < k; t++) {
        // no skip of av = 0: 0·∞ and 0·NaN must give NaN, as in IEEE arithmetic and the wasm kernel
        const av = a[aBase + i * aRow + t * aCol];
        const bStart = bBase + t * bRow;
        for (let j = 0; j < n; j++) out[cRow + j] += av * b[bStart + j * bCol];
      }
    }
  }
  if (relu) for (let i = 0; i < batch * m * n; i++) out[i] = unaryScalar.relu(out[i], 0);
}

function adam(param: FloatArray, grad: FloatArray, m: FloatArray, v: FloatArray, hyper: AdamHyper): void {
  const { lr, beta1, beta2, eps, weightDecay, decoupled, step } = hyper;
  const bc1 = 1 - beta1 ** step;
  const sqrtBc2 = Math.sqrt(1 - beta2 ** step);
  const stepSize = lr / bc1;
  for (let i = 0; i < param.length; i++) {
    let p = param[i];
    let g = grad[i];
    if (weightDecay !== 0) {
      if (decoupled) p *= 1 - lr * weightDecay;
      else g += weightDecay * p;
    }
    const mi = (m[i] = beta1 * m[i] + (1 - beta1) * g);
    const vi = (v[i] = beta2 * v[i] + (1 - beta2) * g * g);
    param[i] = p - (stepSize * mi) / (Math.sqrt(vi) / sqrtBc2 + eps);
  }
}

/**
 * The scalars of one Adam step, in the order the wasm kernel takes them: β₁, 1−β₁, β₂, 1−β₂, eps,
 * the step size lr/(1−β₁ᵗ), √(1−β₂ᵗ), the parameter scale of AdamW's decay (1 without it) and the L2
 * coefficient of Adam's (0 with AdamW).
 */
export function adamScalars(hyper: AdamHyper): [number, number, number, number, number, number, number, number, number] {
  const { lr, beta1, beta2, eps, weightDecay, decoupled, step } = hyper;
  return [beta1, 1 - beta1, beta2, 1 - beta2, eps, lr / (1 - beta1 ** step), Math.sqrt(1 - beta2 ** step),
    decoupled && weightDecay !== 0 ? 1 - lr * weightDecay : 1, decoupled ? 0 : weightDecay];
}

/**
 * Adam in float32 arithmetic, rounding after every operation in the wasm kernel's order: what the
 * wasm set runs when its heap has no room for the operands, so that a step gives the same bits
 * wherever the operands live. (The JS set's `adam` computes each element in double precision.)
 */
export function adamFloat32(param: Float32Array, grad: Float32Array, m: Float32Array, v: Float32Array, hyper: AdamHyper): void {
  const f = Math.fround;
  const [b1, oneMinusB1, b2, oneMinusB2, epsilon, stepSize, sqrtBc2, paramScale, l2] = adamScalars(hyper).map(f);
  for (let i = 0; i < param.length; i++) {
    let g = grad[i];
    if (l2 !== 0) g = f(g + f(l2 * param[i]));
    const p = f(param[i] * paramScale);
    const mi = (m[i] = f(f(b1 * m[i]) + f(oneMinusB1 * g)));
    const vi = (v[i] = f(f(b2 * v[i]) + f(f(oneMinusB2 * g) * g)));
    param[i] = f(p - f(f(stepSize * mi) / f(f(f(Math.sqrt(vi)) / sqrtBc2) + epsilon)));
  }
}

const float32Bits = new Float32Array(1);
const float32Word = new Int32Array(float32Bits.buffer);

/** The float32 next to float32 `r` in the direction of `towards` (≠ r); ±2¹²⁸ stands for ±∞'s finite side. */
function float32Neighbour(r: number, towards: number): number {
  if (r === 0) return towards > 0 ? 2 ** -149 : -(2 ** -149);
  float32Bits[0] = r;
  float32Word[0] += (towards > r) === (r > 0) ? 1 : -1;
  return float32Bits[0];
}

/**
 * a·b + c for float32 a, b, c, rounded once to float32 (round to nearest, ties to even): a fused
 * multiply-add. a·b is exact in float64 and TwoSum gives the float64 sum s with its exact error e; s
 * rounds to float32 as the exact sum does unless s fell exactly halfway between two float32s, where e
 * decides the side.
 */
export function fusedMultiplyAddFloat32(a: number, b: number, c: number): number {
  const product = a * b;
  const sum = product + c;
  const rounded = Math.fround(sum);
  if (rounded === sum || !Number.isFinite(sum)) return rounded;
  const z = sum - product;
  const error = (product - (sum - z)) + (c - z);
  if (error === 0) return rounded;
  const near = Number.isFinite(rounded) ? rounded : Math.sign(rounded) * 2 ** 128;
  const other = float32Neighbour(rounded, sum);
  if (sum - near !== other - sum) return rounded;
  return (error > 0) === (near > sum) ? rounded : other;
}

/**
 * `matmul` in float32 arithmetic as the wasm GEMM does it: each element of C starts at the bias (or 0)
 * and adds a·b in k order, rounding once per step with `fused` (relaxed-SIMD FMA), else after the
 * product and after the sum (float64 sums of two float32s round to the float32 sum: 53 ≥ 2·24 + 2);
 * then relu. What the wasm set runs when its heap has no room for the operands, so that a product
 * gives the same bits wherever the operands live. (The JS set's `matmul` adds in double precision.)
 */
export function matmulFloat32(
  a: Float32Array, b: Float32Array, out: Float32Array,
  batch: number, m: number, k: number, n: number,
  transA: boolean, transB: boolean, aBatchStride: number, bBatchStride: number,
  fused: boolean, bias?: Float32Array, relu = false,
): void {
  const aRow = transA ? 1 : k, aCol = transA ? m : 1;
  const bRow = transB ? 1 : n, bCol = transB ? k : 1;
  for (let p = 0; p < batch; p++) {
    const aBase = p * aBatchStride, bBase = p * bBatchStride, cBase = p * m * n;
    for (let i = 0; i < m; i++) {
      const cRow = cBase + i * n;
      for (let j = 0; j < n; j++) out[cRow + j] = bias ? bias[j] : 0;
      for (let t = 0; t < k; t++) {
        const av = a[aBase + i * aRow + t * aCol];
        const bStart = bBase + t * bRow;
        if (fused) for (let j = 0; j < n; j++) out[cRow + j] = fusedMultiplyAddFloat32(av, b[bStart + j * bCol], out[cRow + j]);
        else for (let j = 0; j < n; j++) out[cRow + j] += Math.fround(av * b[bStart + j * bCol]);
      }
      if (relu) for (let j = 0; j < n; j++) out[cRow + j] = unaryScalar.relu(out[cRow + j], 0);
    }
  }
}

/**
 * `reduce` over whole rows ([outer, len], inner = 1) in the wasm kernel's order: four lanes take every
 * fourth element of the row's first 4⌊len/4⌋, combined as (l₀ + l₂) + (l₁ + l₃) for a sum (in float64) or
 * l₀, l₁, l₂, l₃ in turn for max/min, then the rest in order. The same values as `reduce`, but for the
 * rounding of sums and the sign of a zero that ties ±0 in max/min: the bits the wasm set gives wherever
 * the operands live.
 */
export function reduceRowsInLanes(op: ReduceKernel, x: Float32Array, outer: number, len: number, out: Float32Array): void {
  const wins = (v: number, acc: number): boolean => (op === 'max' ? v > acc : v < acc) || Number.isNaN(v);
  const len4 = len & ~3;
  for (let o = 0; o < outer; o++) {
    const row = o * len;
    let total: number;
    let r = len4;
    if (op === 'sum') {
      const lanes = [0, 0, 0, 0];
      for (let i = 0; i < len4; i++) lanes[i & 3] += x[row + i];
      total = (lanes[0] + lanes[2]) + (lanes[1] + lanes[3]);
      for (; r < len; r++) total += x[row + r];
    } else if (len4 > 0) {
      const lanes = [x[row], x[row + 1], x[row + 2], x[row + 3]];
      for (let i = 4; i < len4; i++) if (wins(x[row + i], lanes[i & 3])) lanes[i & 3] = x[row + i];
      total = lanes[0];
      for (let lane = 1; lane < 4; lane++) if (wins(lanes[lane], total)) total = lanes[lane];
      for (; r < len; r++) if (wins(x[row + r], total)) total = x[row + r];
    } else {
      total = x[row];
      for (r = 1; r < len; r++) if (wins(x[row + r], total)) total = x[row + r];
    }
    out[o] = total;
  }
}

function reduce(op: ReduceKernel, x: FloatArray, outer: number, len: number, inner: number, out: FloatArray): void {
  for (let o = 0; o < outer; o++) {
    const base = o * len * inner;
    for (let i = 0; i < inner; i++) {
      let acc = op === 'sum' ? 0 : x[base + i];
      for (let r = op === 'sum' ? 0 : 1; r < len; r++) {
        const v = x[base + r * inner + i];
        if (op === 'sum') acc += v;
        else if (op === 'max') acc = v > acc || Number.isNaN(v) ? v : acc;
        else acc = v < acc || Number.isNaN(v) ? v : acc;
      }
      out[o * inner + i] = len === 0 ? (op === 'sum' ? 0 : op === 'max' ? -Infinity : Infinity) : acc;
    }
  }
}

function copyStrided(x: FloatArray, view: StridedView, out: FloatArray): void {
  const { shape, strides, offset } = view;
  const rank = shape.length;
  if (rank === 0) {
    out[0] = x[offset];
    return;
  }
  const cols = shape[rank - 1];
  const colStride = strides[rank - 1];
  const outerShape = shape.slice(0, -1);
  const outerStrides = strides.slice(0, -1);
  let o = 0;
  forEachStrided(outerShape, [outerStrides], (_, off) => {
    const start = offset + off[0];
    for (let j = 0; j < cols; j++) out[o++] = x[start + j * colStride];
  });
}

function polyak(target: FloatArray, source: FloatArray, tau: number): void {
  const keep = 1 - tau;
  for (let i = 0; i < target.length; i++) target[i] = keep * target[i] + tau * source[i];
}

function sumOfSquares(x: FloatArray): number {
  const n4 = x.length & ~3;
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  for (let i = 0; i < n4; i += 4) {
    s0 += x[i] * x[i];
    s1 += x[i + 1] * x[i + 1];
    s2 += x[i + 2] * x[i + 2];
    s3 += x[i + 3] * x[i + 3];
  }
  let total = (s0 + s2) + (s1 + s3);
  for (let i = n4; i < x.length; i++) total += x[i] * x[i];
  return total;
}

function scale(x: FloatArray, coefficient: number, out: FloatArray): void {
  for (let i = 0; i < out.length; i++) out[i] = x[i] * coefficient;
}

export const jsKernels: Kernels = {
  name: 'js',
  allocate,
  unary,
  binary,
  where,
  clamp,
  matmul,
  adam,
  polyak,
  sumOfSquares,
  scale,
  reduce,
  copyStrided,
};
