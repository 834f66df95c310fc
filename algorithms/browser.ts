/**
 * varl algorithms without any platform dependency: the agents, the training runner and its
 * callbacks, buffers, evaluation, configs and the checkpoint format as in-memory files. Bundles
 * for a browser; Node users import 'varl/algorithms' (this plus run folders, checkpoint
 * directories, console progress and signals).
 *
 * @example
 * import { SAC } from 'varl/algorithms';
 * import { make } from 'varl/envs';
 * const sac = new SAC(make('Pendulum-v1'), { seed: 0 });
 * await sac.learn({ totalSteps: 20_000, evalEnv: make('Pendulum-v1'), callbacks: [{ onEvaluation: (run, r) => console.log(run.step, r.mean) }] });
 * const files = sac.toCheckpoint();   // { 'meta.json': Uint8Array, 'model.safetensors': …, … }
 */
export { SAC, SAC_ALGORITHM, SAC_DEFAULTS, SAC_RULES, SquashedGaussianActor, type SACConfig } from './sac.ts';
export { TD3, TD3_ALGORITHM, TD3_DEFAULTS, TD3_RULES, type TD3Config } from './td3.ts';
export { IAPO, IAPO_ALGORITHM, IAPO_DEFAULTS, IAPO_PRESETS, IAPO_RULES, type IAPOConfig, type IAPOPredictOptions } from './iapo.ts';
export { PPO, PPO_ALGORITHM, PPO_DEFAULTS, PPO_RULES, type PPOConfig } from './ppo.ts';
export { TRPO, TRPO_ALGORITHM, TRPO_DEFAULTS, TRPO_RULES, type TRPOConfig } from './trpo.ts';
export { REINFORCE, REINFORCE_ALGORITHM, REINFORCE_DEFAULTS, REINFORCE_RULES, type REINFORCEConfig } from './reinforce.ts';
export { HMCSAC, HMC_SAC_ALGORITHM, HMC_SAC_DEFAULTS, type HMCSACConfig } from './hmc-sac.ts';
export { LangevinTD3, LANGEVIN_TD3_ALGORITHM, LANGEVIN_TD3_DEFAULTS, type LangevinTD3Config } from './langevin-td3.ts';
export { FlowSAC, FLOW_SAC_ALGORITHM, FLOW_SAC_DEFAULTS, type FlowSACConfig } from './flow-sac.ts';
export { SVPG, SVPG_ALGORITHM, SVPG_DEFAULTS, SVPG_RULES, type SVPGConfig } from './svpg.ts';
export { ParticlePolicy, svgdDirections, type SvgdStep } from './policy-gradient/particles.ts';
export { OnPolicyAgent, ON_POLICY_DEFAULTS, type OnPolicyConfig, type OnPolicySpec } from './common/on-policy-agent.ts';
export { EnvVector, type EnvSource } from './common/env-vector.ts';
export { Normalizer, RunningMeanStd, type NormalizationOptions } from './common/normalization.ts';
export {
  GaussianPolicy, ParameterPosteriorPolicy, StateNoisePolicy, type PolicyModel, type PolicyOptions, type PolicyRows, type PosteriorKind,
} from './policy-gradient/policies.ts';
export { conjugateGradient, fisherVectorProduct, trustRegionStep, type TrustRegionOptions, type TrustRegionResult } from './policy-gradient/natural-gradient.ts';
export { ALGORITHMS, agentFromFiles, algorithm, algorithmNames, createAgent, findAlgorithm } from './registry.ts';
export { defineAlgorithm, type AlgorithmDefinition, type AlgorithmRecord, type EnvPreset, type EvalFlag } from './common/algorithm.ts';
export { OffPolicyAgent, type Agent, type ConfigSpec } from './common/agent.ts';
export { learn, NonFiniteLossError, type LearnOptions, type LearnResult } from './common/runner.ts';
export {
  evaluationCallback, everySteps, stopOnEvalReturn, type Callback, type EvaluationSchedule, type TrainingContext, type TrainingEnd, type TrainingRun,
} from './common/callbacks.ts';
export type {
  Learner, LearnerBase, Metrics, OffPolicyConfig, OffPolicyLearner, OffPolicySchedule, OnPolicyLearner, RolloutStep, TrainingProgress, VectorEnvLike,
} from './common/learner.ts';
export { installHost, type Host, type ProgressOptions, type RunFolderOptions } from './common/host.ts';
export { createStreams, initialTrainingState, type RandomStreams, type TrainingState } from './common/training-state.ts';
export type { EvalPoint, ProgressRecord } from './common/records.ts';
export { ReplayBuffer, createBatch, type Batch, type ReplayBufferOptions, type ReplayBufferState } from './common/replay-buffer.ts';
export { TensorBatch, type TensorBatchOptions } from './common/tensor-batch.ts';
export { TwinCritic, pessimisticValue, sampledQValues, twinCriticValue, type ActionValue, type TwinCriticOptions } from './common/action-value.ts';
export { QNetwork, observationTensor, type QNetworkOptions } from './common/networks.ts';
export {
  NonFiniteEvaluationError, evaluate, meanStd, recordEpisode, type EvaluationOptions, type EvaluationResult, type RecordedEpisode,
} from './common/evaluate.ts';
export { learningCurveSvg, type CurveSeries, type CurvePoint, type CurveOptions } from './plots/learning-curve.ts';
export {
  CheckpointError, NonFiniteParameterError, POLICY_FILES, currentKernels, describeKernels, encodeAgentCheckpoint, sameKernels, readAgentMeta, restoreAgentCheckpoint,
  type AgentCheckpointMeta, type AgentParts, type CheckpointFiles, type KernelIdentity, type RestoreOptions,
} from './common/checkpoint.ts';
export { ConfigError, resolveConfig, warmUpProblem, type ConfigRules, type WarmUpProblem } from './common/config.ts';
export { ActionScaler, flatSize, type ContinuousEnv, type BoxLike, type StepResult } from './common/env.ts';
export {
  RolloutBuffer, RolloutBufferError, type AdvantageNormalization, type RolloutBatch, type RolloutBatchOptions, type RolloutBufferOptions, type RolloutBufferState, type RolloutStepInput,
} from './common/rollout-buffer.ts';
export { inspectActions, type ActionInspection, type DensityKind, type InferenceIterate, type InspectOptions } from './inspect.ts';
export { LANDSCAPE_STYLE, landscapeSvg } from './plots/landscape.ts';
