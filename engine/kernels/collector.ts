/**
 * Synchronous garbage collection, where the runtime allows it: a full collection on demand and a
 * FinalizationRegistry whose `cleanupSome` reports what it collected right away. The wasm heap
 * uses it to reclaim blocks of collected views; trace-and-replay uses it to learn which tensors of
 * a recorded step are still referenced once the step has returned (memory-plan.ts).
 *
 * In Node both come from a vm context created with V8's `--expose-gc` and
 * `--harmony-weak-refs-with-cleanup-some` flags switched on for that moment (and restored); in a
 * browser there is neither, and callers fall back to what needs no synchronous collection.
 */
export interface Collector {
  /** Runs a full garbage collection synchronously. */
  readonly gc: () => void;
  readonly Registry: typeof FinalizationRegistry;
}

let cached: Collector | null | undefined;

/** The runtime's collector, made once; null where synchronous collection is unavailable. */
export function fullCollector(): Collector | null {
  if (cached === undefined) cached = nodeCollector();
  return cached;
}

/** Runs `registry.cleanupSome(callback)` (a registry made from `fullCollector().Registry`). */
export function cleanupSome<T>(registry: FinalizationRegistry<T>, callback: (held: T) => void): void {
  (registry as unknown as { cleanupSome(callback: (held: T) => void): void }).cleanupSome(callback);
}

function nodeCollector(): Collector | null {
  const proc = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process;
  if (typeof proc?.getBuiltinModule !== 'function') return null;
  try {
    const v8 = proc.getBuiltinModule('node:v8') as { setFlagsFromString(flags: string): void };
    const vm = proc.getBuiltinModule('node:vm') as { runInNewContext(code: string): unknown };
    const hadGc = typeof (globalThis as { gc?: unknown }).gc === 'function';
    const hadCleanup = typeof (FinalizationRegistry.prototype as { cleanupSome?: unknown }).cleanupSome === 'function';
    if (!hadGc) v8.setFlagsFromString('--expose-gc');
    if (!hadCleanup) v8.setFlagsFromString('--harmony-weak-refs-with-cleanup-some');
    let found: [typeof FinalizationRegistry, () => void];
    try {
      found = vm.runInNewContext('[FinalizationRegistry, typeof gc === "function" ? gc : undefined]') as typeof found;
    } finally {
      if (!hadGc) v8.setFlagsFromString('--no-expose-gc');
      if (!hadCleanup) v8.setFlagsFromString('--no-harmony-weak-refs-with-cleanup-some');
    }
    const [Registry, gc] = found;
    if (typeof gc !== 'function' || typeof (Registry.prototype as { cleanupSome?: unknown }).cleanupSome !== 'function') return null;
    return { gc, Registry };
  } catch {
    return null;
  }
}
