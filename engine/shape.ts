/** Shape arithmetic: sizes, strides, NumPy broadcasting and axis normalisation. */
import { ShapeError, ValueError, formatShape } from './errors.ts';

export type Shape = readonly number[];

export function sizeOf(shape: Shape): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

export function stridesOf(shape: Shape): number[] {
  const strides = new Array<number>(shape.length);
  let s = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    strides[i] = s;
    s *= shape[i];
  }
  return strides;
}

export function sameShape(a: Shape, b: Shape): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

/** The NumPy broadcast of two shapes; throws naming `op` and both shapes when they do not fit. */
export function broadcastShapes(op: string, a: Shape, b: Shape): number[] {
  const rank = Math.max(a.length, b.length);
  const out = new Array<number>(rank);
  for (let i = 0; i < rank; i++) {
    const da = a[a.length - rank + i] ?? 1;
    const db = b[b.length - rank + i] ?? 1;
    if (da !== db && da !== 1 && db !== 1) {
      throw new ShapeError(`${op}: cannot broadcast shapes ${formatShape(a)} and ${formatShape(b)}`);
    }
    out[i] = da === 1 ? db : da;
  }
  return out;
}

/** Strides (in elements) that read `shape` as if broadcast to `outShape`: 0 on broadcast axes. */
export function broadcastStrides(shape: Shape, outShape: Shape): number[] {
  const own = stridesOf(shape);
  const offset = outShape.length - shape.length;
  return outShape.map((_, i) => {
    const axis = i - offset;
    return axis < 0 || shape[axis] === 1 ? 0 : own[axis];
  });
}

/** Checks that `shape` broadcasts to `target` (one-sided), naming `op` otherwise. */
export function assertBroadcastable(op: string, shape: Shape, target: Shape): void {
  const offset = target.length - shape.length;
  const ok = offset >= 0 && shape.every((d, i) => d === 1 || d === target[i + offset]);
  if (!ok) throw new ShapeError(`${op}: cannot broadcast shape ${formatShape(shape)} to ${formatShape(target)}`);
}

/** Normalises possibly negative axes; `undefined` means all axes. Sorted, unique. */
export function normalizeAxes(op: string, axes: number | readonly number[] | undefined, rank: number): number[] {
  if (axes === undefined) return Array.from({ length: rank }, (_, i) => i);
  const list = typeof axes === 'number' ? [axes] : [...axes];
  const out = list.map((ax) => normalizeAxis(op, ax, rank));
  if (new Set(out).size !== out.length) throw new ValueError(`${op}: repeated axis in [${list.join(', ')}]`);
  return out.sort((x, y) => x - y);
}

export function normalizeAxis(op: string, axis: number, rank: number): number {
  if (!Number.isInteger(axis) || axis < -rank || axis >= Math.max(rank, 1)) {
    throw new ValueError(`${op}: axis ${axis} is out of range for a tensor of rank ${rank}`);
  }
  return axis < 0 ? axis + rank : axis;
}

export function assertValidShape(op: string, shape: Shape): void {
  if (!Array.isArray(shape)) {
    throw new ShapeError(`${op}: shape must be an array of non-negative integers, got ${shape === null ? 'null' : typeof shape}`);
  }
  for (const d of shape) {
    if (!Number.isInteger(d) || d < 0) throw new ShapeError(`${op}: invalid shape ${formatShape(shape)}`);
  }
  assertElementLimit(op, shape);
}

/**
 * Most elements one tensor may have: 2³¹ − 1 (8 GiB of float32). Requests above it are refused
 * before anything is allocated, with the shape in the message, instead of failing (or swapping)
 * inside the allocator.
 */
export const MAX_TENSOR_ELEMENTS = 2 ** 31 - 1;

/** Throws a ShapeError naming `op` and `shape` when the shape has more than MAX_TENSOR_ELEMENTS elements. */
export function assertElementLimit(op: string, shape: Shape): void {
  const size = sizeOf(shape);
  if (size > MAX_TENSOR_ELEMENTS) {
    throw new ShapeError(`${op}: shape ${formatShape(shape)} has ${size} elements, more than MAX_TENSOR_ELEMENTS = ${MAX_TENSOR_ELEMENTS}`);
  }
}
