/**
 * How far a policy moves on the locomotion tasks: what tells a policy that walks or hops from one that
 * only stays alive. A Hopper-v5 that stands still for 1000 steps earns ≈ 1000 from the healthy reward
 * alone, which is also what a slow hop that falls late can earn.
 */
import * as path from 'node:path';
import { loadAgent } from '../algorithms/index.ts';
import { hasCheckpoint } from '../algorithms/node/checkpoint-dir.ts';
import { make, type Env } from '../envs/index.ts';

type Agent = ReturnType<typeof loadAgent>;

/** The reset seed of the measured episode: the same start for every policy. */
export const DISTANCE_EPISODE_SEED = 4242;

/**
 * The torso's x displacement over one deterministic episode from reset seed `DISTANCE_EPISODE_SEED`, for
 * envs whose info reports `x_position` (the MuJoCo locomotion tasks); null for the others.
 */
export function forwardDistance(agent: { predict(obs: Float32Array): ArrayLike<number> }, env: Env): number | null {
  const start = env.reset({ seed: DISTANCE_EPISODE_SEED });
  const x0 = start.info.x_position;
  if (typeof x0 !== 'number') return null;
  let obs = start.obs;
  for (;;) {
    const step = env.step(agent.predict(obs));
    if (step.terminated || step.truncated) return (step.info.x_position as number) - x0;
    obs = step.obs;
  }
}

/**
 * `measure(agent, env)` on the policy saved in a run or sweep-job folder (its checkpoint/) and a fresh env,
 * or null without a checkpoint. Both envs are closed at the end: a MuJoCo env holds ~13 MB of the wasm
 * heap until then.
 */
export function withSavedPolicy<T>(runDir: string, envId: string, measure: (agent: Agent, env: Env) => T): T | null {
  const checkpoint = path.join(runDir, 'checkpoint');
  if (!hasCheckpoint(checkpoint)) return null;
  const agent = loadAgent(checkpoint, () => make(envId), { weightsOnly: true });
  const env = make(envId);
  try {
    return measure(agent, env);
  } finally {
    agent.close();
    env.close();
  }
}

/** `forwardDistance` of the policy saved in a run or sweep-job folder, or null without one. */
export function runDistance(runDir: string, envId: string): number | null {
  return withSavedPolicy(runDir, envId, forwardDistance);
}
