/**
 * The checkpoint format: a set of named files, written together (atomically, by engine/io/files.ts
 * in Node) into one directory, or handed around as bytes (a browser download).
 *
 *   meta.json               format, version, named generator states ("streams"), optimizer kinds /
 *                           hyperparameters / step counts, and whatever JSON the caller adds
 *   model.safetensors       modules (`<module>.<state-dict key>`, loadable in PyTorch after stripping
 *                           the prefix) and free tensors by name (e.g. `logAlpha`)
 *   optimizers.safetensors  optimizer state (`<optimizer>.<parameter index>.<slot>`)
 *   …                       further files of the caller's own (e.g. a replay buffer)
 *
 * Restoring checks every file against everything it will restore (names, shapes, finite weights and
 * optimizer moments) before writing anything, so a failed load leaves every module, tensor, optimizer
 * and generator as it was. Names are matched as own keys only: a tensor named `__proto__.x` or
 * `constructor` is refused, never followed.
 */
import { ValueError, describeValue, expectObject } from '../errors.ts';
import { Module, type StateDict } from '../nn/module.ts';
import { Optimizer, type OptimizerState, type ParameterState } from '../optim/optimizer.ts';
import { Generator, type GeneratorState } from '../random.ts';
import { Tensor } from '../tensor.ts';
import { decodeSafetensors, encodeSafetensors } from './safetensors.ts';

export const CHECKPOINT_FORMAT = 'varl-checkpoint';
/** Bumped when the layout changes incompatibly. */
export const CHECKPOINT_VERSION = 1;

/** File name → contents. */
export type CheckpointFiles = Record<string, Uint8Array>;

/** A checkpoint whose files are missing, malformed, or do not fit what a load restores into. */
export class CheckpointError extends Error {
  override name = 'CheckpointError';
}

/** Optimizer metadata as meta.json holds it (moments are in optimizers.safetensors). */
export interface SavedOptimizer {
  readonly kind: string;
  readonly hyper: Record<string, number | boolean>;
  readonly steps: (number | null)[];
}

/** The JSON part every checkpoint has; callers add their own fields beside these. */
export interface CheckpointMetaBase {
  readonly format: typeof CHECKPOINT_FORMAT;
  readonly version: number;
  readonly streams: Record<string, GeneratorState>;
  readonly optimizers: Record<string, SavedOptimizer>;
}

/** What a checkpoint saves, by name. */
export interface CheckpointContents {
  readonly modules?: Readonly<Record<string, Module>>;
  /** Free tensors outside any module (e.g. SAC's log α). */
  readonly tensors?: Readonly<Record<string, Tensor>>;
  readonly optimizers?: Readonly<Record<string, Optimizer>>;
  readonly streams?: Readonly<Record<string, Generator>>;
  /** Further JSON fields of meta.json (must not use the base fields' names). */
  readonly meta?: Readonly<Record<string, unknown>>;
  /** String metadata of model.safetensors' header. */
  readonly modelMetadata?: Readonly<Record<string, string>>;
  /** Further files (names without '/', not starting with '.'). */
  readonly files?: Readonly<CheckpointFiles>;
}

const BASE_FIELDS = ['format', 'version', 'streams', 'optimizers'];
const OWN_FILES = ['meta.json', 'model.safetensors', 'optimizers.safetensors'];

function checkName(op: string, kind: string, name: string): void {
  if (name === '' || name.includes('.') || name === '__proto__' || name === 'constructor' || name === 'prototype') {
    throw new ValueError(`${op}: ${kind} name '${name}' must be non-empty, contain no '.', and not be __proto__/constructor/prototype`);
  }
}

/**
 * Throws a ValueError naming `op` unless `table` is undefined (when optional) or an object whose
 * every value is an instance of `type`: the arguments a plain-JS caller can get wrong.
 */
function checkTable(op: string, what: string, table: unknown, type: abstract new (...args: never[]) => unknown, optional: boolean): void {
  if (table === undefined && optional) return;
  if (typeof table !== 'object' || table === null || Array.isArray(table)) {
    throw new ValueError(`${op}: ${what} must be an object of ${type.name}s by name, got ${describeValue(table)}`);
  }
  for (const [name, value] of Object.entries(table)) {
    if (!(value instanceof type)) {
      throw new ValueError(`${op}: ${what}['${name}'] must be ${/^[AEIO]/.test(type.name) ? 'an' : 'a'} ${type.name}, got ${describeValue(value)}`);
    }
  }
}

/** Throws a ValueError naming `op` unless `files` is a table of files and `where` a string. */
function checkFiles(op: string, files: unknown, where: unknown): asserts files is Readonly<CheckpointFiles> {
  if (typeof files !== 'object' || files === null || Array.isArray(files)) {
    throw new ValueError(`${op}: files must be checkpoint files ({ 'meta.json': Uint8Array, … }), got ${describeValue(files)}`);
  }
  if (typeof where !== 'string') throw new ValueError(`${op}: where must be a string (it names the checkpoint in messages), got ${describeValue(where)}`);
}

function checkTargets(op: string, targets: unknown): asserts targets is CheckpointTargets {
  expectObject(op, 'targets', targets);
  const { modules, tensors, optimizers, streams } = targets as CheckpointTargets;
  checkTable(op, 'targets.modules', modules, Module, true);
  checkTable(op, 'targets.tensors', tensors, Tensor, true);
  checkTable(op, 'targets.optimizers', optimizers, Optimizer, true);
  checkTable(op, 'targets.streams', streams, Generator, true);
}

/** The tensors of model.safetensors: `<module>.<key>` for every module, and the free tensors by name. */
export function modelTensors(modules: Readonly<Record<string, Module>>, tensors: Readonly<Record<string, Tensor>> = {}): Record<string, Tensor> {
  checkTable('modelTensors', 'modules', modules, Module, false);
  checkTable('modelTensors', 'tensors', tensors, Tensor, false);
  return collectModelTensors('modelTensors', modules, tensors);
}

function collectModelTensors(op: string, modules: Readonly<Record<string, Module>>, tensors: Readonly<Record<string, Tensor>>): Record<string, Tensor> {
  const out: Record<string, Tensor> = {};
  for (const [name, module] of Object.entries(modules)) {
    checkName(op, 'module', name);
    for (const [key, t] of Object.entries(module.stateDict())) out[`${name}.${key}`] = t;
  }
  for (const [name, t] of Object.entries(tensors)) {
    checkName(op, 'tensor', name);
    out[name] = new Tensor(t.data.slice(), t.shape);
  }
  return out;
}

/** Optimizer metadata and moment tensors, one serialization for every optimizer. */
export function encodeOptimizers(optimizers: Readonly<Record<string, Optimizer>>): { meta: Record<string, SavedOptimizer>; tensors: Record<string, Tensor> } {
  checkTable('encodeOptimizers', 'optimizers', optimizers, Optimizer, false);
  return collectOptimizers('encodeOptimizers', optimizers);
}

function collectOptimizers(op: string, optimizers: Readonly<Record<string, Optimizer>>): { meta: Record<string, SavedOptimizer>; tensors: Record<string, Tensor> } {
  const meta: Record<string, SavedOptimizer> = {};
  const tensors: Record<string, Tensor> = {};
  for (const [name, optimizer] of Object.entries(optimizers)) {
    checkName(op, 'optimizer', name);
    const state = optimizer.stateDict();
    meta[name] = { kind: state.kind, hyper: state.hyper, steps: state.parameters.map((p) => p?.step ?? null) };
    state.parameters.forEach((p, i) => {
      for (const [slot, t] of Object.entries(p?.tensors ?? {})) tensors[`${name}.${i}.${slot}`] = t;
    });
  }
  return { meta, tensors };
}

/**
 * The files of a checkpoint.
 * @example writeDirectoryAtomic('runs/x/checkpoint', encodeCheckpoint({ modules: { actor }, optimizers: { actor: opt }, meta: { step } }))
 */
export function encodeCheckpoint(contents: CheckpointContents): CheckpointFiles {
  const op = 'encodeCheckpoint';
  expectObject(op, 'contents', contents);
  checkTable(op, 'contents.modules', contents.modules, Module, true);
  checkTable(op, 'contents.tensors', contents.tensors, Tensor, true);
  checkTable(op, 'contents.optimizers', contents.optimizers, Optimizer, true);
  checkTable(op, 'contents.streams', contents.streams, Generator, true);
  checkTable(op, 'contents.files', contents.files, Uint8Array, true);
  for (const field of ['meta', 'modelMetadata'] as const) {
    const value: unknown = contents[field];
    if (value !== undefined && !isObject(value)) throw new ValueError(`${op}: contents.${field} must be an object, got ${describeValue(value)}`);
  }
  const meta = contents.meta ?? {};
  for (const key of Object.keys(meta)) {
    if (BASE_FIELDS.includes(key)) throw new ValueError(`encodeCheckpoint: meta field '${key}' is reserved`);
  }
  const optimizers = collectOptimizers(op, contents.optimizers ?? {});
  const streams: Record<string, GeneratorState> = {};
  for (const [name, generator] of Object.entries(contents.streams ?? {})) {
    checkName(op, 'stream', name);
    streams[name] = generator.getState();
  }
  const full = { format: CHECKPOINT_FORMAT, version: CHECKPOINT_VERSION, ...meta, streams, optimizers: optimizers.meta };
  const files: CheckpointFiles = {};
  for (const [name, bytes] of Object.entries(contents.files ?? {})) {
    if (OWN_FILES.includes(name) || name === '' || name.includes('/') || name.includes('\\') || name.startsWith('.')) {
      throw new ValueError(`encodeCheckpoint: file name '${name}' is reserved or not a plain file name`);
    }
    files[name] = bytes;
  }
  files['meta.json'] = new TextEncoder().encode(JSON.stringify(full, null, 1) + '\n');
  files['model.safetensors'] = encodeSafetensors(collectModelTensors(op, contents.modules ?? {}, contents.tensors ?? {}), { ...contents.modelMetadata });
  files['optimizers.safetensors'] = encodeSafetensors(optimizers.tensors);
  return files;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function file(op: string, files: Readonly<CheckpointFiles>, name: string, where: string): Uint8Array {
  if (!Object.hasOwn(files, name)) throw new CheckpointError(`${where}: checkpoint has no ${name}`);
  const bytes: unknown = files[name];
  if (!(bytes instanceof Uint8Array)) throw new ValueError(`${op}: files['${name}'] must be a Uint8Array, got ${describeValue(bytes)}`);
  return bytes;
}

/** meta.json, parsed and checked for the format, the version and the shape of the base fields. */
export function readCheckpointMeta<M extends object = Record<string, unknown>>(files: Readonly<CheckpointFiles>, where = 'checkpoint'): CheckpointMetaBase & M {
  checkFiles('readCheckpointMeta', files, where);
  return readMeta<M>('readCheckpointMeta', files, where);
}

function readMeta<M extends object>(op: string, files: Readonly<CheckpointFiles>, where: string): CheckpointMetaBase & M {
  const bytes = file(op, files, 'meta.json', where);
  let meta: unknown;
  try {
    meta = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch (error) {
    if (error instanceof CheckpointError) throw error;
    throw new CheckpointError(`${where}: meta.json is not valid JSON (${(error as Error).message})`);
  }
  if (!isObject(meta) || meta.format !== CHECKPOINT_FORMAT) throw new CheckpointError(`${where}: meta.json is not a varl checkpoint`);
  if (meta.version !== CHECKPOINT_VERSION) {
    throw new CheckpointError(`${where}: checkpoint format version ${JSON.stringify(meta.version)}, this varl reads version ${CHECKPOINT_VERSION}`);
  }
  if (!isObject(meta.streams)) throw new CheckpointError(`${where}: meta.json 'streams' is not an object`);
  if (!isObject(meta.optimizers)) throw new CheckpointError(`${where}: meta.json 'optimizers' is not an object`);
  for (const [name, saved] of Object.entries(meta.optimizers)) {
    const ok = isObject(saved) && typeof saved.kind === 'string' && isObject(saved.hyper) && Array.isArray(saved.steps)
      && saved.steps.every((s) => s === null || (Number.isInteger(s) && (s as number) >= 0));
    if (!ok) throw new CheckpointError(`${where}: meta.json optimizer '${name}' is malformed`);
  }
  return meta as unknown as CheckpointMetaBase & M;
}

/** Decodes one safetensors file of the checkpoint into a null-prototype table. */
export function readCheckpointTensors(files: Readonly<CheckpointFiles>, name: string, where = 'checkpoint'): Record<string, Tensor> {
  checkFiles('readCheckpointTensors', files, where);
  if (typeof name !== 'string') throw new ValueError(`readCheckpointTensors: name must be a file name, got ${describeValue(name)}`);
  return readTensors('readCheckpointTensors', files, name, where);
}

function readTensors(op: string, files: Readonly<CheckpointFiles>, name: string, where: string): Record<string, Tensor> {
  const bytes = file(op, files, name, where);
  let tensors: Record<string, Tensor>;
  try {
    tensors = decodeSafetensors(bytes).tensors;
  } catch (error) {
    if (error instanceof CheckpointError) throw error;
    throw new CheckpointError(`${where}: ${name}: ${(error as Error).message}`);
  }
  return Object.assign(Object.create(null) as Record<string, Tensor>, tensors);
}

/** What a load restores in place, by the names they were saved under. */
export interface CheckpointTargets {
  readonly modules?: Readonly<Record<string, Module>>;
  readonly tensors?: Readonly<Record<string, Tensor>>;
  readonly optimizers?: Readonly<Record<string, Optimizer>>;
  readonly streams?: Readonly<Record<string, Generator>>;
}

/** A validated restore, ready to write: call `apply()` once every other part has been checked too. */
export interface PreparedRestore<M> {
  readonly meta: CheckpointMetaBase & M;
  apply(): void;
}

/**
 * Checks the checkpoint against every target (names, shapes, optimizer kinds, generator states)
 * without writing anything; `apply()` then writes them all. Every module and free tensor of the
 * checkpoint must have a target and vice versa; optimizers and streams are restored when targeted.
 */
export function prepareRestore<M extends object = Record<string, unknown>>(
  files: Readonly<CheckpointFiles>, targets: CheckpointTargets, where = 'checkpoint',
): PreparedRestore<M> {
  checkFiles('prepareRestore', files, where);
  checkTargets('prepareRestore', targets);
  return prepare<M>('prepareRestore', files, targets, where);
}

function prepare<M extends object>(op: string, files: Readonly<CheckpointFiles>, targets: CheckpointTargets, where: string): PreparedRestore<M> {
  const meta = readMeta<M>(op, files, where);
  const modules = targets.modules ?? {};
  const freeTensors = targets.tensors ?? {};
  const model = readTensors(op, files, 'model.safetensors', where);
  for (const [name, t] of Object.entries(model)) {
    const bad = t.data.findIndex((v) => !Number.isFinite(v));
    if (bad >= 0) throw new CheckpointError(`${where}: model.safetensors '${name}' holds ${t.data[bad]} at flat index ${bad}; refusing non-finite weights`);
  }

  const byModule: Record<string, StateDict> = Object.create(null) as Record<string, StateDict>;
  for (const name of Object.keys(modules)) byModule[name] = Object.create(null) as StateDict;
  for (const [key, t] of Object.entries(model)) {
    const dot = key.indexOf('.');
    const owner = dot > 0 ? key.slice(0, dot) : '';
    if (owner && Object.hasOwn(modules, owner)) byModule[owner][key.slice(dot + 1)] = t;
    else if (!Object.hasOwn(freeTensors, key)) throw new CheckpointError(`${where}: model.safetensors has unexpected tensor '${key}'`);
  }
  for (const [name, module] of Object.entries(modules)) {
    try {
      module.checkStateDict(byModule[name]);
    } catch (error) {
      throw new CheckpointError(`${where}: module '${name}': ${(error as Error).message}`);
    }
  }
  for (const [name, t] of Object.entries(freeTensors)) {
    const saved = Object.hasOwn(model, name) ? model[name] : undefined;
    if (!saved || saved.shape.join() !== t.shape.join()) {
      throw new CheckpointError(`${where}: model.safetensors lacks '${name}' of shape [${t.shape.join(', ')}]`);
    }
  }

  const optimizerStates: [Optimizer, OptimizerState][] = [];
  const optimizerTargets = Object.entries(targets.optimizers ?? {});
  if (optimizerTargets.length > 0) {
    const moments = readTensors(op, files, 'optimizers.safetensors', where);
    for (const [name, t] of Object.entries(moments)) {
      const bad = t.data.findIndex((v) => !Number.isFinite(v));
      if (bad >= 0) throw new CheckpointError(`${where}: optimizers.safetensors '${name}' holds ${t.data[bad]} at flat index ${bad}; refusing non-finite optimizer state`);
    }
    const claimed = new Set<string>();
    for (const [name, optimizer] of optimizerTargets) {
      const saved = Object.hasOwn(meta.optimizers, name) ? meta.optimizers[name] : undefined;
      if (!saved) throw new CheckpointError(`${where}: checkpoint has no optimizer '${name}'`);
      const parameters = saved.steps.map((step, i): ParameterState | null => {
        if (step === null) return null;
        const prefix = `${name}.${i}.`;
        const tensors: Record<string, Tensor> = {};
        for (const [key, t] of Object.entries(moments)) {
          if (!key.startsWith(prefix)) continue;
          tensors[key.slice(prefix.length)] = t;
          claimed.add(key);
        }
        return { step, tensors };
      });
      const state: OptimizerState = { kind: saved.kind, hyper: saved.hyper, parameters };
      try {
        optimizer.checkStateDict(state);
      } catch (error) {
        throw new CheckpointError(`${where}: optimizer '${name}': ${(error as Error).message}`);
      }
      optimizerStates.push([optimizer, state]);
    }
    const stray = Object.keys(moments).find((key) => !claimed.has(key));
    if (stray !== undefined) throw new CheckpointError(`${where}: optimizers.safetensors has unexpected tensor '${stray}'`);
  }

  const streamStates: [Generator, GeneratorState][] = [];
  for (const [name, generator] of Object.entries(targets.streams ?? {})) {
    const state = Object.hasOwn(meta.streams, name) ? meta.streams[name] : undefined;
    if (!state) throw new CheckpointError(`${where}: checkpoint has no stream '${name}'`);
    try {
      Generator.fromState(state);
    } catch (error) {
      throw new CheckpointError(`${where}: stream '${name}': ${(error as Error).message}`);
    }
    streamStates.push([generator, state]);
  }

  return {
    meta,
    apply() {
      for (const [name, module] of Object.entries(modules)) module.loadStateDict(byModule[name]);
      for (const [name, t] of Object.entries(freeTensors)) t.mutate_((data) => data.set(model[name].data));
      for (const [optimizer, state] of optimizerStates) optimizer.loadStateDict(state);
      for (const [generator, state] of streamStates) generator.setState(state);
    },
  };
}

/**
 * Restores modules, tensors, optimizers and streams from checkpoint files, in place, all or
 * nothing; returns meta.json.
 * @example const meta = restoreCheckpoint(files, { modules: { actor }, optimizers: { actor: opt }, streams: { rng } })
 */
export function restoreCheckpoint<M extends object = Record<string, unknown>>(
  files: Readonly<CheckpointFiles>, targets: CheckpointTargets, where = 'checkpoint',
): CheckpointMetaBase & M {
  checkFiles('restoreCheckpoint', files, where);
  checkTargets('restoreCheckpoint', targets);
  const prepared = prepare<M>('restoreCheckpoint', files, targets, where);
  prepared.apply();
  return prepared.meta;
}
