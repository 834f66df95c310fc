/**
 * varl algorithms: SAC and TD3 with one surface — `new SAC(env, config)`, `learn({ totalSteps,
 * callbacks })`, `predict(obs, { deterministic })`, `save(dir)` / `load(dir)` — and the shared
 * training infrastructure (replay, evaluation, logging, callbacks, checkpoints, learning curves).
 *
 * @example
 * import { SAC } from 'varl/algorithms';
 * import { make } from 'varl/envs';
 * const sac = new SAC(make('Pendulum-v1'), { seed: 0 });
 * await sac.learn({ totalSteps: 20_000, evalEnv: make('Pendulum-v1'), runDir: 'runs/sac', progress: true });
 */
import { readCheckpointMeta } from './common/checkpoint.ts';
import type { ContinuousEnv } from './common/env.ts';
import { SAC, type SACConfig } from './sac.ts';
import { TD3, type TD3Config } from './td3.ts';
import { IAPO, type IAPOConfig } from './iapo.ts';

export { SAC, SAC_DEFAULTS, SAC_RULES, SquashedGaussianActor, type SACConfig } from './sac.ts';
export { TD3, TD3_DEFAULTS, TD3_RULES, type TD3Config } from './td3.ts';
export { IAPO, IAPO_DEFAULTS, IAPO_PRESETS, IAPO_RULES, type IAPOConfig, type IAPOPredictOptions } from './iapo.ts';
export { ReplayBuffer, createBatch, type Batch, type ReplayBufferOptions, type ReplayBufferState } from './common/replay-buffer.ts';
export { evaluate, meanStd, type EvaluationOptions, type EvaluationResult } from './common/evaluate.ts';
export { RunLogger, ProgressReporter, readEvalHistory, formatDuration, type ProgressRecord, type EvalPoint } from './common/logger.ts';
export { stopOnEvalReturn, everySteps, type Callback, type TrainingContext } from './common/callbacks.ts';
export { learningCurveSvg, type CurveSeries, type CurvePoint, type CurveOptions } from './common/curve-svg.ts';
export {
  writeCheckpointDir, resolveCheckpointDir, hasCheckpoint, readCheckpointMeta, NonFiniteParameterError, type CheckpointMeta,
} from './common/checkpoint.ts';
export { ConfigError, resolveConfig } from './common/config.ts';
export { ActionScaler, type ContinuousEnv, type BoxLike, type StepResult } from './common/env.ts';
export { NonFiniteLossError, type LearnOptions, type LearnResult, type OffPolicyConfig } from './common/off-policy.ts';
export { PRESETS, presetFor } from './presets.ts';

/** The algorithms by name. */
export const ALGORITHMS = { sac: SAC, td3: TD3, iapo: IAPO } as const;
export type AlgorithmName = keyof typeof ALGORITHMS;
export type Agent = SAC | TD3 | IAPO;

/** A new agent of the named algorithm. */
export function createAgent(
  name: AlgorithmName, env: ContinuousEnv, config: Partial<SACConfig> | Partial<TD3Config> | Partial<IAPOConfig> = {},
): Agent {
  switch (name) {
    case 'sac': return new SAC(env, config as Partial<SACConfig>);
    case 'td3': return new TD3(env, config as Partial<TD3Config>);
    case 'iapo': return new IAPO(env, config as Partial<IAPOConfig>);
  }
}

/**
 * Rebuilds the agent saved in `dir` (its algorithm and config from meta.json) around `env` and
 * loads it: everything when `weightsOnly` is false (to resume training), networks only otherwise.
 * @example const agent = loadAgent('runs/sac/checkpoint', make('Pendulum-v1'), { weightsOnly: true });
 */
export function loadAgent(dir: string, env: ContinuousEnv, { weightsOnly = false }: { weightsOnly?: boolean } = {}): Agent {
  const meta = readCheckpointMeta(dir);
  const name = meta.algorithm.toLowerCase();
  if (!(name in ALGORITHMS)) throw new Error(`${dir}: unknown algorithm '${meta.algorithm}' in checkpoint`);
  return createAgent(name as AlgorithmName, env, meta.config).load(dir, { weightsOnly });
}
