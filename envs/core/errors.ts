/** Error types thrown by environments, wrappers and the env checker. Every message starts with the env id. */

/** Formats a short array for an error message: `[0.5, NaN]` (at most `limit` entries). */
export function formatValues(values: ArrayLike<unknown>, limit = 8): string {
  const shown: string[] = [];
  for (let i = 0; i < Math.min(values.length, limit); i++) shown.push(String(values[i]));
  if (values.length > limit) shown.push(`… (${values.length} values)`);
  return `[${shown.join(', ')}]`;
}

export function formatShape(shape: readonly number[]): string {
  return `[${shape.join(', ')}]`;
}

/** Base class: something an environment was asked to do is invalid. */
export class EnvError extends Error {
  constructor(
    readonly envId: string,
    message: string,
  ) {
    super(`${envId}: ${message}`);
    this.name = new.target.name;
  }
}

/** An action of the wrong length, or containing NaN / ±Infinity. */
export class InvalidActionError extends EnvError {}

/** `step()` before the first `reset()`, or after `terminated` / `truncated` without a `reset()`. */
export class ResetNeededError extends EnvError {}

/** A bad `reset` option, constructor option or `setState` payload. */
export class EnvConfigError extends EnvError {}

/** `checkEnv` found a violated convention; `check` names which one. */
export class EnvCheckError extends EnvError {
  constructor(
    envId: string,
    readonly check: string,
    detail: string,
  ) {
    super(envId, `checkEnv failed [${check}]: ${detail}`);
  }
}
