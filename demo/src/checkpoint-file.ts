/**
 * The page's one-file checkpoint: a JSON object holding the checkpoint's files in base64,
 *
 *   { "format": "varl-checkpoint", "version": 1, "algorithm": "SAC", "envId": "Pendulum-v1",
 *     "files": { "meta.json": "<base64>", "model.safetensors": "<base64>", … } }
 *
 * The files are exactly those of a `varl train` run's checkpoint/ folder, so a download unpacks to
 * a folder `varl eval --checkpoint` reads, and that folder's files can be uploaded as they are.
 */
import type { CheckpointFiles } from './protocol.ts';

export const CHECKPOINT_FORMAT = 'varl-checkpoint';

/** A file that is neither a checkpoint container nor a checkpoint's own file. */
export class CheckpointFileError extends Error {
  override name = 'CheckpointFileError';
}

function toBase64(bytes: Uint8Array): string {
  let binary = '';
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary);
}

function fromBase64(text: string, name: string): Uint8Array {
  try {
    const binary = atob(text);
    const out = new Uint8Array(binary.length);
    for (let i = 0; i < binary.length; i++) out[i] = binary.charCodeAt(i);
    return out;
  } catch {
    throw new CheckpointFileError(`'${name}' in the checkpoint file is not base64`);
  }
}

/** The container's text for `files`. */
export function packCheckpoint(files: Readonly<CheckpointFiles>, label: { algorithm: string; envId: string }): string {
  const encoded = Object.fromEntries(Object.entries(files).map(([name, bytes]) => [name, toBase64(bytes)]));
  return JSON.stringify({ format: CHECKPOINT_FORMAT, version: 1, ...label, files: encoded });
}

/** The files of a container's text. */
export function unpackCheckpoint(text: string, fileName: string): CheckpointFiles {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new CheckpointFileError(`${fileName} is not a varl checkpoint: it is not JSON`);
  }
  const record = parsed as { format?: unknown; version?: unknown; files?: unknown };
  if (typeof parsed !== 'object' || parsed === null || record.format !== CHECKPOINT_FORMAT) {
    throw new CheckpointFileError(`${fileName} is not a varl checkpoint: 'format' is not '${CHECKPOINT_FORMAT}'`);
  }
  if (record.version !== 1) throw new CheckpointFileError(`${fileName}: checkpoint container version ${String(record.version)} is not supported (1 is)`);
  if (typeof record.files !== 'object' || record.files === null) throw new CheckpointFileError(`${fileName}: the container has no 'files' object`);
  const files: CheckpointFiles = {};
  for (const [name, value] of Object.entries(record.files as Record<string, unknown>)) {
    if (typeof value !== 'string') throw new CheckpointFileError(`${fileName}: '${name}' is not a base64 string`);
    files[name] = fromBase64(value, name);
  }
  return files;
}

/**
 * The checkpoint in the files the user picked: one container (.json other than meta.json), or the
 * files of a checkpoint/ folder (meta.json and its .safetensors files).
 */
export async function readPickedFiles(picked: readonly File[]): Promise<CheckpointFiles> {
  if (picked.length === 0) throw new CheckpointFileError('No file chosen');
  if (picked.length === 1 && picked[0].name !== 'meta.json') return unpackCheckpoint(await picked[0].text(), picked[0].name);
  const files: CheckpointFiles = {};
  for (const file of picked) {
    if (file.name !== 'meta.json' && !file.name.endsWith('.safetensors')) {
      throw new CheckpointFileError(`${file.name} is not part of a checkpoint folder (meta.json and *.safetensors)`);
    }
    files[file.name] = new Uint8Array(await file.arrayBuffer());
  }
  if (!files['meta.json']) throw new CheckpointFileError('The chosen files lack meta.json');
  return files;
}
