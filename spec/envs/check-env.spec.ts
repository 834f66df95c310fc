import assert from 'node:assert/strict';
import { PendulumEnv } from '../../envs/classic/pendulum.ts';
import { checkEnv } from '../../envs/core/check-env.ts';
import { EnvCheckError } from '../../envs/core/errors.ts';
import type { Rng } from '../../envs/core/rng.ts';
import type { Action, MutableStepResult } from '../../envs/core/types.ts';
import { envSpec, make, registeredIds } from '../../envs/registry.ts';
import { MUJOCO_ENV_IDS } from '../../envs/mujoco/ids.ts';

describe('checkEnv', () => {
  it('registers exactly the six classic environments, plus the MuJoCo ones once their runtime has loaded', () => {
    const classic = ['Pendulum-v1', 'MountainCarContinuous-v0', 'CartPoleContinuous-v0', 'CartPoleSwingup-v0', 'Reacher2D-v0', 'MultiGoal-v0'];
    const ids = registeredIds();
    assert.deepEqual(ids.slice(0, classic.length), classic);
    // an earlier spec in this process may have loaded MuJoCo, which registers its ids after the classic ones
    const rest = ids.slice(classic.length);
    assert.ok(rest.length === 0 || JSON.stringify(rest) === JSON.stringify(MUJOCO_ENV_IDS), `unexpected ids after the classic ones: ${rest.join(', ')}`);
  });

  for (const id of registeredIds()) {
    it(`passes for ${id}, through make() and raw`, () => {
      checkEnv(make(id));
      checkEnv(envSpec(id).create({}));
    });
  }

  describe('catches broken envs, naming the env and the check', () => {
    class UnseededReset extends PendulumEnv {
      protected override resetPhysics(rng: Rng): void {
        super.resetPhysics(rng, {});
        (this as unknown as { theta: number }).theta = Math.random();
      }
    }
    class EscapingObservation extends PendulumEnv {
      protected override writeObservation(): void {
        super.writeObservation();
        this.obs[2] = 100;
      }
    }
    class NaNReward extends PendulumEnv {
      protected override transition(action: Action, out: MutableStepResult): void {
        super.transition(action, out);
        out.reward = NaN;
      }
    }
    const cases: [string, () => PendulumEnv, string][] = [
      ['reset ignores the seed', () => new UnseededReset(), 'reset-seed-determinism'],
      ['observation outside the space', () => new EscapingObservation(), 'observation-in-space'],
      ['NaN reward', () => new NaNReward(), 'step-reward'],
    ];
    for (const [what, build, check] of cases) {
      it(what, () => {
        assert.throws(
          () => checkEnv(build()),
          (error: unknown) => error instanceof EnvCheckError && error.check === check && error.message.startsWith(`Pendulum-v1: checkEnv failed [${check}]`),
        );
      });
    }
  });
});
