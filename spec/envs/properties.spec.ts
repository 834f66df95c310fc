import assert from 'node:assert/strict';
import fc from 'fast-check';
import { envSpec, registeredIds } from '../../envs/registry.ts';

// For every registered env: from any seed, any sequence of in-bounds actions (and, separately, any finite
// out-of-bounds actions, which each env clips) keeps observations finite and inside the observation space.
describe('properties of all registered envs', () => {
  for (const id of registeredIds()) {
    const env = envSpec(id).create({});
    const { low, high, size } = env.actionSpace;
    const inBounds = fc.array(
      fc.tuple(...Array.from({ length: size }, (_, i) => fc.double({ min: low[i]!, max: high[i]!, noNaN: true }))),
      { minLength: 1, maxLength: 60 },
    );
    const anyFinite = fc.array(fc.array(fc.double({ min: -1e6, max: 1e6, noNaN: true }), { minLength: size, maxLength: size }), {
      minLength: 1,
      maxLength: 30,
    });

    const rollout = (seed: number, actions: readonly (readonly number[])[]) => {
      let { obs } = env.reset({ seed });
      assert.ok(env.observationSpace.contains(obs));
      for (const action of actions) {
        const result = env.step(action);
        obs = result.obs;
        assert.ok(obs.every(Number.isFinite), `${id}: non-finite obs ${obs.join(', ')}`);
        assert.ok(env.observationSpace.contains(obs), `${id}: obs ${obs.join(', ')} outside ${env.observationSpace.toString()}`);
        assert.ok(Number.isFinite(result.reward), `${id}: reward ${result.reward}`);
        if (result.terminated) obs = env.reset().obs;
      }
    };

    it(`${id}: in-bounds actions keep observations finite and in space`, () => {
      fc.assert(fc.property(fc.nat(), inBounds, rollout), { numRuns: 40 });
    });

    it(`${id}: finite out-of-bounds actions are clipped and keep observations in space`, () => {
      fc.assert(fc.property(fc.nat(), anyFinite, rollout), { numRuns: 25 });
    });
  }
});
