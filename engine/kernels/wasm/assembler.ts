/**
 * A small WebAssembly assembler: typed expression trees in, module bytes out.
 *
 * Kernel generators (gemm.ts, elementwise.ts, …) build function bodies from the expressions below;
 * `ModuleBuilder.build()` encodes them. Each expression knows its result type, so a generator that
 * adds an f32 to a v128 fails here, with the op named, rather than as an offset inside
 * `WebAssembly.compile`. Only the subset of wasm 2.0 (+ SIMD128, bulk memory, relaxed SIMD FMA) the
 * kernels use is covered; opcodes follow the core and SIMD specifications.
 *
 * @example
 * const mod = new ModuleBuilder().importMemory('env', 'memory', 1, 1);
 * mod.func('axpy4', ['i32', 'f32'], [], (fn, [ptr, alpha]) => [
 *   v128.store(get(ptr), f32x4.mul(v128.load(get(ptr)), f32x4.splat(get(alpha)))),
 * ]);
 * const bytes = mod.build();
 */

export type ValType = 'i32' | 'i64' | 'f32' | 'f64' | 'v128';
export type ResultType = ValType | 'void';

const typeCode: { readonly [K in ValType]: number } = { i32: 0x7f, i64: 0x7e, f32: 0x7d, f64: 0x7c, v128: 0x7b };

/** A piece of code that leaves one value of `type` (or nothing, for 'void') on the stack. */
export interface Expr {
  readonly type: ResultType;
  write(out: ByteWriter): void;
}

export class AssemblerError extends Error {
  override name = 'AssemblerError';
}

// ----- byte encoding -----

export class ByteWriter {
  private bytes: number[] = [];
  /** Labels enclosing the current position, innermost last, for branch depths. */
  readonly labels: Label[] = [];

  byte(b: number): void {
    this.bytes.push(b & 0xff);
  }

  raw(bs: ArrayLike<number>): void {
    for (let i = 0; i < bs.length; i++) this.bytes.push(bs[i] & 0xff);
  }

  u32(n: number): void {
    if (!Number.isInteger(n) || n < 0 || n > 0xffffffff) throw new AssemblerError(`u32 immediate out of range: ${n}`);
    do {
      let b = n & 0x7f;
      n = Math.floor(n / 128);
      if (n !== 0) b |= 0x80;
      this.bytes.push(b);
    } while (n !== 0);
  }

  s32(n: number): void {
    if (!Number.isInteger(n) || n < -0x80000000 || n > 0xffffffff) throw new AssemblerError(`i32 immediate out of range: ${n}`);
    n |= 0; // wrap unsigned constants to their i32 bit pattern
    for (;;) {
      const b = n & 0x7f;
      n >>= 7;
      if ((n === 0 && (b & 0x40) === 0) || (n === -1 && (b & 0x40) !== 0)) {
        this.bytes.push(b);
        return;
      }
      this.bytes.push(b | 0x80);
    }
  }

  f32(x: number): void {
    const view = new DataView(new ArrayBuffer(4));
    view.setFloat32(0, x, true);
    for (let i = 0; i < 4; i++) this.bytes.push(view.getUint8(i));
  }

  f64(x: number): void {
    const view = new DataView(new ArrayBuffer(8));
    view.setFloat64(0, x, true);
    for (let i = 0; i < 8; i++) this.bytes.push(view.getUint8(i));
  }

  name(s: string): void {
    const encoded = new TextEncoder().encode(s);
    this.u32(encoded.length);
    this.raw(encoded);
  }

  /** Appends `inner` prefixed by its byte length (sections, function bodies). */
  sized(inner: ByteWriter): void {
    this.u32(inner.bytes.length);
    for (const b of inner.bytes) this.bytes.push(b);
  }

  get length(): number {
    return this.bytes.length;
  }

  toBytes(): Uint8Array {
    return Uint8Array.from(this.bytes);
  }
}

// ----- locals and labels -----

export interface Local {
  readonly index: number;
  readonly type: ValType;
}

/** A branch target: created with `label()`, bound by `block`/`loop`, targeted by `br`/`brIf`. */
export interface Label {
  readonly id: number;
}

let labelCounter = 0;
export const label = (): Label => ({ id: labelCounter++ });

// ----- expression helpers -----

function expr(type: ResultType, write: (out: ByteWriter) => void): Expr {
  return { type, write };
}

function expect(op: string, e: Expr, type: ResultType): void {
  if (e.type !== type) throw new AssemblerError(`${op}: operand of type ${e.type}, expected ${type}`);
}

/** An op `code` (a one-byte opcode, or [prefix, sub-opcode]) over operands of the given types. */
function op(name: string, code: number | readonly [number, number], operandTypes: readonly ValType[], result: ResultType) {
  return (...args: Expr[]): Expr => {
    if (args.length !== operandTypes.length) throw new AssemblerError(`${name}: ${args.length} operands, expected ${operandTypes.length}`);
    args.forEach((a, i) => expect(name, a, operandTypes[i]));
    return expr(result, (out) => {
      for (const a of args) a.write(out);
      writeOpcode(out, code);
    });
  };
}

function writeOpcode(out: ByteWriter, code: number | readonly [number, number]): void {
  if (typeof code === 'number') out.byte(code);
  else {
    out.byte(code[0]);
    out.u32(code[1]);
  }
}

const simd = (n: number): readonly [number, number] => [0xfd, n];

function memarg(out: ByteWriter, alignLog2: number, offset: number): void {
  out.u32(alignLog2);
  out.u32(offset);
}

function load(name: string, code: number | readonly [number, number], result: ValType, alignLog2: number) {
  return (address: Expr, offset = 0): Expr => {
    expect(name, address, 'i32');
    return expr(result, (out) => {
      address.write(out);
      writeOpcode(out, code);
      memarg(out, alignLog2, offset);
    });
  };
}

function store(name: string, code: number | readonly [number, number], valueType: ValType, alignLog2: number) {
  return (address: Expr, value: Expr, offset = 0): Expr => {
    expect(name, address, 'i32');
    expect(name, value, valueType);
    return expr('void', (out) => {
      address.write(out);
      value.write(out);
      writeOpcode(out, code);
      memarg(out, alignLog2, offset);
    });
  };
}

// ----- variables, control flow -----

export const get = (l: Local): Expr => expr(l.type, (out) => {
  out.byte(0x20);
  out.u32(l.index);
});

export const set = (l: Local, value: Expr): Expr => {
  expect(`local.set`, value, l.type);
  return expr('void', (out) => {
    value.write(out);
    out.byte(0x21);
    out.u32(l.index);
  });
};

export const tee = (l: Local, value: Expr): Expr => {
  expect(`local.tee`, value, l.type);
  return expr(l.type, (out) => {
    value.write(out);
    out.byte(0x22);
    out.u32(l.index);
  });
};

/** Statements run for their effect, then `value` (a sequence that leaves one value). */
export function seq(statements: readonly Expr[], value?: Expr): Expr {
  for (const s of statements) expect('seq', s, 'void');
  return expr(value ? value.type : 'void', (out) => {
    for (const s of statements) s.write(out);
    value?.write(out);
  });
}

function structured(opcode: number, name: string, target: Label, body: readonly Expr[]): Expr {
  for (const s of body) expect(name, s, 'void');
  return expr('void', (out) => {
    out.byte(opcode);
    out.byte(0x40); // empty block type
    out.labels.push(target);
    for (const s of body) s.write(out);
    out.labels.pop();
    out.byte(0x0b);
  });
}

/** `block`: `br(target)` inside jumps past its end. */
export const block = (target: Label, body: readonly Expr[]): Expr => structured(0x02, 'block', target, body);
/** `loop`: `br(target)` inside jumps back to its start. */
export const loop = (target: Label, body: readonly Expr[]): Expr => structured(0x03, 'loop', target, body);

function depthOf(out: ByteWriter, target: Label): number {
  for (let d = 0; d < out.labels.length; d++) if (out.labels[out.labels.length - 1 - d] === target) return d;
  throw new AssemblerError(`branch to label ${target.id}, which does not enclose it`);
}

export const br = (target: Label): Expr => expr('void', (out) => {
  out.byte(0x0c);
  out.u32(depthOf(out, target));
});

export const brIf = (target: Label, condition: Expr): Expr => {
  expect('br_if', condition, 'i32');
  return expr('void', (out) => {
    condition.write(out);
    out.byte(0x0d);
    out.u32(depthOf(out, target));
  });
};

/** `if (condition) { then } else { otherwise }`, as statements. */
export function ifElse(condition: Expr, then: readonly Expr[], otherwise: readonly Expr[] = []): Expr {
  expect('if', condition, 'i32');
  const own = label(); // `if` opens a label level; nothing branches to it by name
  return expr('void', (out) => {
    condition.write(out);
    out.byte(0x04);
    out.byte(0x40);
    out.labels.push(own);
    for (const s of then) s.write(out);
    if (otherwise.length > 0) {
      out.byte(0x05);
      for (const s of otherwise) s.write(out);
    }
    out.labels.pop();
    out.byte(0x0b);
  });
}

/** `condition ? a : b` as a value (both sides are evaluated). */
export const select = (a: Expr, b: Expr, condition: Expr): Expr => {
  expect('select', b, a.type);
  expect('select', condition, 'i32');
  return expr(a.type, (out) => {
    a.write(out);
    b.write(out);
    condition.write(out);
    out.byte(0x1b);
  });
};

export const call = (fn: FunctionRef, ...args: Expr[]): Expr => {
  if (args.length !== fn.params.length) throw new AssemblerError(`call ${fn.name}: ${args.length} arguments, expected ${fn.params.length}`);
  args.forEach((a, i) => expect(`call ${fn.name}`, a, fn.params[i]));
  return expr(fn.results[0] ?? 'void', (out) => {
    for (const a of args) a.write(out);
    out.byte(0x10);
    out.u32(fn.index);
  });
};

export const ret = (): Expr => expr('void', (out) => out.byte(0x0f));
export const drop = (value: Expr): Expr => expr('void', (out) => {
  value.write(out);
  out.byte(0x1a);
});

/**
 * `for (i = from; i < to; i += step) body` over i32, with the test at the top. `to` is
 * re-evaluated each iteration, so pass a local or a constant.
 */
export function forRange(i: Local, from: Expr, to: Expr, step: Expr, body: readonly Expr[]): Expr {
  const exit = label();
  const again = label();
  return seq([
    set(i, from),
    block(exit, [
      loop(again, [
        brIf(exit, i32.geS(get(i), to)),
        ...body,
        set(i, i32.add(get(i), step)),
        br(again),
      ]),
    ]),
  ]);
}

// ----- numeric ops -----

export const i32 = {
  const: (n: number): Expr => expr('i32', (out) => {
    out.byte(0x41);
    out.s32(n);
  }),
  load: load('i32.load', 0x28, 'i32', 2),
  store: store('i32.store', 0x36, 'i32', 2),
  eqz: op('i32.eqz', 0x45, ['i32'], 'i32'),
  eq: op('i32.eq', 0x46, ['i32', 'i32'], 'i32'),
  ne: op('i32.ne', 0x47, ['i32', 'i32'], 'i32'),
  ltS: op('i32.lt_s', 0x48, ['i32', 'i32'], 'i32'),
  ltU: op('i32.lt_u', 0x49, ['i32', 'i32'], 'i32'),
  gtS: op('i32.gt_s', 0x4a, ['i32', 'i32'], 'i32'),
  leS: op('i32.le_s', 0x4c, ['i32', 'i32'], 'i32'),
  geS: op('i32.ge_s', 0x4e, ['i32', 'i32'], 'i32'),
  add: op('i32.add', 0x6a, ['i32', 'i32'], 'i32'),
  sub: op('i32.sub', 0x6b, ['i32', 'i32'], 'i32'),
  mul: op('i32.mul', 0x6c, ['i32', 'i32'], 'i32'),
  and: op('i32.and', 0x71, ['i32', 'i32'], 'i32'),
  or: op('i32.or', 0x72, ['i32', 'i32'], 'i32'),
  shl: op('i32.shl', 0x74, ['i32', 'i32'], 'i32'),
  shrS: op('i32.shr_s', 0x75, ['i32', 'i32'], 'i32'),
  shrU: op('i32.shr_u', 0x76, ['i32', 'i32'], 'i32'),
  minS: (a: Expr, b: Expr): Expr => select(a, b, i32.ltS(a, b)),
};

export const f32 = {
  const: (x: number): Expr => expr('f32', (out) => {
    out.byte(0x43);
    out.f32(x);
  }),
  load: load('f32.load', 0x2a, 'f32', 2),
  store: store('f32.store', 0x38, 'f32', 2),
  ne: op('f32.ne', 0x5c, ['f32', 'f32'], 'i32'),
  lt: op('f32.lt', 0x5d, ['f32', 'f32'], 'i32'),
  gt: op('f32.gt', 0x5e, ['f32', 'f32'], 'i32'),
  add: op('f32.add', 0x92, ['f32', 'f32'], 'f32'),
  mul: op('f32.mul', 0x94, ['f32', 'f32'], 'f32'),
  demoteF64: op('f32.demote_f64', 0xb6, ['f64'], 'f32'),
};

export const f64 = {
  const: (x: number): Expr => expr('f64', (out) => {
    out.byte(0x44);
    out.f64(x);
  }),
  add: op('f64.add', 0xa0, ['f64', 'f64'], 'f64'),
  mul: op('f64.mul', 0xa2, ['f64', 'f64'], 'f64'),
  promoteF32: op('f64.promote_f32', 0xbb, ['f32'], 'f64'),
};

export const v128 = {
  load: load('v128.load', simd(0x00), 'v128', 4),
  load32Splat: load('v128.load32_splat', simd(0x09), 'v128', 2),
  load32Zero: load('v128.load32_zero', simd(0x5c), 'v128', 2),
  load64Zero: load('v128.load64_zero', simd(0x5d), 'v128', 3),
  store: store('v128.store', simd(0x0b), 'v128', 4),
  /** Stores lane `lane` (32-bit lanes) of `value`. */
  store32Lane: (address: Expr, value: Expr, lane: number, offset = 0): Expr => laneStore('v128.store32_lane', 0x5a, 2, address, value, lane, offset),
  /** Stores 64-bit lane `lane` (0 or 1) of `value`. */
  store64Lane: (address: Expr, value: Expr, lane: number, offset = 0): Expr => laneStore('v128.store64_lane', 0x5b, 3, address, value, lane, offset),
  /** A constant from four f32 lanes. */
  constF32: (lanes: readonly [number, number, number, number]): Expr => expr('v128', (out) => {
    writeOpcode(out, simd(0x0c));
    for (const x of lanes) out.f32(x);
  }),
  /** A constant from two f64 lanes. */
  constF64: (lanes: readonly [number, number]): Expr => expr('v128', (out) => {
    writeOpcode(out, simd(0x0c));
    for (const x of lanes) out.f64(x);
  }),
  /** A constant from two i64 lanes, given as [low 32 bits, high 32 bits] pairs. */
  constI64: (lanes: readonly [readonly [number, number], readonly [number, number]]): Expr =>
    v128.constI32([lanes[0][0], lanes[0][1], lanes[1][0], lanes[1][1]]),
  /** A constant from four i32 lanes. */
  constI32: (lanes: readonly [number, number, number, number]): Expr => expr('v128', (out) => {
    writeOpcode(out, simd(0x0c));
    const view = new DataView(new ArrayBuffer(16));
    lanes.forEach((x, i) => view.setInt32(i * 4, x, true));
    for (let i = 0; i < 16; i++) out.byte(view.getUint8(i));
  }),
  not: op('v128.not', simd(0x4d), ['v128'], 'v128'),
  and: op('v128.and', simd(0x4e), ['v128', 'v128'], 'v128'),
  andnot: op('v128.andnot', simd(0x4f), ['v128', 'v128'], 'v128'),
  or: op('v128.or', simd(0x50), ['v128', 'v128'], 'v128'),
  xor: op('v128.xor', simd(0x51), ['v128', 'v128'], 'v128'),
  /** Bits of a where mask is 1, of b where it is 0. */
  bitselect: op('v128.bitselect', simd(0x52), ['v128', 'v128', 'v128'], 'v128'),
  anyTrue: op('v128.any_true', simd(0x53), ['v128'], 'i32'),
  /** Byte shuffle of a‖b by 16 constant lane indices (0–31). */
  shuffle: (a: Expr, b: Expr, lanes: readonly number[]): Expr => {
    expect('i8x16.shuffle', a, 'v128');
    expect('i8x16.shuffle', b, 'v128');
    if (lanes.length !== 16 || lanes.some((l) => l < 0 || l > 31)) throw new AssemblerError(`i8x16.shuffle: bad lanes ${lanes}`);
    return expr('v128', (out) => {
      a.write(out);
      b.write(out);
      writeOpcode(out, simd(0x0d));
      out.raw(lanes);
    });
  },
};

function laneStore(name: string, code: number, alignLog2: number, address: Expr, value: Expr, lane: number, offset: number): Expr {
  expect(name, address, 'i32');
  expect(name, value, 'v128');
  return expr('void', (out) => {
    address.write(out);
    value.write(out);
    writeOpcode(out, simd(code));
    memarg(out, alignLog2, offset);
    out.byte(lane);
  });
}

/** A 32-bit-lane shuffle of a‖b: lanes 0–3 pick from a, 4–7 from b. */
export function shuffle32(a: Expr, b: Expr, lanes: readonly [number, number, number, number]): Expr {
  return v128.shuffle(a, b, lanes.flatMap((l) => [4 * l, 4 * l + 1, 4 * l + 2, 4 * l + 3]));
}

const f32x4Binary = (name: string, code: number): ((a: Expr, b: Expr) => Expr) => op(`f32x4.${name}`, simd(code), ['v128', 'v128'], 'v128');
const f32x4Unary = (name: string, code: number): ((a: Expr) => Expr) => op(`f32x4.${name}`, simd(code), ['v128'], 'v128');

export const f32x4 = {
  splat: op('f32x4.splat', simd(0x13), ['f32'], 'v128'),
  extractLane: (v: Expr, lane: number): Expr => {
    expect('f32x4.extract_lane', v, 'v128');
    return expr('f32', (out) => {
      v.write(out);
      writeOpcode(out, simd(0x1f));
      out.byte(lane);
    });
  },
  eq: f32x4Binary('eq', 0x41),
  ne: f32x4Binary('ne', 0x42),
  lt: f32x4Binary('lt', 0x43),
  gt: f32x4Binary('gt', 0x44),
  le: f32x4Binary('le', 0x45),
  ge: f32x4Binary('ge', 0x46),
  ceil: f32x4Unary('ceil', 0x67),
  floor: f32x4Unary('floor', 0x68),
  trunc: f32x4Unary('trunc', 0x69),
  nearest: f32x4Unary('nearest', 0x6a),
  abs: f32x4Unary('abs', 0xe0),
  neg: f32x4Unary('neg', 0xe1),
  sqrt: f32x4Unary('sqrt', 0xe3),
  add: f32x4Binary('add', 0xe4),
  sub: f32x4Binary('sub', 0xe5),
  mul: f32x4Binary('mul', 0xe6),
  div: f32x4Binary('div', 0xe7),
  min: f32x4Binary('min', 0xe8),
  max: f32x4Binary('max', 0xe9),
  /** b < a ? b : a */
  pmin: f32x4Binary('pmin', 0xea),
  /** a < b ? b : a */
  pmax: f32x4Binary('pmax', 0xeb),
  convertI32x4S: f32x4Unary('convert_i32x4_s', 0xfa),
  demoteF64x2Zero: op('f32x4.demote_f64x2_zero', simd(0x5e), ['v128'], 'v128'),
  /** a·b + c, fused or not at the engine's choice (relaxed SIMD). */
  relaxedMadd: op('f32x4.relaxed_madd', simd(0x105), ['v128', 'v128', 'v128'], 'v128'),
};

export const i32x4 = {
  splat: op('i32x4.splat', simd(0x11), ['i32'], 'v128'),
  eq: op('i32x4.eq', simd(0x37), ['v128', 'v128'], 'v128'),
  shl: op('i32x4.shl', simd(0xab), ['v128', 'i32'], 'v128'),
  shrS: op('i32x4.shr_s', simd(0xac), ['v128', 'i32'], 'v128'),
  shrU: op('i32x4.shr_u', simd(0xad), ['v128', 'i32'], 'v128'),
  add: op('i32x4.add', simd(0xae), ['v128', 'v128'], 'v128'),
  sub: op('i32x4.sub', simd(0xb1), ['v128', 'v128'], 'v128'),
  gtS: op('i32x4.gt_s', simd(0x3b), ['v128', 'v128'], 'v128'),
  ltS: op('i32x4.lt_s', simd(0x39), ['v128', 'v128'], 'v128'),
  truncSatF32x4S: op('i32x4.trunc_sat_f32x4_s', simd(0xf8), ['v128'], 'v128'),
  /** Lanes 0–1 from the two f64 lanes (saturating), lanes 2–3 zero. */
  truncSatF64x2SZero: op('i32x4.trunc_sat_f64x2_s_zero', simd(0xfc), ['v128'], 'v128'),
};

const f64x2Binary = (name: string, code: number): ((a: Expr, b: Expr) => Expr) => op(`f64x2.${name}`, simd(code), ['v128', 'v128'], 'v128');
const f64x2Unary = (name: string, code: number): ((a: Expr) => Expr) => op(`f64x2.${name}`, simd(code), ['v128'], 'v128');

export const f64x2 = {
  splat: op('f64x2.splat', simd(0x14), ['f64'], 'v128'),
  extractLane: (v: Expr, lane: number): Expr => {
    expect('f64x2.extract_lane', v, 'v128');
    return expr('f64', (out) => {
      v.write(out);
      writeOpcode(out, simd(0x21));
      out.byte(lane);
    });
  },
  eq: f64x2Binary('eq', 0x47),
  ne: f64x2Binary('ne', 0x48),
  lt: f64x2Binary('lt', 0x49),
  gt: f64x2Binary('gt', 0x4a),
  le: f64x2Binary('le', 0x4b),
  ge: f64x2Binary('ge', 0x4c),
  nearest: f64x2Unary('nearest', 0x94),
  abs: f64x2Unary('abs', 0xec),
  neg: f64x2Unary('neg', 0xed),
  add: f64x2Binary('add', 0xf0),
  sub: f64x2Binary('sub', 0xf1),
  mul: f64x2Binary('mul', 0xf2),
  div: f64x2Binary('div', 0xf3),
  min: f64x2Binary('min', 0xf4),
  max: f64x2Binary('max', 0xf5),
  /** b < a ? b : a */
  pmin: f64x2Binary('pmin', 0xf6),
  /** a < b ? b : a */
  pmax: f64x2Binary('pmax', 0xf7),
  promoteLowF32x4: op('f64x2.promote_low_f32x4', simd(0x5f), ['v128'], 'v128'),
  convertLowI32x4S: op('f64x2.convert_low_i32x4_s', simd(0xfe), ['v128'], 'v128'),
};

export const i64x2 = {
  extendLowI32x4S: op('i64x2.extend_low_i32x4_s', simd(0xc7), ['v128'], 'v128'),
  shl: op('i64x2.shl', simd(0xcb), ['v128', 'i32'], 'v128'),
  shrU: op('i64x2.shr_u', simd(0xcd), ['v128', 'i32'], 'v128'),
  add: op('i64x2.add', simd(0xce), ['v128', 'v128'], 'v128'),
  sub: op('i64x2.sub', simd(0xd1), ['v128', 'v128'], 'v128'),
};

export const memory = {
  /** memory.copy(dest, src, byteLength) */
  copy: (dest: Expr, source: Expr, bytes: Expr): Expr => {
    for (const e of [dest, source, bytes]) expect('memory.copy', e, 'i32');
    return expr('void', (out) => {
      dest.write(out);
      source.write(out);
      bytes.write(out);
      out.byte(0xfc);
      out.u32(10);
      out.byte(0);
      out.byte(0);
    });
  },
};

// ----- functions and modules -----

export interface FunctionRef {
  readonly name: string;
  readonly index: number;
  readonly params: readonly ValType[];
  readonly results: readonly ValType[];
}

/** Declares locals of a function under construction. */
export class FunctionBuilder {
  private readonly extra: ValType[] = [];
  readonly params: readonly Local[];

  constructor(params: readonly ValType[]) {
    this.params = params.map((type, index) => ({ index, type }));
  }

  local(type: ValType): Local {
    const l = { index: this.params.length + this.extra.length, type };
    this.extra.push(type);
    return l;
  }

  locals(type: ValType, count: number): Local[] {
    return Array.from({ length: count }, () => this.local(type));
  }

  /** @internal */
  writeLocals(out: ByteWriter): void {
    out.u32(this.extra.length);
    for (const t of this.extra) {
      out.u32(1);
      out.byte(typeCode[t]);
    }
  }
}

interface FunctionDef extends FunctionRef {
  readonly exported: boolean;
  body?: (fn: FunctionBuilder, params: readonly Local[]) => readonly Expr[];
}

export class ModuleBuilder {
  private readonly functions: FunctionDef[] = [];
  private memoryImport: { module: string; name: string; min: number; max: number; shared: boolean } | null = null;

  /**
   * Imports a memory of `minPages`…`maxPages`. A `shared` memory (threads proposal: limits flag
   * 0x03, a maximum required) can only be satisfied by a `WebAssembly.Memory({ shared: true })`, and
   * a non-shared import only by a non-shared memory.
   */
  importMemory(module: string, name: string, minPages: number, maxPages: number, shared = false): this {
    this.memoryImport = { module, name, min: minPages, max: maxPages, shared };
    return this;
  }

  /**
   * Declares a function; its body is generated at `build()`, so functions may call each other in
   * any order. Exported under `name` unless `exported` is false.
   */
  func(
    name: string, params: readonly ValType[], results: readonly ValType[],
    body: (fn: FunctionBuilder, params: readonly Local[]) => readonly Expr[],
    exported = true,
  ): FunctionRef {
    const def: FunctionDef = { name, index: this.functions.length, params, results, exported, body };
    this.functions.push(def);
    return def;
  }

  build(): Uint8Array {
    const out = new ByteWriter();
    out.raw([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00]);

    const section = (id: number, fill: (w: ByteWriter) => void): void => {
      const w = new ByteWriter();
      fill(w);
      out.byte(id);
      out.sized(w);
    };

    section(1, (w) => { // types: one per function
      w.u32(this.functions.length);
      for (const f of this.functions) {
        w.byte(0x60);
        w.u32(f.params.length);
        for (const p of f.params) w.byte(typeCode[p]);
        w.u32(f.results.length);
        for (const r of f.results) w.byte(typeCode[r]);
      }
    });
    const mem = this.memoryImport;
    if (mem) {
      section(2, (w) => {
        w.u32(1);
        w.name(mem.module);
        w.name(mem.name);
        w.byte(0x02);
        w.byte(mem.shared ? 0x03 : 0x01);
        w.u32(mem.min);
        w.u32(mem.max);
      });
    }
    section(3, (w) => {
      w.u32(this.functions.length);
      this.functions.forEach((_, i) => w.u32(i));
    });
    section(7, (w) => {
      const exported = this.functions.filter((f) => f.exported);
      w.u32(exported.length);
      for (const f of exported) {
        w.name(f.name);
        w.byte(0x00);
        w.u32(f.index);
      }
    });
    section(10, (w) => {
      w.u32(this.functions.length);
      for (const f of this.functions) {
        const fb = new FunctionBuilder(f.params);
        const body = f.body!(fb, fb.params);
        const code = new ByteWriter();
        for (const s of body) {
          if (s.type !== 'void' && f.results.length === 0) throw new AssemblerError(`${f.name}: statement leaves a ${s.type} on the stack`);
        }
        for (const s of body) s.write(code);
        code.byte(0x0b);
        const fnBytes = new ByteWriter();
        fb.writeLocals(fnBytes);
        const withLocals = new ByteWriter();
        withLocals.raw(fnBytes.toBytes());
        withLocals.raw(code.toBytes());
        w.sized(withLocals);
      }
    });
    return out.toBytes();
  }
}
