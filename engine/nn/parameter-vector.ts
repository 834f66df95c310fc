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
import { ShapeError, ValueError, describeValue, formatShape } from '../errors.ts';
import { concat, reshape, slice } from '../ops/index.ts';
import { Tensor } from '../tensor.ts';
import { Module, type StateDict } from './module.ts';

function checkParameters(op: string, params: readonly Tensor[]): void {
  if (!Array.isArray(params)) throw new ValueError(`${op}: expected an array of tensors, got ${describeValue(params)}`);
  params.forEach((p, i) => {
    if (!(p instanceof Tensor)) throw new ValueError(`${op}: entry ${i} is not a tensor, got ${describeValue(p)}`);
  });
}

/** Throws unless `vector` is a rank-1 tensor of `size` values. */
function checkVector(op: string, vector: Tensor, size: number, what: string): void {
  if (!(vector instanceof Tensor)) throw new ValueError(`${op}: vector must be a Tensor, got ${describeValue(vector)}`);
  if (vector.rank !== 1 || vector.size !== size) {
    throw new ShapeError(`${op}: vector of shape ${formatShape(vector.shape)}; ${what} hold ${size} values, so it must have shape [${size}]`);
  }
}

/** The number of values in each shape, checked: arrays of non-negative integers. */
function sizesOf(op: string, shapes: readonly (readonly number[])[]): number[] {
  if (!Array.isArray(shapes)) throw new ValueError(`${op}: shapes must be an array of shapes, got ${describeValue(shapes)}`);
  return shapes.map((shape, i) => {
    if (!Array.isArray(shape) || !shape.every((d) => Number.isInteger(d) && d >= 0)) {
      throw new ShapeError(`${op}: shapes[${i}] is ${Array.isArray(shape) ? formatShape(shape) : typeof shape}, not a list of non-negative integers`);
    }
    return shape.reduce((a, b) => a * b, 1);
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

/**
 * Slices of `vector` reshaped to each of `shapes`, in order: differentiable in `vector`, so weights
 * sampled as one vector can be substituted into a module (see `vectorToStateDict`).
 * @example vectorToTensors(tensor([1, 2, 3, 4, 5]), [[2, 2], [1]])   // [[1, 2], [3, 4]] and [5]
 */
export function vectorToTensors(vector: Tensor, shapes: readonly (readonly number[])[]): Tensor[] {
  const sizes = sizesOf('vectorToTensors', shapes);
  checkVector('vectorToTensors', vector, sizes.reduce((a, b) => a + b, 0), 'the shapes');
  let offset = 0;
  return shapes.map((shape, i) => {
    const part = reshape(slice(vector, [offset], [offset + sizes[i]]), shape);
    offset += sizes[i];
    return part;
  });
}

/** A state dict of `module`'s parameters cut from `vector` (its `namedParameters` order), for `functionalCall`. */
export function vectorToStateDict(vector: Tensor, module: Module): StateDict {
  if (!(module instanceof Module)) throw new ValueError(`vectorToStateDict: module must be a Module, got ${describeValue(module)}`);
  const named = module.namedParameters();
  const parts = vectorToTensors(vector, named.map(([, p]) => p.shape));
  return Object.fromEntries(named.map(([name], i) => [name, parts[i]]));
}

/** Writes `vector` into the parameters in place (outside autodiff; bumps their versions). */
export function vectorToParameters(vector: Tensor, params: readonly Tensor[]): void {
  checkParameters('vectorToParameters', params);
  checkVector('vectorToParameters', vector, parameterCount(params), 'the parameters');
  const mixed = params.findIndex((p) => p.dtype !== vector.dtype);
  if (mixed >= 0) throw new ValueError(`vectorToParameters: parameter ${mixed} is ${params[mixed].dtype}, the vector is ${vector.dtype}`);
  let offset = 0;
  for (const p of params) {
    const start = offset;
    p.mutate_((data) => data.set(vector.data.subarray(start, start + p.size)));
    offset += p.size;
  }
}
