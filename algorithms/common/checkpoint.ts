/**
 * Agent checkpoints. A checkpoint is a directory:
 *   meta.json               algorithm, env id, config, loop counters, random-stream states, env state,
 *                           optimizer kinds / hyperparameters / step counts (human-readable)
 *   model.safetensors       networks (`<module>.<state-dict key>`) and free tensors such as log α
 *   optimizers.safetensors  optimizer moments (`<optimizer>.<parameter index>.<slot>`)
 *   replay.safetensors      the filled part of the replay buffer
 *
 * Atomic checkpoint directories. A checkpoint is written in full to `<dir>.tmp`, every file is
 * fsynced, and then swapped in with renames (`dir` → `dir.old`, `dir.tmp` → `dir`, remove
 * `dir.old`). A process killed at any point (SIGKILL included) leaves either the previous complete
 * checkpoint or the new one: `resolveCheckpointDir` falls back to `dir.old` when the kill came
 * between the two renames, and a half-written `dir.tmp` is never read.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  Tensor, decodeSafetensors, encodeSafetensors, type GeneratorState, type Module, type Optimizer, type OptimizerState,
} from '../../engine/index.ts';
import type { ReplayBuffer, ReplayBufferState } from './replay-buffer.ts';

/** File name → contents. */
export type CheckpointFiles = Record<string, string | Uint8Array>;

function writeSynced(file: string, contents: string | Uint8Array): void {
  const fd = fs.openSync(file, 'w');
  try {
    const bytes = typeof contents === 'string' ? Buffer.from(contents, 'utf8') : contents;
    let written = 0;
    while (written < bytes.length) written += fs.writeSync(fd, bytes, written, bytes.length - written);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

function syncDirectory(dir: string): void {
  try {
    const fd = fs.openSync(dir, 'r');
    try {
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
  } catch {
    // directories cannot be fsynced on some platforms; the renames are still atomic
  }
}

/** Replaces directory `dir` with exactly `files`, atomically with respect to crashes. */
export function writeCheckpointDir(dir: string, files: CheckpointFiles): void {
  const target = path.resolve(dir);
  const tmp = `${target}.tmp`;
  const old = `${target}.old`;
  fs.mkdirSync(path.dirname(target), { recursive: true });
  fs.rmSync(tmp, { recursive: true, force: true });
  fs.mkdirSync(tmp);
  for (const [name, contents] of Object.entries(files)) {
    if (name.includes('/') || name.includes('\\') || name.startsWith('.')) throw new RangeError(`writeCheckpointDir: bad file name '${name}'`);
    writeSynced(path.join(tmp, name), contents);
  }
  syncDirectory(tmp);
  // If a previous swap was interrupted after its first rename, `old` is the last complete checkpoint
  // and `target` is missing: keep `old` until the new one is in place.
  if (fs.existsSync(target)) {
    fs.rmSync(old, { recursive: true, force: true });
    fs.renameSync(target, old);
  }
  fs.renameSync(tmp, target);
  syncDirectory(path.dirname(target));
  fs.rmSync(old, { recursive: true, force: true });
}

/**
 * The directory holding the latest complete checkpoint for `dir`: `dir` itself, or `dir.old` when
 * a swap was interrupted; throws a clear error when neither exists.
 */
export function resolveCheckpointDir(dir: string): string {
  const target = path.resolve(dir);
  const complete = (d: string): boolean => fs.existsSync(path.join(d, 'meta.json'));
  if (complete(target)) return target;
  if (complete(`${target}.old`)) return `${target}.old`;
  throw new Error(`no checkpoint at ${dir} (expected ${path.join(dir, 'meta.json')})`);
}

/** True when `dir` (or its `.old` fallback) holds a complete checkpoint. */
export function hasCheckpoint(dir: string): boolean {
  try {
    resolveCheckpointDir(dir);
    return true;
  } catch {
    return false;
  }
}

/** Bumped when the layout of checkpoints changes incompatibly. */
export const CHECKPOINT_FORMAT_VERSION = 1;

/** The JSON part of a checkpoint (meta.json). */
export interface CheckpointMeta {
  readonly format: 'varl-checkpoint';
  readonly version: number;
  readonly algorithm: string;
  readonly envId: string;
  /** The algorithm's resolved config. */
  readonly config: Record<string, unknown>;
  /** The loop's counters and episode bookkeeping (TrainingState, observation as a plain array). */
  readonly training: Record<string, unknown>;
  readonly streams: Record<string, GeneratorState>;
  /** The training env's `getState()`, or null when the env has none. */
  readonly envState: unknown;
  /** Optimizers' kinds, hyperparameters and per-parameter step counts (moments are in optimizers.safetensors). */
  readonly optimizers: Record<string, { kind: string; hyper: Record<string, number | boolean>; steps: (number | null)[] }>;
  readonly replay: { capacity: number; observationSize: number; actionSize: number; position: number; size: number } | null;
  readonly savedAt: string;
}

/** The trainable state of an agent, by name. */
export interface AgentParts {
  readonly modules: Readonly<Record<string, Module>>;
  /** Free tensors (e.g. SAC's log α). */
  readonly tensors: Readonly<Record<string, Tensor>>;
  readonly optimizers: Readonly<Record<string, Optimizer>>;
}

export class NonFiniteParameterError extends Error {
  override name = 'NonFiniteParameterError';
}

function networkTensors(parts: AgentParts): Record<string, Tensor> {
  const out: Record<string, Tensor> = {};
  for (const [moduleName, module] of Object.entries(parts.modules)) {
    for (const [name, t] of Object.entries(module.stateDict())) out[`${moduleName}.${name}`] = t;
  }
  for (const [name, t] of Object.entries(parts.tensors)) out[name] = new Tensor(t.data.slice(), t.shape);
  return out;
}

function assertFinite(tensors: Record<string, Tensor>): void {
  for (const [name, t] of Object.entries(tensors)) {
    const data = t.data;
    for (let i = 0; i < data.length; i++) {
      if (!Number.isFinite(data[i])) {
        throw new NonFiniteParameterError(`checkpoint: '${name}' holds ${data[i]} at flat index ${i}; refusing to overwrite the last good checkpoint`);
      }
    }
  }
}

/**
 * Writes a full checkpoint directory atomically. Refuses (NonFiniteParameterError) when any
 * network value is NaN or ±Inf, so the previous good checkpoint stays in place.
 */
export function writeAgentCheckpoint(
  dir: string, parts: AgentParts, buffer: ReplayBuffer | null,
  meta: Omit<CheckpointMeta, 'format' | 'version' | 'optimizers' | 'replay' | 'savedAt'>,
): void {
  const model = networkTensors(parts);
  assertFinite(model);
  const optimizerMeta: CheckpointMeta['optimizers'] = {};
  const optimizerTensors: Record<string, Tensor> = {};
  for (const [name, optimizer] of Object.entries(parts.optimizers)) {
    const state = optimizer.stateDict();
    optimizerMeta[name] = { kind: state.kind, hyper: state.hyper, steps: state.parameters.map((p) => p?.step ?? null) };
    state.parameters.forEach((p, i) => {
      if (!p) return;
      for (const [slot, t] of Object.entries(p.tensors)) optimizerTensors[`${name}.${i}.${slot}`] = t;
    });
  }
  let replay: CheckpointMeta['replay'] = null;
  const files: CheckpointFiles = {};
  if (buffer) {
    const s = buffer.getState();
    replay = { capacity: s.capacity, observationSize: s.observationSize, actionSize: s.actionSize, position: s.position, size: s.size };
    const t = (data: Float32Array, width: number): Tensor => new Tensor(data, [s.size, width]);
    files['replay.safetensors'] = encodeSafetensors({
      observations: t(s.observations, s.observationSize),
      actions: t(s.actions, s.actionSize),
      rewards: t(s.rewards, 1),
      nextObservations: t(s.nextObservations, s.observationSize),
      terminated: t(s.terminated, 1),
    });
  }
  const full: CheckpointMeta = {
    format: 'varl-checkpoint', version: CHECKPOINT_FORMAT_VERSION, ...meta,
    optimizers: optimizerMeta, replay, savedAt: new Date().toISOString(),
  };
  files['meta.json'] = JSON.stringify(full, null, 1) + '\n';
  files['model.safetensors'] = encodeSafetensors(model, { format: 'varl-checkpoint', algorithm: meta.algorithm });
  files['optimizers.safetensors'] = encodeSafetensors(optimizerTensors);
  writeCheckpointDir(dir, files);
}

/** Reads and checks meta.json of a checkpoint (resolving an interrupted swap). */
export function readCheckpointMeta(dir: string): CheckpointMeta {
  const resolved = resolveCheckpointDir(dir);
  const meta = JSON.parse(fs.readFileSync(path.join(resolved, 'meta.json'), 'utf8')) as CheckpointMeta;
  if (meta.format !== 'varl-checkpoint') throw new Error(`${dir}: meta.json is not a varl checkpoint`);
  if (meta.version !== CHECKPOINT_FORMAT_VERSION) {
    throw new Error(`${dir}: checkpoint format version ${meta.version}, this varl reads version ${CHECKPOINT_FORMAT_VERSION}`);
  }
  return meta;
}

export interface ReadAgentOptions {
  /** Also restore optimizers (default true). */
  optimizers?: boolean;
  /** Refuse a checkpoint written by another algorithm (e.g. 'SAC'). */
  algorithm?: string;
}

/**
 * Restores `parts` (and the buffer, when given) from a checkpoint written by `writeAgentCheckpoint`.
 * Every network and optimizer is checked before anything is written, so a mismatched checkpoint
 * leaves the agent unchanged. Returns the meta for the caller to restore counters, streams and env.
 */
export function readAgentCheckpoint(dir: string, parts: AgentParts, buffer: ReplayBuffer | null, options: ReadAgentOptions = {}): CheckpointMeta {
  const resolved = resolveCheckpointDir(dir);
  const meta = readCheckpointMeta(resolved);
  if (options.algorithm !== undefined && meta.algorithm !== options.algorithm) {
    throw new Error(`${dir}: checkpoint is for ${meta.algorithm}, not ${options.algorithm}`);
  }
  const read = (file: string): Record<string, Tensor> => decodeSafetensors(fs.readFileSync(path.join(resolved, file))).tensors;
  const model = read('model.safetensors');

  // Check everything first: split the model file by module, validate shapes and optimizer states.
  const byModule: Record<string, Record<string, Tensor>> = {};
  for (const name of Object.keys(parts.modules)) byModule[name] = {};
  for (const [key, t] of Object.entries(model)) {
    const dot = key.indexOf('.');
    const owner = dot > 0 ? key.slice(0, dot) : '';
    if (Object.hasOwn(parts.modules, owner)) byModule[owner][key.slice(dot + 1)] = t;
    else if (!Object.hasOwn(parts.tensors, key)) throw new Error(`${dir}: model.safetensors has unexpected tensor '${key}'`);
  }
  for (const [name, module] of Object.entries(parts.modules)) module.checkStateDict(byModule[name]);
  for (const [name, t] of Object.entries(parts.tensors)) {
    const saved = model[name];
    if (!saved || saved.shape.join() !== t.shape.join()) throw new Error(`${dir}: model.safetensors lacks '${name}' of shape [${t.shape.join(', ')}]`);
  }
  let optimizerStates: Record<string, OptimizerState> = {};
  if (options.optimizers ?? true) {
    const moments = read('optimizers.safetensors');
    optimizerStates = Object.fromEntries(Object.entries(parts.optimizers).map(([name, optimizer]) => {
      const saved = meta.optimizers[name];
      if (!saved) throw new Error(`${dir}: checkpoint has no optimizer '${name}'`);
      const state: OptimizerState = {
        kind: saved.kind,
        hyper: saved.hyper,
        parameters: saved.steps.map((step, i) => step === null ? null : {
          step,
          tensors: Object.fromEntries(Object.entries(moments)
            .filter(([key]) => key.startsWith(`${name}.${i}.`))
            .map(([key, t]) => [key.slice(`${name}.${i}.`.length), t])),
        }),
      };
      optimizer.checkStateDict(state);
      return [name, state];
    }));
  }
  let replayState: ReplayBufferState | null = null;
  if (buffer && meta.replay) {
    const r = read('replay.safetensors');
    replayState = {
      ...meta.replay,
      observations: r.observations.data as Float32Array,
      actions: r.actions.data as Float32Array,
      rewards: r.rewards.data as Float32Array,
      nextObservations: r.nextObservations.data as Float32Array,
      terminated: r.terminated.data as Float32Array,
    };
  }

  // Then write.
  for (const [name, module] of Object.entries(parts.modules)) module.loadStateDict(byModule[name]);
  for (const [name, t] of Object.entries(parts.tensors)) t.mutate_((data) => data.set(model[name].data));
  for (const [name, state] of Object.entries(optimizerStates)) parts.optimizers[name].loadStateDict(state);
  if (buffer && replayState) buffer.setState(replayState);
  return meta;
}
