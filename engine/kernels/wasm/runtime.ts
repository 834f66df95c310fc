/**
 * The parts of the WebAssembly JS API the kernels use, typed locally: the project's `lib` is ES2022
 * without DOM, and @types/node 20 does not declare the `WebAssembly` namespace.
 */
export interface WasmMemory {
  /** A SharedArrayBuffer when the memory was created with `shared: true`. */
  readonly buffer: ArrayBuffer | SharedArrayBuffer;
}

export interface WasmInstance {
  readonly exports: Record<string, unknown>;
}

interface WasmApi {
  Memory: new (descriptor: { initial: number; maximum: number; shared?: boolean }) => WasmMemory;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: Record<string, Record<string, unknown>>) => WasmInstance;
  validate(bytes: Uint8Array): boolean;
}

/** The runtime's WebAssembly object, or undefined where there is none. */
export const webAssembly: WasmApi | undefined = (globalThis as { WebAssembly?: WasmApi }).WebAssembly;
