/**
 * A trained policy to ship: the checkpoint's meta.json (algorithm, env, config, provenance) and
 * model.safetensors (its networks), without the optimizer state and the replay or rollout buffer that
 * only training needs. It loads wherever a checkpoint does, networks only:
 * `loadAgent(dir, env, { weightsOnly: true })` in Node, `agentFromFiles(files, env, { weightsOnly: true })`
 * in a browser.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CheckpointError, showValue } from '../../engine/index.ts';
import { writeDirectoryAtomic } from '../../engine/io/files.ts';
import { POLICY_FILES, readAgentMeta } from '../common/checkpoint.ts';
import { checkpointIn, hasCheckpoint, readCheckpointDir, resolveCheckpointDir } from './checkpoint-dir.ts';


export interface PolicyExport {
  /** The checkpoint folder read (the run's checkpoint/, or its .old copy after an interrupted save). */
  readonly checkpoint: string;
  readonly out: string;
  readonly algorithm: string;
  readonly envId: string;
  readonly step: number;
  /** Bytes written, and the bytes of the checkpoint's files left out. */
  readonly bytes: number;
  readonly bytesLeftOut: number;
}

/**
 * Throws unless `out` can take an export of the checkpoint folder `checkpoint`: a new folder, an empty one
 * (any with `force`), and apart from the checkpoint (neither inside the other).
 */
export function checkExportTarget(checkpoint: string, out: string, force: boolean): void {
  const within = (inner: string, outer: string): boolean => inner === outer || inner.startsWith(`${outer}${path.sep}`);
  const [from, to] = [path.resolve(checkpoint).replace(/\.old$/, ''), path.resolve(out)];
  if (within(from, to) || within(to, from)) throw new RangeError(`${out} and the checkpoint ${from} overlap; export to a folder of its own`);
  if (!fs.existsSync(to)) return;
  if (!fs.statSync(to).isDirectory()) throw new RangeError(`${out} exists and is not a folder`);
  if (!force && fs.readdirSync(to).length > 0) throw new RangeError(`${out} is not empty (force to replace it)`);
}

/**
 * Writes the policy of checkpoint `checkpointDir` (a checkpoint folder or a run folder holding one) to
 * `outDir`, which must be new or empty, unless `force`; written whole or not at all.
 * @example exportPolicy('runs/sac-Pendulum-v1-s0', 'policies/pendulum'); // then loadAgent('policies/pendulum', env, { weightsOnly: true })
 */
export function exportPolicy(checkpointDir: string, outDir: string, { force = false }: { force?: boolean } = {}): PolicyExport {
  for (const [name, value] of [['checkpointDir', checkpointDir], ['outDir', outDir]] as const) {
    if (typeof value !== 'string' || value === '') throw new TypeError(`exportPolicy: ${name} must be a folder path, got ${showValue(value)}`);
  }
  const source = checkpointIn(checkpointDir);
  if (!hasCheckpoint(source)) throw new CheckpointError(`exportPolicy: no checkpoint at ${checkpointDir} (expected meta.json there or in its checkpoint/ folder)`);
  const checkpoint = resolveCheckpointDir(source);
  const files = readCheckpointDir(source);
  const meta = readAgentMeta(files, checkpoint);
  for (const name of POLICY_FILES) {
    if (!Object.hasOwn(files, name)) throw new CheckpointError(`exportPolicy: ${checkpoint} has no ${name}`);
  }
  const out = path.resolve(outDir);
  try {
    checkExportTarget(checkpoint, out, force);
  } catch (error) {
    throw new RangeError(`exportPolicy: ${(error as Error).message}`);
  }
  const kept = Object.fromEntries(POLICY_FILES.map((name) => [name, files[name]]));
  writeDirectoryAtomic(out, kept);
  const size = (names: readonly string[]): number => names.reduce((sum, name) => sum + files[name].byteLength, 0);
  return {
    checkpoint, out, algorithm: meta.algorithm, envId: meta.envId, step: meta.training.step as number,
    bytes: size(POLICY_FILES), bytesLeftOut: size(Object.keys(files).filter((name) => !(POLICY_FILES as readonly string[]).includes(name))),
  };
}
