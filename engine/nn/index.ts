/** Neural-network building blocks: modules with named parameter trees, layers, initializers. */
export {
  Module, functionalCall, copyParameters, polyakUpdate,
  type StateDict, type LoadStateDictOptions, type UnaryModule,
} from './module.ts';
export {
  Linear, LayerNorm, Activation, Sequential, MLP, defaultLinearInit,
  type LinearInit, type LinearOptions, type LayerNormOptions, type ActivationName, type MLPOptions,
} from './layers.ts';
export {
  calculateGain, fans, uniform_, normal_, constant_, zeros_, xavierUniform_, xavierNormal_,
  kaimingUniform_, kaimingNormal_, orthogonal_,
  type Nonlinearity, type FanMode, type RandomInitOptions, type XavierOptions, type KaimingOptions, type OrthogonalOptions,
} from './init.ts';
export { parameterCount, parametersToVector, vectorToParameters, vectorToStateDict, vectorToTensors } from './parameter-vector.ts';
