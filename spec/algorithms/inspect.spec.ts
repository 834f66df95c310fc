import { strict as assert } from 'node:assert';
import { algorithmNames, createAgent, inspectActions, type Agent } from '../../algorithms/index.ts';
import { make } from '../../envs/index.ts';
import { BanditEnv } from './bandit-env.ts';

/** Small networks and short chains, so each agent builds in milliseconds. */
const SMALL: Record<string, unknown> = { hiddenSizes: [8, 8], seed: 5 };

/** The algorithms with an action box to draw (all of varl's: every one acts on a continuous box). */
const names = algorithmNames();

/** Trapezoid rule over the grid's axis. */
const integral = (axis: number[], values: number[]): number =>
  values.slice(1).reduce((sum, v, i) => sum + 0.5 * (v + values[i]) * (axis[i + 1] - axis[i]), 0);

for (const name of names) {
  describe(`inspectActions: ${name}`, () => {
    for (const [envId, obsOf] of [['Pendulum-v1', () => [0.6, -0.8, 1.5]], ['MultiGoal-v0', () => [0.4, -1.1]]] as const) {
      it(`on ${envId}: grid sizes, the deterministic action as predict gives it, iterates in both units`, () => {
        const env = make(envId);
        const agent: Agent = createAgent(name, () => make(envId), SMALL);
        const obs = obsOf();
        const view = inspectActions(agent, obs, { resolution: 11 });
        const points = 11 ** view.actionSize;
        assert.equal(view.actionSize, env.actionSpace.shape[0]);
        assert.equal(view.axis.length, 11);
        if (view.values !== null) assert.equal(view.values.length, points);
        if (view.density !== null) {
          assert.equal(view.density.length, points);
          assert.ok(view.density.every((p) => Number.isFinite(p) && p >= 0), 'a density is finite and non-negative');
        }
        assert.equal(view.deterministic.length, view.actionSize);
        assert.ok(view.deterministic.every((a) => a >= -1 && a <= 1), `deterministic ${view.deterministic} on [−1, 1]`);
        const acted = agent.predict(obs, { deterministic: true });
        view.deterministicEnv.forEach((a, i) => assert.ok(Math.abs(a - acted[i]) <= 1e-5, `coordinate ${i}: inspected ${a}, predict ${acted[i]}`));
        for (const iterate of view.iterates) {
          iterate.action.forEach((a, i) => {
            const env = view.low[i] + ((a + 1) / 2) * (view.high[i] - view.low[i]);
            assert.ok(Math.abs(iterate.actionEnv[i] - env) <= 1e-5, `iterate coordinate ${i}: ${iterate.actionEnv[i]} against ${env}`);
          });
        }
        if (view.iterateKind !== null) {
          assert.ok(view.iterates.length >= 2, 'an inference or a chain has a start and an end');
          assert.deepEqual(view.iterates[view.iterates.length - 1].actionEnv.map((a) => Math.fround(a)), view.deterministicEnv.map((a) => Math.fround(a)));
        } else {
          assert.equal(view.iterates.length, 0);
        }
      });
    }

    it('on a one-dimensional box the density integrates to about 1 over [−1, 1]', () => {
      const agent = createAgent(name, () => new BanditEnv(), SMALL);
      const view = inspectActions(agent, [0.3], { resolution: 201 });
      if (view.density === null) {
        assert.equal(view.densityKind, null, 'a deterministic policy has no density');
        return;
      }
      // A Gaussian (PPO's) puts mass outside the box; the squashed ones and the flow have all of it inside.
      const mass = integral(view.axis, view.density);
      if (view.densityKind === 'normal') assert.ok(mass > 0 && mass <= 1.001, `${view.densityKind}: mass ${mass}`);
      else assert.ok(Math.abs(mass - 1) < 0.02, `${view.densityKind}: mass ${mass}`);
    });
  });
}

describe('inspectActions refuses what it cannot draw', () => {
  const agent = () => createAgent('sac', make('Pendulum-v1'), SMALL);

  it('a resolution outside [2, 201] or not an integer', () => {
    for (const resolution of [1, 202, 2.5, Number.NaN]) {
      assert.throws(() => inspectActions(agent(), [1, 0, 0], { resolution }), /resolution must be an integer in \[2, 201\]/);
    }
  });

  it('an observation of the wrong length or with a non-finite entry', () => {
    assert.throws(() => inspectActions(agent(), [1, 0]), /3/);
    assert.throws(() => inspectActions(agent(), [1, Number.NaN, 0]), /1/);
  });

  it('actions of more than two dimensions', () => {
    const box = Object.assign(new BanditEnv(), { actionSpace: { shape: [3], low: new Float32Array(3).fill(-1), high: new Float32Array(3).fill(1) } });
    assert.throws(() => inspectActions(createAgent('sac', box, SMALL), [0]), /actions of 3 dimensions cannot be drawn/);
  });
});
