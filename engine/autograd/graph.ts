/**
 * Graph recording. Every differentiable op is a `Primitive`: a forward that computes the result
 * with kernels, and a VJP written with the engine's own ops. When gradients are enabled and an
 * input requires grad, the result remembers (primitive, inputs, attrs). Because VJPs are ordinary
 * op calls, running them while recording builds a graph of the gradient itself: that is all
 * higher-order differentiation needs.
 */
import { AnomalyError, GradientError, formatShape } from '../errors.ts';
import type { Tensor } from '../tensor.ts';

/**
 * The vector-Jacobian product of a primitive: given the cotangent `g` of its output, return one
 * cotangent per input (`null` for inputs that are not differentiable or not needed). A returned
 * cotangent may have the broadcast shape of the output; the engine sums it down to the input's
 * shape.
 */
export type Vjp<Attrs> = (
  g: Tensor, inputs: readonly Tensor[], output: Tensor, attrs: Attrs, needed: readonly boolean[],
) => (Tensor | null)[];

export interface Primitive<Attrs = undefined> {
  readonly name: string;
  readonly forward: (inputs: readonly Tensor[], attrs: Attrs) => Tensor;
  readonly vjp: Vjp<Attrs>;
}

export interface GraphNode {
  readonly primitive: Primitive<unknown>;
  readonly inputs: readonly Tensor[];
  readonly attrs: unknown;
  /** Versions of the inputs when they were saved; a mismatch at backward means an in-place write. */
  readonly inputVersions: readonly number[];
}

let gradEnabled = true;
let anomalyDepth = 0;
let anomalyContext = '';

export function isGradEnabled(): boolean {
  return gradEnabled;
}

/** Runs `fn` without recording any graph (for target updates, evaluation, optimizer steps). */
export function noGrad<T>(fn: () => T): T {
  return withGradMode(false, fn);
}

/** Runs `fn` with recording switched on or off, restoring the previous mode afterwards. */
export function withGradMode<T>(enabled: boolean, fn: () => T): T {
  const previous = gradEnabled;
  gradEnabled = enabled;
  try {
    return fn();
  } finally {
    gradEnabled = previous;
  }
}

/**
 * Runs `fn` with anomaly detection: the first op (forward or backward) whose result holds NaN or
 * ±Inf throws an `AnomalyError` naming the op and its input shapes. Slower; for debugging.
 */
export function withAnomalyCheck<T>(fn: () => T): T {
  anomalyDepth++;
  try {
    return fn();
  } finally {
    anomalyDepth--;
  }
}

/** Labels ops run inside `fn` (used by backward to say which VJP produced a bad value). */
export function withAnomalyContext<T>(context: string, fn: () => T): T {
  if (anomalyDepth === 0) return fn();
  const previous = anomalyContext;
  anomalyContext = context;
  try {
    return fn();
  } finally {
    anomalyContext = previous;
  }
}

function checkFinite(name: string, inputs: readonly Tensor[], output: Tensor): void {
  const data = output.data;
  for (let i = 0; i < data.length; i++) {
    if (!Number.isFinite(data[i])) {
      const shapes = inputs.map((t) => formatShape(t.shape)).join(', ');
      const where = anomalyContext ? ` during ${anomalyContext}` : '';
      throw new AnomalyError(
        `${name}${where}: produced ${data[i]} at flat index ${i} of output ${formatShape(output.shape)} ` +
          `from inputs of shapes ${shapes}`,
      );
    }
  }
}

/** Applies a primitive: runs its forward and, when needed, records it for differentiation. */
export function apply<Attrs>(primitive: Primitive<Attrs>, inputs: readonly Tensor[], attrs: Attrs): Tensor {
  const output = primitive.forward(inputs, attrs);
  if (anomalyDepth > 0) checkFinite(primitive.name, inputs, output);
  if (gradEnabled && inputs.some((t) => t.requiresGrad)) {
    output.setNode({
      primitive: primitive as Primitive<unknown>,
      inputs,
      attrs,
      inputVersions: inputs.map((t) => t.version),
    });
  }
  return output;
}

export function assertUnchanged(node: GraphNode): void {
  node.inputs.forEach((t, i) => {
    if (t.version !== node.inputVersions[i]) {
      throw new GradientError(
        `${node.primitive.name}: input ${i} of shape ${formatShape(t.shape)} was modified in place ` +
          `after it was saved for the backward pass`,
      );
    }
  });
}
