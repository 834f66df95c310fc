/**
 * What training needs from the platform beyond computation: files (run folders, checkpoint
 * directories), console progress and interrupt signals. The learning code is platform-free; the
 * Node entry (algorithms/node.ts) installs the Node implementation when it is imported, and a
 * browser page can install its own (or none: then `runDir`, `progress`, `handleSignals`,
 * `save(dir)` and `load(dir)` say so, while `learn`, `toCheckpoint()` and `fromCheckpoint()` work).
 */
import { showValue } from '../../engine/index.ts';
import type { Callback } from './callbacks.ts';
import type { CheckpointFiles } from './checkpoint.ts';
import type { Learner } from './learner.ts';

export interface RunFolderOptions {
  readonly totalSteps: number;
  /** Env steps between checkpoints (0: only at the end). */
  readonly checkpointEvery: number;
}

export interface ProgressOptions {
  readonly totalSteps: number;
  readonly label: string;
  readonly intervalSeconds?: number;
  readonly tty?: boolean;
}

export interface Host {
  /** Callbacks that keep a run folder: progress.csv/.jsonl, periodic and final checkpoints, curve.svg. */
  runFolderCallbacks(runDir: string, learner: Learner, options: RunFolderOptions): Callback[];
  /** A callback printing progress to the console. */
  progressCallback(options: ProgressOptions): Callback;
  /** Calls `handler` on SIGINT/SIGTERM (or the platform's equivalent); returns the function that stops listening. */
  onInterrupt(handler: (signal: string) => void): () => void;
  /** Replaces checkpoint directory `dir` with `files`, atomically with respect to crashes. */
  writeCheckpoint(dir: string, files: CheckpointFiles): void;
  /** Reads the files of the latest complete checkpoint in `dir`. */
  readCheckpoint(dir: string): CheckpointFiles;
}

let installed: Host | null = null;

/** Installs the platform implementation (the Node entry does this on import). */
export function installHost(host: Host): void {
  const methods = ['runFolderCallbacks', 'progressCallback', 'onInterrupt', 'writeCheckpoint', 'readCheckpoint'] as const;
  if (typeof host !== 'object' || host === null) throw new TypeError(`installHost: host must be an object with the methods ${methods.join(', ')}, got ${showValue(host)}`);
  for (const name of methods) {
    if (typeof host[name] !== 'function') throw new TypeError(`installHost: host.${name} must be a function, got ${showValue(host[name])}`);
  }
  installed = host;
}

/** The installed platform, or a clear error naming the feature that needs one. */
export function host(feature: string): Host {
  if (!installed) {
    throw new Error(`${feature} needs file and process access: import varl's Node entry ('varl/algorithms' in Node), or in a browser use toCheckpoint()/fromCheckpoint() and callbacks`);
  }
  return installed;
}
