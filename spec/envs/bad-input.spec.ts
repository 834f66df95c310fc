import assert from 'node:assert/strict';
import { InvalidActionError, ResetNeededError, EnvConfigError } from '../../envs/core/errors.ts';
import { envSpec, make, registeredIds } from '../../envs/registry.ts';

describe('bad input', () => {
  for (const id of registeredIds()) {
    describe(id, () => {
      const size = envSpec(id).create({}).actionSpace.size;
      const valid = Array.from({ length: size }, () => 0);

      it('throws naming the env, the expected shape and the value for a wrong-length action', () => {
        const env = make(id);
        env.reset({ seed: 0 });
        const wrong = [...valid, 0.25];
        assert.throws(
          () => env.step(wrong),
          (error: unknown) =>
            error instanceof InvalidActionError &&
            error.message.startsWith(`${id}: action must have shape [${size}], got length ${size + 1}`) &&
            error.message.includes('0.25'),
        );
      });

      for (const bad of [NaN, Infinity, -Infinity]) {
        it(`throws for ${bad} and names the coordinate and value`, () => {
          const env = make(id);
          env.reset({ seed: 0 });
          const action = [...valid];
          action[size - 1] = bad;
          assert.throws(
            () => env.step(action),
            (error: unknown) =>
              error instanceof InvalidActionError && error.message.startsWith(`${id}: action[${size - 1}] = ${bad} is not finite; expected shape [${size}]`),
          );
          env.step(valid); // the env is still usable
        });
      }

      it('throws when stepping before reset', () => {
        assert.throws(() => make(id).step(valid), (e: unknown) => e instanceof ResetNeededError && e.message === `${id}: step() called before reset()`);
      });

      it('throws when stepping after the episode ended, until reset', () => {
        const env = make(id, { maxEpisodeSteps: 1 });
        env.reset({ seed: 0 });
        env.step(valid);
        assert.throws(() => env.step(valid), (e: unknown) => e instanceof ResetNeededError && e.message.startsWith(`${id}: step() called after the episode ended`));
        env.reset();
        env.step(valid);
      });
    });
  }

  it('rejects unknown constructor and reset options and invalid seeds, naming them', () => {
    assert.throws(() => make('Pendulum-v1', { envOptions: { gravity: 9.8 } }), (e: unknown) => e instanceof EnvConfigError && /unknown option 'gravity'; known options: g/.test(e.message));
    assert.throws(() => make('CartPoleSwingup-v0', { envOptions: { g: 1 } }), /CartPoleSwingup-v0: unknown option 'g'; known options: \(none\)/);
    assert.throws(() => make('Pendulum-v1').reset({ options: { x_init: 1 } }), /Pendulum-v1: unknown reset option 'x_init'; accepted: xInit, yInit/);
    assert.throws(() => make('Pendulum-v1').reset({ seed: -3 }), /Pendulum-v1: reset: seed must be an integer in \[0, 2\^53\), got -3/);
    assert.throws(() => make('Nope-v0'), /Nope-v0: not registered; known ids: Pendulum-v1/);
    assert.throws(() => make('Pendulum-v1').setState({ id: 'Pendulum-v1', phase: 'running', rng: null, physics: [1] }), /inner/);
  });

  it('setState validates its payload', () => {
    const env = envSpec('Pendulum-v1').create({});
    env.reset({ seed: 0 });
    const state = env.getState();
    assert.throws(() => env.setState({ ...state, physics: [0, NaN] }), /Pendulum-v1: setState: physics must be 3 finite numbers/);
    assert.throws(() => env.setState({ ...state, id: 'MultiGoal-v0' }), /state belongs to 'MultiGoal-v0'/);
  });
});
