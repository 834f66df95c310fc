/**
 * Reverse-mode accumulation over the recorded graph. VJPs run as ordinary ops, recorded again when
 * `createGraph` is on, so the gradients this returns can themselves be differentiated.
 */
import { GradientError, ValueError, describeValue, formatShape } from '../errors.ts';
import { sameShape } from '../shape.ts';
import { emptyTensor, expectTensors, ones, type Tensor } from '../tensor.ts';
import { add, cast, sumTo } from '../ops/index.ts';
import { hostCall } from '../trace/recorder.ts';
import { assertUnchanged, isGradEnabled, withAnomalyContext, withGradMode } from './graph.ts';

export interface BackwardOptions {
  /** Record the backward pass so its results can be differentiated again (default false). */
  createGraph?: boolean;
  /**
   * Accumulate into `.grad` of exactly these tensors (each must require grad; a tensor listed twice
   * counts once), leaving every other leaf's `.grad` untouched: PyTorch's `backward(inputs=…)`,
   * e.g. an actor loss that reaches the critics but must only update the actor. Listed tensors the
   * output does not depend on keep their `.grad`.
   */
  inputs?: readonly Tensor[];
}

/** Every tensor that requires grad and is reachable from `roots`, inputs before the results that use them. */
export function topologicalOrder(roots: readonly Tensor[]): Tensor[] {
  const order: Tensor[] = [];
  const visited = new Set<Tensor>();
  for (const root of roots) {
    if (visited.has(root) || !root.requiresGrad) continue;
    visited.add(root);
    const stack: { tensor: Tensor; next: number }[] = [{ tensor: root, next: 0 }];
    while (stack.length > 0) {
      const frame = stack[stack.length - 1];
      const inputs = frame.tensor.node?.inputs ?? [];
      if (frame.next < inputs.length) {
        const child = inputs[frame.next++];
        if (child.requiresGrad && !visited.has(child)) {
          visited.add(child);
          stack.push({ tensor: child, next: 0 });
        }
      } else {
        order.push(frame.tensor);
        stack.pop();
      }
    }
  }
  return order;
}

/**
 * Cotangents of `targets` given cotangents `seeds` of `outputs` (null where a target does not
 * depend on any output). With `createGraph: 'auto'`, the backward pass is recorded exactly when
 * something outside the targets requires grad: an outer parameter, an outer transform's input,
 * or a seed that is itself tracked. Leaves in `local` (a transform's own inputs) do not count.
 */
export function gradients(
  outputs: readonly Tensor[], seeds: readonly Tensor[], targets: readonly Tensor[],
  createGraph: boolean | 'auto', local: readonly Tensor[] = [],
): (Tensor | null)[] {
  expectTensors('gradients', 'outputs', outputs);
  expectTensors('gradients', 'seeds', seeds);
  expectTensors('gradients', 'targets', targets);
  expectTensors('gradients', 'local', local);
  if (seeds.length !== outputs.length) throw new ValueError(`gradients: one seed per output is needed, got ${seeds.length} seed(s) for ${outputs.length} output(s)`);
  if (typeof createGraph !== 'boolean' && createGraph !== 'auto') {
    throw new ValueError(`gradients: createGraph must be true, false or 'auto', got ${describeValue(createGraph)}`);
  }
  const order = topologicalOrder(outputs);
  const targetSet = new Set(targets);
  const needed = new Set<Tensor>();
  let outerTracked = seeds.some((s) => s.requiresGrad);
  for (const t of order) {
    if (targetSet.has(t) || t.node?.inputs.some((x) => needed.has(x))) needed.add(t);
    if (t.isLeaf && !targetSet.has(t) && !local.includes(t)) outerTracked = true;
  }
  const record = createGraph === 'auto' ? outerTracked && isGradEnabled() : createGraph;

  const grads = new Map<Tensor, Tensor>();
  const accumulate = (t: Tensor, g: Tensor): void => {
    const previous = grads.get(t);
    grads.set(t, previous ? add(previous, g) : g);
  };

  withGradMode(record, () => {
    outputs.forEach((out, i) => {
      const seed = seeds[i];
      if (!sameShape(seed.shape, out.shape)) {
        throw new GradientError(`backward: seed of shape ${formatShape(seed.shape)} does not match output ${formatShape(out.shape)}`);
      }
      if (out.requiresGrad) accumulate(out, seed.dtype === out.dtype ? seed : cast(seed, out.dtype));
    });
    for (let i = order.length - 1; i >= 0; i--) {
      const t = order[i];
      const node = t.node;
      const g = grads.get(t);
      if (!node || !g || !needed.has(t)) continue;
      const inputNeeded = node.inputs.map((x) => needed.has(x));
      if (!inputNeeded.some(Boolean)) continue;
      assertUnchanged(node);
      const name = node.primitive.name;
      const inputGrads = withAnomalyContext(`backward of ${name}`, () =>
        node.primitive.vjp(g, node.inputs, t, node.attrs, inputNeeded),
      );
      node.inputs.forEach((x, j) => {
        const gx = inputGrads[j];
        if (!inputNeeded[j] || !gx) return;
        let fitted = sameShape(gx.shape, x.shape) ? gx : sumTo(gx, x.shape);
        if (fitted.dtype !== x.dtype) fitted = cast(fitted, x.dtype);
        if (!sameShape(fitted.shape, x.shape)) {
          throw new GradientError(`${name}: VJP returned shape ${formatShape(gx.shape)} for input ${j} of shape ${formatShape(x.shape)}`);
        }
        accumulate(x, fitted);
      });
      if (!targetSet.has(t) && !t.retainsGrad) grads.delete(t);
    }
  });
  return targets.map((t) => {
    const g = grads.get(t) ?? null;
    return g && !record ? g.detach() : g;
  });
}

/** `tensor.backward()`: accumulates into `.grad` of reached leaves that require grad and of retained intermediates. */
export function backward(root: Tensor, seed: Tensor | undefined, options: BackwardOptions): void {
  if (typeof options !== 'object' || options === null) {
    throw new GradientError(`backward: expected a seed tensor and/or an options object { createGraph?, inputs? }, got ${describeValue(options)}`);
  }
  if (!root.requiresGrad) {
    throw new GradientError(`backward: tensor of shape ${formatShape(root.shape)} does not require grad (no recorded op leads to it from a parameter)`);
  }
  if (!seed && root.size !== 1) {
    throw new GradientError(
      `backward: output of shape ${formatShape(root.shape)} is not a scalar; pass a seed gradient of that shape`,
    );
  }
  const targets = options.inputs === undefined
    ? topologicalOrder([root]).filter((t) => (t.isLeaf && t.requiresGrad) || t.retainsGrad)
    : checkedInputs(options.inputs);
  const createGraph = options.createGraph ?? false;
  if (typeof createGraph !== 'boolean') throw new GradientError(`backward: createGraph must be true or false, got ${describeValue(createGraph)}`);
  const grads = gradients([root], [seed ?? ones(root.shape, { dtype: root.dtype })], targets, createGraph);
  withGradMode(createGraph, () => {
    targets.forEach((t, i) => {
      const g = grads[i];
      if (!g) return;
      // VJPs may hand one cotangent to several inputs (add's is g, g); each .grad gets its own
      // storage so that an in-place edit of one gradient (clipping, scaling) cannot change another.
      t.grad = t.grad ? add(t.grad, g) : createGraph ? g : ownCopy(g);
    });
  });
}

function checkedInputs(inputs: unknown): Tensor[] {
  if (!Array.isArray(inputs)) throw new GradientError(`backward: inputs must be an array of tensors, got ${describeValue(inputs)}`);
  if (inputs.length === 0) throw new GradientError('backward: inputs is empty; omit it to accumulate into every leaf');
  const checked = inputs.map((t: unknown, i) => {
    const tensor = t as Tensor | null | undefined;
    if (typeof tensor !== 'object' || tensor === null || typeof tensor.requiresGrad !== 'boolean') {
      throw new GradientError(`backward: inputs[${i}] is not a tensor`);
    }
    if (!tensor.requiresGrad) throw new GradientError(`backward: inputs[${i}] of shape ${formatShape(tensor.shape)} does not require grad`);
    return tensor;
  });
  // Each tensor's .grad receives its gradient once, as a leaf reached along several paths does.
  return [...new Set(checked)];
}

function ownCopy(t: Tensor): Tensor {
  const copy = emptyTensor(t.shape, t.dtype);
  const [source, target] = [t.data, copy.data];
  hostCall('copy', () => target.set(source), { reads: [source], writes: [target] });
  return copy;
}
