/**
 * Agent checkpoints on disk: the files of algorithms/common/checkpoint.ts in one directory,
 * replaced atomically (engine/io/files.ts: written in full to `<dir>.tmp`, fsynced, swapped in with
 * renames; after a kill between the renames the previous checkpoint is found at `<dir>.old`).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { nearestExistingPath, readDirectoryFiles, resolveDirectory, writeDirectoryAtomic } from '../../engine/io/files.ts';
import { showValue } from '../../engine/index.ts';
import { checkFiles, readAgentMeta, type AgentCheckpointMeta, type CheckpointFiles } from '../common/checkpoint.ts';

/**
 * Replaces checkpoint directory `dir` with `files`, atomically with respect to crashes. `dir` must be new,
 * empty, or a checkpoint already (meta.json and files only): the swap replaces the folder whole, so any
 * other folder is refused rather than deleted (`agent.save('.')` would otherwise empty the working
 * directory), and so is a file.
 */
export function writeCheckpointDir(dir: string, files: CheckpointFiles): void {
  if (typeof dir !== 'string' || dir === '') throw new TypeError(`writeCheckpointDir: dir must be a folder path, got ${showValue(dir)}`);
  checkFiles('writeCheckpointDir', files);
  for (const [name, bytes] of Object.entries(files)) {
    if (!(bytes instanceof Uint8Array)) throw new TypeError(`writeCheckpointDir: files['${name}'] must be a Uint8Array, got ${showValue(bytes)}`);
  }
  checkCheckpointTarget(dir);
  writeDirectoryAtomic(dir, files);
}

/** Throws unless writing a checkpoint to `dir` replaces nothing but an earlier checkpoint (see writeCheckpointDir). */
function checkCheckpointTarget(dir: string): void {
  const target = path.resolve(dir);
  const refuse = (why: string): never => {
    throw new RangeError(`writeCheckpointDir: cannot save into ${dir}: ${why}; name a new folder, an empty one or an earlier checkpoint`);
  };
  if (!fs.existsSync(target)) {
    const ancestor = nearestExistingPath(target);
    if (!fs.statSync(ancestor).isDirectory()) refuse(`${ancestor} is a file, not a folder`);
    return;
  }
  if (!fs.statSync(target).isDirectory()) refuse('it is a file, not a folder');
  const entries = fs.readdirSync(target, { withFileTypes: true });
  if (entries.length === 0) return;
  const others = entries.filter((entry) => !entry.isFile()).map((entry) => `${entry.name}/`);
  const isCheckpoint = others.length === 0 && entries.some((entry) => entry.name === 'meta.json');
  if (!isCheckpoint) {
    const names = [...others, ...entries.filter((entry) => entry.isFile()).map((entry) => entry.name)].sort();
    refuse(`it is not a checkpoint (it holds ${names.slice(0, 3).join(', ')}${names.length > 3 ? ', …' : ''}), and saving would delete what it holds`);
  }
}

/**
 * The directory holding the latest complete checkpoint for `dir`: `dir` itself, or `dir.old` when
 * a swap was interrupted; throws a clear error when neither exists.
 */
export function resolveCheckpointDir(dir: string): string {
  const resolved = resolveDirectory(dir, 'meta.json');
  if (resolved === null) throw new Error(`no checkpoint at ${dir} (expected ${path.join(dir, 'meta.json')})`);
  return resolved;
}

/**
 * The checkpoint folder `dir` names: `dir` itself when it holds a checkpoint, else the checkpoint/ of a
 * run folder; `dir` unchanged when neither does (the reader then says what is missing).
 */
export function checkpointIn(dir: string): string {
  const inRun = path.join(dir, 'checkpoint');
  return !hasCheckpoint(dir) && hasCheckpoint(inRun) ? inRun : dir;
}

/** True when `dir` (or its `.old` fallback) holds a complete checkpoint. */
export function hasCheckpoint(dir: string): boolean {
  return resolveDirectory(dir, 'meta.json') !== null;
}

/** The files of the latest complete checkpoint in `dir` (regular files only). */
export function readCheckpointDir(dir: string): CheckpointFiles {
  return readDirectoryFiles(resolveCheckpointDir(dir));
}

/** meta.json of the checkpoint in `dir`, checked (format, version, algorithm, config, counters). */
export function readCheckpointMeta(dir: string): AgentCheckpointMeta {
  const resolved = resolveCheckpointDir(dir);
  return readAgentMeta({ 'meta.json': fs.readFileSync(path.join(resolved, 'meta.json')) }, dir);
}
