/**
 * The environment variables that configure the kernels, read and validated once. An unset (or
 * empty) variable takes its default; any other value that is not one of those listed below throws
 * an `EnvironmentError` naming the variable and the value, at kernel initialisation, rather than
 * silently falling back to the JS kernels.
 *
 *   VARL_KERNELS          js | wasm            kernel set (default: wasm where SIMD128 validates)
 *   VARL_WASM_MEMORY_MB   integer 16…4095      wasm memory in MiB (default 512; wasm32 addresses < 4 GiB)
 *   VARL_WASM_FMA         0 | 1                relaxed-SIMD FMA in GEMM off / on (default: when it validates)
 *   VARL_WASM_GC          0 | 1                forced collection of wasm blocks off / on (default on), heap.ts
 *   VARL_THREADS          integer 1…256        threads of the wasm kernels, the caller included (default: all
 *                                              cores; 1 starts no worker and keeps the memory unshared)
 */
import { EnvironmentError } from '../errors.ts';

export const KERNEL_SET_NAMES = ['js', 'wasm'] as const;
export type KernelSetName = (typeof KERNEL_SET_NAMES)[number];

/** Bounds of VARL_WASM_MEMORY_MB (and of `createWasmKernels({ memoryMB })`), in MiB. */
export const WASM_MEMORY_MB_RANGE = { min: 16, max: 4095 } as const;

/** Bounds of VARL_THREADS (and of `createWasmKernels({ threads })`, `setKernelThreads`). */
export const THREADS_RANGE = { min: 1, max: 256 } as const;

export interface KernelEnvironment {
  readonly kernels?: KernelSetName;
  readonly wasmMemoryMB?: number;
  readonly wasmFma?: boolean;
  readonly wasmGc?: boolean;
  readonly threads?: number;
}

type Env = Record<string, string | undefined>;

function processEnv(): Env {
  return (globalThis as { process?: { env?: Env } }).process?.env ?? {};
}

function readFlag(env: Env, variable: string): boolean | undefined {
  const value = env[variable];
  if (value === undefined || value === '') return undefined;
  if (value === '0' || value === '1') return value === '1';
  throw new EnvironmentError(`${variable}=${JSON.stringify(value)}: expected 0 or 1`);
}

/**
 * The validated kernel configuration of `env` (default: `process.env`).
 * @example readKernelEnvironment({ VARL_WASM_MEMORY_MB: '4' }) // throws: VARL_WASM_MEMORY_MB="4": expected an integer 16…4095
 */
export function readKernelEnvironment(env: Env = processEnv()): KernelEnvironment {
  const result: { -readonly [K in keyof KernelEnvironment]: KernelEnvironment[K] } = {};
  const kernels = env.VARL_KERNELS;
  if (kernels !== undefined && kernels !== '') {
    if (!(KERNEL_SET_NAMES as readonly string[]).includes(kernels)) {
      throw new EnvironmentError(`VARL_KERNELS=${JSON.stringify(kernels)}: unknown kernel set (expected ${KERNEL_SET_NAMES.join(' or ')})`);
    }
    result.kernels = kernels as KernelSetName;
  }
  const memory = env.VARL_WASM_MEMORY_MB;
  if (memory !== undefined && memory !== '') {
    const mb = /^\d+$/.test(memory.trim()) ? Number(memory.trim()) : NaN;
    if (!(mb >= WASM_MEMORY_MB_RANGE.min && mb <= WASM_MEMORY_MB_RANGE.max)) {
      throw new EnvironmentError(
        `VARL_WASM_MEMORY_MB=${JSON.stringify(memory)}: expected an integer ${WASM_MEMORY_MB_RANGE.min}…${WASM_MEMORY_MB_RANGE.max} (MiB)`,
      );
    }
    result.wasmMemoryMB = mb;
  }
  const threads = env.VARL_THREADS;
  if (threads !== undefined && threads !== '') {
    const n = /^\d+$/.test(threads.trim()) ? Number(threads.trim()) : NaN;
    if (!(n >= THREADS_RANGE.min && n <= THREADS_RANGE.max)) {
      throw new EnvironmentError(`VARL_THREADS=${JSON.stringify(threads)}: expected an integer ${THREADS_RANGE.min}…${THREADS_RANGE.max} (threads, the calling one included)`);
    }
    result.threads = n;
  }
  result.wasmFma = readFlag(env, 'VARL_WASM_FMA');
  result.wasmGc = readFlag(env, 'VARL_WASM_GC');
  return result;
}
