/**
 * varl engine: tensors, any-order reverse-mode autodiff, and the ops over them.
 *
 * @example
 * import { grad, tensor } from 'varl/engine';
 * const f = (x: Tensor) => x.tanh().sum();
 * grad(grad(f))(tensor([0.5], { dtype: 'float64' })); // −2·tanh(0.5)·(1 − tanh²(0.5))
 *
 * This entry runs in a browser too (it imports no Node module); file I/O is in engine/node.ts.
 */
export {
  Tensor, tensor, scalar, full, zeros, ones, zerosLike, onesLike, arange, eye, rand, randn, isTensor, expectTensor, expectTensors,
  type NestedArray, type TensorOptions, type RandomOptions, type DType, type FloatArray,
} from './tensor.ts';
export * from './ops/index.ts';
export { noGrad, withGradMode, isGradEnabled, withAnomalyCheck, type Primitive, type Vjp } from './autograd/graph.ts';
export { gradients, type BackwardOptions } from './autograd/backward.ts';
export { grad, valueAndGrad, vjp, jvp, hvp } from './autograd/transforms.ts';
export { Generator, seedWords, type GeneratorState, type GeneratorWords, type SeedScheme } from './random.ts';
export { ShapeError, ValueError, GradientError, AnomalyError, EnvironmentError, TraceError, showValue, expectFunction, expectObject, expectArray } from './errors.ts';
export { TracedFunction, setTracing, isTracingEnabled, setMemoryPlanning, dynamicScalar, hostCall, type TraceState, type TraceStats, type TracedFunctionOptions, type HostAccess } from './trace/index.ts';
export { fromNdarray, toNdarray } from './ndarray.ts';
export { kernels, useKernels, registerKernels, availableKernels, kernelThreads, setKernelThreads } from './kernels/index.ts';
export type { Kernels } from './kernels/types.ts';
export * from './nn/index.ts';
export * from './optim/index.ts';
export * from './distributions/index.ts';
export * from './io/index.ts';
