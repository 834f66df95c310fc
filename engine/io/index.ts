/**
 * Saving and loading, as bytes: the safetensors encoding (runs anywhere). Writing files is Node-only
 * and lives in engine/io/files.ts, exported by engine/node.ts.
 */
export {
  SafetensorsError, MAX_HEADER_BYTES, MAX_HEADER_ENTRIES, encodeSafetensors, decodeSafetensors,
  type SafetensorsContents, type SafetensorsDType,
} from './safetensors.ts';
export {
  CHECKPOINT_FORMAT, CHECKPOINT_VERSION, CheckpointError, encodeCheckpoint, encodeOptimizers, modelTensors, prepareRestore,
  readCheckpointMeta, readCheckpointTensors, restoreCheckpoint,
  type CheckpointContents, type CheckpointFiles, type CheckpointMetaBase, type CheckpointTargets, type PreparedRestore, type SavedOptimizer,
} from './checkpoint.ts';
