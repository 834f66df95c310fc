/**
 * Elementwise kernels (f32, four lanes at a time): unary functions, binary functions with the
 * broadcast patterns of MLPs, `where` and `clamp`.
 *
 * Every loop runs whole vectors, then one vector for the last 1–3 elements: it loads 16 bytes
 * (reading past the end is safe: the heap keeps a guard at the top of memory and every block has
 * 64-byte granularity) and stores only the valid lanes. Outputs never alias inputs, so no kernel
 * depends on reading what it wrote.
 */
import {
  type Expr, type FunctionBuilder, type FunctionRef, type Local, type ModuleBuilder,
  f32, f32x4, f64x2, forRange, get, i32, seq, set, shuffle32, v128,
} from './assembler.ts';
import type { BinaryKernel, UnaryKernel } from '../types.ts';
import { vectorLoop } from './loops.ts';
import {
  type VectorFn, atanh64, elu64, exp64, expm1_64, log1p64, log64, sigmoid64, softplus64, tanh64,
} from './mathd.ts';

const c = (n: number): Expr => i32.const(n);
const add = i32.add;
const splat = (x: number): Expr => f32x4.splat(f32.const(x));
const ones = (mask: Expr): Expr => v128.and(mask, splat(1));

/**
 * How a unary op computes four float32 lanes. `f32` ops work on the lanes directly and are exact
 * (as IEEE arithmetic is); `f64` ops are evaluated per pair of lanes in double precision by the
 * functions of mathd.ts, then rounded, as the JS kernels do.
 */
type UnaryBody =
  | { readonly kind: 'f32'; readonly lanes: VectorFn }
  | { readonly kind: 'f64'; readonly build: (fn: FunctionBuilder, param: Local) => VectorFn };

const f32Op = (lanes: VectorFn): UnaryBody => ({ kind: 'f32', lanes });
const f64Op = (build: (fn: FunctionBuilder, param: Local) => VectorFn): UnaryBody => ({ kind: 'f64', build });

export const unaryBodies: { readonly [K in UnaryKernel]: UnaryBody } = {
  neg: f32Op((x) => f32x4.neg(get(x))),
  exp: f64Op((fn) => exp64(fn)),
  log: f64Op((fn) => log64(fn)),
  log1p: f64Op((fn) => log1p64(fn)),
  expm1: f64Op((fn) => expm1_64(fn)),
  sqrt: f32Op((x) => f32x4.sqrt(get(x))),
  abs: f32Op((x) => f32x4.abs(get(x))),
  sign: f32Op((x) => v128.or(ones(f32x4.gt(get(x), splat(0))), v128.and(f32x4.lt(get(x), splat(0)), splat(-1)))),
  square: f32Op((x) => f32x4.mul(get(x), get(x))),
  reciprocal: f32Op((x) => f32x4.div(splat(1), get(x))),
  tanh: f64Op((fn) => tanh64(fn)),
  atanh: f64Op((fn) => atanh64(fn)),
  sigmoid: f64Op((fn) => sigmoid64(fn)),
  softplus: f64Op((fn) => softplus64(fn)),
  // keep x where x > 0 or x is NaN (x ≠ x), as the JS kernel; −0 and negatives become +0
  relu: f32Op((x) => v128.and(get(x), v128.or(f32x4.gt(get(x), splat(0)), f32x4.ne(get(x), get(x))))),
  elu: f64Op((fn, alpha) => elu64(fn, alpha)),
  step: f32Op((x) => ones(f32x4.gt(get(x), splat(0)))),
  isFinite: f32Op((x) => ones(f32x4.lt(f32x4.abs(get(x)), splat(Infinity)))),
};

/** Four float32 lanes through an f64 function: promote each half, apply, demote, recombine. */
function viaF64(fn: FunctionBuilder, f: VectorFn): VectorFn {
  const lo = fn.local('v128');
  const hi = fn.local('v128');
  return (x) => seq([
    set(lo, f64x2.promoteLowF32x4(get(x))),
    set(hi, f64x2.promoteLowF32x4(shuffle32(get(x), get(x), [2, 3, 2, 3]))),
    set(lo, f(lo)),
    set(hi, f(hi)),
  ], shuffle32(f32x4.demoteF64x2Zero(get(lo)), f32x4.demoteF64x2Zero(get(hi)), [0, 1, 4, 5]));
}

type BinaryBody = (a: Local, b: Local) => Expr;

/** The binary ops with a wasm kernel (pow goes to JS except for a scalar exponent 2). */
export type WasmBinaryKernel = Exclude<BinaryKernel, 'pow'>;

export const binaryBodies: { readonly [K in WasmBinaryKernel]: BinaryBody } = {
  add: (a, b) => f32x4.add(get(a), get(b)),
  sub: (a, b) => f32x4.sub(get(a), get(b)),
  mul: (a, b) => f32x4.mul(get(a), get(b)),
  div: (a, b) => f32x4.div(get(a), get(b)),
  // a > b or a is NaN ? a : b — as the JS kernel, so NaN propagates from either side and ties pick b
  maximum: (a, b) => v128.bitselect(get(a), get(b), v128.or(f32x4.gt(get(a), get(b)), f32x4.ne(get(a), get(a)))),
  minimum: (a, b) => v128.bitselect(get(a), get(b), v128.or(f32x4.lt(get(a), get(b)), f32x4.ne(get(a), get(a)))),
  // g · (x > 0 ? 1 : x is NaN ? x : 0), the same product as the JS kernel, so signed zeros and NaN agree
  reluMask: (g, x) => f32x4.mul(get(g), v128.bitselect(ones(f32x4.gt(get(x), splat(0))), get(x), f32x4.eq(get(x), get(x)))),
  greater: (a, b) => ones(f32x4.gt(get(a), get(b))),
  greaterEqual: (a, b) => ones(f32x4.ge(get(a), get(b))),
  less: (a, b) => ones(f32x4.lt(get(a), get(b))),
  lessEqual: (a, b) => ones(f32x4.le(get(a), get(b))),
  equal: (a, b) => ones(f32x4.eq(get(a), get(b))),
};

/** `unary_<op>(x, out, n, param)`: out[i] = op(x[i]); param (f64) is elu's alpha. */
export function addUnary(mod: ModuleBuilder, op: UnaryKernel): FunctionRef {
  return mod.func(`unary_${op}`, ['i32', 'i32', 'i32', 'f64'], [], (fn, [x, out, n, param]) => {
    const body = unaryBodies[op];
    const f = body.kind === 'f32' ? body.lanes : viaF64(fn, body.build(fn, param));
    const v = fn.local('v128');
    return vectorLoop(fn, out, get(n), (i) => seq([set(v, v128.load(add(get(x), get(i))))], f(v)));
  });
}

/** How an operand of a binary kernel is read along a row: a vector of `cols` or one splatted value. */
export type OperandKind = 'v' | 's';

/**
 * `binary_<op>_<a><b>(a, b, out, rows, cols, aRowStep, bRowStep)`: for each of `rows` rows,
 * out[r, j] = op(A(r, j), B(r, j)) where a 'v' operand is read at a + r·aRowStep + 4j and an 's'
 * operand is the single float at a + r·aRowStep. Row steps are in bytes (0 broadcasts a row);
 * out is dense.
 */
export function addBinary(mod: ModuleBuilder, op: WasmBinaryKernel, kinds: readonly [OperandKind, OperandKind]): FunctionRef {
  return mod.func(`binary_${op}_${kinds.join('')}`, ['i32', 'i32', 'i32', 'i32', 'i32', 'i32', 'i32'], [], (fn, params) => {
    const [a, b, out, rows, cols, aRowStep, bRowStep] = params;
    const r = fn.local('i32');
    const va = fn.local('v128');
    const vb = fn.local('v128');
    const body = binaryBodies[op];
    const operand = (kind: OperandKind, base: Local, target: Local, i: Local): Expr =>
      set(target, kind === 'v' ? v128.load(add(get(base), get(i))) : v128.load32Splat(get(base)));
    return [
      forRange(r, c(0), get(rows), c(1), [
        ...vectorLoop(fn, out, get(cols), (i) => seq([operand(kinds[0], a, va, i), operand(kinds[1], b, vb, i)], body(va, vb))),
        set(a, add(get(a), get(aRowStep))),
        set(b, add(get(b), get(bRowStep))),
        set(out, add(get(out), i32.shl(get(cols), c(2)))),
      ]),
    ];
  });
}

/**
 * `where_<c><a><b>(cond, a, b, out, n)`: out[i] = cond ≠ 0 ? a : b, each operand a vector ('v')
 * or one splatted float ('s'). NaN conditions select a, as in JS (NaN !== 0).
 */
export function addWhere(mod: ModuleBuilder, kinds: readonly [OperandKind, OperandKind, OperandKind]): FunctionRef {
  return mod.func(`where_${kinds.join('')}`, ['i32', 'i32', 'i32', 'i32', 'i32'], [], (fn, [cond, a, b, out, n]) => {
    const read = (kind: OperandKind, base: Local, i: Local): Expr =>
      kind === 'v' ? v128.load(add(get(base), get(i))) : v128.load32Splat(get(base));
    return vectorLoop(fn, out, get(n), (i) =>
      v128.bitselect(read(kinds[1], a, i), read(kinds[2], b, i), f32x4.ne(read(kinds[0], cond, i), splat(0))));
  });
}

/**
 * `polyak(target, source, n, keep, tau)`: target ← keep·target + tau·source in f64 lanes, rounded once
 * to f32 (the JavaScript loop's arithmetic: two products and a sum in double precision).
 */
export function addPolyak(mod: ModuleBuilder): FunctionRef {
  return mod.func('polyak', ['i32', 'i32', 'i32', 'f64', 'f64'], [], (fn, [target, source, n, keep, tau]) => {
    const [t, s, lo, hi] = [fn.local('v128'), fn.local('v128'), fn.local('v128'), fn.local('v128')];
    const mix = (tv: Expr, sv: Expr): Expr => f64x2.add(f64x2.mul(f64x2.splat(get(keep)), tv), f64x2.mul(f64x2.splat(get(tau)), sv));
    const high = (v: Local): Expr => f64x2.promoteLowF32x4(shuffle32(get(v), get(v), [2, 3, 2, 3]));
    return vectorLoop(fn, target, get(n), (i) => seq([
      set(t, v128.load(add(get(target), get(i)))),
      set(s, v128.load(add(get(source), get(i)))),
      set(lo, mix(f64x2.promoteLowF32x4(get(t)), f64x2.promoteLowF32x4(get(s)))),
      set(hi, mix(high(t), high(s))),
    ], shuffle32(f32x4.demoteF64x2Zero(get(lo)), f32x4.demoteF64x2Zero(get(hi)), [0, 1, 4, 5])));
  });
}

/** `scale(x, out, n, coefficient)`: out ← x·coefficient in f64 lanes, rounded once to f32. */
export function addScale(mod: ModuleBuilder): FunctionRef {
  return mod.func('scale', ['i32', 'i32', 'i32', 'f64'], [], (fn, [x, out, n, coefficient]) => {
    const v = fn.local('v128');
    const product = (half: Expr): Expr => f32x4.demoteF64x2Zero(f64x2.mul(half, f64x2.splat(get(coefficient))));
    return vectorLoop(fn, out, get(n), (i) => seq([set(v, v128.load(add(get(x), get(i))))],
      shuffle32(product(f64x2.promoteLowF32x4(get(v))), product(f64x2.promoteLowF32x4(shuffle32(get(v), get(v), [2, 3, 2, 3]))), [0, 1, 4, 5])));
  });
}

/** `clamp(x, out, n, lo, hi)`: x < lo ? lo : x > hi ? hi : x (NaN and the sign of zero pass through). */
export function addClamp(mod: ModuleBuilder): FunctionRef {
  return mod.func('clamp', ['i32', 'i32', 'i32', 'f32', 'f32'], [], (fn, [x, out, n, lo, hi]) =>
    vectorLoop(fn, out, get(n), (i) =>
      f32x4.pmin(f32x4.pmax(v128.load(add(get(x), get(i))), f32x4.splat(get(lo))), f32x4.splat(get(hi)))));
}
