/**
 * The active kernel set. Ops call `kernels()` for every numeric loop, so swapping the set (for
 * example to compare WASM against the JS reference) needs no change to ops or autodiff.
 *
 * Two sets are registered: 'wasm' (WebAssembly SIMD, engine/kernels/wasm) and 'js' (the
 * reference). The default is 'wasm' when the runtime validates SIMD128, else 'js';
 * `VARL_KERNELS=js|wasm` chooses explicitly. The wasm set splits large calls across worker threads
 * (`VARL_THREADS`, `setKernelThreads`); the JS set always runs on the calling thread.
 */
import { ValueError, describeValue, expectObject, showValue } from '../errors.ts';
import { THREADS_RANGE, readKernelEnvironment } from './environment.ts';
import { jsKernels } from './js.ts';
import type { Kernels } from './types.ts';
import { type WasmKernels, createWasmKernels, simdSupported } from './wasm/index.ts';

export type { Kernels } from './types.ts';

const available = new Map<string, Kernels>([['js', jsKernels]]);
let active: Kernels = jsKernels;

/** Makes a kernel set selectable by name (`VARL_KERNELS=<name>` or `useKernels(name)`). */
export function registerKernels(set: Kernels): void {
  expectObject('registerKernels', 'set', set);
  if (typeof set.name !== 'string') throw new ValueError(`registerKernels: set.name must be a string, got ${describeValue(set.name)}`);
  available.set(set.name, set);
}

/** The kernel set ops run on. */
export function kernels(): Kernels {
  return active;
}

/** Selects a registered kernel set by name; throws naming the known sets when `name` is unknown. */
export function useKernels(name: string): void {
  const set = available.get(name);
  if (!set) throw new ValueError(`useKernels: unknown kernel set ${showValue(name)} (known: ${[...available.keys()].join(', ')})`);
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

/** The registered sets that can run on several threads (the wasm sets). */
function threadedSets(): WasmKernels[] {
  return [...available.values()].filter((set): set is WasmKernels => typeof (set as Partial<WasmKernels>).setThreads === 'function');
}

/**
 * Threads the 'wasm' kernel set splits large calls across, the calling thread included (1 when
 * there is no wasm set). Set by `VARL_THREADS`, default all cores; see `setKernelThreads`.
 */
export function kernelThreads(): number {
  return (available.get('wasm') as WasmKernels | undefined)?.threads ?? 1;
}

/**
 * Sets the thread count of the 'wasm' kernel set (and of other registered wasm sets): an integer
 * ≥ 1. Results are bit-identical for every count. More than one thread needs a set whose memory is
 * shared, which every set created with more than one thread has; one created with `VARL_THREADS=1`
 * cannot gain threads, and this throws saying so.
 * @example setKernelThreads(1) // reproduce a single-threaded run's timing; results never change
 */
export function setKernelThreads(threads: number): void {
  const { min, max } = THREADS_RANGE;
  if (!(Number.isInteger(threads) && threads >= min && threads <= max)) {
    throw new RangeError(`setKernelThreads: threads ${showValue(threads)} (expected an integer ${min}–${max})`);
  }
  const sets = threadedSets();
  if (sets.length === 0 && threads !== 1) {
    throw new RangeError(`setKernelThreads(${threads}): no wasm kernel set is registered (VARL_KERNELS=js, or no SIMD128), and the JS kernels run on one thread`);
  }
  const wasm = available.get('wasm') as WasmKernels | undefined;
  wasm?.setThreads(threads);
  for (const set of sets) if (set !== wasm && (threads === 1 || set.heap.shared)) set.setThreads(threads);
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
