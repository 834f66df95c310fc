/** Every op of the engine, by family; the primitives among them are listed in primitives.ts. */
export * from './elementwise.ts';
export * from './reduce.ts';
export * from './shape.ts';
export * from './matmul.ts';
export type { NonDifferentiableName, PrimitiveAttrs, PrimitiveName } from './primitives.ts';
