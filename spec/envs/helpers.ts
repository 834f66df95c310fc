/** Shared helpers for the envs specs. */
import assert from 'node:assert/strict';
import type { Env, StepResult } from '../../envs/core/types.ts';

/**
 * Resets `env` (seed 0) and overwrites the physics state of the unwrapped env, so a trajectory starts from a
 * hand-chosen state. Each env file documents its physics layout.
 */
export function startAt(env: Env, physics: readonly number[]): void {
  env.reset({ seed: 0 });
  env.unwrapped.setState({ ...env.unwrapped.getState(), physics: [...physics] });
}

/** Copies what a step returned (the env reuses its buffers). */
export function snapshot(result: StepResult): { obs: number[]; reward: number; terminated: boolean; truncated: boolean } {
  return { obs: Array.from(result.obs), reward: result.reward, terminated: result.terminated, truncated: result.truncated };
}

/** Asserts every entry of `actual` equals `expected` within `tolerance` (0 = bit-exact). */
export function assertClose(actual: ArrayLike<number>, expected: readonly number[], tolerance = 0, label = ''): void {
  assert.equal(actual.length, expected.length, `${label} length`);
  for (let i = 0; i < expected.length; i++) {
    const ok = tolerance === 0 ? Object.is(actual[i], expected[i]) : Math.abs(actual[i]! - expected[i]!) <= tolerance;
    assert.ok(ok, `${label}[${i}]: got ${actual[i]}, expected ${expected[i]} (tolerance ${tolerance})`);
  }
}
