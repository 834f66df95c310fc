/** The Node implementation of the training platform (algorithms/common/host.ts): files, console, signals. */
import type { Host } from '../common/host.ts';
import { readCheckpointDir, writeCheckpointDir } from './checkpoint-dir.ts';
import { progressCallback } from './progress.ts';
import { runFolderCallbacks } from './run-folder.ts';

export const nodeHost: Host = {
  runFolderCallbacks,
  progressCallback,
  onInterrupt(handler) {
    let received = false;
    const onSignal = (signal: NodeJS.Signals): void => {
      if (received) process.exit(130); // a second Ctrl-C: leave now
      received = true;
      process.stderr.write(`\n${signal}: saving a checkpoint and stopping…\n`);
      handler(signal);
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    return () => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    };
  },
  writeCheckpoint: writeCheckpointDir,
  readCheckpoint: readCheckpointDir,
};
