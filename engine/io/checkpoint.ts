/**
 * Checkpoints: one safetensors file bundling modules, optimizer state, generator states and a
 * JSON config, so a run can stop and resume bit for bit.
 *
 * Layout. Tensors: `modules.<name>.<state-dict key>` (e.g. `modules.actor.0.weight`, loadable in
 * PyTorch after stripping the prefix) and `optimizers.<name>.<parameter index>.<slot>`. Metadata:
 * `format` = "varl.checkpoint/1", `modules` (JSON list of names), `optimizers` (JSON: kind,
 * hyperparameters, per-parameter step counts), `generators` (JSON states), `config` (JSON).
 * Loading checks the whole file against everything it will restore before writing anything, so a
 * failed load leaves every module, optimizer and generator as it was.
 */
import { ValueError } from '../errors.ts';
import type { Module, StateDict } from '../nn/module.ts';
import type { Optimizer, OptimizerState, ParameterState } from '../optim/optimizer.ts';
import { Generator, type GeneratorState } from '../random.ts';
import type { Tensor } from '../tensor.ts';
import { decodeSafetensors, encodeSafetensors, writeFileAtomic } from './safetensors.ts';
import { readFileSync } from 'node:fs';

export const CHECKPOINT_FORMAT = 'varl.checkpoint/1';

/** A checkpoint whose metadata is missing or malformed, or that lacks what a load asks for. */
export class CheckpointError extends Error {
  override name = 'CheckpointError';
}

/** What a checkpoint saves; everything is optional. */
export interface CheckpointContents {
  modules?: Record<string, Module>;
  optimizers?: Record<string, Optimizer>;
  generators?: Record<string, Generator>;
  /** Any JSON-serialisable value (typically the run's config). */
  config?: unknown;
  /** Extra string metadata stored alongside (keys must not clash with the checkpoint's own). */
  metadata?: Record<string, string>;
}

/** What a checkpoint holds, as plain data (see `readCheckpoint`). */
export interface CheckpointData {
  readonly modules: Record<string, StateDict>;
  readonly optimizers: Record<string, OptimizerState>;
  readonly generators: Record<string, GeneratorState>;
  readonly config: unknown;
  readonly metadata: Record<string, string>;
}

/** The targets a load restores in place. */
export interface CheckpointTargets {
  modules?: Record<string, Module>;
  optimizers?: Record<string, Optimizer>;
  generators?: Record<string, Generator>;
}

interface SavedOptimizer {
  kind: string;
  hyper: Record<string, number | boolean>;
  steps: (number | null)[];
}

const RESERVED = ['format', 'modules', 'optimizers', 'generators', 'config'];

function assertName(kind: string, name: string): void {
  if (name === '' || name.includes('.')) throw new ValueError(`saveCheckpoint: ${kind} name '${name}' must be non-empty and contain no '.'`);
}

/** The safetensors bytes of a checkpoint. */
export function encodeCheckpoint(contents: CheckpointContents): Uint8Array {
  const tensors: Record<string, Tensor> = {};
  const modules = Object.entries(contents.modules ?? {});
  for (const [name, module] of modules) {
    assertName('module', name);
    for (const [key, t] of Object.entries(module.stateDict())) tensors[`modules.${name}.${key}`] = t;
  }
  const optimizers: Record<string, SavedOptimizer> = {};
  for (const [name, optimizer] of Object.entries(contents.optimizers ?? {})) {
    assertName('optimizer', name);
    const state = optimizer.stateDict();
    optimizers[name] = { kind: state.kind, hyper: state.hyper, steps: state.parameters.map((s) => s?.step ?? null) };
    state.parameters.forEach((s, i) => {
      for (const [slot, t] of Object.entries(s?.tensors ?? {})) tensors[`optimizers.${name}.${i}.${slot}`] = t;
    });
  }
  const generators = Object.fromEntries(Object.entries(contents.generators ?? {}).map(([name, g]) => [name, g.getState()]));
  const extra = contents.metadata ?? {};
  for (const key of Object.keys(extra)) {
    if (RESERVED.includes(key)) throw new ValueError(`saveCheckpoint: metadata key '${key}' is reserved`);
  }
  const config = contents.config === undefined ? undefined : JSON.stringify(contents.config);
  const metadata: Record<string, string> = {
    ...extra,
    format: CHECKPOINT_FORMAT,
    modules: JSON.stringify(modules.map(([name]) => name)),
    optimizers: JSON.stringify(optimizers),
    generators: JSON.stringify(generators),
    ...(config === undefined ? {} : { config }),
  };
  return encodeSafetensors(tensors, metadata);
}

/**
 * Saves modules, optimizer state, generator states and a config to `path` as one safetensors
 * file, atomically (temporary file, then rename).
 * @example saveCheckpoint('run/step-1000.safetensors', { modules: { actor, critic }, optimizers: { actor: actorOpt }, generators: { rng }, config })
 */
export function saveCheckpoint(path: string, contents: CheckpointContents): void {
  writeFileAtomic(path, encodeCheckpoint(contents));
}

function parseJson(what: string, text: string | undefined): unknown {
  if (text === undefined) throw new CheckpointError(`checkpoint: metadata has no '${what}' entry`);
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new CheckpointError(`checkpoint: metadata '${what}' is not valid JSON (${(error as Error).message})`);
  }
}

/** Decodes checkpoint bytes into plain data (state dicts, optimizer states, generator states, config). */
export function decodeCheckpoint(bytes: Uint8Array): CheckpointData {
  const { tensors, metadata } = decodeSafetensors(bytes);
  if (metadata.format !== CHECKPOINT_FORMAT) {
    throw new CheckpointError(`checkpoint: metadata format is ${JSON.stringify(metadata.format)}, expected '${CHECKPOINT_FORMAT}'`);
  }
  const moduleNames = parseJson('modules', metadata.modules);
  if (!Array.isArray(moduleNames) || !moduleNames.every((n) => typeof n === 'string')) {
    throw new CheckpointError(`checkpoint: metadata 'modules' is not a list of names`);
  }
  const modules: Record<string, StateDict> = Object.fromEntries(moduleNames.map((n: string) => [n, {}]));
  const savedOptimizers = parseJson('optimizers', metadata.optimizers) as Record<string, SavedOptimizer>;
  const optimizerSlots: Record<string, Record<string, Tensor>[]> = {};
  if (typeof savedOptimizers !== 'object' || savedOptimizers === null) throw new CheckpointError(`checkpoint: metadata 'optimizers' is not an object`);
  for (const [name, saved] of Object.entries(savedOptimizers)) {
    if (!saved || typeof saved.kind !== 'string' || typeof saved.hyper !== 'object' || !Array.isArray(saved.steps)) {
      throw new CheckpointError(`checkpoint: optimizer '${name}' has malformed metadata`);
    }
    optimizerSlots[name] = saved.steps.map(() => ({}));
  }

  for (const [key, t] of Object.entries(tensors)) {
    const [group, name, ...rest] = key.split('.');
    if (group === 'modules' && name in modules && rest.length > 0) {
      modules[name][rest.join('.')] = t;
    } else if (group === 'optimizers' && name in optimizerSlots && rest.length === 2 && optimizerSlots[name][Number(rest[0])]) {
      optimizerSlots[name][Number(rest[0])][rest[1]] = t;
    } else {
      throw new CheckpointError(`checkpoint: tensor '${key}' belongs to no saved module or optimizer`);
    }
  }

  const optimizers: Record<string, OptimizerState> = {};
  for (const [name, saved] of Object.entries(savedOptimizers)) {
    optimizers[name] = {
      kind: saved.kind,
      hyper: saved.hyper,
      parameters: saved.steps.map((step, i): ParameterState | null => (step === null ? null : { step, tensors: optimizerSlots[name][i] })),
    };
  }
  const generators = parseJson('generators', metadata.generators) as Record<string, GeneratorState>;
  if (typeof generators !== 'object' || generators === null) throw new CheckpointError(`checkpoint: metadata 'generators' is not an object`);
  const config = metadata.config === undefined ? undefined : parseJson('config', metadata.config);
  return { modules, optimizers, generators, config, metadata };
}

/** Reads a checkpoint file into plain data without restoring anything. */
export function readCheckpoint(path: string): CheckpointData {
  return decodeCheckpoint(readFileSync(path));
}

/**
 * Restores the given modules, optimizers and generators from checkpoint data, in place. Every
 * target must be present in the data (extra entries in the data are ignored). All of it is checked
 * first, so on any error nothing has changed. Returns the data (for `config`).
 */
export function restoreCheckpoint(data: CheckpointData, targets: CheckpointTargets): CheckpointData {
  const find = <T>(kind: string, table: Record<string, T>, name: string): T => {
    if (!Object.hasOwn(table, name)) {
      throw new CheckpointError(`checkpoint: no ${kind} '${name}' (saved: ${Object.keys(table).join(', ') || 'none'})`);
    }
    return table[name];
  };
  const modules = Object.entries(targets.modules ?? {}).map(([name, m]) => [m, find('module', data.modules, name)] as const);
  const optimizers = Object.entries(targets.optimizers ?? {}).map(([name, o]) => [o, find('optimizer', data.optimizers, name)] as const);
  const generators = Object.entries(targets.generators ?? {}).map(([name, g]) => [g, find('generator', data.generators, name)] as const);
  // Check everything, then write everything.
  for (const [m, state] of modules) m.checkStateDict(state);
  for (const [o, state] of optimizers) o.checkStateDict(state);
  for (const [, state] of generators) Generator.fromState(state);
  for (const [m, state] of modules) m.loadStateDict(state);
  for (const [o, state] of optimizers) o.loadStateDict(state);
  for (const [g, state] of generators) g.setState(state);
  return data;
}

/**
 * Loads a checkpoint file into the given modules, optimizers and generators (see
 * `restoreCheckpoint`); returns its data, whose `config` is the saved config.
 * @example const { config } = loadCheckpoint('run/step-1000.safetensors', { modules: { actor, critic }, generators: { rng } })
 */
export function loadCheckpoint(path: string, targets: CheckpointTargets): CheckpointData {
  return restoreCheckpoint(readCheckpoint(path), targets);
}
