/**
 * GEMM kernels: C = op(A)·op(B) (+ bias) in f32, WebAssembly SIMD128; one call runs on one thread.
 *
 * Structure (after BLIS: Van Zee & van de Geijn, 2015, "BLIS: A Framework for Rapidly Instantiating
 * BLAS Functionality", ACM TOMS 41(3); tile sizes measured in bench/README.md):
 * - B is packed per (KC × NC) block into panels of 8 columns, zero-padded, so the micro-kernel
 *   reads it sequentially with immediate offsets whatever the layout (NN copies, NT transposes).
 * - A is read in place while its strides are short: for NN/NT its rows are k-contiguous (`rows`
 *   micro-kernels, one pointer per row), for TN its columns are (`cols` micro-kernels, one pointer
 *   and lane offsets). From 2 KiB strides on, an A tile is packed first (t-major), which keeps the
 *   rows out of each other's L1 sets at n = 1024.
 * - The micro-kernel holds an MR×8 tile of C in 2·MR v128 accumulators and does 2·MR
 *   multiply-adds per k step. V8 gives wasm 16 xmm registers on x64: MR = 6 (12 accumulators) is
 *   the largest tile that does not spill with `f32x4.relaxed_madd` (relaxed SIMD, when the runtime
 *   validates it), MR = 5 with mul + add, which needs a temporary (measured on Zen 4 at 256³:
 *   57–59 GF/s FMA 6×8, 53–55 mul+add 5×8, against 45–52 for 4×8 and < 33 once it spills).
 *   Fewer rows at the bottom edge use smaller kernels; fewer than 8 columns at the right edge
 *   go through a scratch tile.
 * - The first K block initialises the tile from zero or the bias row; later ones accumulate. Each
 *   element of C is thus summed in k order, as the JS kernel does (which rounds once per step, as
 *   FMA does; mul + add rounds twice).
 */
import {
  type Expr, type FunctionRef, type Local, type ModuleBuilder,
  call, f32, f32x4, forRange, get, i32, ifElse, select, set, shuffle32, v128,
} from './assembler.ts';

export interface GemmOptions {
  /** Use relaxed-SIMD fused multiply-add. */
  readonly fma: boolean;
  /** Rows of the register tile; default `defaultMr(fma)`. */
  readonly mr?: number;
  /** Pack A tiles whose k-step or row stride reaches this many bytes (default 2048). */
  readonly packAFromStride?: number;
  /** Depth of a K block (rows of packed B kept hot). */
  readonly kc: number;
  /** Width of an N block (columns of packed B per block). */
  readonly nc: number;
}

export const defaultGemmOptions: GemmOptions = { fma: false, kc: 256, nc: 512 };

/** Bytes of packing buffer one gemm call needs: one KC × NC block of B, panels padded to 8 columns. */
export function packBufferBytes(options: GemmOptions): number {
  return options.kc * (Math.ceil(options.nc / 8) * 8) * 4 + options.kc * 4 * MAX_MR + 64;
}

/** The tile height for an FMA or a mul+add kernel: the most accumulators that do not spill. */
export function defaultMr(fma: boolean): number {
  return fma ? 6 : 5;
}

const MAX_MR = 8;
/** Bytes of the edge scratch tile (up to MAX_MR rows of 8 floats). */
export const edgeTileBytes = MAX_MR * 8 * 4;

const NR = 8;
/** A tiles whose k-step or row stride is at least this many bytes are packed first (TN at 1024³, 4×8: 30 GF/s in place, 46 packed). */
const PACK_A_STRIDE = 2048;

const c = (n: number): Expr => i32.const(n);
const add = i32.add;
const mul = i32.mul;

function madd(fma: boolean, acc: Local, a: Local, b: Local): Expr {
  return set(acc, fma
    ? f32x4.relaxedMadd(get(a), get(b), get(acc))
    : f32x4.add(get(acc), f32x4.mul(get(a), get(b))));
}

type ALayout = 'rows' | 'cols';

/**
 * Micro-kernel for an mr×8 tile: (pa, aStride, pb, kc, pc, ldc, mode, pbias) with byte strides.
 * One k step per loop iteration: unrolling by 2 or 4 made TurboFan hoist the loads of later steps
 * and spill accumulators (4×8 at 256³: 33 GF/s unrolled against 47 GF/s).
 * `rows`: A row r of the tile starts at pa + r·aStride and is contiguous in k.
 * `cols`: A's k-step is aStride bytes and the tile's rows are adjacent floats.
 * mode 0: start from zero, 1: from the bias row at pbias, 2: from C.
 */
function microKernel(mod: ModuleBuilder, layout: ALayout, mr: number, fma: boolean): FunctionRef {
  return mod.func(`gemm_${layout}_${mr}x8${fma ? '_fma' : ''}`, ['i32', 'i32', 'i32', 'i32', 'i32', 'i32', 'i32', 'i32'], [], (fn, params) => {
    const [pa, aStride, pb, kc, pc, ldc, mode, pbias] = params;
    const acc = fn.locals('v128', 2 * mr);
    const b0 = fn.local('v128');
    const b1 = fn.local('v128');
    const s = fn.local('v128');
    const rowPtr = layout === 'rows' ? fn.locals('i32', mr) : [];
    const t = fn.local('i32');

    // A element of tile row r at the current k step, as a splat
    const aSplat = (r: number): Expr => layout === 'rows'
      ? v128.load32Splat(get(rowPtr[r]))
      : v128.load32Splat(get(pa), r * 4);
    const step: Expr[] = [
      set(b0, v128.load(get(pb))),
      set(b1, v128.load(get(pb), 16)),
      ...Array.from({ length: mr }, (_, r) => [
        set(s, aSplat(r)),
        madd(fma, acc[2 * r], s, b0),
        madd(fma, acc[2 * r + 1], s, b1),
      ]).flat(),
      set(pb, add(get(pb), c(32))),
      ...(layout === 'cols'
        ? [set(pa, add(get(pa), get(aStride)))]
        : rowPtr.map((p) => set(p, add(get(p), c(4))))),
    ];

    const rowC = (r: number): Expr => add(get(pc), mul(get(ldc), c(r)));
    const init: Expr[] = [
      ifElse(i32.eq(get(mode), c(2)), acc.map((a, i) => set(a, v128.load(rowC(i >> 1), (i & 1) * 16))), [
        ifElse(i32.eq(get(mode), c(1)),
          acc.map((a, i) => set(a, v128.load(get(pbias), (i & 1) * 16))),
          acc.map((a) => set(a, v128.constI32([0, 0, 0, 0])))),
      ]),
    ];

    return [
      ...rowPtr.map((p, r) => set(p, add(get(pa), mul(get(aStride), c(r))))),
      ...init,
      forRange(t, c(0), get(kc), c(1), step),
      ...acc.map((a, i) => v128.store(rowC(i >> 1), get(a), (i & 1) * 16)),
    ];
  }, false);
}

/**
 * relu in place on `rows` rows of 8 floats, `stride` bytes apart: x where x > 0 or NaN, else +0 (the
 * unary kernel's relu). Run on a tile just stored, while it is in L1; kept out of the micro-kernel,
 * whose register allocation it would upset (measured: 62 → 40 GF/s at 256³ with it inside).
 */
function reluTile(mod: ModuleBuilder): FunctionRef {
  return mod.func('gemm_relu_tile', ['i32', 'i32', 'i32'], [], (fn, [ptr, stride, rows]) => {
    const r = fn.local('i32');
    const x = fn.local('v128');
    const relu = (offset: number): Expr[] => [
      set(x, v128.load(get(ptr), offset)),
      v128.store(get(ptr), v128.and(get(x), v128.or(f32x4.gt(get(x), v128.constI32([0, 0, 0, 0])), f32x4.ne(get(x), get(x)))), offset),
    ];
    return [forRange(r, c(0), get(rows), c(1), [...relu(0), ...relu(16), set(ptr, add(get(ptr), get(stride)))])];
  }, false);
}

/** Copies an mr×nr float tile between strided locations: (src, srcStride, dst, dstStride, mr, nr). */
function copyTile(mod: ModuleBuilder): FunctionRef {
  return mod.func('gemm_copy_tile', ['i32', 'i32', 'i32', 'i32', 'i32', 'i32'], [], (fn, [src, srcStride, dst, dstStride, mr, nr]) => {
    const r = fn.local('i32');
    const j = fn.local('i32');
    return [
      forRange(r, c(0), get(mr), c(1), [
        forRange(j, c(0), get(nr), c(1), [
          f32.store(add(get(dst), i32.shl(get(j), c(2))), f32.load(add(get(src), i32.shl(get(j), c(2))))),
        ]),
        set(src, add(get(src), get(srcStride))),
        set(dst, add(get(dst), get(dstStride))),
      ]),
    ];
  }, false);
}

/**
 * Packs the kc×nc block of op(B) = B (k×n, row stride ldb bytes) starting at src into panels of 8
 * columns at dst: panel p holds rows t = 0…kc−1 of columns 8p…8p+7, zero beyond nc.
 */
function packN(mod: ModuleBuilder): FunctionRef {
  return mod.func('gemm_pack_n', ['i32', 'i32', 'i32', 'i32', 'i32'], [], (fn, [src, dst, kc, nc, ldb]) => {
    const j = fn.local('i32');
    const t = fn.local('i32');
    const col = fn.local('i32');
    const from = fn.local('i32');
    const nFull = fn.local('i32');
    return [
      set(nFull, i32.and(get(nc), c(~7))),
      forRange(j, c(0), get(nFull), c(8), [
        set(from, add(get(src), i32.shl(get(j), c(2)))),
        forRange(t, c(0), get(kc), c(1), [
          v128.store(get(dst), v128.load(get(from))),
          v128.store(get(dst), v128.load(get(from), 16), 16),
          set(from, add(get(from), get(ldb))),
          set(dst, add(get(dst), c(32))),
        ]),
      ]),
      ifElse(i32.ltS(get(nFull), get(nc)), [
        set(from, add(get(src), i32.shl(get(nFull), c(2)))),
        forRange(t, c(0), get(kc), c(1), [
          v128.store(get(dst), v128.constI32([0, 0, 0, 0])),
          v128.store(get(dst), v128.constI32([0, 0, 0, 0]), 16),
          forRange(col, c(0), i32.sub(get(nc), get(nFull)), c(1), [
            f32.store(add(get(dst), i32.shl(get(col), c(2))), f32.load(add(get(from), i32.shl(get(col), c(2))))),
          ]),
          set(from, add(get(from), get(ldb))),
          set(dst, add(get(dst), c(32))),
        ]),
      ]),
    ];
  }, false);
}

/**
 * Packs the kc×nc block of op(B) = Bᵀ, with B stored n×k (row stride ldb bytes), starting at src
 * (= &B[jc][pc]) into the same panel layout as packN. Full panels transpose 4×4 blocks in registers.
 */
function packT(mod: ModuleBuilder): FunctionRef {
  return mod.func('gemm_pack_t', ['i32', 'i32', 'i32', 'i32', 'i32'], [], (fn, [src, dst, kc, nc, ldb]) => {
    const j = fn.local('i32');
    const t = fn.local('i32');
    const col = fn.local('i32');
    const rowPtr = fn.local('i32');
    const out = fn.local('i32');
    const nFull = fn.local('i32');
    const k4 = fn.local('i32');
    const rows = fn.locals('v128', 4);
    const tmp = fn.locals('v128', 4);
    // 4×4 transpose of rows[0..3] (each 4 consecutive t of one column) into t-major vectors
    const transpose4 = (halfOffset: number, firstRow: Expr): Expr[] => [
      ...rows.map((r, q) => set(r, v128.load(add(firstRow, mul(get(ldb), c(q)))))),
      set(tmp[0], shuffle32(get(rows[0]), get(rows[1]), [0, 4, 1, 5])),
      set(tmp[1], shuffle32(get(rows[2]), get(rows[3]), [0, 4, 1, 5])),
      set(tmp[2], shuffle32(get(rows[0]), get(rows[1]), [2, 6, 3, 7])),
      set(tmp[3], shuffle32(get(rows[2]), get(rows[3]), [2, 6, 3, 7])),
      v128.store(get(out), shuffle32(get(tmp[0]), get(tmp[1]), [0, 1, 4, 5]), halfOffset),
      v128.store(get(out), shuffle32(get(tmp[0]), get(tmp[1]), [2, 3, 6, 7]), 32 + halfOffset),
      v128.store(get(out), shuffle32(get(tmp[2]), get(tmp[3]), [0, 1, 4, 5]), 64 + halfOffset),
      v128.store(get(out), shuffle32(get(tmp[2]), get(tmp[3]), [2, 3, 6, 7]), 96 + halfOffset),
    ];
    return [
      set(nFull, i32.and(get(nc), c(~7))),
      set(k4, i32.and(get(kc), c(~3))),
      forRange(j, c(0), get(nFull), c(8), [
        set(rowPtr, add(get(src), mul(get(j), get(ldb)))),
        set(out, get(dst)),
        forRange(t, c(0), get(k4), c(4), [
          ...transpose4(0, add(get(rowPtr), i32.shl(get(t), c(2)))),
          ...transpose4(16, add(add(get(rowPtr), i32.shl(get(t), c(2))), i32.shl(get(ldb), c(2)))),
          set(out, add(get(out), c(128))),
        ]),
        forRange(t, get(k4), get(kc), c(1), [
          forRange(col, c(0), c(8), c(1), [
            f32.store(add(get(out), i32.shl(get(col), c(2))),
              f32.load(add(add(get(rowPtr), mul(get(col), get(ldb))), i32.shl(get(t), c(2))))),
          ]),
          set(out, add(get(out), c(32))),
        ]),
        set(dst, add(get(dst), i32.shl(get(kc), c(5)))),
      ]),
      ifElse(i32.ltS(get(nFull), get(nc)), [
        set(rowPtr, add(get(src), mul(get(nFull), get(ldb)))),
        forRange(t, c(0), get(kc), c(1), [
          v128.store(get(dst), v128.constI32([0, 0, 0, 0])),
          v128.store(get(dst), v128.constI32([0, 0, 0, 0]), 16),
          forRange(col, c(0), i32.sub(get(nc), get(nFull)), c(1), [
            f32.store(add(get(dst), i32.shl(get(col), c(2))),
              f32.load(add(add(get(rowPtr), mul(get(col), get(ldb))), i32.shl(get(t), c(2))))),
          ]),
          set(dst, add(get(dst), c(32))),
        ]),
      ]),
    ];
  }, false);
}

/**
 * Packs an MR-row tile of op(A) over kc steps into `dst`, t-major (MR floats per step), the layout
 * the `cols` micro-kernel reads with a stride of 4·MR bytes: (src, dst, kc, aCols, ld).
 * aCols = 1: A[r, t] at src + t·ld + 4r, copied as two 16-byte vectors per step (the overlap is
 * rewritten by the next step; lanes past the tile's rows are never read). aCols = 0: A[r, t] at
 * src + r·ld + 4t, four steps at a time: rows 0–3 by a 4×4 transpose, rows 4… lane by lane.
 */
function packA(mod: ModuleBuilder, MR: number): FunctionRef {
  return mod.func('gemm_pack_a', ['i32', 'i32', 'i32', 'i32', 'i32'], [], (fn, [src, dst, kc, aCols, ld]) => {
    const t = fn.local('i32');
    const k4 = fn.local('i32');
    const r = fn.local('i32');
    const rows = fn.locals('v128', MR);
    const tmp = fn.locals('v128', 4);
    const stepBytes = 4 * MR;
    return [
      ifElse(get(aCols), [
        forRange(t, c(0), get(kc), c(1), [
          v128.store(get(dst), v128.load(get(src))),
          ...(MR > 4 ? [v128.store(get(dst), v128.load(get(src), 16), 16)] : []),
          set(src, add(get(src), get(ld))),
          set(dst, add(get(dst), c(stepBytes))),
        ]),
      ], [
        set(k4, i32.and(get(kc), c(~3))),
        forRange(t, c(0), get(k4), c(4), [
          ...rows.map((row, q) => set(row, v128.load(add(get(src), mul(get(ld), c(q)))))),
          set(tmp[0], shuffle32(get(rows[0]), get(rows[1]), [0, 4, 1, 5])),
          set(tmp[1], shuffle32(get(rows[2]), get(rows[3]), [0, 4, 1, 5])),
          set(tmp[2], shuffle32(get(rows[0]), get(rows[1]), [2, 6, 3, 7])),
          set(tmp[3], shuffle32(get(rows[2]), get(rows[3]), [2, 6, 3, 7])),
          v128.store(get(dst), shuffle32(get(tmp[0]), get(tmp[1]), [0, 1, 4, 5])),
          v128.store(get(dst), shuffle32(get(tmp[0]), get(tmp[1]), [2, 3, 6, 7]), stepBytes),
          v128.store(get(dst), shuffle32(get(tmp[2]), get(tmp[3]), [0, 1, 4, 5]), 2 * stepBytes),
          v128.store(get(dst), shuffle32(get(tmp[2]), get(tmp[3]), [2, 3, 6, 7]), 3 * stepBytes),
          ...rows.slice(4).flatMap((row, q) => [0, 1, 2, 3].map((u) => v128.store32Lane(get(dst), get(row), u, u * stepBytes + (4 + q) * 4))),
          set(src, add(get(src), c(16))),
          set(dst, add(get(dst), c(4 * stepBytes))),
        ]),
        forRange(t, get(k4), get(kc), c(1), [
          forRange(r, c(0), c(MR), c(1), [
            f32.store(add(get(dst), i32.shl(get(r), c(2))), f32.load(add(get(src), mul(get(r), get(ld))))),
          ]),
          set(src, add(get(src), c(4))),
          set(dst, add(get(dst), c(stepBytes))),
        ]),
      ]),
    ];
  }, false);
}

/**
 * Adds the exported `gemm_f32(a, b, c, m, k, n, aCols, bTrans, bias, relu, lda, ldb, ldc, pack, tile)`
 * to `mod`: C (m×n, rows ldc bytes apart) = op(A)·op(B) (+ bias row when bias ≠ 0), relu(C) when
 * relu ≠ 0 (applied to each tile of the last K block right after it is stored). aCols = 0: A
 * is m×k row-major; 1: A is stored k×m (transA). bTrans = 0: B is k×n; 1: B is stored n×k. lda and
 * ldb are the byte distances between consecutive stored rows of A and B (k·4 or m·4, n·4 or k·4
 * for a dense matrix); with them a call can compute a block of rows or columns of a larger C,
 * which is how threads split one product (index.ts). `pack` is a buffer of
 * packBufferBytes(options), `tile` one of edgeTileBytes. All pointers are byte addresses.
 */
export function addGemm(mod: ModuleBuilder, options: GemmOptions): FunctionRef {
  const { fma, kc: KC, nc: NC } = options;
  const MR = options.mr ?? defaultMr(fma);
  if (!(MR >= 4 && MR <= MAX_MR)) throw new Error(`gemm: mr must be in 4…${MAX_MR}, got ${MR}`);
  if (NC % NR !== 0) throw new Error(`gemm: nc must be a multiple of ${NR}`);
  const kernels: Record<ALayout, FunctionRef[]> = {
    rows: Array.from({ length: MR }, (_, i) => microKernel(mod, 'rows', i + 1, fma)),
    cols: Array.from({ length: MR }, (_, i) => microKernel(mod, 'cols', i + 1, fma)),
  };
  const tileCopy = copyTile(mod);
  const reluTileFn = reluTile(mod);
  const packNFn = packN(mod);
  const packTFn = packT(mod);
  const packAFn = packA(mod, MR);
  const aPackOffset = KC * Math.ceil(NC / 8) * 8 * 4;

  return mod.func('gemm_f32', ['i32', 'i32', 'i32', 'i32', 'i32', 'i32', 'i32', 'i32', 'i32', 'i32', 'i32', 'i32', 'i32', 'i32', 'i32'], [], (fn, params) => {
    const [a, b, cPtr, m, k, n, aCols, bTrans, bias, relu, lda, ldb, ldc, pack, tile] = params;
    const jc = fn.local('i32');
    const nc = fn.local('i32');
    const pc = fn.local('i32');
    const kc = fn.local('i32');
    const ir = fn.local('i32');
    const mr = fn.local('i32');
    const jr = fn.local('i32');
    const nr = fn.local('i32');
    const mode = fn.local('i32');
    const reluNow = fn.local('i32');
    const aPtr = fn.local('i32');
    const aStride = fn.local('i32');
    const cTile = fn.local('i32');
    const bPanel = fn.local('i32');
    const biasPtr = fn.local('i32');
    const aPack = fn.local('i32');

    const callKernel = (layout: ALayout, dst: Expr, dstStride: Expr): Expr => {
      const args = (): Expr[] => [get(aPtr), get(aStride), get(bPanel), get(kc), dst, dstStride, get(mode), get(biasPtr)];
      // if (mr == MR) … else if (mr == MR − 1) … else kernel 1
      let chain: Expr = call(kernels[layout][0], ...args());
      for (let r = 2; r <= MR; r++) chain = ifElse(i32.eq(get(mr), c(r)), [call(kernels[layout][r - 1], ...args())], [chain]);
      return chain;
    };
    const runTile = (dst: Expr, dstStride: Expr): Expr => ifElse(i32.or(get(aCols), get(aPack)),
      [callKernel('cols', dst, dstStride)],
      [callKernel('rows', dst, dstStride)]);

    return [
      forRange(jc, c(0), get(n), c(NC), [
        set(nc, i32.minS(c(NC), i32.sub(get(n), get(jc)))),
        forRange(pc, c(0), get(k), c(KC), [
          set(kc, i32.minS(c(KC), i32.sub(get(k), get(pc)))),
          ifElse(get(bTrans),
            [call(packTFn, add(get(b), add(mul(get(jc), get(ldb)), i32.shl(get(pc), c(2)))), get(pack), get(kc), get(nc), get(ldb))],
            [call(packNFn, add(get(b), add(mul(get(pc), get(ldb)), i32.shl(get(jc), c(2)))), get(pack), get(kc), get(nc), get(ldb))]),
          set(mode, select(c(2), select(c(1), c(0), get(bias)), get(pc))),
          set(reluNow, i32.and(i32.ne(get(relu), c(0)), i32.geS(add(get(pc), get(kc)), get(k)))),
          forRange(ir, c(0), get(m), c(MR), [
            set(mr, i32.minS(c(MR), i32.sub(get(m), get(ir)))),
            // A tile origin and stride (bytes): rows are k-contiguous unless aCols
            set(aPtr, select(
              add(get(a), add(mul(get(pc), get(lda)), i32.shl(get(ir), c(2)))),
              add(get(a), add(mul(get(ir), get(lda)), i32.shl(get(pc), c(2)))),
              get(aCols))),
            set(aStride, get(lda)),
            // packing reads MR rows of an NN tile, so only full tiles are packed there
            set(aPack, i32.and(i32.geS(get(aStride), c(options.packAFromStride ?? PACK_A_STRIDE)), i32.or(get(aCols), i32.eq(get(mr), c(MR))))),
            ifElse(get(aPack), [
              call(packAFn, get(aPtr), add(get(pack), c(aPackOffset)), get(kc), get(aCols), get(aStride)),
              set(aPtr, add(get(pack), c(aPackOffset))),
              set(aStride, c(4 * MR)),
            ]),
            forRange(jr, c(0), get(nc), c(NR), [
              set(nr, i32.minS(c(NR), i32.sub(get(nc), get(jr)))),
              set(cTile, add(get(cPtr), add(mul(get(ir), get(ldc)), i32.shl(add(get(jc), get(jr)), c(2))))),
              set(bPanel, add(get(pack), mul(get(jr), i32.shl(get(kc), c(2))))),
              set(biasPtr, add(get(bias), i32.shl(add(get(jc), get(jr)), c(2)))),
              ifElse(i32.eq(get(nr), c(NR)), [
                runTile(get(cTile), get(ldc)),
                ifElse(get(reluNow), [call(reluTileFn, get(cTile), get(ldc), get(mr))]),
              ], [
                ifElse(i32.eq(get(mode), c(2)), [call(tileCopy, get(cTile), get(ldc), get(tile), c(32), get(mr), get(nr))]),
                runTile(get(tile), c(32)),
                ifElse(get(reluNow), [call(reluTileFn, get(tile), c(32), get(mr))]),
                call(tileCopy, get(tile), c(32), get(cTile), get(ldc), get(mr), get(nr)),
              ]),
            ]),
          ]),
        ]),
      ]),
    ];
  });
}
