/**
 * The Node-only part of varl algorithms: run folders, checkpoint directories, console progress and
 * signal handling. Importing it installs the Node platform, so `learn({ runDir, progress,
 * handleSignals })`, `agent.save(dir)` and `agent.load(dir)` work.
 */
import type { Agent } from './common/agent.ts';
import { checkRestoreOptions, type RestoreOptions } from './common/checkpoint.ts';
import { checkEnvSource, type EnvSource } from './common/env-vector.ts';
import { installHost } from './common/host.ts';
import { checkpointIn, readCheckpointDir } from './node/checkpoint-dir.ts';
import { nodeHost } from './node/host.ts';
import { agentFromFiles } from './registry.ts';
import { showValue } from '../engine/index.ts';

installHost(nodeHost);

export { checkpointIn, hasCheckpoint, readCheckpointDir, readCheckpointMeta, resolveCheckpointDir, writeCheckpointDir } from './node/checkpoint-dir.ts';
export { RunLogger, readEvalHistory, readProgressRows } from './node/run-logger.ts';
export { ProgressReporter, formatDuration, progressCallback, type ProgressStatus, type ProgressReporterOptions } from './node/progress.ts';
export { runFolderCallbacks } from './node/run-folder.ts';
export { exportPolicy, type PolicyExport } from './node/policy-export.ts';
export { nodeHost };

/**
 * Rebuilds the agent saved in checkpoint directory `dir`, or in the checkpoint/ of run folder `dir`
 * (its algorithm and config from meta.json), around `env` and loads it: everything by default (to
 * resume training), networks only with `weightsOnly` (evaluation).
 * @example const agent = loadAgent('runs/sac', make('Pendulum-v1'), { weightsOnly: true });
 * @example const agent = loadAgent('runs/ppo/checkpoint', () => make('Pendulum-v1'));   // on-policy: numEnvs envs
 */
export function loadAgent(dir: string, env: EnvSource, options: RestoreOptions = {}): Agent {
  if (typeof dir !== 'string' || dir === '') throw new TypeError(`loadAgent: dir must be a folder path, got ${showValue(dir)}`);
  checkEnvSource('loadAgent', env);
  checkRestoreOptions('loadAgent', options);
  const checkpoint = checkpointIn(dir);
  return agentFromFiles(readCheckpointDir(checkpoint), env, options, checkpoint);
}
