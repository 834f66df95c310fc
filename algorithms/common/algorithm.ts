/**
 * One record per algorithm: everything `createAgent`, `loadAgent`, the CLI and its help text need
 * to know about it. An algorithm file exports its record (`defineAlgorithm({...})`), and
 * algorithms/registry.ts lists the records: adding an algorithm is its own file(s) plus one line there.
 */
import { showValue } from '../../engine/index.ts';
import { recordMadeEnvs, type Agent, type AgentSurface } from './agent.ts';
import { ConfigError, resolveConfig, type ConfigRules } from './config.ts';
import type { ContinuousEnv } from './env.ts';
import type { EnvSource } from './env-vector.ts';

/** A per-env preset (RL Baselines3 Zoo style): config overrides and a training budget. */
export interface EnvPreset<C> {
  readonly config: Partial<C>;
  /** Env steps of the run the preset is meant for. */
  readonly totalSteps: number;
  /** Where the settings come from, and what any published number next to them was and was not produced with. */
  readonly source: string;
}

/**
 * The per-env presets of algorithm `base` for an algorithm built on it (e.g. HMC-SAC on SAC): the same configs
 * and budgets, so that the two run under equal settings; each source says whose they are. The configs are
 * checked against the new algorithm's rules when resolved, like any preset.
 */
export function presetsBuiltOn<C>(base: string, presets: Readonly<Record<string, EnvPreset<object>>>): Record<string, EnvPreset<C>> {
  return Object.fromEntries(Object.entries(presets).map(([id, preset]) => [id, {
    config: { ...preset.config } as Partial<C>,
    totalSteps: preset.totalSteps,
    source: `${base}'s preset, the settings this algorithm builds on: ${preset.source}`,
  }]));
}

/** An extra `varl eval` flag, e.g. IAPO's `--inference-iterations K`. */
export interface EvalFlag<A> {
  readonly description: string;
  /** Smallest and largest accepted (integer) values. */
  readonly min: number;
  readonly max: number;
  /** The deterministic policy with this flag's value applied. */
  policy(agent: A, value: number): (obs: ArrayLike<number>) => Float32Array;
}

/** How an algorithm is built: off-policy agents take one env, on-policy agents any `EnvSource`. */
export type AgentFactory<C, A> =
  | { readonly kind?: 'off-policy'; create(env: ContinuousEnv, config: Partial<C>): A }
  | { readonly kind: 'on-policy'; create(env: EnvSource, config: Partial<C>): A };

interface AlgorithmFields<C extends object, A extends Agent> {
  /** CLI name, lower case: 'sac'. */
  readonly name: string;
  /** One line for the help text. */
  readonly summary: string;
  readonly defaults: Readonly<C>;
  readonly rules: ConfigRules;
  /** Named presets applied over the defaults (`--preset NAME`). */
  readonly presets?: Readonly<Record<string, Partial<C>>>;
  /** Per-env presets the CLI applies unless `--no-preset`. */
  readonly envPresets?: Readonly<Record<string, EnvPreset<C>>>;
  readonly evalFlags?: Readonly<Record<string, EvalFlag<A>>>;
}

export type AlgorithmDefinition<C extends object, A extends Agent> = AlgorithmFields<C, A> & AgentFactory<C, A>;

/** An algorithm record with its config type erased, as the registry and the CLI hold it. */
export interface AlgorithmRecord {
  readonly name: string;
  /** Off-policy agents learn from one env and a replay buffer; on-policy agents from rollouts of `numEnvs` envs. */
  readonly kind: 'off-policy' | 'on-policy';
  readonly summary: string;
  readonly defaults: Readonly<Record<string, unknown>>;
  readonly rules: ConfigRules;
  readonly presets: Readonly<Record<string, Readonly<Record<string, unknown>>>>;
  readonly envPresets: Readonly<Record<string, EnvPreset<Record<string, unknown>>>>;
  readonly evalFlags: Readonly<Record<string, { readonly description: string; readonly min: number; readonly max: number }>>;
  /** The config from defaults ← each override in turn, checked (ConfigError names the key). */
  resolveConfig(...overrides: unknown[]): Record<string, unknown>;
  /**
   * A new agent; `config` is checked as `resolveConfig` does. `env` is an env, or a function making
   * envs (on-policy agents call it `numEnvs` times, off-policy agents once), or (on-policy) a vector env.
   */
  create(env: EnvSource, config?: unknown): Agent;
  /** The deterministic policy of an agent this record created, with eval flags applied. */
  evaluationPolicy(agent: Agent, flags: Readonly<Record<string, number>>): (obs: ArrayLike<number>) => Float32Array;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Checks a definition for plain-JS callers: the fields the record and the CLI read, with their types. */
function checkDefinition(definition: unknown): void {
  if (!isPlainObject(definition)) {
    throw new TypeError(`defineAlgorithm: the definition must be an object { name, summary, defaults, rules, create, … }, got ${showValue(definition)}`);
  }
  const d = definition;
  const fail = (key: string, what: string): never => {
    throw new TypeError(`defineAlgorithm: ${key} must be ${what}, got ${showValue(d[key])}`);
  };
  if (typeof d.name !== 'string' || !/^[a-z][a-z0-9-]*$/.test(d.name)) fail('name', "a lower-case CLI name such as 'sac'");
  if (typeof d.summary !== 'string') fail('summary', 'a string');
  if (!isPlainObject(d.defaults)) fail('defaults', 'an object');
  if (!isPlainObject(d.rules)) fail('rules', 'an object');
  if (typeof d.create !== 'function') fail('create', 'a function (env, config) => agent');
  if (d.kind !== undefined && d.kind !== 'off-policy' && d.kind !== 'on-policy') fail('kind', "'off-policy' or 'on-policy'");
  for (const key of ['presets', 'envPresets', 'evalFlags']) {
    if (d[key] !== undefined && !isPlainObject(d[key])) fail(key, 'an object');
  }
}

/** Erases a typed definition into a registry record. */
export function defineAlgorithm<C extends object, A extends Agent>(definition: AlgorithmDefinition<C, A>): AlgorithmRecord {
  checkDefinition(definition);
  const owner = definition.name.toUpperCase();
  const own = new WeakMap<Agent, A>();
  const resolve = (...overrides: unknown[]): C =>
    overrides.reduce<C>((config, override) => resolveConfig(owner, config, override ?? {}, definition.rules), { ...definition.defaults });
  const evalFlags = definition.evalFlags ?? {};
  const build = (env: EnvSource, config: Partial<C>): A => {
    if (definition.kind === 'on-policy') return definition.create(env, config);
    if (typeof env === 'function') {
      const made = env();
      const agent = definition.create(made, config);
      recordMadeEnvs(agent as unknown as AgentSurface, [made]);
      return agent;
    }
    if (typeof (env as { numEnvs?: unknown } | null)?.numEnvs === 'number') {
      throw new TypeError(`${owner}: an off-policy agent learns from one env, not a vector env; pass make(id)`);
    }
    return definition.create(env as ContinuousEnv, config);
  };
  return {
    name: definition.name,
    kind: definition.kind ?? 'off-policy',
    summary: definition.summary,
    defaults: definition.defaults as Readonly<Record<string, unknown>>,
    rules: definition.rules,
    presets: (definition.presets ?? {}) as Readonly<Record<string, Readonly<Record<string, unknown>>>>,
    envPresets: (definition.envPresets ?? {}) as Readonly<Record<string, EnvPreset<Record<string, unknown>>>>,
    evalFlags: Object.fromEntries(Object.entries(evalFlags).map(([flag, f]) => [flag, { description: f.description, min: f.min, max: f.max }])),
    resolveConfig: (...overrides) => ({ ...resolve(...overrides) }) as Record<string, unknown>,
    create(env, config = {}) {
      if (!isPlainObject(config)) throw new ConfigError(`${owner} config must be an object, got ${config === null ? 'null' : Array.isArray(config) ? 'array' : typeof config}`);
      const agent = build(env, config as Partial<C>); // the constructor resolves and checks it
      own.set(agent, agent);
      return agent;
    },
    evaluationPolicy(agent, flags) {
      if (typeof agent !== 'object' || agent === null) throw new TypeError(`${owner}.evaluationPolicy: agent must be an agent, got ${showValue(agent)}`);
      if (!isPlainObject(flags)) throw new TypeError(`${owner}.evaluationPolicy: flags must be an object of flag values, got ${showValue(flags)}`);
      const typed = own.get(agent);
      if (!typed) throw new TypeError(`${owner}.evaluationPolicy: the agent is a ${agent.algorithm}, not one this record created`);
      const entries = Object.entries(flags);
      if (entries.length === 0) return (obs) => agent.predict(obs, { deterministic: true });
      if (entries.length > 1) throw new RangeError(`${owner}: eval flags ${entries.map(([f]) => f).join(', ')} cannot be combined`);
      const [[flag, value]] = entries;
      if (!Object.hasOwn(evalFlags, flag)) throw new RangeError(`${owner} has no eval flag --${flag}`);
      return evalFlags[flag].policy(typed, value);
    },
  };
}
