/**
 * Reductions over any set of axes, with keepdims, and the composites built on them
 * (mean, var, std, logsumexp, softmax, logSoftmax).
 */
import { apply, type Primitive, type Vjp } from '../autograd/graph.ts';
import { ValueError, expectObject } from '../errors.ts';
import { kernels } from '../kernels/index.ts';
import type { ReduceKernel } from '../kernels/types.ts';
import { normalizeAxes, normalizeAxis, sizeOf, type Shape } from '../shape.ts';
import { Tensor, expectTensor } from '../tensor.ts';
import { expectAxes, expectBoolean, expectInteger, expectNumber } from '../arguments.ts';
import { hostCall } from '../trace/recorder.ts';
import type { PrimitiveTable, ReduceAttrs } from './primitives.ts';
import { add, div, equal, exp, isFinite, log, mul, sqrt, square, sub, where } from './elementwise.ts';
import { broadcastTo, reshape } from './shape.ts';

export type Axes = number | readonly number[] | undefined;

function keptShape(shape: Shape, axes: readonly number[]): number[] {
  return shape.map((d, i) => (axes.includes(i) ? 1 : d));
}

/** The result's shape: reduced axes dropped, or kept as size 1. */
function reducedShape(shape: Shape, { axes, keepdims }: ReduceAttrs): number[] {
  return keepdims ? keptShape(shape, axes) : shape.filter((_, i) => !axes.includes(i));
}

/** Reduces runs of adjacent axes with one kernel call each, last run first. */
function runReduce(op: ReduceKernel, x: Tensor, axes: readonly number[], outShape: Shape): Tensor {
  const runs: [number, number][] = [];
  for (const ax of axes) {
    const last = runs[runs.length - 1];
    if (last && last[1] === ax) last[1] = ax + 1;
    else runs.push([ax, ax + 1]);
  }
  let shape = [...x.shape];
  let data = x.data;
  for (let r = runs.length - 1; r >= 0; r--) {
    const [from, to] = runs[r];
    const outer = sizeOf(shape.slice(0, from));
    const len = sizeOf(shape.slice(from, to));
    const inner = sizeOf(shape.slice(to));
    shape = [...shape.slice(0, from), ...shape.slice(from, to).map(() => 1), ...shape.slice(to)];
    const out = kernels().allocate(x.dtype, outer * inner);
    kernels().reduce(op, data, outer, len, inner, out);
    data = out;
  }
  if (runs.length === 0) {
    const [source, copy] = [data, kernels().allocate(x.dtype, data.length)];
    hostCall('copy', () => copy.set(source), { reads: [source], writes: [copy] });
    data = copy;
  }
  return new Tensor(data, outShape);
}

/** Gradient of max/min: shared equally among the entries that attain the extreme. */
function extremeVjp(g: Tensor, x: Tensor, y: Tensor, axes: readonly number[]): Tensor {
  const kept = keptShape(x.shape, axes);
  const hits = equal(x, reshape(y, kept));
  const count = runReduce('sum', hits, axes, kept);
  return mul(reshape(g, kept), div(hits, count));
}

/** A reduction primitive: the kernel of its name over the given axes, with its VJP. */
function reduction<K extends ReduceKernel>(name: K, vjp: Vjp<ReduceAttrs>): Primitive<K> & { readonly vjp: Vjp<ReduceAttrs> } {
  return {
    name,
    shape: ([x], attrs) => reducedShape(x, attrs),
    forward: ([x], { axes }, shape) => runReduce(name, x, axes, shape),
    vjp,
  };
}

/** The rules of every reduction primitive. */
export const reducePrimitives: PrimitiveTable<ReduceKernel> = {
  sum: reduction('sum', (g, [x], _y, { axes }) => [broadcastTo(reshape(g, keptShape(x.shape, axes)), x.shape)]),
  max: reduction('max', (g, [x], y, { axes }) => [extremeVjp(g, x, y, axes)]),
  min: reduction('min', (g, [x], y, { axes }) => [extremeVjp(g, x, y, axes)]),
};

/** Checks a reduction's arguments and normalizes its axes, naming `op` (the function called). */
function reductionAxes(op: string, x: Tensor, axes: Axes, keepdims: boolean): number[] {
  expectTensor(op, 'x', x);
  expectAxes(op, axes);
  expectBoolean(op, 'keepdims', keepdims);
  return normalizeAxes(op, axes, x.rank);
}

function reduceOp(name: ReduceKernel, x: Tensor, axes: Axes, keepdims: boolean): Tensor {
  const normalized = reductionAxes(name, x, axes, keepdims);
  if (name !== 'sum' && normalized.some((ax) => x.shape[ax] === 0)) {
    throw new ValueError(`${name}: cannot reduce over an empty axis of shape [${x.shape.join(', ')}]`);
  }
  return apply(reducePrimitives[name], [x], { axes: normalized, keepdims });
}

/** Sum over `axes` (all when omitted). */
export const sum = (x: Tensor, axes?: Axes, keepdims = false): Tensor => reduceOp('sum', x, axes, keepdims);
/** Maximum over `axes`; the gradient is shared equally among tied maxima. */
export const max = (x: Tensor, axes?: Axes, keepdims = false): Tensor => reduceOp('max', x, axes, keepdims);
/** Minimum over `axes`; the gradient is shared equally among tied minima. */
export const min = (x: Tensor, axes?: Axes, keepdims = false): Tensor => reduceOp('min', x, axes, keepdims);

function countOf(x: Tensor, axes: readonly number[]): number {
  return sizeOf(axes.map((ax) => x.shape[ax]));
}

export function mean(x: Tensor, axes?: Axes, keepdims = false): Tensor {
  const normalized = reductionAxes('mean', x, axes, keepdims);
  return div(sum(x, normalized, keepdims), countOf(x, normalized));
}

export interface VarianceOptions {
  keepdims?: boolean;
  /** Subtracted from the count in the denominator: 1 (default, as PyTorch) is unbiased, 0 is the population variance. */
  correction?: number;
}

/** variance and std, with their arguments checked under the name of the function called. */
function varianceOf(op: string, x: Tensor, axes: Axes, options: VarianceOptions): Tensor {
  expectObject(op, 'options', options);
  const { keepdims = false, correction = 1 } = options;
  expectNumber(op, 'options.correction', correction);
  expectBoolean(op, 'options.keepdims', keepdims);
  const normalized = reductionAxes(op, x, axes, keepdims);
  const centered = sub(x, mean(x, normalized, true));
  return div(sum(square(centered), normalized, keepdims), Math.max(countOf(x, normalized) - correction, 0));
}

export function variance(x: Tensor, axes?: Axes, options: VarianceOptions = {}): Tensor {
  return varianceOf('variance', x, axes, options);
}

export function std(x: Tensor, axes?: Axes, options: VarianceOptions = {}): Tensor {
  return sqrt(varianceOf('std', x, axes, options));
}

/** log Σ exp(x) over `axes`, shifted by the (constant) maximum for stability. */
export function logsumexp(x: Tensor, axes?: Axes, keepdims = false): Tensor {
  const normalized = reductionAxes('logsumexp', x, axes, keepdims);
  const peak = max(x, normalized, true).detach();
  const shift = where(isFinite(peak), peak, 0);
  const result = add(log(sum(exp(sub(x, shift)), normalized, true)), shift);
  return keepdims ? result : reshape(result, x.shape.filter((_, i) => !normalized.includes(i)));
}

/** The axis of softmax/logSoftmax, checked and normalized under the name of the function called. */
function softmaxAxis(op: string, x: Tensor, axis: number): number {
  expectTensor(op, 'x', x);
  expectInteger(op, 'axis', axis);
  return normalizeAxis(op, axis, x.rank);
}

export function logSoftmax(x: Tensor, axis = -1): Tensor {
  return sub(x, logsumexp(x, softmaxAxis('logSoftmax', x, axis), true));
}

export function softmax(x: Tensor, axis = -1): Tensor {
  return exp(logSoftmax(x, softmaxAxis('softmax', x, axis)));
}
