/**
 * What a peer engine provides to the suite: the same workloads as bench/workloads.ts, each as a
 * closure whose call runs the workload to completion (synchronously, or by resolving its promise).
 * Peers are imported only when installed under bench/peers/node_modules (`npm run
 * bench:peers:install`), by a computed specifier so that type-checking never needs them.
 */
import type { ElementwiseOp, GemmLayout } from '../workloads.ts';

export type Run = () => unknown;

export interface PeerEngine {
  readonly name: string;
  gemm(n: number, layout: GemmLayout): Run;
  qnet(): { trainStep: Run; gradX: Run; secondOrder: Run };
  elementwise(op: ElementwiseOp): Run;
  /** Called before each of this engine's tasks (e.g. to switch a backend). */
  activate?(): Promise<void> | void;
}

/** Imports a package from bench/peers/node_modules, or returns null when it is not installed. */
export async function importPeer(name: string): Promise<Record<string, unknown> | null> {
  const specifier = name; // a variable: TypeScript does not resolve (or require) the package
  try {
    return (await import(specifier)) as Record<string, unknown>;
  } catch {
    return null;
  }
}
