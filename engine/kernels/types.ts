/**
 * The kernel interface: every numeric loop the engine runs goes through one of these functions.
 *
 * Kernels see only typed arrays, sizes and strides; they know nothing of tensors, shapes as
 * objects, or autodiff. Outputs are written into `out` arrays allocated by the caller, so a
 * kernel set that keeps its data inside a `WebAssembly.Memory` can hand out views on that memory
 * from `allocate` and run in place without copies (see engine/README.md, "Storage").
 *
 * Every kernel must accept both Float32Array and Float64Array; a kernel set may run float64 on a
 * slower path. All arrays of one call share a dtype.
 */
export type FloatArray = Float32Array | Float64Array;
export type DType = 'float32' | 'float64';

/** Elementwise functions of one argument. `param` is used by `elu` (alpha) and `powScalar`. */
export const unaryKernelNames = [
  'neg', 'exp', 'log', 'log1p', 'expm1', 'sqrt', 'abs', 'sign', 'square', 'reciprocal',
  'tanh', 'atanh', 'sigmoid', 'softplus', 'relu', 'elu', 'step', 'isFinite',
] as const;
export type UnaryKernel = (typeof unaryKernelNames)[number];

/**
 * Elementwise functions of two arguments; comparisons write 1 or 0. `reluMask(g, x)` is ReLU's
 * backward in one pass: g where x > 0, g·0 elsewhere, NaN where x is NaN (= g·step(x) with NaN kept).
 */
export const binaryKernelNames = [
  'add', 'sub', 'mul', 'div', 'pow', 'maximum', 'minimum', 'reluMask',
  'greater', 'greaterEqual', 'less', 'lessEqual', 'equal',
] as const;
export type BinaryKernel = (typeof binaryKernelNames)[number];

export type ReduceKernel = 'sum' | 'max' | 'min';

/**
 * Broadcast layout of a binary op: the output shape and, for each operand, its strides in
 * elements over the output's dimensions (0 where the operand is broadcast).
 */
export interface BroadcastLayout {
  readonly outShape: readonly number[];
  readonly aStrides: readonly number[];
  readonly bStrides: readonly number[];
}

/** A strided read of `shape` from `x` starting at `offset`, for copies (permute, slice, expand). */
export interface StridedView {
  readonly shape: readonly number[];
  readonly strides: readonly number[];
  readonly offset: number;
}

export interface Kernels {
  readonly name: string;
  /** A zero-filled array of `size` elements; views may live in a kernel set's own memory. */
  allocate(dtype: DType, size: number): FloatArray;

  unary(op: UnaryKernel, x: FloatArray, out: FloatArray, param: number): void;
  binary(op: BinaryKernel, a: FloatArray, b: FloatArray, out: FloatArray, layout: BroadcastLayout): void;
  /** out[i] = cond[i] != 0 ? a[i] : b[i], each operand broadcast by its strides. */
  where(
    cond: FloatArray, a: FloatArray, b: FloatArray, out: FloatArray,
    outShape: readonly number[], strides: readonly [readonly number[], readonly number[], readonly number[]],
  ): void;
  /** out = clamp(x, lo, hi) elementwise. */
  clamp(x: FloatArray, lo: number, hi: number, out: FloatArray): void;

  /**
   * Batched C = op(A)·op(B) with op(A): m×k and op(B): k×n, row-major. `transA` means A is stored
   * k×m, `transB` means B is stored n×k. For batch index i, A starts at i·aBatchStride (0 to
   * broadcast one matrix over the batch), likewise B; C is dense, m·n per batch. When `bias`
   * (length n) is given it is added to every row of C. With `relu`, C is then replaced by
   * relu(C) (the unary kernel's relu: NaN stays NaN) as the tiles are stored, saving a pass.
   */
  matmul(
    a: FloatArray, b: FloatArray, out: FloatArray,
    batch: number, m: number, k: number, n: number,
    transA: boolean, transB: boolean, aBatchStride: number, bBatchStride: number,
    bias?: FloatArray, relu?: boolean,
  ): void;

  /**
   * One Adam/AdamW step in place on `param`, `m` (first moment) and `v` (second moment), exactly as
   * PyTorch's single-tensor Adam: with bc1 = 1 − β₁ᵗ, bc2 = 1 − β₂ᵗ,
   *   g ← grad + weightDecay·param            (Adam, L2 form; when !decoupled)
   *   param ← param·(1 − lr·weightDecay)      (AdamW; when decoupled)
   *   m ← β₁·m + (1 − β₁)·g;  v ← β₂·v + (1 − β₂)·g²
   *   param ← param − (lr / bc1) · m / (√v / √bc2 + eps)
   */
  adam(param: FloatArray, grad: FloatArray, m: FloatArray, v: FloatArray, hyper: AdamHyper): void;

  /**
   * Polyak averaging in place: target[i] ← (1 − τ)·target[i] + τ·source[i], evaluated in double
   * precision and rounded once, exactly as the JavaScript loop `keep * t + tau * s` with keep = 1 − τ.
   */
  polyak(target: FloatArray, source: FloatArray, tau: number): void;

  /**
   * Σ x[i]² in double precision (each square is exact): four partial sums s_j over the elements
   * i < 4⌊n/4⌋ with i mod 4 = j, combined as (s₀ + s₂) + (s₁ + s₃), then the last n mod 4 squares
   * added in order. Every kernel set sums in this order, so all give the same bits. The value is
   * read into JavaScript, so a traced step calls it inside a host call.
   */
  sumOfSquares(x: FloatArray): number;

  /** out[i] = x[i]·coefficient, multiplied in double precision and rounded once (the JavaScript loop's arithmetic). */
  scale(x: FloatArray, coefficient: number, out: FloatArray): void;

  /**
   * Reduce `x` viewed as [outer, len, inner] along the middle axis into `out` ([outer, inner]).
   * Any set of axes reduces as a sequence of such calls after the engine merges adjacent axes.
   */
  reduce(op: ReduceKernel, x: FloatArray, outer: number, len: number, inner: number, out: FloatArray): void;

  /** Dense copy of a strided view of `x` into `out` (row-major over view.shape). */
  copyStrided(x: FloatArray, view: StridedView, out: FloatArray): void;

  /**
   * @internal For replayed schedules (engine/trace): the call `unary(op, x, out, param)` with its
   * operands' addresses and loop bounds worked out once, when the set can (operands on its heap, one
   * thread's worth of work); null when it cannot. Running the result computes what the call computes.
   */
  bindUnary?(op: UnaryKernel, x: FloatArray, out: FloatArray, param: number): (() => void) | null;
  /** @internal The same for `binary`. */
  bindBinary?(op: BinaryKernel, a: FloatArray, b: FloatArray, out: FloatArray, layout: BroadcastLayout): (() => void) | null;
  /** @internal The same for `reduce`. */
  bindReduce?(op: ReduceKernel, x: FloatArray, outer: number, len: number, inner: number, out: FloatArray): (() => void) | null;
  /** @internal The same for `matmul`. */
  bindMatmul?(
    a: FloatArray, b: FloatArray, out: FloatArray, batch: number, m: number, k: number, n: number,
    transA: boolean, transB: boolean, aBatchStride: number, bBatchStride: number, bias?: FloatArray, relu?: boolean,
  ): (() => void) | null;
}

export interface AdamHyper {
  readonly lr: number;
  readonly beta1: number;
  readonly beta2: number;
  readonly eps: number;
  readonly weightDecay: number;
  /** AdamW's decoupled decay when true, L2 added to the gradient when false. */
  readonly decoupled: boolean;
  /** 1-based step count t, for bias correction. */
  readonly step: number;
}
