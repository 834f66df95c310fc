/** Errors particular to the MuJoCo envs; like every env error, each message starts with the env id. */
import { EnvError } from '../core/errors.ts';

/** A MuJoCo env was constructed before `await loadMujocoEnvs()` (or `prepareEnv(id)`) resolved. */
export class MujocoNotLoadedError extends EnvError {
  constructor(envId: string) {
    super(
      envId,
      `the MuJoCo runtime is not loaded; first call \`await loadMujocoEnvs()\` (or \`await prepareEnv('${envId}')\`) from 'varl/envs', then make('${envId}')`,
    );
  }
}

/** MuJoCo could not compile an env's MJCF model; the message carries MuJoCo's own. */
export class MujocoModelError extends EnvError {}

/** `reset`, `step`, `getState`, `setState` or `renderSvg` on an env whose MuJoCo model was freed by `close()`. */
export class EnvClosedError extends EnvError {}
