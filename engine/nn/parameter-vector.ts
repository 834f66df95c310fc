/**
 * Parameters as one flat vector (torch.nn.utils.parameters_to_vector / vector_to_parameters), for
 * methods that treat a network's weights as a point in ℝⁿ: conjugate gradient on Fisher-vector
 * products (TRPO), distributions over policy weights (variational policy gradients), Stein particles.
 *
 * @example
 * const θ = parametersToVector(policy.parameters());            // differentiable concat, [n]
 * const sample = add(μ, mul(σ, randn([n])));                     // a θ ~ q(θ)
 * functionalCall(policy, vectorToStateDict(sample, policy), () => policy.forward(obs));
 */
import { ShapeError, ValueError, formatShape } from '../errors.ts';
import { concat, reshape, slice } from '../ops/index.ts';
import type { Tensor } from '../tensor.ts';
import type { Module, StateDict } from './module.ts';

function checkParameters(op: string, params: readonly Tensor[]): void {
  if (!Array.isArray(params)) throw new ValueError(`${op}: expected an array of tensors, got ${typeof params}`);
  params.forEach((p, i) => {
    if (typeof p !== 'object' || p === null || !Array.isArray((p as Tensor).shape)) throw new ValueError(`${op}: entry ${i} is not a tensor`);
  });
}

/** The total number of scalars in `params`. */
export function parameterCount(params: readonly Tensor[]): number {
  checkParameters('parameterCount', params);
  return params.reduce((n, p) => n + p.size, 0);
}

/** The parameters flattened and concatenated in order, [n]; differentiable with respect to each of them. */
export function parametersToVector(params: readonly Tensor[]): Tensor {
  checkParameters('parametersToVector', params);
  if (params.length === 0) throw new ValueError('parametersToVector: no parameters');
  const dtype = params[0].dtype;
  const mixed = params.findIndex((p) => p.dtype !== dtype);
  if (mixed >= 0) throw new ValueError(`parametersToVector: parameter ${mixed} is ${params[mixed].dtype}, parameter 0 is ${dtype}`);
  return concat(params.map((p) => reshape(p, [p.size])), 0);
}

/** Slices of `vector` shaped like each of `shapes`, in order: differentiable views for `functionalCall`. */
export function vectorToTensors(vector: Tensor, shapes: readonly (readonly number[])[]): Tensor[] {
  const total = shapes.reduce((n, s) => n + s.reduce((a, b) => a * b, 1), 0);
  if (vector.shape.length !== 1 || vector.size !== total) {
    throw new ShapeError(`vectorToTensors: vector of shape ${formatShape(vector.shape)} does not hold ${total} values for ${shapes.length} tensors`);
  }
  let offset = 0;
  return shapes.map((shape) => {
    const size = shape.reduce((a, b) => a * b, 1);
    const part = reshape(slice(vector, [offset], [offset + size]), shape);
    offset += size;
    return part;
  });
}

/** A state dict of `module`'s parameters cut from `vector` (its `namedParameters` order), for `functionalCall`. */
export function vectorToStateDict(vector: Tensor, module: Module): StateDict {
  const named = module.namedParameters();
  const parts = vectorToTensors(vector, named.map(([, p]) => p.shape));
  return Object.fromEntries(named.map(([name], i) => [name, parts[i]]));
}

/** Writes `vector` into the parameters in place (outside autodiff; bumps their versions). */
export function vectorToParameters(vector: Tensor, params: readonly Tensor[]): void {
  checkParameters('vectorToParameters', params);
  const total = parameterCount(params);
  if (vector.shape.length !== 1 || vector.size !== total) {
    throw new ShapeError(`vectorToParameters: vector of shape ${formatShape(vector.shape)}, the parameters hold ${total} values`);
  }
  const mixed = params.findIndex((p) => p.dtype !== vector.dtype);
  if (mixed >= 0) throw new ValueError(`vectorToParameters: parameter ${mixed} is ${params[mixed].dtype}, the vector is ${vector.dtype}`);
  let offset = 0;
  for (const p of params) {
    const start = offset;
    p.mutate_((data) => data.set(vector.data.subarray(start, start + p.size)));
    offset += p.size;
  }
}
