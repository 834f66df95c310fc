/**
 * The primitives of the engine, declared once: every op the autodiff records, by name, with the
 * type of its attributes. Each family file gives every one of its primitives a record of rules
 * side by side (`Primitive` in autograd/graph.ts: shape rule, forward, VJP), and `primitives`
 * below gathers them into one table keyed by `PrimitiveName`, so that a name without its rules, a
 * rule of the wrong kind, or rules without a name fail to compile. spec/engine/gradients.spec.ts
 * keys its gradient checks by the same union.
 *
 * Composites built from primitives (softmax, mean, transpose, stack, sumTo, …) are plain
 * functions and have no row.
 */
import type { Primitive, Vjp } from '../autograd/graph.ts';
import type { BinaryKernel, DType, UnaryKernel } from '../kernels/types.ts';
import type { Shape } from '../shape.ts';
import { elementwisePrimitives } from './elementwise.ts';
import { matmulPrimitives } from './matmul.ts';
import { reducePrimitives } from './reduce.ts';
import { shapePrimitives } from './shape.ts';

/** clamp(x, min, max). */
export interface ClampAttrs {
  readonly min: number;
  readonly max: number;
}

/** sum, max, min: normalized axes (ascending, non-negative) and whether they are kept as size 1. */
export interface ReduceAttrs {
  readonly axes: readonly number[];
  readonly keepdims: boolean;
}

/** matmul: use the transpose of the last two axes of a / of b. */
export interface MatmulAttrs {
  readonly transA: boolean;
  readonly transB: boolean;
}

/** `linear`: whether relu follows the affine map, applied by the GEMM as it stores its result. */
export interface LinearAttrs {
  readonly relu: boolean;
}

/** slice and its VJP padSlice: clamped starts, positive steps, the sliced shape and the whole one. */
export interface SliceAttrs {
  readonly starts: readonly number[];
  readonly steps: readonly number[];
  readonly shape: Shape;
  readonly inputShape: Shape;
}

/** concat along a normalized axis. */
export interface ConcatAttrs {
  readonly axis: number;
}

/** gather and its VJP scatterAdd: validated integer indices along `axis`, as torch.gather. */
export interface GatherAttrs {
  readonly axis: number;
  readonly index: Int32Array;
  readonly indexShape: Shape;
  readonly sourceShape: Shape;
}

/** Every kernel of kernels/types.ts is a primitive of the same name; only elu takes a parameter. */
type KernelAttrs = { readonly [K in UnaryKernel | BinaryKernel]: K extends 'elu' ? number : undefined };

/** The attributes of each primitive (`undefined` when it has none); its keys are the primitives. */
export interface PrimitiveAttrs extends KernelAttrs {
  // ops/elementwise.ts, beside the kernel-named ones
  where: undefined;
  clamp: ClampAttrs;
  identity: undefined;
  // ops/reduce.ts
  sum: ReduceAttrs;
  max: ReduceAttrs;
  min: ReduceAttrs;
  // ops/matmul.ts
  matmul: MatmulAttrs;
  linear: LinearAttrs;
  // ops/shape.ts
  reshape: Shape;
  permute: readonly number[];
  broadcastTo: Shape;
  slice: SliceAttrs;
  padSlice: SliceAttrs;
  concat: ConcatAttrs;
  gather: GatherAttrs;
  scatterAdd: GatherAttrs;
  cast: DType;
}

export type PrimitiveName = keyof PrimitiveAttrs;

/**
 * Piecewise-constant primitives: their derivative is 0 wherever it exists, so they carry no
 * gradient and their results record no graph. Every other primitive must have a VJP.
 */
export type NonDifferentiableName =
  | 'sign' | 'step' | 'isFinite' | 'greater' | 'greaterEqual' | 'less' | 'lessEqual' | 'equal';

/** The rules a table must hold for K: a VJP, or `null` exactly when K is piecewise constant. */
export type PrimitiveRules<K extends PrimitiveName> = Primitive<K> & {
  readonly vjp: K extends NonDifferentiableName ? null : Vjp<PrimitiveAttrs[K]>;
};

/** A table of rules for a set of primitives, one row per name. */
export type PrimitiveTable<Names extends PrimitiveName> = { readonly [K in Names]: PrimitiveRules<K> };

/** Every primitive of the engine with its rules. */
export const primitives: PrimitiveTable<PrimitiveName> = {
  ...elementwisePrimitives,
  ...reducePrimitives,
  ...matmulPrimitives,
  ...shapePrimitives,
};
