/**
 * The kernel module: every wasm kernel in one module over an imported memory, generated at run
 * time from the TypeScript generators in this folder (no build step, no binary in the repository).
 */
import { ModuleBuilder, f32x4, get, i32x4, v128 } from './assembler.ts';
import { type OperandKind, addBinary, addClamp, addPolyak, addScale, addUnary, addWhere, binaryBodies, type WasmBinaryKernel } from './elementwise.ts';
import { type GemmOptions, addGemm } from './gemm.ts';
import { addReductions } from './reduce.ts';
import { unaryKernelNames } from '../types.ts';

export interface KernelModuleOptions extends GemmOptions {
  /** Pages of the imported memory (its initial and maximum size). */
  readonly pages: number;
  /** Whether the imported memory is shared (created with `shared: true`, for worker threads). */
  readonly shared?: boolean;
}

export const binaryKinds: readonly (readonly [OperandKind, OperandKind])[] = [['v', 'v'], ['v', 's'], ['s', 'v']];
export const whereKinds: readonly (readonly [OperandKind, OperandKind, OperandKind])[] =
  (['v', 's'] as const).flatMap((c) => (['v', 's'] as const).flatMap((a) => (['v', 's'] as const).map((b) => [c, a, b] as const)));

/** The module bytes. Exports are named as the generators name them (see `KernelExports`). */
export function buildKernelModule(options: KernelModuleOptions): Uint8Array {
  const mod = new ModuleBuilder().importMemory('env', 'memory', options.pages, options.pages, options.shared ?? false);
  addGemm(mod, options);
  for (const op of unaryKernelNames) addUnary(mod, op);
  for (const op of Object.keys(binaryBodies) as WasmBinaryKernel[]) for (const kinds of binaryKinds) addBinary(mod, op, kinds);
  for (const kinds of whereKinds) addWhere(mod, kinds);
  addClamp(mod);
  addPolyak(mod);
  addScale(mod);
  addReductions(mod);
  return mod.build();
}

/** A module using one SIMD128 instruction: validates where WebAssembly SIMD is supported. */
export function simdProbe(): Uint8Array {
  const mod = new ModuleBuilder();
  mod.func('probe', ['i32'], ['v128'], (_fn, [x]) => [i32x4.splat(get(x))]);
  return mod.build();
}

/** A module using f32x4.relaxed_madd: validates where relaxed SIMD is enabled. */
export function relaxedSimdProbe(): Uint8Array {
  const mod = new ModuleBuilder();
  mod.func('probe', ['v128'], ['v128'], (_fn, [x]) => [f32x4.relaxedMadd(get(x), get(x), v128.xor(get(x), get(x)))]);
  return mod.build();
}
