import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { LANDSCAPE_STYLE, SAC, algorithmNames, createAgent, inspectActions, landscapeSvg, loadAgent, type Agent } from '../../algorithms/index.ts';
import { Tensor, noGrad } from '../../engine/index.ts';
import { UsageError, planCommand } from '../../algorithms/cli.ts';
import { make } from '../../envs/index.ts';
import { BanditEnv } from './bandit-env.ts';
import { runCliCaptured, tempDir } from './helpers.ts';

/** Small networks and short chains, so each agent builds in milliseconds. */
const SMALL: Record<string, unknown> = { hiddenSizes: [8, 8], seed: 5 };

/** The algorithms with an action box to draw (all of varl's: every one acts on a continuous box). */
const names = algorithmNames();

/** A one-step bandit whose action box has three dimensions, for slices. */
const box3 = (): BanditEnv => Object.assign(new BanditEnv(), { actionSpace: { shape: [3], low: Float32Array.of(-1, -2, -3), high: Float32Array.of(1, 2, 3) } });

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

    it('on a three-dimensional box: a slice over actions 0 and 1, the deterministic action as predict gives it', () => {
      const agent = createAgent(name, box3, SMALL);
      const view = inspectActions(agent, [0.2], { resolution: 6 });
      assert.deepEqual(view.dims, [0, 1]);
      if (view.values !== null) assert.equal(view.values.length, 36);
      if (view.density !== null) assert.ok(view.density.length === 36 && view.density.every((p) => Number.isFinite(p) && p >= 0));
      const acted = agent.predict([0.2], { deterministic: true });
      view.deterministicEnv.forEach((a, i) => assert.ok(Math.abs(a - acted[i]) <= 1e-5, `coordinate ${i}: inspected ${a}, predict ${acted[i]}`));
      assert.match(landscapeSvg(view), /data-dims="2"/);
    });

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
    assert.throws(() => inspectActions(agent(), [1, 0]), /^RangeError: inspectActions: expected an observation of 3 values, got 2$/);
    assert.throws(() => inspectActions(agent(), [1, Number.NaN, 0]), /^RangeError: inspectActions: observation\[1\] must be a finite number, got NaN$/);
    for (const seed of [1.5, Number.NaN, '3']) {
      assert.throws(() => inspectActions(agent(), [1, 0, 0], { seed: seed as number }), /^RangeError: inspectActions: seed must be a safe integer, got /);
    }
  });

  it('no agent, or options that are not an object', () => {
    assert.throws(() => inspectActions(undefined as never, [1, 0, 0]), /inspectActions: the first argument must be an agent, got undefined/);
    assert.throws(() => landscapeSvg(undefined as never), /^TypeError: landscapeSvg: expected an inspection \(what inspectActions returns\), got undefined$/);
    assert.throws(() => landscapeSvg({ dims: [0, 1, 2] } as never), /landscapeSvg: expected an inspection/);
    assert.throws(() => inspectActions(agent(), [1, 0, 0], 5 as never), /inspectActions: options must be an object, got 5/);
  });

  it('dims that are not one or two distinct action coordinates', () => {
    for (const dims of [[], [0, 1, 2], [0, 0], [3], [-1], [0.5], 'x']) {
      assert.throws(() => inspectActions(createAgent('sac', box3(), SMALL), [0], { dims: dims as number[] }), /dims must be one or two distinct action coordinates in \[0, 2\]/);
    }
  });
});

describe('inspectActions on more than two action dimensions: a slice through the deterministic action', () => {
  it('grids the chosen coordinates, holds the others at the deterministic action, and Q is the critics\' there', () => {
    const agent = createAgent('sac', box3(), SMALL) as SAC;
    const obs = [0.3];
    const view = inspectActions(agent, obs, { resolution: 5, dims: [2, 0] });
    assert.deepEqual(view.dims, [2, 0]);
    assert.equal(view.values!.length, 25);
    const deterministic = Array.from(agent.predict(obs, { deterministic: true }), (a, i) => a / [1, 2, 3][i]); // on [−1, 1]
    // Grid point (i, j): action 2 = axis[i] (fastest), action 0 = axis[j], action 1 at the deterministic action's.
    const [i, j] = [3, 1];
    const action = [view.axis[j], deterministic[1], view.axis[i]];
    const q = noGrad(() => {
      const s = new Tensor(Float32Array.from(obs), [1, 1]);
      const a = new Tensor(Float32Array.from(action), [1, 3]);
      return Math.min(agent.critic1.forward(s, a).item(), agent.critic2.forward(s, a).item());
    });
    assert.ok(Math.abs(view.values![j * 5 + i] - q) < 1e-5, `Q on the slice ${view.values![j * 5 + i]} against ${q}`);
    const svg = landscapeSvg(view);
    assert.match(svg, /data-dims="2"/);
    assert.match(svg, /the other actions at the deterministic action/);
    assert.equal(inspectActions(agent, obs, { resolution: 7 }).dims.join(), '0,1', 'default: actions 0 and 1');
    assert.equal(inspectActions(agent, obs, { dims: [1] }).values!.length, 61, 'one coordinate: a curve of 61 points');
  });
});

describe('the landscape as SVG, and varl inspect', () => {
  it('landscapeSvg draws Q, the density, the deterministic action and the iterates; standalone brings its styles and size', () => {
    const hmc = inspectActions(createAgent('hmc-sac', make('Pendulum-v1'), { ...SMALL, leapfrogSteps: 3 }), [0.6, -0.8, 1.5], { resolution: 21 });
    const inline = landscapeSvg(hmc);
    assert.match(inline, /^<svg [^>]*data-dims="1"/);
    assert.equal((inline.match(/class="iterate"/g) ?? []).length, 4, 'a₀ … a₃');
    assert.ok(inline.includes('class="q-line"') && inline.includes('class="density"') && inline.includes('class="deterministic"'));
    assert.ok(!inline.includes('<style>'));
    const file = landscapeSvg(hmc, { standalone: true });
    assert.match(file, /^<svg [^>]*viewBox="0 0 420 306"[^>]* width="420" height="306"><style>/);
    assert.ok(file.includes(LANDSCAPE_STYLE));
    const iapo = inspectActions(createAgent('iapo', make('MultiGoal-v0'), SMALL), [0.4, -1.1], { resolution: 9 });
    const heat = landscapeSvg(iapo, { standalone: true });
    assert.match(heat, /data-dims="2"/);
    assert.equal((heat.match(/<rect x=/g) ?? []).length, 81, 'one cell per grid action');
  });

  it('varl inspect: refusals before any work, then the JSON of one state and its picture', async () => {
    const dir = tempDir();
    createAgent('langevin-td3', make('Pendulum-v1'), SMALL).save(path.join(dir, 'checkpoint'));
    const usage = (argv: string[], pattern: RegExp): void =>
      assert.throws(() => planCommand(['inspect', '--checkpoint', dir, ...argv], dir), (e: Error) => e instanceof UsageError && pattern.test(e.message));
    usage([], /give exactly one of --obs V,V,… and --state T/);
    usage(['--obs', '1,0,0', '--state', '3'], /give exactly one of/);
    usage(['--obs', '1,,0'], /--obs entry 1 must be a finite number, got ''/);
    usage(['--obs', '1,0,0', '--seed', '2'], /--seed picks the episode of --state/);
    usage(['--state', '-1'], /--state must be an integer/);
    usage(['--obs', '1,0,0', '--resolution', '500'], /--resolution must be at most 201, got '500'/);
    usage(['--obs', '1,0,0', '--svg', path.join(dir, 'missing', 'x.svg')], /--svg .*does not exist/);
    usage(['--obs', '1,0,0', '--inference-seed', '1'], /--inference-seed seeds IAPO's inference noise; the checkpoint is langevin-td3's/);

    const { status, stdout } = await runCliCaptured(['inspect', '--checkpoint', dir, '--state', '5', '--seed', '3', '--svg', path.join(dir, 'state.svg'), '--resolution', '11']);
    assert.equal(status, 0);
    const report = JSON.parse(stdout) as { observation: number[]; inspection: { algorithm: string; iterateKind: string; values: number[]; deterministicEnv: number[] } };
    assert.equal(report.inspection.algorithm, 'LANGEVIN-TD3');
    assert.equal(report.inspection.iterateKind, 'chain');
    assert.equal(report.inspection.values.length, 11);
    // The state is the one the evaluation episode from seed 3 reaches after 5 deterministic steps.
    const agent = loadAgent(path.join(dir, 'checkpoint'), make('Pendulum-v1'), { weightsOnly: true });
    const env = make('Pendulum-v1');
    let { obs } = env.reset({ seed: 3 });
    for (let t = 0; t < 5; t++) obs = env.step(agent.predict(obs, { deterministic: true })).obs;
    assert.deepEqual(report.observation, Array.from(obs));
    assert.deepEqual(report.inspection.deterministicEnv, Array.from(agent.predict(obs, { deterministic: true })));
    assert.match(fs.readFileSync(path.join(dir, 'state.svg'), 'utf8'), /^<svg [^>]*width="420"[^>]*><style>/);
  });

  it('varl inspect --inference-seed: the seed of IAPO\'s inference noise, reproducible, 0 by default', async () => {
    const dir = tempDir();
    // Twenty updates: an untrained critic is flat, and the iterates would not depend on the noise.
    const iapo = createAgent('iapo', make('Pendulum-v1'), { ...SMALL, learningStarts: 20, batchSize: 16 });
    await iapo.learn({ totalSteps: 40, checkpointEvery: 0, evalEvery: 0 });
    iapo.save(path.join(dir, 'checkpoint'));
    assert.throws(() => planCommand(['inspect', '--checkpoint', dir, '--obs', '1,0,0', '--inference-seed', '-1'], dir), /--inference-seed must be an integer ≥ 0/);
    const iterates = async (extra: string[]): Promise<number[][]> => {
      const { status, stdout } = await runCliCaptured(['inspect', '--checkpoint', dir, '--obs', '0.6,-0.8,1.5', '--resolution', '5', ...extra]);
      assert.equal(status, 0);
      return (JSON.parse(stdout) as { inspection: { iterates: { action: number[] }[] } }).inspection.iterates.map((it) => it.action);
    };
    const byDefault = await iterates([]);
    assert.deepEqual(await iterates(['--inference-seed', '0']), byDefault);
    const seeded = await iterates(['--inference-seed', '7']);
    assert.deepEqual(await iterates(['--inference-seed', '7']), seeded);
    assert.notDeepEqual(seeded.slice(1), byDefault.slice(1), 'another seed draws other inference samples');
  });
});
