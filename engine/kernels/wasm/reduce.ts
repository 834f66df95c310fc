/**
 * Reductions over the middle axis of an [outer, len, inner] view, strided copies, and the fused
 * Adam step.
 *
 * Sums accumulate in float64 (f64x2), like the JS kernel's `number` accumulator, so both kernel
 * sets agree to the final rounding; per column the order is the same as JS (bit-identical), per
 * row four partial sums are combined at the end. max/min follow the JS rule `v > acc || v is NaN`
 * lane by lane, so NaN propagates.
 */
import {
  type Expr, type FunctionRef, type Local, type ModuleBuilder,
  f32, f32x4, f64, f64x2, forRange, get, i32, ifElse, memory, select, seq, set, shuffle32, v128,
} from './assembler.ts';
import { storeTail, vectorLoop } from './loops.ts';

const c = (n: number): Expr => i32.const(n);
const add = i32.add;
const mul = i32.mul;

type ExtremeOp = 'max' | 'min';

/** acc ← v wins ? v : acc, lane-wise, with NaN winning. */
function extremeVector(op: ExtremeOp, acc: Local, v: Expr): Expr {
  const wins = (x: Expr): Expr => op === 'max' ? f32x4.gt(x, get(acc)) : f32x4.lt(x, get(acc));
  return set(acc, v128.bitselect(v, get(acc), v128.or(wins(v), f32x4.ne(v, v))));
}

function extremeScalar(op: ExtremeOp, acc: Local, v: Local): Expr {
  const wins = op === 'max' ? f32.gt(get(v), get(acc)) : f32.lt(get(v), get(acc));
  return set(acc, select(get(v), get(acc), i32.or(wins, f32.ne(get(v), get(v)))));
}

/** Adds the four f32 lanes of `v` into two f64x2 accumulators. */
function accumulateF64(lo: Local, hi: Local, v: Local): Expr[] {
  return [
    set(lo, f64x2.add(get(lo), f64x2.promoteLowF32x4(get(v)))),
    set(hi, f64x2.add(get(hi), f64x2.promoteLowF32x4(shuffle32(get(v), get(v), [2, 3, 2, 3])))),
  ];
}

/** `reduce_sum_rows(x, out, outer, len)`: out[o] = Σ_r x[o·len + r]. */
function sumRows(mod: ModuleBuilder): FunctionRef {
  return mod.func('reduce_sum_rows', ['i32', 'i32', 'i32', 'i32'], [], (fn, [x, out, outer, len]) => {
    const o = fn.local('i32');
    const r = fn.local('i32');
    const len4 = fn.local('i32');
    const v = fn.local('v128');
    const lo = fn.local('v128');
    const hi = fn.local('v128');
    const total = fn.local('f64');
    return [
      set(len4, i32.and(get(len), c(~3))),
      forRange(o, c(0), get(outer), c(1), [
        set(lo, v128.constI32([0, 0, 0, 0])),
        set(hi, v128.constI32([0, 0, 0, 0])),
        forRange(r, c(0), get(len4), c(4), [
          set(v, v128.load(get(x))),
          ...accumulateF64(lo, hi, v),
          set(x, add(get(x), c(16))),
        ]),
        set(lo, f64x2.add(get(lo), get(hi))),
        set(total, f64.add(f64x2.extractLane(get(lo), 0), f64x2.extractLane(get(lo), 1))),
        forRange(r, get(len4), get(len), c(1), [
          set(total, f64.add(get(total), f64.promoteF32(f32.load(get(x))))),
          set(x, add(get(x), c(4))),
        ]),
        f32.store(get(out), f32.demoteF64(get(total))),
        set(out, add(get(out), c(4))),
      ]),
    ];
  });
}

/**
 * `sum_of_squares(x, n) → f64`: Σ x[i]² with each square exact in f64, in the order the Kernels
 * interface fixes: lanes 0–3 accumulate separately, then (s₀ + s₂) + (s₁ + s₃), then the tail in order.
 */
function sumOfSquares(mod: ModuleBuilder): FunctionRef {
  return mod.func('sum_of_squares', ['i32', 'i32'], ['f64'], (fn, [x, n]) => {
    const i = fn.local('i32');
    const n4 = fn.local('i32');
    const v = fn.local('v128');
    const lo = fn.local('v128');
    const hi = fn.local('v128');
    const half = fn.local('v128');
    const total = fn.local('f64');
    const square = (h: Expr): Expr => seq([set(half, h)], f64x2.mul(get(half), get(half)));
    return [
      set(n4, i32.and(get(n), c(~3))),
      set(lo, v128.constI32([0, 0, 0, 0])),
      set(hi, v128.constI32([0, 0, 0, 0])),
      forRange(i, c(0), get(n4), c(4), [
        set(v, v128.load(get(x))),
        set(lo, f64x2.add(get(lo), square(f64x2.promoteLowF32x4(get(v))))),
        set(hi, f64x2.add(get(hi), square(f64x2.promoteLowF32x4(shuffle32(get(v), get(v), [2, 3, 2, 3]))))),
        set(x, add(get(x), c(16))),
      ]),
      set(lo, f64x2.add(get(lo), get(hi))),
      set(total, f64.add(f64x2.extractLane(get(lo), 0), f64x2.extractLane(get(lo), 1))),
      forRange(i, get(n4), get(n), c(1), [
        set(total, f64.add(get(total), f64.mul(f64.promoteF32(f32.load(get(x))), f64.promoteF32(f32.load(get(x)))))),
        set(x, add(get(x), c(4))),
      ]),
      get(total),
    ];
  });
}

/** `reduce_<max|min>_rows(x, out, outer, len)` for len ≥ 1. */
function extremeRows(mod: ModuleBuilder, op: ExtremeOp): FunctionRef {
  return mod.func(`reduce_${op}_rows`, ['i32', 'i32', 'i32', 'i32'], [], (fn, [x, out, outer, len]) => {
    const o = fn.local('i32');
    const r = fn.local('i32');
    const len4 = fn.local('i32');
    const acc = fn.local('v128');
    const best = fn.local('f32');
    const v = fn.local('f32');
    const lanes = (): Expr[] => [1, 2, 3].flatMap((lane) => [set(v, f32x4.extractLane(get(acc), lane)), extremeScalar(op, best, v)]);
    return [
      set(len4, i32.and(get(len), c(~3))),
      forRange(o, c(0), get(outer), c(1), [
        ifElse(get(len4), [
          set(acc, v128.load(get(x))),
          forRange(r, c(4), get(len4), c(4), [extremeVector(op, acc, v128.load(add(get(x), i32.shl(get(r), c(2)))))]),
          set(best, f32x4.extractLane(get(acc), 0)),
          ...lanes(),
          set(r, get(len4)),
        ], [
          set(best, f32.load(get(x))),
          set(r, c(1)),
        ]),
        forRange(r, get(r), get(len), c(1), [
          set(v, f32.load(add(get(x), i32.shl(get(r), c(2))))),
          extremeScalar(op, best, v),
        ]),
        f32.store(get(out), get(best)),
        set(out, add(get(out), c(4))),
        set(x, add(get(x), i32.shl(get(len), c(2)))),
      ]),
    ];
  });
}

/**
 * `reduce_<op>_cols(x, out, outer, len, inner, cols)`: out[o, i] = op_r x[o, r, i] for the first
 * `cols` ≤ inner columns from x and out (a block of columns, when threads split one reduction),
 * four columns at a time down the rows; the last 1–3 columns store only their lanes.
 */
function reduceCols(mod: ModuleBuilder, op: 'sum' | ExtremeOp): FunctionRef {
  return mod.func(`reduce_${op}_cols`, ['i32', 'i32', 'i32', 'i32', 'i32', 'i32'], [], (fn, [x, out, outer, len, inner, cols]) => {
    const o = fn.local('i32');
    const i = fn.local('i32');
    const r = fn.local('i32');
    const ptr = fn.local('i32');
    const rowBytes = fn.local('i32');
    const innerBytes = fn.local('i32');
    const colBytes = fn.local('i32');
    const rest = fn.local('i32');
    const v = fn.local('v128');
    const lo = fn.local('v128');
    const hi = fn.local('v128');
    const acc = fn.local('v128');

    const column = (): Expr[] => op === 'sum'
      ? [
        set(lo, v128.constI32([0, 0, 0, 0])),
        set(hi, v128.constI32([0, 0, 0, 0])),
        set(ptr, add(get(x), get(i))),
        forRange(r, c(0), get(len), c(1), [
          set(v, v128.load(get(ptr))),
          ...accumulateF64(lo, hi, v),
          set(ptr, add(get(ptr), get(innerBytes))),
        ]),
        set(acc, shuffle32(f32x4.demoteF64x2Zero(get(lo)), f32x4.demoteF64x2Zero(get(hi)), [0, 1, 4, 5])),
      ]
      : [
        set(ptr, add(get(x), get(i))),
        set(acc, v128.load(get(ptr))),
        forRange(r, c(1), get(len), c(1), [
          set(ptr, add(get(ptr), get(innerBytes))),
          extremeVector(op, acc, v128.load(get(ptr))),
        ]),
      ];

    return [
      set(innerBytes, i32.shl(get(inner), c(2))),
      set(colBytes, i32.shl(get(cols), c(2))),
      set(rowBytes, mul(get(innerBytes), get(len))),
      forRange(o, c(0), get(outer), c(1), [
        forRange(i, c(0), i32.and(get(colBytes), c(~15)), c(16), [
          ...column(),
          v128.store(add(get(out), get(i)), get(acc)),
        ]),
        set(rest, i32.shrU(i32.sub(get(colBytes), get(i)), c(2))),
        ifElse(get(rest), [...column(), storeTail(add(get(out), get(i)), acc, rest)]),
        set(x, add(get(x), get(rowBytes))),
        set(out, add(get(out), get(innerBytes))),
      ]),
    ];
  });
}

/**
 * `copy_2d(src, dst, rows, cols, rowStride, colStride)`: dst (dense rows×cols) ← src read with byte
 * strides; a column stride of 4 copies rows with memory.copy, 0 fills rows with one value.
 */
function copy2d(mod: ModuleBuilder): FunctionRef {
  return mod.func('copy_2d', ['i32', 'i32', 'i32', 'i32', 'i32', 'i32'], [], (fn, [src, dst, rows, cols, rowStride, colStride]) => {
    const r = fn.local('i32');
    const j = fn.local('i32');
    const from = fn.local('i32');
    const rowBytes = fn.local('i32');
    const value = fn.local('v128');
    return [
      set(rowBytes, i32.shl(get(cols), c(2))),
      forRange(r, c(0), get(rows), c(1), [
        ifElse(i32.eq(get(colStride), c(4)), [memory.copy(get(dst), get(src), get(rowBytes))], [
          ifElse(i32.eqz(get(colStride)), [
            set(value, v128.load32Splat(get(src))),
            ...vectorLoop(fn, dst, get(cols), () => get(value)),
          ], [
            set(from, get(src)),
            forRange(j, c(0), get(rowBytes), c(4), [
              f32.store(add(get(dst), get(j)), f32.load(get(from))),
              set(from, add(get(from), get(colStride))),
            ]),
          ]),
        ]),
        set(src, add(get(src), get(rowStride))),
        set(dst, add(get(dst), get(rowBytes))),
      ]),
    ];
  });
}

/**
 * `adam(param, grad, m, v, n, β₁, 1−β₁, β₂, 1−β₂, eps, stepSize, sqrtBc2, paramScale, l2)`, in place:
 *   g = grad + l2·param (only when l2 ≠ 0);  p = param·paramScale (AdamW decay, 1 otherwise)
 *   m = β₁m + (1−β₁)g;  v = β₂v + (1−β₂)g²;  param = p − stepSize·m / (√v / √bc2 + eps)
 */
function adam(mod: ModuleBuilder): FunctionRef {
  const params = ['i32', 'i32', 'i32', 'i32', 'i32', 'f32', 'f32', 'f32', 'f32', 'f32', 'f32', 'f32', 'f32', 'f32'] as const;
  return mod.func('adam', params, [], (fn, args) => {
    const [p, g, m, v, n, beta1, oneMinusBeta1, beta2, oneMinusBeta2, eps, stepSize, sqrtBc2, paramScale, l2] = args;
    const i = fn.local('i32');
    const end = fn.local('i32');
    const rest = fn.local('i32');
    const pv = fn.local('v128');
    const gv = fn.local('v128');
    const mv = fn.local('v128');
    const vv = fn.local('v128');
    const splat = (s: Local): Expr => f32x4.splat(get(s));
    const at = (base: Local): Expr => add(get(base), get(i));

    const body = (withL2: boolean): Expr[] => [
      set(pv, v128.load(at(p))),
      set(gv, v128.load(at(g))),
      ...(withL2 ? [set(gv, f32x4.add(get(gv), f32x4.mul(splat(l2), get(pv))))] : []),
      set(pv, f32x4.mul(get(pv), splat(paramScale))),
      set(mv, f32x4.add(f32x4.mul(splat(beta1), v128.load(at(m))), f32x4.mul(splat(oneMinusBeta1), get(gv)))),
      set(vv, f32x4.add(f32x4.mul(splat(beta2), v128.load(at(v))), f32x4.mul(f32x4.mul(splat(oneMinusBeta2), get(gv)), get(gv)))),
      set(pv, f32x4.sub(get(pv), f32x4.div(
        f32x4.mul(splat(stepSize), get(mv)),
        f32x4.add(f32x4.div(f32x4.sqrt(get(vv)), splat(sqrtBc2)), splat(eps))))),
    ];
    const loop = (withL2: boolean): Expr[] => [
      forRange(i, c(0), get(end), c(16), [
        ...body(withL2),
        v128.store(at(p), get(pv)),
        v128.store(at(m), get(mv)),
        v128.store(at(v), get(vv)),
      ]),
      ifElse(get(rest), [
        ...body(withL2),
        storeTail(at(p), pv, rest),
        storeTail(at(m), mv, rest),
        storeTail(at(v), vv, rest),
      ]),
    ];
    return [
      set(end, i32.and(i32.shl(get(n), c(2)), c(~15))),
      set(rest, i32.and(get(n), c(3))),
      ifElse(f32.ne(get(l2), f32.const(0)), loop(true), loop(false)),
    ];
  });
}

export function addReductions(mod: ModuleBuilder): void {
  sumRows(mod);
  sumOfSquares(mod);
  extremeRows(mod, 'max');
  extremeRows(mod, 'min');
  reduceCols(mod, 'sum');
  reduceCols(mod, 'max');
  reduceCols(mod, 'min');
  copy2d(mod);
  adam(mod);
}

