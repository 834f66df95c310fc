import assert from 'node:assert/strict';
import { GOALS, MultiGoalEnv } from '../../envs/control/multi-goal.ts';
import { assertClose, startAt } from './helpers.ts';

// Literals: softqlearning's multigoal.py step() transcribed into NumPy (python3, /tmp scratch): clip a to ±1,
// p' = clip(p + a, ±7), reward = −(30‖a‖² + min_g ‖p' − g‖²) + 10 on reaching a goal (‖p' − g‖ < 1).
describe('MultiGoal-v0', () => {
  it('matches the reference from p = (0.3, −0.2), walking to the goal (5, 0)', () => {
    const env = new MultiGoalEnv();
    startAt(env, [0.3, -0.2]);
    const expected: [number[], number, boolean][] = [
      [[0.800000011920929, 0.30000001192092896], -32.730000000000004, false], // −(30·0.5 + 0.8² … to (5, 0)): 15 + 17.73
      [[1.7999999523162842, 0.10000000149011612], -41.45, false], // a clipped to (1, −0.2): 30·1.04 + 10.25
      [[2.799999952316284, 0.10000000149011612], -34.85, false],
      [[3.799999952316284, 0.10000000149011612], -31.45, false],
      [[4.800000190734863, 0.10000000149011612], -20.05, true], // 30 + 0.05 − 10 bonus, within 1 of (5, 0)
    ];
    const actions = [[0.5, 0.5], [1.5, -0.2], [1, 0], [1, 0], [1, 0]];
    actions.forEach((a, t) => {
      const { obs, reward, terminated } = env.step(a);
      assertClose(obs, expected[t]![0], 0, `obs at step ${t + 1}`);
      assert.ok(Math.abs(reward - expected[t]![1]) < 1e-12, `reward ${reward} vs ${expected[t]![1]}`);
      assert.equal(terminated, expected[t]![2]);
    });
  });

  it('clips the position to the ±7 square', () => {
    const env = new MultiGoalEnv();
    startAt(env, [6.5, -6.8]);
    const { obs, reward } = env.step([1, -1]);
    assertClose(obs, [7, -7]);
    assert.equal(reward, -113); // −(30·2 + min(4 + 49, 49 + 4, …) = 53)
  });

  it('every goal is equally good: the same approach to each of the four ends with the same return', () => {
    const returns = GOALS.map(([gx, gy]) => {
      const env = new MultiGoalEnv();
      startAt(env, [0, 0]);
      let total = 0;
      for (;;) {
        const { reward, terminated } = env.step([gx / 5, gy / 5]);
        total += reward;
        if (terminated) return total;
      }
    });
    for (const r of returns) assert.ok(Math.abs(r - returns[0]!) < 1e-9);
  });

  it('resets near the origin (σ = 0.1)', () => {
    const env = new MultiGoalEnv();
    for (let seed = 0; seed < 30; seed++) {
      for (const v of env.reset({ seed }).obs) assert.ok(Math.abs(v) < 0.6);
    }
  });

  it('renders an SVG with four goals and the point', () => {
    const env = new MultiGoalEnv();
    env.reset({ seed: 0 });
    assert.equal((env.renderSvg().match(/<circle /g) ?? []).length, 9);
  });
});
