/** Command-line argument checking shared by `varl train|eval` and `varl analyze`: every problem is a UsageError naming the flag. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseArgs, type ParseArgsConfig } from 'node:util';

/** A bad command line: the CLI prints the message and the usage and exits with status 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/** What `parseFlags` returns: parseArgs' values typed by the option table. */
export type ParsedFlags<O extends ParseArgsConfig['options']> =
  ReturnType<typeof parseArgs<{ args: string[]; options: O; strict: true; allowPositionals: false }>>;

/** parseArgs in strict mode, no positionals; its errors become UsageErrors prefixed with `command`. */
export function parseFlags<O extends ParseArgsConfig['options']>(command: string, args: readonly string[], options: O): ParsedFlags<O> {
  // A negative number after a flag that takes a value is that value (`--stop-at-return -200`), not a flag.
  const joined: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const name = args[i].startsWith('--') ? args[i].slice(2) : undefined;
    const next = args[i + 1];
    if (name !== undefined && options?.[name]?.type === 'string' && next !== undefined && /^-(\d|\.\d)/.test(next)) {
      joined.push(`${args[i]}=${next}`);
      i++;
    } else {
      joined.push(args[i]);
    }
  }
  try {
    return parseArgs({ args: joined, options, strict: true, allowPositionals: false });
  } catch (error) {
    const message = (error as Error).message.replace(/\. To specify a positional argument.*$/, '');
    throw new UsageError(`${command}: ${message}`);
  }
}

/** An integer flag in [min, max] (digit separators allowed: 100_000), or `fallback` when absent. */
export function integerFlag(command: string, name: string, value: string | undefined, fallback: number, min: number, max = Number.MAX_SAFE_INTEGER): number {
  if (value === undefined) return fallback;
  // Digits with an optional exponent (1e5, 100_000); Number() alone would also take '0x10', '' and ' 5'.
  const n = /^\d[\d_]*(\.\d+)?(e\d+)?$/i.test(value) ? Number(value.replace(/_/g, '')) : NaN;
  if (!Number.isSafeInteger(n) || n < min) throw new UsageError(`${command}: --${name} must be an integer ≥ ${min}, got '${value}'`);
  if (n > max) throw new UsageError(`${command}: --${name} must be at most ${max}, got '${value}'`);
  return n;
}

/** A finite number flag ≥ `min`, or `fallback` when absent. */
export function numberFlag(command: string, name: string, value: string | undefined, fallback: number, min: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isFinite(n) || n < min) throw new UsageError(`${command}: --${name} must be a number ≥ ${min}, got '${value}'`);
  return n;
}

/** Checks before any work that `file` can be written as an output: not a folder, its folder exists and is writable. */
export function checkOutputFile(command: string, flag: string, file: string): void {
  if (file.trim() === '') throw new UsageError(`${command}: --${flag} must name a file, got an empty string`);
  if (fs.existsSync(file) && fs.statSync(file).isDirectory()) throw new UsageError(`${command}: --${flag} ${file} is a folder, not a file`);
  const dir = path.dirname(path.resolve(file));
  if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) throw new UsageError(`${command}: --${flag} ${file}: the folder ${dir} does not exist`);
  try {
    fs.accessSync(dir, fs.constants.W_OK);
  } catch {
    throw new UsageError(`${command}: --${flag} ${file}: the folder ${dir} is not writable`);
  }
}
