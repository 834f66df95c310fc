/**
 * Graph recording. Every op the engine records is a `Primitive`: a shape rule, a forward that
 * computes the result with kernels, and a VJP written with the engine's own ops (ops/primitives.ts
 * lists them all). When gradients are enabled and an input requires grad, the result remembers
 * (primitive, inputs, attrs). Because VJPs are ordinary op calls, running them while recording
 * builds a graph of the gradient itself: that is all higher-order differentiation needs.
 */
import { AnomalyError, GradientError, ValueError, describeValue, expectFunction, formatShape } from '../errors.ts';
import type { PrimitiveAttrs, PrimitiveName } from '../ops/primitives.ts';
import type { Shape } from '../shape.ts';
import { Tensor, expectTensor } from '../tensor.ts';

/**
 * The vector-Jacobian product of a primitive: given the cotangent `g` of its output, return one
 * cotangent per input (`null` for inputs that are not differentiable or not needed). A returned
 * cotangent may have the broadcast shape of the output; the engine sums it down to the input's
 * shape.
 */
export type Vjp<Attrs> = (
  g: Tensor, inputs: readonly Tensor[], output: Tensor, attrs: Attrs, needed: readonly boolean[],
) => (Tensor | null)[];

/** The result's shape from the inputs' shapes; throws a `ShapeError` naming them when they do not fit. */
export type ShapeRule<Attrs> = (inputs: readonly Shape[], attrs: Attrs) => Shape;

/** Computes the result, of the shape the shape rule gave, with kernels. */
export type Forward<Attrs> = (inputs: readonly Tensor[], attrs: Attrs, shape: Shape) => Tensor;

/**
 * One primitive's rules side by side. `vjp` is `null` for the piecewise-constant primitives
 * (comparisons, sign, step, isFinite), whose results record no graph; the table in
 * ops/primitives.ts fixes which those are.
 */
export interface Primitive<K extends PrimitiveName> {
  readonly name: K;
  readonly shape: ShapeRule<PrimitiveAttrs[K]>;
  readonly forward: Forward<PrimitiveAttrs[K]>;
  readonly vjp: Vjp<PrimitiveAttrs[K]> | null;
}

/** What the backward pass needs of a recorded primitive. */
export interface RecordedPrimitive {
  readonly name: PrimitiveName;
  readonly vjp: Vjp<unknown>;
}

export interface GraphNode {
  readonly primitive: RecordedPrimitive;
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
  expectFunction('noGrad', 'fn', fn);
  return withGradMode(false, fn);
}

/** Runs `fn` with recording switched on or off, restoring the previous mode afterwards. */
export function withGradMode<T>(enabled: boolean, fn: () => T): T {
  // a truthy string ('false') or a number would silently pick a mode
  if (typeof enabled !== 'boolean') throw new ValueError(`withGradMode: enabled must be true or false, got ${describeValue(enabled)}`);
  expectFunction('withGradMode', 'fn', fn);
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
  expectFunction('withAnomalyCheck', 'fn', fn);
  anomalyDepth++;
  try {
    return fn();
  } finally {
    anomalyDepth--;
  }
}

/** Whether a `withAnomalyCheck` is active (traced steps then run eagerly, so every op is checked). */
export function isAnomalyCheckActive(): boolean {
  return anomalyDepth > 0;
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

/**
 * Applies a primitive: its shape rule, then its forward and, when it has a VJP and an input
 * requires grad, records it for differentiation. Every input must be a Tensor: the one check that
 * covers every primitive reached from untyped code (`tanh(undefined)`), one type test per input.
 */
export function apply<K extends PrimitiveName>(
  primitive: Primitive<K>, inputs: readonly Tensor[], attrs: PrimitiveAttrs[K],
): Tensor {
  const shapes = inputs.map((t: unknown, i) => {
    if (!(t instanceof Tensor)) expectTensor(primitive.name, inputs.length === 1 ? 'its argument' : `input ${i}`, t);
    return t.shape;
  });
  const shape = primitive.shape(shapes, attrs);
  const output = primitive.forward(inputs, attrs, shape);
  if (anomalyDepth > 0) checkFinite(primitive.name, inputs, output);
  if (primitive.vjp !== null && gradEnabled && inputs.some((t) => t.requiresGrad)) {
    output.setNode({
      primitive: primitive as RecordedPrimitive, // its vjp is not null, and takes the attrs saved with it
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
