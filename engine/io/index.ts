/** Saving and loading: safetensors files and checkpoints (modules, optimizers, generators, config). */
export {
  SafetensorsError, MAX_HEADER_BYTES, encodeSafetensors, decodeSafetensors, saveSafetensors, loadSafetensors, writeFileAtomic,
  type SafetensorsContents, type SafetensorsDType,
} from './safetensors.ts';
export {
  CheckpointError, CHECKPOINT_FORMAT, encodeCheckpoint, decodeCheckpoint, saveCheckpoint, readCheckpoint, restoreCheckpoint,
  loadCheckpoint, type CheckpointContents, type CheckpointData, type CheckpointTargets,
} from './checkpoint.ts';
