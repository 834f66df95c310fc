/**
 * A stopwatch on every method of a kernel set, installed on the set itself so that a replayed
 * schedule (engine/trace), which calls the set it recorded with, is measured too: time in GEMM and
 * in the other kernels, the floating-point operations of the GEMMs (2·batch·m·k·n per product), and
 * the bytes the set allocates. `remove()` puts the set's own methods back.
 */
import type { Kernels } from '../engine/index.ts';

type KernelMethod = Exclude<keyof Kernels, 'name'>;
const TIMED_METHODS: readonly KernelMethod[] = ['unary', 'binary', 'where', 'clamp', 'matmul', 'adam', 'polyak', 'reduce', 'copyStrided'];
const BINDERS = ['bindMatmul', 'bindUnary', 'bindBinary', 'bindReduce'] as const;

type Method = (...args: unknown[]) => unknown;

/** The GEMM's operations from its arguments (a, b, out, batch, m, k, n, …), as `matmul` and `bindMatmul` take them. */
const gemmOperations = (args: unknown[]): number => {
  const [batch, m, k, n] = args.slice(3, 7) as number[];
  return 2 * batch * m * k * n;
};

export class KernelStopwatch {
  gemmMs = 0;
  otherMs = 0;
  gemmFlops = 0;
  allocatedBytes = 0;
  private readonly originals = new Map<string, unknown>();

  constructor(private readonly set: Kernels) {
    const target = set as unknown as Record<string, Method | undefined>;
    const wrap = (name: string, wrapper: (original: Method) => Method): void => {
      const original = target[name];
      if (!original) return;
      this.originals.set(name, original);
      target[name] = wrapper(original);
    };
    for (const method of TIMED_METHODS) {
      wrap(method, (original) => (...args) => {
        const start = performance.now();
        const result = original.apply(set, args);
        this.record(method === 'matmul', performance.now() - start, method === 'matmul' ? gemmOperations(args) : 0);
        return result;
      });
    }
    for (const binder of BINDERS) {
      wrap(binder, (original) => (...args) => {
        const run = original.apply(set, args) as (() => void) | null;
        if (!run) return null;
        const isGemm = binder === 'bindMatmul';
        const operations = isGemm ? gemmOperations(args) : 0;
        return () => {
          const start = performance.now();
          run();
          this.record(isGemm, performance.now() - start, operations);
        };
      });
    }
    wrap('allocate', (original) => (...args) => {
      const [dtype, size] = args as [string, number];
      this.allocatedBytes += size * (dtype === 'float64' ? 8 : 4);
      return original.apply(set, args);
    });
  }

  /** Zeroes the counters (the wrappers stay). */
  reset(): void {
    this.gemmMs = this.otherMs = this.gemmFlops = this.allocatedBytes = 0;
  }

  remove(): void {
    const target = this.set as unknown as Record<string, unknown>;
    for (const [method, original] of this.originals) target[method] = original;
    this.originals.clear();
  }

  private record(isGemm: boolean, elapsedMs: number, operations: number): void {
    if (isGemm) {
      this.gemmMs += elapsedMs;
      this.gemmFlops += operations;
    } else {
      this.otherMs += elapsedMs;
    }
  }
}
