/**
 * Matrix products, batched with NumPy broadcasting of the batch axes. One primitive carries the
 * transpose flags, so the VJPs (g·Bᵀ, Aᵀ·g) are themselves matmuls with other flags: no transposed
 * copy is ever made, and the kernels see exactly the three layouts training needs.
 */
import { apply } from '../autograd/graph.ts';
import { ShapeError, expectObject, formatShape } from '../errors.ts';
import { kernels } from '../kernels/index.ts';
import { broadcastShapes, broadcastStrides, sizeOf } from '../shape.ts';
import { Tensor, emptyTensor, expectTensor } from '../tensor.ts';
import { expectBoolean } from '../arguments.ts';
import type { PrimitiveRules, PrimitiveTable } from './primitives.ts';
import { reluMask } from './elementwise.ts';
import { sum } from './reduce.ts';
import { cast, reshape } from './shape.ts';

export interface MatmulOptions {
  /** Use the transpose of the last two axes of a. */
  transA?: boolean;
  /** Use the transpose of the last two axes of b. */
  transB?: boolean;
}

/** Dense copy of a's batch broadcast to `batch`, unless it already has that batch or a single matrix. */
function batchOperand(t: Tensor, batch: readonly number[]): { data: Tensor['data']; stride: number } {
  const matrix = t.shape.slice(-2);
  const own = t.shape.slice(0, -2);
  const matrixSize = matrix[0] * matrix[1];
  if (sizeOf(own) === 1) return { data: t.data, stride: 0 };
  if (own.length === batch.length && own.every((d, i) => d === batch[i])) return { data: t.data, stride: matrixSize };
  const shape = [...batch, ...matrix];
  const out = kernels().allocate(t.dtype, sizeOf(shape));
  kernels().copyStrided(t.data, { shape, strides: broadcastStrides(t.shape, shape), offset: 0 }, out);
  return { data: out, stride: matrixSize };
}

const matmulPrimitive: PrimitiveRules<'matmul'> = {
  name: 'matmul',
  shape: ([a, b], { transA, transB }) => {
    const [ar, ac] = a.slice(-2);
    const [br, bc] = b.slice(-2);
    const [m, k] = transA ? [ac, ar] : [ar, ac];
    const [k2, n] = transB ? [bc, br] : [br, bc];
    if (k !== k2) {
      throw new ShapeError(
        `matmul: inner dimensions differ: ${formatShape(a)}${transA ? 'ᵀ' : ''} · ${formatShape(b)}${transB ? 'ᵀ' : ''}`,
      );
    }
    return [...broadcastShapes('matmul', a.slice(0, -2), b.slice(0, -2)), m, n];
  },
  forward: ([a, b], { transA, transB }, shape) => {
    const batch = shape.slice(0, -2);
    const [m, n] = shape.slice(-2);
    const k = a.shape[a.rank - (transA ? 2 : 1)];
    const out = emptyTensor(shape, a.dtype);
    const A = batchOperand(a, batch);
    const B = batchOperand(b, batch);
    kernels().matmul(A.data, B.data, out.data, sizeOf(batch), m, k, n, transA, transB, A.stride, B.stride);
    return out;
  },
  vjp: (g, [a, b], _y, { transA, transB }, needed) => [
    needed[0] ? (transA ? matmulRaw(b, g, transB, true) : matmulRaw(g, b, false, !transB)) : null,
    needed[1] ? (transB ? matmulRaw(g, a, true, transA) : matmulRaw(a, g, !transA, false)) : null,
  ],
};

function matmulRaw(a: Tensor, b: Tensor, transA: boolean, transB: boolean): Tensor {
  return apply(matmulPrimitive, [a, b], { transA, transB });
}

/**
 * Matrix product with NumPy semantics: 1-D operands are promoted to a row (a) or column (b) and the
 * added axis removed; leading axes are batch axes and broadcast.
 * @example matmul(x, w, { transB: true }) // x·wᵀ
 */
export function matmul(a: Tensor, b: Tensor, options: MatmulOptions = {}): Tensor {
  expectTensor('matmul', 'the first argument', a);
  expectTensor('matmul', 'the second argument', b);
  expectObject('matmul', 'options', options);
  if (options.transA !== undefined) expectBoolean('matmul', 'options.transA', options.transA);
  if (options.transB !== undefined) expectBoolean('matmul', 'options.transB', options.transB);
  if (a.rank === 0 || b.rank === 0) {
    throw new ShapeError(`matmul: operands must have rank ≥ 1, got ${formatShape(a.shape)} and ${formatShape(b.shape)}`);
  }
  const a2 = a.rank === 1 ? reshape(a, [1, a.shape[0]]) : a;
  const b2 = b.rank === 1 ? reshape(b, [b.shape[0], 1]) : b;
  const dtype = a.dtype === 'float64' || b.dtype === 'float64' ? 'float64' : 'float32';
  let out = matmulRaw(cast(a2, dtype), cast(b2, dtype), options.transA ?? false, options.transB ?? false);
  if (a.rank === 1) out = reshape(out, [...out.shape.slice(0, -2), out.shape[out.rank - 1]]);
  if (b.rank === 1) out = reshape(out, out.shape.slice(0, -1));
  return out;
}

const linearPrimitive: PrimitiveRules<'linear'> = {
  name: 'linear',
  shape: ([x, w, b]) => {
    if (w.length !== 2 || x.length < 1 || x[x.length - 1] !== w[1]) {
      throw new ShapeError(`linear: input ${formatShape(x)} does not fit weight ${formatShape(w)} ([out, in])`);
    }
    if (b && (b.length !== 1 || b[0] !== w[0])) {
      throw new ShapeError(`linear: bias ${formatShape(b)} does not fit weight ${formatShape(w)}`);
    }
    return [...x.slice(0, -1), w[0]];
  },
  forward: ([x, w, b], { relu }, shape) => {
    const [outFeatures, inFeatures] = w.shape;
    const rows = sizeOf(x.shape.slice(0, -1));
    const out = emptyTensor(shape, x.dtype);
    kernels().matmul(x.data, w.data, out.data, 1, rows, inFeatures, outFeatures, false, true, 0, 0, b?.data, relu);
    return out;
  },
  vjp: (gOut, [x, w, b], y, { relu }, needed) => {
    // relu's VJP at the output: y > 0 exactly where the pre-activation is, and y is NaN where it is.
    const g = relu ? reluMask(gOut, y) : gOut;
    const g2 = reshape(g, [-1, g.shape[g.rank - 1]]);
    const x2 = reshape(x, [-1, x.shape[x.rank - 1]]);
    return [
      needed[0] ? reshape(matmulRaw(g2, w, false, false), x.shape) : null,
      needed[1] ? matmulRaw(g2, x2, true, false) : null,
      b && needed[2] ? sum(g2, 0) : null,
    ];
  },
};

export interface LinearOpOptions {
  /** Apply relu to the result in the same kernel call (the same numbers as `relu(linear(…))`, one pass fewer). */
  readonly relu?: boolean;
}

/**
 * The affine map of a dense layer, x·Wᵀ + b, with W of shape [out, in] (PyTorch's layout) and x of
 * shape [..., in]. One fused kernel call forward (with `relu`, also the activation); the VJPs are
 * the NN and TN products.
 * @example linear(x, w, b, { relu: true }) // relu(x·wᵀ + b), bit for bit
 */
export function linear(x: Tensor, weight: Tensor, bias?: Tensor, options: LinearOpOptions = {}): Tensor {
  expectTensor('linear', 'x', x);
  expectTensor('linear', 'weight', weight);
  // null is taken as no bias, as it always was
  if (bias !== undefined && bias !== null) expectTensor('linear', 'bias', bias);
  expectObject('linear', 'options', options);
  if (options.relu !== undefined) expectBoolean('linear', 'options.relu', options.relu);
  const dtype = [x, weight, bias].some((t) => t?.dtype === 'float64') ? 'float64' : 'float32';
  const inputs = [cast(x, dtype), cast(weight, dtype), ...(bias ? [cast(bias, dtype)] : [])];
  return apply(linearPrimitive, inputs, { relu: options.relu === true });
}

/** The rules of the matrix-product primitives. */
export const matmulPrimitives: PrimitiveTable<'matmul' | 'linear'> = { matmul: matmulPrimitive, linear: linearPrimitive };
