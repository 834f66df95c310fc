/** Error types of the engine. Messages name the op, the shapes and the offending value. */

/** Shapes that do not fit together: broadcasting, matmul dimensions, reshape sizes, axes. */
export class ShapeError extends Error {
  override name = 'ShapeError';
}

/** An argument of the right shape with a value the op cannot take (bad axis, index, dtype). */
export class ValueError extends Error {
  override name = 'ValueError';
}

/** Misuse of autodiff: backward on a non-scalar without a seed, a tensor changed after it was saved. */
export class GradientError extends Error {
  override name = 'GradientError';
}

/** Raised inside `withAnomalyCheck` by the first op whose result is not finite. */
export class AnomalyError extends Error {
  override name = 'AnomalyError';
}

export function formatShape(shape: readonly number[]): string {
  return `[${shape.join(', ')}]`;
}

/** An environment variable the engine reads (VARL_KERNELS, VARL_WASM_*) set to a value it cannot use. */
export class EnvironmentError extends Error {
  override name = 'EnvironmentError';
}
