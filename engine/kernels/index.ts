/**
 * The active kernel set. Ops call `kernels()` for every numeric loop, so swapping the set (for
 * example to compare WASM against the JS reference) needs no change to ops or autodiff.
 *
 * Two sets are registered: 'wasm' (WebAssembly SIMD, engine/kernels/wasm) and 'js' (the
 * reference). The default is 'wasm' when the runtime validates SIMD128, else 'js';
 * `VARL_KERNELS=js|wasm` chooses explicitly.
 */
import { readKernelEnvironment } from './environment.ts';
import { jsKernels } from './js.ts';
import type { Kernels } from './types.ts';
import { createWasmKernels, simdSupported } from './wasm/index.ts';

export type { Kernels } from './types.ts';

const available = new Map<string, Kernels>([['js', jsKernels]]);
let active: Kernels = jsKernels;

/** Makes a kernel set selectable by name (`VARL_KERNELS=<name>` or `useKernels(name)`). */
export function registerKernels(set: Kernels): void {
  available.set(set.name, set);
}

/** The kernel set ops run on. */
export function kernels(): Kernels {
  return active;
}

/** Selects a registered kernel set by name; throws naming the known sets when `name` is unknown. */
export function useKernels(name: string): void {
  const set = available.get(name);
  if (!set) throw new Error(`useKernels: unknown kernel set '${name}' (known: ${[...available.keys()].join(', ')})`);
  active = set;
}

/**
 * @internal Makes `set` the active kernel set without registering it and returns the previous one;
 * engine/trace uses it to put its recording wrapper in front of the real set while it traces.
 */
export function swapActiveKernels(set: Kernels): Kernels {
  const previous = active;
  active = set;
  return previous;
}

export function availableKernels(): string[] {
  return [...available.keys()];
}

// Invalid VARL_* values throw here (engine/kernels/environment.ts); only a runtime that cannot run
// the wasm set (no SIMD128, memory that cannot be reserved) keeps the JS set silently, and
// `availableKernels()` then lists only 'js'.
const requested = readKernelEnvironment().kernels;
if (requested === 'wasm' || (requested === undefined && simdSupported())) {
  try {
    registerKernels(createWasmKernels());
    useKernels('wasm');
  } catch (error) {
    if (requested === 'wasm') throw error;
  }
}
