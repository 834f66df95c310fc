/**
 * One record per algorithm: everything `createAgent`, `loadAgent`, the CLI and its help text need
 * to know about it. An algorithm file exports its record (`defineAlgorithm({...})`), and
 * algorithms/registry.ts lists the records: adding an algorithm is its own file(s) plus one line there.
 */
import type { Agent } from './agent.ts';
import { ConfigError, resolveConfig, type ConfigRules } from './config.ts';
import type { ContinuousEnv } from './env.ts';

/** A per-env preset (RL Baselines3 Zoo style): config overrides and the budget of the published run. */
export interface EnvPreset<C> {
  readonly config: Partial<C>;
  /** Env steps of the reference run. */
  readonly totalSteps: number;
  /** Where the numbers come from. */
  readonly source: string;
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

export interface AlgorithmDefinition<C extends object, A extends Agent> {
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
  create(env: ContinuousEnv, config: Partial<C>): A;
}

/** An algorithm record with its config type erased, as the registry and the CLI hold it. */
export interface AlgorithmRecord {
  readonly name: string;
  readonly summary: string;
  readonly defaults: Readonly<Record<string, unknown>>;
  readonly rules: ConfigRules;
  readonly presets: Readonly<Record<string, Readonly<Record<string, unknown>>>>;
  readonly envPresets: Readonly<Record<string, EnvPreset<Record<string, unknown>>>>;
  readonly evalFlags: Readonly<Record<string, { readonly description: string; readonly min: number; readonly max: number }>>;
  /** The config from defaults ← each override in turn, checked (ConfigError names the key). */
  resolveConfig(...overrides: unknown[]): Record<string, unknown>;
  /** A new agent; `config` is checked as `resolveConfig` does. */
  create(env: ContinuousEnv, config?: unknown): Agent;
  /** The deterministic policy of an agent this record created, with eval flags applied. */
  evaluationPolicy(agent: Agent, flags: Readonly<Record<string, number>>): (obs: ArrayLike<number>) => Float32Array;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Erases a typed definition into a registry record. */
export function defineAlgorithm<C extends object, A extends Agent>(definition: AlgorithmDefinition<C, A>): AlgorithmRecord {
  const owner = definition.name.toUpperCase();
  const own = new WeakMap<Agent, A>();
  const resolve = (...overrides: unknown[]): C =>
    overrides.reduce<C>((config, override) => resolveConfig(owner, config, override ?? {}, definition.rules), { ...definition.defaults });
  const evalFlags = definition.evalFlags ?? {};
  return {
    name: definition.name,
    summary: definition.summary,
    defaults: definition.defaults as Readonly<Record<string, unknown>>,
    rules: definition.rules,
    presets: (definition.presets ?? {}) as Readonly<Record<string, Readonly<Record<string, unknown>>>>,
    envPresets: (definition.envPresets ?? {}) as Readonly<Record<string, EnvPreset<Record<string, unknown>>>>,
    evalFlags: Object.fromEntries(Object.entries(evalFlags).map(([flag, f]) => [flag, { description: f.description, min: f.min, max: f.max }])),
    resolveConfig: (...overrides) => ({ ...resolve(...overrides) }) as Record<string, unknown>,
    create(env, config = {}) {
      if (!isPlainObject(config)) throw new ConfigError(`${owner} config must be an object, got ${config === null ? 'null' : Array.isArray(config) ? 'array' : typeof config}`);
      const agent = definition.create(env, config as Partial<C>); // the constructor resolves and checks it
      own.set(agent, agent);
      return agent;
    },
    evaluationPolicy(agent, flags) {
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
