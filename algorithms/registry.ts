/**
 * The algorithms varl knows, one record each (algorithms/common/algorithm.ts). `createAgent`,
 * `loadAgent`, the CLI and its help text read this list; adding an algorithm is its own file(s)
 * plus one line here.
 */
import type { Agent } from './common/agent.ts';
import type { AlgorithmRecord } from './common/algorithm.ts';
import { ConfigError } from './common/config.ts';
import {
  CheckpointError, checkFiles, checkRestoreOptions, checkSource, readAgentMeta, type CheckpointFiles, type RestoreOptions,
} from './common/checkpoint.ts';
import { checkEnvSource, type EnvSource } from './common/env-vector.ts';
import { FLOW_SAC_ALGORITHM } from './flow-sac.ts';
import { HMC_SAC_ALGORITHM } from './hmc-sac.ts';
import { IAPO_ALGORITHM } from './iapo.ts';
import { LANGEVIN_TD3_ALGORITHM } from './langevin-td3.ts';
import { PPO_ALGORITHM } from './ppo.ts';
import { REINFORCE_ALGORITHM } from './reinforce.ts';
import { SAC_ALGORITHM } from './sac.ts';
import { SVPG_ALGORITHM } from './svpg.ts';
import { TD3_ALGORITHM } from './td3.ts';
import { TRPO_ALGORITHM } from './trpo.ts';

export const ALGORITHMS: readonly AlgorithmRecord[] = [
  SAC_ALGORITHM, TD3_ALGORITHM, IAPO_ALGORITHM,
  REINFORCE_ALGORITHM, PPO_ALGORITHM, TRPO_ALGORITHM, SVPG_ALGORITHM,
  HMC_SAC_ALGORITHM,
  LANGEVIN_TD3_ALGORITHM,
  FLOW_SAC_ALGORITHM,
];

/** The names `createAgent` and `varl train --algo` accept. */
export function algorithmNames(): string[] {
  return ALGORITHMS.map((record) => record.name);
}

/** The record of an algorithm by (case-insensitive) name, if varl knows it. */
export function findAlgorithm(name: unknown): AlgorithmRecord | undefined {
  return typeof name === 'string' ? ALGORITHMS.find((r) => r.name === name.toLowerCase()) : undefined;
}

/** The record of an algorithm by (case-insensitive) name; RangeError listing the known names otherwise. */
export function algorithm(name: string): AlgorithmRecord {
  const record = findAlgorithm(name);
  if (!record) throw new RangeError(`unknown algorithm ${JSON.stringify(name)}; expected one of ${algorithmNames().join(', ')}`);
  return record;
}

/**
 * A new agent of the named algorithm.
 * @example const agent = createAgent('sac', make('Pendulum-v1'), { seed: 1 });
 * @example const agent = createAgent('ppo', () => make('Pendulum-v1'), { numEnvs: 4 });
 */
export function createAgent(name: string, env: EnvSource, config: Record<string, unknown> = {}): Agent {
  const record = algorithm(name);
  checkEnvSource('createAgent', env);
  return record.create(env, config);
}

/**
 * Rebuilds the agent saved in checkpoint files (its algorithm and config from meta.json) around
 * `env` and restores it: everything (to resume training), or with `weightsOnly` the networks only.
 * An on-policy agent of several envs needs a function making envs (or a vector env), e.g. `() => make(id)`.
 * `source` names the files in errors (their folder, or the file a page was given).
 */
export function agentFromFiles(files: Readonly<CheckpointFiles>, env: EnvSource, options: RestoreOptions = {}, source = 'checkpoint'): Agent {
  checkFiles('agentFromFiles', files);
  checkEnvSource('agentFromFiles', env);
  checkRestoreOptions('agentFromFiles', options);
  checkSource('agentFromFiles', 'source', source);
  const meta = readAgentMeta(files, source);
  const record = findAlgorithm(meta.algorithm);
  if (!record) throw new CheckpointError(`${source}: unknown algorithm '${meta.algorithm}' in meta.json; known: ${algorithmNames().join(', ')}`);
  let agent: Agent;
  try {
    agent = record.create(env, meta.config);
  } catch (error) {
    // The config came from the checkpoint's meta.json, not from the caller: say which file.
    if (error instanceof ConfigError) throw new CheckpointError(`${source}: meta.json holds a config ${record.name} refuses: ${error.message}`);
    throw error;
  }
  return agent.fromCheckpoint(files, options, source);
}
