/** Optimizers (Adam, AdamW, SGD) with saveable state, and gradient clipping. */
export { Optimizer, type OptimizerState, type ParameterState } from './optimizer.ts';
export { Adam, AdamW, type AdamOptions } from './adam.ts';
export { SGD, type SGDOptions } from './sgd.ts';
export { clipGradNorm, zeroGrad, type ClipGradNormOptions } from './clip.ts';
