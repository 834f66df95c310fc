/**
 * Ids of the MuJoCo envs. They are registered by `loadMujocoEnvs()` once the wasm module has loaded; the
 * registry uses this list to tell a caller of `make()` what to await first.
 */
export const MUJOCO_ENV_IDS: readonly string[] = Object.freeze([
  'InvertedPendulum-v5',
  'InvertedDoublePendulum-v5',
  'HalfCheetah-v5',
  'Hopper-v5',
  'Walker2d-v5',
  'Ant-v5',
  'Swimmer-v5',
  'Reacher-v5',
]);

/** The sentence naming what to await before `make(id)` of a MuJoCo env. */
export function mujocoLoadHint(id: string): string {
  return `is a MuJoCo env: first call \`await loadMujocoEnvs()\` (or \`await prepareEnv('${id}')\`) from 'varl/envs', then make('${id}')`;
}
