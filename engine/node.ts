/**
 * varl engine for Node: everything of engine/index.ts plus file I/O (engine/io/files.ts: atomic
 * files and directories, safetensors files). Browser code imports engine/index.ts instead.
 *
 * @example
 * import { saveSafetensors, loadSafetensors } from 'varl/engine/node';
 * saveSafetensors('actor.safetensors', actor.stateDict(), { step: '1000' });
 */
export * from './index.ts';
export {
  writeFileAtomic, saveSafetensors, loadSafetensors, writeDirectoryAtomic, resolveDirectory, readDirectoryFiles,
  type DirectoryFiles,
} from './io/files.ts';
