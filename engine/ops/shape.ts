/**
 * Shape ops: reshape, permute, broadcast, slice, concat, gather, cast and their composites.
 * Each primitive's VJP is another shape op (slice ↔ pad, gather ↔ scatterAdd, broadcast ↔ sum),
 * so they compose to any order.
 */
import { apply } from '../autograd/graph.ts';
import { ShapeError, ValueError, expectArray, formatShape, showValue } from '../errors.ts';
import { kernels } from '../kernels/index.ts';
import type { DType } from '../kernels/types.ts';
import {
  assertBroadcastable, assertValidShape, broadcastStrides, normalizeAxes, normalizeAxis, sameShape, sizeOf, stridesOf,
  type Shape,
} from '../shape.ts';
import { Tensor, emptyTensor, expectTensor, expectTensors } from '../tensor.ts';
import { hostCall } from '../trace/recorder.ts';
import type { GatherAttrs, PrimitiveRules, PrimitiveTable, SliceAttrs } from './primitives.ts';
import { sum } from './reduce.ts';
import { expectAxes, expectDType, expectInteger, expectIntegerOrList, expectIntegers } from '../arguments.ts';

// ----- reshape -----

const reshapePrimitive: PrimitiveRules<'reshape'> = {
  name: 'reshape',
  shape: (_inputs, shape) => shape,
  forward: ([x], _attrs, shape) => new Tensor(x.data, shape),
  vjp: (g, [x]) => [reshape(g, x.shape)],
};

/** Same values in a new shape; one entry may be −1 (inferred). Shares storage. */
export function reshape(x: Tensor, shape: readonly number[]): Tensor {
  expectTensor('reshape', 'x', x);
  expectIntegers('reshape', 'shape', shape);
  const unknown = shape.filter((d) => d === -1).length;
  const known = sizeOf(shape.filter((d) => d !== -1));
  let target = [...shape];
  if (unknown > 1) throw new ShapeError(`reshape: more than one −1 in ${formatShape(shape)}`);
  if (unknown === 1) {
    if (known === 0 || x.size % known !== 0) {
      throw new ShapeError(`reshape: cannot reshape ${formatShape(x.shape)} to ${formatShape(shape)}`);
    }
    target = shape.map((d) => (d === -1 ? x.size / known : d));
  }
  assertValidShape('reshape', target);
  if (sizeOf(target) !== x.size) {
    throw new ShapeError(`reshape: cannot reshape ${formatShape(x.shape)} (${x.size} elements) to ${formatShape(shape)}`);
  }
  if (sameShape(target, x.shape)) return x;
  return apply(reshapePrimitive, [x], target);
}

/** Inserts a size-1 axis at `axis`. */
export function unsqueeze(x: Tensor, axis: number): Tensor {
  expectTensor('unsqueeze', 'x', x);
  expectInteger('unsqueeze', 'axis', axis);
  const ax = normalizeAxis('unsqueeze', axis, x.rank + 1);
  return reshape(x, [...x.shape.slice(0, ax), 1, ...x.shape.slice(ax)]);
}

/** Removes size-1 axes (all of them, or the given ones, which must have size 1). */
export function squeeze(x: Tensor, axes?: number | readonly number[]): Tensor {
  expectTensor('squeeze', 'x', x);
  expectAxes('squeeze', axes);
  const drop = axes === undefined
    ? x.shape.map((d, i) => (d === 1 ? i : -1)).filter((i) => i >= 0)
    : normalizeAxes('squeeze', axes, x.rank);
  for (const ax of drop) {
    if (x.shape[ax] !== 1) throw new ShapeError(`squeeze: axis ${ax} of ${formatShape(x.shape)} has size ${x.shape[ax]}, not 1`);
  }
  return reshape(x, x.shape.filter((_, i) => !drop.includes(i)));
}

// ----- permute / transpose -----

function copyView(x: Tensor, shape: Shape, strides: readonly number[], offset: number): Tensor {
  const out = emptyTensor(shape, x.dtype);
  kernels().copyStrided(x.data, { shape, strides, offset }, out.data);
  return out;
}

const permutePrimitive: PrimitiveRules<'permute'> = {
  name: 'permute',
  shape: ([x], perm) => perm.map((p) => x[p]),
  forward: ([x], perm, shape) => {
    const strides = stridesOf(x.shape);
    return copyView(x, shape, perm.map((p) => strides[p]), 0);
  },
  vjp: (g, _inputs, _y, perm) => {
    const inverse = new Array<number>(perm.length);
    perm.forEach((p, i) => (inverse[p] = i));
    return [permute(g, inverse)];
  },
};

/** Reorders axes: result axis i is input axis perm[i]. */
export function permute(x: Tensor, perm: readonly number[]): Tensor {
  expectTensor('permute', 'x', x);
  expectIntegers('permute', 'perm', perm);
  const axes = perm.map((p) => normalizeAxis('permute', p, x.rank));
  if (axes.length !== x.rank || new Set(axes).size !== x.rank) {
    throw new ShapeError(`permute: [${perm.join(', ')}] is not a permutation of the axes of ${formatShape(x.shape)}`);
  }
  if (axes.every((p, i) => p === i)) return x;
  return apply(permutePrimitive, [x], axes);
}

/** Swaps two axes (by default the last two). */
export function transpose(x: Tensor, axis0 = -2, axis1 = -1): Tensor {
  expectTensor('transpose', 'x', x);
  expectInteger('transpose', 'axis0', axis0);
  expectInteger('transpose', 'axis1', axis1);
  if (x.rank < 2) return x;
  const a = normalizeAxis('transpose', axis0, x.rank);
  const b = normalizeAxis('transpose', axis1, x.rank);
  const perm = x.shape.map((_, i) => (i === a ? b : i === b ? a : i));
  return permute(x, perm);
}

// ----- broadcast / sumTo -----

const broadcastPrimitive: PrimitiveRules<'broadcastTo'> = {
  name: 'broadcastTo',
  shape: ([x], shape) => {
    assertBroadcastable('broadcastTo', x, shape);
    return shape;
  },
  forward: ([x], _attrs, shape) => copyView(x, shape, broadcastStrides(x.shape, shape), 0),
  vjp: (g, [x]) => [sumTo(g, x.shape)],
};

/** Repeats size-1 (and missing leading) axes to `shape`, by NumPy rules. */
export function broadcastTo(x: Tensor, shape: readonly number[]): Tensor {
  expectTensor('broadcastTo', 'x', x);
  expectIntegers('broadcastTo', 'shape', shape);
  if (sameShape(x.shape, shape)) return x;
  assertValidShape('broadcastTo', shape);
  return apply(broadcastPrimitive, [x], [...shape]);
}

/** Sums `x` down to `shape`, the inverse of broadcasting (x's shape must broadcast from `shape`). */
export function sumTo(x: Tensor, shape: readonly number[]): Tensor {
  expectTensor('sumTo', 'x', x);
  expectIntegers('sumTo', 'shape', shape);
  if (sameShape(x.shape, shape)) return x;
  assertBroadcastable('sumTo', shape, x.shape);
  const lead = x.rank - shape.length;
  const axes: number[] = [];
  for (let i = 0; i < x.rank; i++) {
    if (i < lead || (shape[i - lead] === 1 && x.shape[i] !== 1)) axes.push(i);
  }
  return reshape(sum(x, axes, true), shape);
}

// ----- slice / pad -----

const slicePrimitive: PrimitiveRules<'slice'> = {
  name: 'slice',
  shape: (_inputs, attrs) => attrs.shape,
  forward: ([x], { starts, steps }, shape) => {
    const strides = stridesOf(x.shape);
    const offset = starts.reduce((acc, s, i) => acc + s * strides[i], 0);
    return copyView(x, shape, strides.map((s, i) => s * steps[i]), offset);
  },
  vjp: (g, _inputs, _y, attrs) => [padSlice(g, attrs)],
};

/** The VJP of slice: g written into the sliced positions of zeros of the input's shape (a JS loop). */
const padSlicePrimitive: PrimitiveRules<'padSlice'> = {
  name: 'padSlice',
  shape: (_inputs, attrs) => attrs.inputShape,
  forward: ([g], { starts, steps }, shape) => {
    const out = emptyTensor(shape, g.dtype);
    const strides = stridesOf(shape);
    const offset = starts.reduce((acc, s, i) => acc + s * strides[i], 0);
    const stepped = strides.map((s, i) => s * steps[i]);
    const [source, target, sourceShape] = [g.data, out.data, g.shape];
    hostCall('padSlice', () => {
      const index = new Array<number>(sourceShape.length).fill(0);
      for (let i = 0; i < source.length; i++) {
        let o = offset;
        for (let d = 0; d < sourceShape.length; d++) o += index[d] * stepped[d];
        target[o] = source[i];
        for (let d = sourceShape.length - 1; d >= 0 && ++index[d] === sourceShape[d]; d--) index[d] = 0;
      }
    }, { reads: [source], writes: [target], detail: `${formatShape(shape)} ${offset} ${stepped.join(',')}` });
    return out;
  },
  vjp: (g, _inputs, _y, attrs) => [apply(slicePrimitive, [g], attrs)],
};

function padSlice(g: Tensor, attrs: SliceAttrs): Tensor {
  return apply(padSlicePrimitive, [g], attrs);
}

/** A slice bound: an integer, ±Infinity (clamped like any bound), or null/undefined for the default. */
function isBound(v: unknown): boolean {
  return v === undefined || v === null || Number.isInteger(v) || v === Infinity || v === -Infinity;
}

/** starts, ends and steps of `slice`: arrays (ends and steps may be omitted) of bounds. */
function expectBounds(what: string, xs: unknown, optional: boolean): void {
  if (optional && (xs === undefined || xs === null)) return;
  expectArray('slice', what, xs);
  for (let i = 0; i < xs.length; i++) {
    if (!isBound(xs[i])) throw new ValueError(`slice: ${what}[${i}] must be an integer, got ${showValue(xs[i])}`);
  }
}

/**
 * The sub-tensor x[starts[0]:ends[0]:steps[0], …] for the leading axes given (the rest whole).
 * Negative indices count from the end; bounds are clamped as in Python; steps must be positive.
 * @example slice(x, [0, 1], [2, -1]) // x[0:2, 1:-1]
 */
export function slice(
  x: Tensor, starts: readonly number[], ends?: readonly (number | undefined)[], steps?: readonly number[],
): Tensor {
  expectTensor('slice', 'x', x);
  expectBounds('starts', starts, false);
  expectBounds('ends', ends, true);
  if (steps !== undefined && steps !== null) expectArray('slice', 'steps', steps);
  if (starts.length > x.rank) throw new ShapeError(`slice: ${starts.length} starts for a tensor of rank ${x.rank}`);
  const s: number[] = [], st: number[] = [], shape: number[] = [];
  for (let axis = 0; axis < x.rank; axis++) {
    const dim = x.shape[axis];
    const step = steps?.[axis] ?? 1;
    if (!Number.isInteger(step) || step <= 0) throw new ValueError(`slice: step ${showValue(step)} on axis ${axis} must be a positive integer`);
    const norm = (v: number): number => Math.min(Math.max(v < 0 ? v + dim : v, 0), dim);
    const start = norm(starts[axis] ?? 0);
    const end = norm(ends?.[axis] ?? dim);
    s.push(start);
    st.push(step);
    shape.push(Math.max(0, Math.ceil((end - start) / step)));
  }
  if (sameShape(shape, x.shape)) return x;
  return apply(slicePrimitive, [x], { starts: s, steps: st, shape, inputShape: x.shape });
}

/** Entries start..end−1 along one axis. */
export function sliceAxis(x: Tensor, axis: number, start: number, end?: number): Tensor {
  expectTensor('sliceAxis', 'x', x);
  expectInteger('sliceAxis', 'axis', axis);
  if (start === undefined || start === null || !isBound(start)) {
    throw new ValueError(`sliceAxis: start must be an integer, got ${showValue(start)}`);
  }
  if (!isBound(end)) throw new ValueError(`sliceAxis: end must be an integer or undefined, got ${showValue(end)}`);
  const ax = normalizeAxis('sliceAxis', axis, x.rank);
  const starts = x.shape.map((_, i) => (i === ax ? start : 0));
  const ends = x.shape.map((d, i) => (i === ax ? end : d));
  return slice(x, starts, ends);
}

// ----- concat / stack / split -----

/** Joins along `axis` by block copies of rows (`TypedArray.set`, no kernel). */
const concatPrimitive: PrimitiveRules<'concat'> = {
  name: 'concat',
  shape: (shapes, { axis }) => {
    for (const s of shapes) {
      if (s.length !== shapes[0].length || s.some((d, i) => i !== axis && d !== shapes[0][i])) {
        throw new ShapeError(`concat: shapes ${shapes.map(formatShape).join(', ')} differ outside axis ${axis}`);
      }
    }
    return shapes[0].map((d, i) => (i === axis ? shapes.reduce((acc, s) => acc + s[axis], 0) : d));
  },
  forward: (xs, { axis }, shape) => {
    const out = emptyTensor(shape, xs[0].dtype);
    const outer = sizeOf(shape.slice(0, axis));
    const rowOut = sizeOf(shape.slice(axis));
    const parts = xs.map((t) => ({ data: t.data, row: sizeOf(t.shape.slice(axis)) }));
    const target = out.data;
    hostCall('concat', () => {
      let column = 0;
      for (const { data, row } of parts) {
        for (let o = 0; o < outer; o++) target.set(data.subarray(o * row, (o + 1) * row), o * rowOut + column);
        column += row;
      }
    }, { reads: parts.map((p) => p.data), writes: [target], detail: `${outer} ${rowOut} ${parts.map((p) => p.row).join(',')}` });
    return out;
  },
  vjp: (g, xs, _y, { axis }, needed) => {
    let start = 0;
    return xs.map((t, i) => {
      const part = needed[i] ? sliceAxis(g, axis, start, start + t.shape[axis]) : null;
      start += t.shape[axis];
      return part;
    });
  },
};

/** Joins tensors along an existing axis; all other axes must match. */
export function concat(xs: readonly Tensor[], axis = 0): Tensor {
  expectTensors('concat', 'xs', xs);
  expectInteger('concat', 'axis', axis);
  if (xs.length === 0) throw new ValueError('concat: needs at least one tensor');
  const ax = normalizeAxis('concat', axis, xs[0].rank);
  if (xs.length === 1) return xs[0];
  const dtype: DType = xs.some((t) => t.dtype === 'float64') ? 'float64' : 'float32';
  return apply(concatPrimitive, xs.map((t) => cast(t, dtype)), { axis: ax });
}

/** Joins tensors of one shape along a new axis. */
export function stack(xs: readonly Tensor[], axis = 0): Tensor {
  expectTensors('stack', 'xs', xs);
  expectInteger('stack', 'axis', axis);
  if (xs.length === 0) throw new ValueError('stack: needs at least one tensor');
  for (const t of xs) {
    if (!sameShape(t.shape, xs[0].shape)) {
      throw new ShapeError(`stack: shapes ${xs.map((u) => formatShape(u.shape)).join(', ')} differ`);
    }
  }
  const ax = normalizeAxis('stack', axis, xs[0].rank + 1);
  return concat(xs.map((t) => unsqueeze(t, ax)), ax);
}

/** Splits along `axis` into `sections` equal parts or into parts of the given sizes. */
export function split(x: Tensor, sections: number | readonly number[], axis = 0): Tensor[] {
  expectTensor('split', 'x', x);
  expectIntegerOrList('split', 'sections', sections);
  expectInteger('split', 'axis', axis);
  const ax = normalizeAxis('split', axis, x.rank);
  const dim = x.shape[ax];
  let sizes: number[];
  if (typeof sections === 'number') {
    if (!Number.isInteger(sections) || sections <= 0 || dim % sections !== 0) {
      throw new ShapeError(`split: axis ${ax} of size ${dim} does not divide into ${sections} equal parts`);
    }
    sizes = new Array<number>(sections).fill(dim / sections);
  } else {
    sizes = [...sections];
    if (sizes.some((s) => !Number.isInteger(s) || s < 0) || sizes.reduce((a, b) => a + b, 0) !== dim) {
      throw new ShapeError(`split: sizes [${sizes.join(', ')}] do not add up to ${dim} on axis ${ax}`);
    }
  }
  let start = 0;
  return sizes.map((size) => {
    const part = sliceAxis(x, ax, start, start + size);
    start += size;
    return part;
  });
}

// ----- gather / scatterAdd -----

/** Calls visit(flat position in index/result, flat position in the source) for every index entry. */
function forEachGathered(attrs: GatherAttrs, visit: (i: number, source: number) => void): void {
  const { axis, index, indexShape, sourceShape } = attrs;
  const srcStrides = stridesOf(sourceShape);
  const counter = new Array<number>(indexShape.length).fill(0);
  for (let i = 0; i < index.length; i++) {
    let source = 0;
    for (let d = 0; d < indexShape.length; d++) source += (d === axis ? index[i] : counter[d]) * srcStrides[d];
    visit(i, source);
    for (let d = indexShape.length - 1; d >= 0 && ++counter[d] === indexShape[d]; d--) counter[d] = 0;
  }
}

/** What fixes a gather: its axis, shapes and a hash of its indices (compared between recordings of a traced step). */
function gatherDetail({ axis, index, indexShape, sourceShape }: GatherAttrs): string {
  let hash = 2166136261;
  for (let i = 0; i < index.length; i++) hash = Math.imul(hash ^ index[i], 16777619);
  return `${axis} ${formatShape(indexShape)} ${formatShape(sourceShape)} ${index.length}:${(hash >>> 0).toString(16)}`;
}

/** Reads x at the indices along the axis (a JS loop over index entries). */
const gatherPrimitive: PrimitiveRules<'gather'> = {
  name: 'gather',
  shape: (_inputs, attrs) => attrs.indexShape,
  forward: ([x], attrs, shape) => {
    const out = emptyTensor(shape, x.dtype);
    const [source, target] = [x.data, out.data];
    hostCall('gather', () => forEachGathered(attrs, (i, from) => (target[i] = source[from])), {
      reads: [source], writes: [target], detail: gatherDetail(attrs),
    });
    return out;
  },
  vjp: (g, _inputs, _y, attrs) => [apply(scatterAddPrimitive, [g], attrs)],
};

/** The VJP of gather: adds g into zeros of the source's shape at the indices (a JS loop). */
const scatterAddPrimitive: PrimitiveRules<'scatterAdd'> = {
  name: 'scatterAdd',
  shape: (_inputs, attrs) => attrs.sourceShape,
  forward: ([g], attrs, shape) => {
    const out = emptyTensor(shape, g.dtype);
    const [source, target] = [g.data, out.data];
    hostCall('scatterAdd', () => {
      target.fill(0);
      forEachGathered(attrs, (i, to) => (target[to] += source[i]));
    }, { reads: [source], writes: [target], detail: gatherDetail(attrs) });
    return out;
  },
  vjp: (g, _inputs, _y, attrs) => [apply(gatherPrimitive, [g], attrs)],
};

/**
 * out[i][j][k] = x[index[i][j][k]][j][k] for axis 0 (likewise for other axes), as torch.gather:
 * `index` has x's rank, integer values in range, and sizes no larger than x's off the axis.
 */
export function gather(x: Tensor, axis: number, index: Tensor): Tensor {
  expectTensor('gather', 'x', x);
  expectInteger('gather', 'axis', axis);
  expectTensor('gather', 'index', index);
  const ax = normalizeAxis('gather', axis, x.rank);
  if (index.rank !== x.rank || index.shape.some((d, i) => i !== ax && d > x.shape[i])) {
    throw new ShapeError(`gather: index of shape ${formatShape(index.shape)} does not fit input ${formatShape(x.shape)} on axis ${ax}`);
  }
  const ints = new Int32Array(index.size);
  index.data.forEach((v, i) => {
    if (!Number.isInteger(v) || v < 0 || v >= x.shape[ax]) {
      throw new ValueError(`gather: index value ${v} at flat position ${i} is not an integer in [0, ${x.shape[ax]})`);
    }
    ints[i] = v;
  });
  return apply(gatherPrimitive, [x], { axis: ax, index: ints, indexShape: index.shape, sourceShape: x.shape });
}

// ----- cast -----

/** Converts by `TypedArray.set` (no kernel). */
const castPrimitive: PrimitiveRules<'cast'> = {
  name: 'cast',
  shape: ([x]) => x,
  forward: ([x], dtype, shape) => {
    const out = emptyTensor(shape, dtype);
    const [source, target] = [x.data, out.data];
    hostCall('cast', () => target.set(source), { reads: [source], writes: [target] });
    return out;
  },
  vjp: (g, [x]) => [cast(g, x.dtype)],
};

/** The values in another dtype (float64 → float32 rounds to nearest). */
export function cast(x: Tensor, dtype: DType): Tensor {
  expectTensor('cast', 'x', x);
  if (x.dtype === dtype) return x;
  expectDType('cast', 'dtype', dtype);
  return apply(castPrimitive, [x], dtype);
}

/** The rules of every shape primitive. */
export const shapePrimitives: PrimitiveTable<
  'reshape' | 'permute' | 'broadcastTo' | 'slice' | 'padSlice' | 'concat' | 'gather' | 'scatterAdd' | 'cast'
> = {
  reshape: reshapePrimitive,
  permute: permutePrimitive,
  broadcastTo: broadcastPrimitive,
  slice: slicePrimitive,
  padSlice: padSlicePrimitive,
  concat: concatPrimitive,
  gather: gatherPrimitive,
  scatterAdd: scatterAddPrimitive,
  cast: castPrimitive,
};
