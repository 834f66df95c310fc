/** Probability distributions for policies, differentiable to any order; sampling takes an explicit Generator. */
export { Normal, klDivergence, type DistributionOptions } from './normal.ts';
export {
  TanhNormal, AffineBox, type ActionBox, type TanhNormalOptions, type TanhNormalSample,
} from './tanh-normal.ts';
export {
  AffineCouplingTransform, AffineTransform, ComposeTransform, TanhTransform,
  type AffineCouplingOptions, type AffineTransformOptions, type CouplingConditioner, type CouplingParameters,
  type TanhTransformOptions, type Transform,
} from './transforms.ts';
export { TransformedDistribution, type BaseDistribution, type TransformedSample } from './transformed.ts';
