/**
 * Loop skeletons shared by the elementwise, reduction and optimizer kernels.
 */
import { type Expr, type FunctionBuilder, type Local, forRange, get, i32, ifElse, set, v128 } from './assembler.ts';

const c = (n: number): Expr => i32.const(n);
const add = i32.add;

/**
 * Stores the first `count` (1–3) lanes of `value` at `address`.
 */
export function storeTail(address: Expr, value: Local, count: Local): Expr {
  return ifElse(i32.geS(get(count), c(2)), [
    v128.store64Lane(address, get(value), 0),
    ifElse(i32.eq(get(count), c(3)), [v128.store32Lane(address, get(value), 2, 8)]),
  ], [v128.store32Lane(address, get(value), 0)]);
}

/**
 * A loop over `n` floats: `body(offsetBytes)` yields the result vector for the lanes at that byte
 * offset from each operand's row start; results go to `out`.
 */
export function vectorLoop(fn: FunctionBuilder, out: Local, n: Expr, body: (offset: Local) => Expr): Expr[] {
  const i = fn.local('i32');
  const end = fn.local('i32');
  const bytes = fn.local('i32');
  const result = fn.local('v128');
  const rest = fn.local('i32');
  return [
    set(bytes, i32.shl(n, c(2))),
    set(end, i32.and(get(bytes), c(~15))),
    forRange(i, c(0), get(end), c(16), [v128.store(add(get(out), get(i)), body(i))]),
    set(rest, i32.shrU(i32.sub(get(bytes), get(end)), c(2))),
    ifElse(get(rest), [set(result, body(i)), storeTail(add(get(out), get(i)), result, rest)]),
  ];
}

