/** The algorithm config each choice of the page stands for (read by the worker only, so the page's own script stays free of the library). */
import { IAPO_PRESETS } from '../../algorithms/browser.ts';
import type { Settings } from './settings.ts';

/** The algorithm config the settings stand for (keys of SACConfig, TD3Config, IAPOConfig, PPOConfig, HMCSACConfig, LangevinTD3Config or FlowSACConfig). */
export function algorithmConfig(s: Settings): Record<string, unknown> {
  const hidden = [s.hiddenSize, s.hiddenSize];
  const offPolicy = { seed: s.seed, learningRate: s.learningRate, batchSize: s.batchSize, learningStarts: s.warmup, bufferSize: Math.max(s.steps, s.batchSize) };
  switch (s.algorithm) {
    case 'sac':
    case 'td3':
      return { ...offPolicy, hiddenSizes: hidden };
    case 'iapo':
      return { ...IAPO_PRESETS.reduced, ...offPolicy, hiddenSizes: hidden, criticHiddenSizes: hidden };
    case 'hmc-sac':
      return { ...offPolicy, hiddenSizes: hidden, leapfrogSteps: s.chainSteps };
    case 'langevin-td3':
    case 'flow-sac':
      return { ...offPolicy, hiddenSizes: hidden, flowLayers: s.chainSteps };
    case 'ppo':
      return { seed: s.seed, learningRate: s.learningRate, hiddenSizes: hidden, numEnvs: 1, rolloutSteps: s.warmup, batchSize: Math.min(s.batchSize, s.warmup) };
  }
}
