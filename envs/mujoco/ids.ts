/**
 * Ids of the MuJoCo envs. They are registered by `loadMujocoEnvs()` once the wasm module has loaded; the
 * registry uses this list to tell a caller of `make()` what to await first.
 */
/** Gymnasium's reward thresholds of the MuJoCo envs (`gymnasium/envs/__init__.py`), known before the wasm module loads. */
export const MUJOCO_REWARD_THRESHOLDS: Readonly<Record<string, number | null>> = Object.freeze({
  'InvertedPendulum-v5': 950.0,
  'InvertedDoublePendulum-v5': 9100.0,
  'HalfCheetah-v5': 4800.0,
  'Hopper-v5': 3800.0,
  'Walker2d-v5': null,
  'Ant-v5': 6000.0,
  'Swimmer-v5': 360.0,
  'Reacher-v5': -3.75,
});

export const MUJOCO_ENV_IDS: readonly string[] = Object.freeze(Object.keys(MUJOCO_REWARD_THRESHOLDS));

/** The sentence naming what to await before `make(id)` of a MuJoCo env. */
export function mujocoLoadHint(id: string): string {
  return `is a MuJoCo env: first call \`await loadMujocoEnvs()\` (or \`await prepareEnv('${id}')\`) from 'varl/envs', then make('${id}')`;
}
