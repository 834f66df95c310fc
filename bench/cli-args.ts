/**
 * Strict command-line flags for the standalone scripts of bench/, parsed as bench/index.ts parses its own:
 * node:util parseArgs with strict: true; --help/-h prints the usage on stdout and exits with status 0; an
 * unknown flag, a missing value, a stray argument or a bad number prints `<script>: <message>`, a blank line
 * and the usage on stderr and exits with status 2.
 *
 *   const cli = parseCli({ script: 'ppo-trace', usage: USAGE, flags: { rounds: { type: 'string' } } });
 *   const rounds = cli.integer('rounds', 3);
 *
 * Defaults go to the converters (integer, positive) or after `??`, not in the flag table: a flag left out
 * reads as undefined.
 */
import { parseArgs } from 'node:util';

export interface FlagSpec {
  readonly type: 'string' | 'boolean';
  readonly short?: string;
}

export type FlagTable = Readonly<Record<string, FlagSpec>>;

/** The flags given: a string or a boolean as the table types each one; absent when not given. */
export type FlagValues<T extends FlagTable> = { readonly [K in keyof T]?: T[K]['type'] extends 'boolean' ? boolean : string };

type StringFlag<T extends FlagTable> = { [K in keyof T]: T[K]['type'] extends 'string' ? K : never }[keyof T] & string;

/** Where the usage and the errors go, and how the process ends: injectable, so that a spec need not spawn. */
export interface CliIo {
  stdout(text: string): void;
  stderr(text: string): void;
  exit(status: number): never;
}

const processIo: CliIo = {
  stdout: (text) => void process.stdout.write(text),
  stderr: (text) => void process.stderr.write(text),
  exit: (status) => process.exit(status),
};

export interface CliSpec<T extends FlagTable> {
  /** Names the script in error messages, e.g. 'mcmc-cost'. */
  readonly script: string;
  readonly usage: string;
  /** The script's flags; --help/-h is added. */
  readonly flags: T;
  /** How many positional arguments the script takes at most (default 0). */
  readonly maxPositionals?: number;
  /** The arguments to parse (default process.argv.slice(2)). */
  readonly argv?: readonly string[];
  readonly io?: CliIo;
}

export interface IntegerRange {
  /** Default 1. */
  readonly min?: number;
  /** Default Number.MAX_SAFE_INTEGER. */
  readonly max?: number;
}

export interface Cli<T extends FlagTable> {
  readonly values: FlagValues<T>;
  readonly positionals: readonly string[];
  /** Prints `<script>: <message>` and the usage on stderr and exits with status 2. */
  fail(message: string): never;
  /** The integer flag --name, or `fallback` when it is absent; refused unless an integer in [min, max]. */
  integer(name: StringFlag<T>, fallback: number, range?: IntegerRange): number;
  /** The number flag --name, or `fallback` when it is absent; refused unless positive and finite. */
  positive(name: StringFlag<T>, fallback: number): number;
  /** The positional argument at `index` as integer(…) reads a flag, named `label` in errors. */
  positionalInteger(index: number, label: string, fallback: number, range?: IntegerRange): number;
}

/** Parses the script's arguments strictly; returns only when they are well formed and --help was not asked for. */
export function parseCli<T extends FlagTable>(spec: CliSpec<T>): Cli<T> {
  const { script, usage, flags, maxPositionals = 0, argv = process.argv.slice(2), io = processIo } = spec;
  const fail = (message: string): never => {
    io.stderr(`${script}: ${message}\n\n${usage}\n`);
    return io.exit(2);
  };
  let parsed: { values: Record<string, string | boolean | undefined>; positionals: string[] };
  try {
    parsed = parseArgs({
      args: [...argv], strict: true, allowPositionals: maxPositionals > 0,
      options: { ...flags, help: { type: 'boolean', short: 'h' } },
    }) as typeof parsed;
  } catch (error) {
    return fail((error as Error).message);
  }
  if (parsed.values.help) {
    io.stdout(`${usage}\n`);
    return io.exit(0);
  }
  const { positionals } = parsed;
  if (positionals.length > maxPositionals) {
    fail(`takes at most ${maxPositionals} argument${maxPositionals === 1 ? '' : 's'}, got ${positionals.map((p) => JSON.stringify(p)).join(' ')}`);
  }
  const values = parsed.values as FlagValues<T>;
  const integer = (label: string, raw: string | undefined, fallback: number, { min = 1, max = Number.MAX_SAFE_INTEGER }: IntegerRange = {}): number => {
    if (raw === undefined) return fallback;
    const n = /^[+-]?\d+$/.test(raw) ? Number(raw) : NaN;
    if (Number.isSafeInteger(n) && n >= min && n <= max) return n;
    return fail(`${label} takes an integer ${max === Number.MAX_SAFE_INTEGER ? `≥ ${min}` : `from ${min} to ${max}`}, got ${JSON.stringify(raw)}`);
  };
  const stringValue = (name: StringFlag<T>): string | undefined => values[name] as string | undefined;
  return {
    values,
    positionals,
    fail,
    integer: (name, fallback, range) => integer(`--${name}`, stringValue(name), fallback, range),
    positive: (name, fallback) => {
      const raw = stringValue(name);
      if (raw === undefined) return fallback;
      const n = raw.trim() === '' ? NaN : Number(raw);
      return Number.isFinite(n) && n > 0 ? n : fail(`--${name} takes a positive number, got ${JSON.stringify(raw)}`);
    },
    positionalInteger: (index, label, fallback, range) => integer(label, positionals[index], fallback, range),
  };
}
