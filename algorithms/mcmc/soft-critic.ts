/**
 * The SAC configuration HMC-SAC and flow-SAC share (Haarnoja et al. 2018, as in algorithms/sac.ts):
 * the fields they keep, with SAC's defaults and checks. The critic and temperature themselves are
 * algorithms/common/soft-critic.ts, which SAC runs too.
 */
import { CONFIG_LIMITS, inRange, integerIn, layerSizes, offPolicyChecks, optionalInRange } from '../common/config.ts';
import { SAC_DEFAULTS, type SACConfig } from '../sac.ts';
import { showValue } from '../../engine/index.ts';

export { SoftTwinCritic, Temperature } from '../common/soft-critic.ts';

/** The SAC fields the MCMC and flow variants keep, with SAC's meanings and defaults. */
export type SoftActorCriticConfig = Pick<SACConfig,
  | 'seed' | 'bufferSize' | 'batchSize' | 'learningStarts' | 'trainFrequency' | 'gradientSteps'
  | 'learningRate' | 'criticLearningRate' | 'alphaLearningRate' | 'gamma' | 'tau' | 'hiddenSizes'
  | 'targetEntropy' | 'initialAlpha' | 'learnAlpha' | 'alphaLoss' | 'logStdBounds' | 'logStdMin' | 'logStdMax'
  | 'actorQReduction' | 'targetUpdateInterval'>;

/** SAC's defaults for the shared fields (the variants override what differs). */
export const SOFT_ACTOR_CRITIC_DEFAULTS: Readonly<SoftActorCriticConfig> = Object.freeze({
  seed: SAC_DEFAULTS.seed,
  bufferSize: SAC_DEFAULTS.bufferSize,
  batchSize: SAC_DEFAULTS.batchSize,
  learningStarts: SAC_DEFAULTS.learningStarts,
  trainFrequency: SAC_DEFAULTS.trainFrequency,
  gradientSteps: SAC_DEFAULTS.gradientSteps,
  learningRate: SAC_DEFAULTS.learningRate,
  criticLearningRate: SAC_DEFAULTS.criticLearningRate,
  alphaLearningRate: SAC_DEFAULTS.alphaLearningRate,
  gamma: SAC_DEFAULTS.gamma,
  tau: SAC_DEFAULTS.tau,
  hiddenSizes: [...SAC_DEFAULTS.hiddenSizes],
  targetEntropy: SAC_DEFAULTS.targetEntropy,
  initialAlpha: SAC_DEFAULTS.initialAlpha,
  learnAlpha: SAC_DEFAULTS.learnAlpha,
  alphaLoss: SAC_DEFAULTS.alphaLoss,
  logStdBounds: SAC_DEFAULTS.logStdBounds,
  logStdMin: SAC_DEFAULTS.logStdMin,
  logStdMax: SAC_DEFAULTS.logStdMax,
  actorQReduction: SAC_DEFAULTS.actorQReduction,
  targetUpdateInterval: SAC_DEFAULTS.targetUpdateInterval,
});

export const SOFT_ACTOR_CRITIC_CHOICES = {
  alphaLoss: ['logAlpha', 'alpha'],
  logStdBounds: ['clamp', 'tanh'],
  actorQReduction: ['min', 'mean'],
} as const;

/** The checks of SAC_RULES on the shared fields (a message naming the key, or undefined). */
export function softActorCriticChecks(c: Record<string, unknown>): string | undefined {
  return offPolicyChecks(c)
    ?? integerIn(c, 'targetUpdateInterval', 1, CONFIG_LIMITS.repetitions)
    ?? inRange(c, 'gamma', 0, 1) ?? inRange(c, 'tau', 0, 1) ?? inRange(c, 'learningRate', 0, Infinity)
    ?? optionalInRange(c, 'criticLearningRate', 0, Infinity) ?? optionalInRange(c, 'alphaLearningRate', 0, Infinity)
    ?? ((c.initialAlpha as number) > 0 ? undefined : `'initialAlpha' must be > 0, got ${showValue(c.initialAlpha)}`)
    ?? ((c.logStdMin as number) < (c.logStdMax as number) ? undefined : `'logStdMin' must be below 'logStdMax'`)
    ?? layerSizes(c, 'hiddenSizes');
}
