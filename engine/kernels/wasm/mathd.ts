/**
 * Vectorised transcendental functions evaluated in float64 (two lanes per v128) for float32 data.
 *
 * The JS kernels compute Math.exp & co. in double precision and round once to float32; doing the
 * same here (promote, evaluate to ~1e-16 relative error, demote) gives the same float32 results
 * except when the exact value lies within ~1e-16 of a float32 rounding boundary (the sweep in
 * spec/kernels/mathd.spec.ts finds none in 2²⁴ inputs). It also makes the edge cases free: every
 * float32 input, subnormals included, is a normal double, and every overflow or underflow of the
 * float32 result happens in the final rounding, exactly as in `Math.fround(Math.exp(x))`.
 *
 * Polynomials: exp and log are fdlibm's (Sun Microsystems, e_exp.c and e_log.c: a rational form of
 * exp on |r| ≤ ln2/2 and the Lg1–Lg7 series of log(1+f) in s = f/(2+f)); expm1 is a degree-14
 * Taylor polynomial on |r| ≤ ln2/2 (truncation < 1.3e-17 relative). Builders allocate their
 * temporaries once per kernel function and return a function from an f64x2 local to an expression.
 */
import { type Expr, type FunctionBuilder, type Local, f64x2, get, i32, i32x4, i64x2, seq, set, shuffle32, v128 } from './assembler.ts';

/** An f64x2 expression of x, with temporaries allocated in the enclosing function. */
export type VectorFn = (x: Local) => Expr;

const d = (x: number): Expr => v128.constF64([x, x]);

function horner(x: Expr, coefficients: readonly number[]): Expr {
  let acc = d(coefficients[0]);
  for (const c of coefficients.slice(1)) acc = f64x2.add(f64x2.mul(acc, x), d(c));
  return acc;
}

/**
 * Σ cᵢ·xⁱ (coefficients lowest degree first) by Estrin's scheme: pairs (c₀ + c₁x), (c₂ + c₃x), …
 * combined with x², x⁴, …, so the dependency chain is logarithmic in the degree rather than linear.
 * `powers` are locals that receive x², x⁴, ….
 */
function estrin(x: Local, coefficients: readonly number[], powers: readonly Local[]): { setup: Expr[]; value: Expr } {
  const setup: Expr[] = [];
  let level: Expr[] = [];
  for (let i = 0; i < coefficients.length; i += 2) {
    level.push(i + 1 < coefficients.length
      ? f64x2.add(d(coefficients[i]), f64x2.mul(d(coefficients[i + 1]), get(x)))
      : d(coefficients[i]));
  }
  let power = x;
  for (let p = 0; level.length > 1; p++) {
    const next = powers[p];
    setup.push(set(next, f64x2.mul(get(power), get(power))));
    power = next;
    const combined: Expr[] = [];
    for (let i = 0; i < level.length; i += 2) {
      combined.push(i + 1 < level.length ? f64x2.add(level[i], f64x2.mul(level[i + 1], get(power))) : level[i]);
    }
    level = combined;
  }
  return { setup, value: level[0] };
}

const LOG2E = 1.44269504088896338700e+00;
const LN2_HI = 6.93147180369123816490e-01; // 32 significant bits: n·LN2_HI is exact for |n| < 2²⁰
const LN2_LO = 1.90821492927058770002e-10;

/**
 * 2ⁿ for the integral f64 lanes of n (|n| < 1023): n + 1.5·2⁵² holds n in its low mantissa bits,
 * so adding the exponent bias there and shifting left by 52 leaves exactly the bits of 2ⁿ.
 */
function pow2(n: Expr): Expr {
  return i64x2.shl(i64x2.add(f64x2.add(n, d(6755399441055744)), v128.constI32([1023, 0, 1023, 0])), i32.const(52));
}

/** x = n·ln2 + r with |r| ≤ ln2/2 (Cody–Waite), into locals n and r. */
function reduceLn2(x: Expr, n: Local, r: Local): Expr[] {
  return [
    set(n, f64x2.nearest(f64x2.mul(x, d(LOG2E)))),
    set(r, f64x2.sub(f64x2.sub(x, f64x2.mul(get(n), d(LN2_HI))), f64x2.mul(get(n), d(LN2_LO)))),
  ];
}

const EXP_P = [4.13813679705723846039e-08, -1.65339022054652515390e-06, 6.61375632143793436117e-05, -2.77777777770155933842e-03, 1.66666666666666019037e-01];

/** eˣ, x clamped to [−110, 100] (beyond, the float32 result is 0 or ∞ anyway). */
export function exp64(fn: FunctionBuilder): VectorFn {
  const n = fn.local('v128');
  const r = fn.local('v128');
  const t = fn.local('v128');
  const cr = fn.local('v128');
  return (x) => seq([
    ...reduceLn2(f64x2.pmin(f64x2.pmax(get(x), d(-110)), d(100)), n, r), // pmin/pmax keep NaN (x is the first operand)
    set(t, f64x2.mul(get(r), get(r))),
    // c = r − t·P(t);  eʳ = 1 + r + r·c/(2 − c)
    set(cr, f64x2.sub(get(r), f64x2.mul(get(t), horner(get(t), EXP_P)))),
    set(cr, f64x2.add(d(1), f64x2.add(get(r), f64x2.div(f64x2.mul(get(r), get(cr)), f64x2.sub(d(2), get(cr)))))),
  ], f64x2.mul(get(cr), pow2(get(n))));
}

const EXPM1_TAYLOR = Array.from({ length: 13 }, (_, i) => 1 / factorial(i + 2)); // 1/2! … 1/14!

function factorial(k: number): number {
  let f = 1;
  for (let i = 2; i <= k; i++) f *= i;
  return f;
}

/** eˣ − 1 = 2ⁿ·expm1(r) + (2ⁿ − 1), x clamped to [−60, 100]; ±0 map to themselves. */
export function expm1_64(fn: FunctionBuilder): VectorFn {
  const n = fn.local('v128');
  const r = fn.local('v128');
  const p = fn.local('v128');
  const t = fn.local('v128');
  const powers = fn.locals('v128', 3);
  return (x) => {
    const poly = estrin(r, EXPM1_TAYLOR, powers);
    return seq([
    ...reduceLn2(f64x2.pmin(f64x2.pmax(get(x), d(-60)), d(100)), n, r),
    ...poly.setup,
    set(p, f64x2.add(get(r), f64x2.mul(get(powers[0]), poly.value))),
    set(t, pow2(get(n))),
  ], v128.bitselect(get(x), f64x2.add(f64x2.mul(get(p), get(t)), f64x2.sub(get(t), d(1))), f64x2.eq(get(x), d(0)))); // keeps −0
  };
}

const SQRT2 = 1.41421356237309514547;
const LG = [
  6.666666666666735130e-01, 3.999999999940941908e-01, 2.857142874366239149e-01, 2.222219843214978396e-01,
  1.818357216161805012e-01, 1.531383769920937332e-01, 1.479819860511658591e-01,
];

/** ln x; ln 0 = −∞, ln of a negative number or NaN = NaN, ln ∞ = ∞. */
export function log64(fn: FunctionBuilder): VectorFn {
  const e = fn.local('v128');
  const m = fn.local('v128');
  const big = fn.local('v128');
  const f = fn.local('v128');
  const s = fn.local('v128');
  const z = fn.local('v128');
  const w = fn.local('v128');
  const hfsq = fn.local('v128');
  const y = fn.local('v128');
  return (x) => seq([
    // exponent from the high words (x > 0 here: other lanes are replaced at the end)
    set(e, f64x2.convertLowI32x4S(i32x4.sub(i32x4.shrU(shuffle32(get(x), get(x), [1, 3, 1, 3]), i32.const(20)), i32x4.splat(i32.const(1023))))),
    set(m, v128.or(v128.and(get(x), v128.constI32([-1, 0x000fffff, -1, 0x000fffff])), v128.constI32([0, 0x3ff00000, 0, 0x3ff00000]))),
    // m in [√½, √2)
    set(big, f64x2.gt(get(m), d(SQRT2))),
    set(m, v128.bitselect(f64x2.mul(get(m), d(0.5)), get(m), get(big))),
    set(e, f64x2.add(get(e), v128.and(get(big), d(1)))),
    set(f, f64x2.sub(get(m), d(1))),
    set(s, f64x2.div(get(f), f64x2.add(get(f), d(2)))),
    set(z, f64x2.mul(get(s), get(s))),
    set(w, f64x2.mul(get(z), get(z))),
    // R = z(Lg1 + w(Lg3 + w(Lg5 + w·Lg7))) + w(Lg2 + w(Lg4 + w·Lg6))
    set(y, f64x2.add(
      f64x2.mul(get(z), horner(get(w), [LG[6], LG[4], LG[2], LG[0]])),
      f64x2.mul(get(w), horner(get(w), [LG[5], LG[3], LG[1]])))),
    set(hfsq, f64x2.mul(f64x2.mul(get(f), get(f)), d(0.5))),
    // ln x = e·ln2_hi − ((hfsq − (s·(hfsq + R) + e·ln2_lo)) − f)
    set(y, f64x2.sub(f64x2.mul(get(e), d(LN2_HI)),
      f64x2.sub(f64x2.sub(get(hfsq), f64x2.add(f64x2.mul(get(s), f64x2.add(get(hfsq), get(y))), f64x2.mul(get(e), d(LN2_LO)))), get(f)))),
  ],
  v128.bitselect(d(-Infinity),
    v128.bitselect(get(x),
      v128.bitselect(d(NaN), get(y), v128.or(f64x2.lt(get(x), d(0)), f64x2.ne(get(x), get(x)))),
      f64x2.eq(get(x), d(Infinity))),
    f64x2.eq(get(x), d(0))));
}

/**
 * ln(1 + x) = x·ln(u)/(u − 1) with u = 1 + x rounded (Goldberg: the ratio cancels the rounding of
 * u), x itself where u = 1 (keeps −0), +∞ at +∞.
 */
export function log1p64(fn: FunctionBuilder): VectorFn {
  const u = fn.local('v128');
  const log = log64(fn);
  return (x) => seq([set(u, f64x2.add(get(x), d(1)))],
    v128.bitselect(get(x),
      f64x2.mul(get(x), f64x2.div(log(u), f64x2.sub(get(u), d(1)))),
      v128.or(f64x2.eq(get(u), d(1)), f64x2.eq(get(x), d(Infinity)))));
}

/** tanh x = sign(x)·e/(e + 2) with e = expm1(2|x|), |x| capped at 20 (where tanh rounds to 1). */
export function tanh64(fn: FunctionBuilder): VectorFn {
  const a = fn.local('v128');
  const expm1 = expm1_64(fn);
  return (x) => seq([
    set(a, f64x2.pmin(f64x2.abs(get(x)), d(20))),
    set(a, f64x2.add(get(a), get(a))),
    set(a, expm1(a)),
    set(a, f64x2.div(get(a), f64x2.add(get(a), d(2)))),
  ], v128.bitselect(get(x), get(a), v128.constI32([0, 0x80000000 | 0, 0, 0x80000000 | 0])));
}

/** atanh x = ½·ln(1 + 2x/(1 − x)). */
export function atanh64(fn: FunctionBuilder): VectorFn {
  const q = fn.local('v128');
  const log1p = log1p64(fn);
  return (x) => seq([
    set(q, f64x2.div(f64x2.add(get(x), get(x)), f64x2.sub(d(1), get(x)))),
  ], f64x2.mul(log1p(q), d(0.5)));
}

/** 1/(1 + e^{−x}), as e/(1 + e) with e = e^{−|x|} for x < 0 (the JS kernel's formula). */
export function sigmoid64(fn: FunctionBuilder): VectorFn {
  const e = fn.local('v128');
  const exp = exp64(fn);
  return (x) => seq([
    set(e, f64x2.neg(f64x2.abs(get(x)))),
    set(e, exp(e)),
  ], f64x2.div(v128.bitselect(d(1), get(e), f64x2.ge(get(x), d(0))), f64x2.add(d(1), get(e))));
}

/** log(1 + eˣ) = max(x, 0) + log1p(e^{−|x|}). */
export function softplus64(fn: FunctionBuilder): VectorFn {
  const e = fn.local('v128');
  const exp = exp64(fn);
  const log1p = log1p64(fn);
  return (x) => seq([
    set(e, f64x2.neg(f64x2.abs(get(x)))),
    set(e, exp(e)),
    set(e, log1p(e)),
  ], f64x2.add(f64x2.pmax(get(x), d(0)), get(e))); // the sign of a zero max does not survive the sum
}

/** x for x > 0, alpha·(eˣ − 1) otherwise; `alpha` is an f64 local. */
export function elu64(fn: FunctionBuilder, alpha: Local): VectorFn {
  const expm1 = expm1_64(fn);
  return (x) => v128.bitselect(get(x), f64x2.mul(f64x2.splat(get(alpha)), expm1(x)), f64x2.gt(get(x), d(0)));
}
