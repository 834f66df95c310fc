/** Probability distributions for policies, differentiable to any order; sampling takes an explicit Generator. */
export { Normal, klDivergence, type DistributionOptions } from './normal.ts';
export {
  TanhNormal, AffineBox, type ActionBox, type TanhNormalOptions, type TanhNormalSample,
} from './tanh-normal.ts';
export {
  AffineCouplingTransform, AffineTransform, ComposeTransform, TanhTransform,
  type CouplingConditioner, type TanhTransformOptions, type Transform,
} from './transforms.ts';
export { TransformedDistribution, type TransformedSample } from './transformed.ts';
