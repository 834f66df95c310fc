/** Loading the MuJoCo runtime, model errors, wasm heap growth, rendering and animated episodes. */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { EnvState } from '../../envs/core/types.ts';
import { AntEnv } from '../../envs/mujoco/ant.ts';
import { MujocoModelError } from '../../envs/mujoco/errors.ts';
import { HalfCheetahEnv } from '../../envs/mujoco/half-cheetah.ts';
import { HopperEnv } from '../../envs/mujoco/hopper.ts';
import { MUJOCO_ENV_IDS } from '../../envs/mujoco/ids.ts';
import { loadMujocoEnvs, makeAsync, prepareEnv } from '../../envs/mujoco/load.ts';
import { animatedSvg } from '../../envs/core/svg.ts';
import { make } from '../../envs/registry.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));

/** The lines `program` (an ES module run from the repository's root) prints in a process of its own, where MuJoCo is not loaded yet. */
function inFreshProcess(program: string): string[] {
  const run = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', program], { cwd: root, encoding: 'utf8' });
  assert.equal(run.status, 0, run.stderr);
  return run.stdout.trim().split('\n');
}

describe('MuJoCo envs: runtime', function () {
  this.timeout(60_000);

  it('make() before loading throws an error that says what to await (fresh process)', () => {
    const program = [
      "const { make, HopperEnv } = await import('./envs/index.ts');",
      "for (const build of [() => make('Hopper-v5'), () => new HopperEnv()]) {",
      "  try { build(); console.log('no error'); } catch (e) { console.log(`${e.name}: ${e.message}`); }",
      '}',
    ].join('\n');
    const [fromMake, fromConstructor] = inFreshProcess(program);
    assert.equal(fromMake, "EnvConfigError: Hopper-v5: is a MuJoCo env: first call `await loadMujocoEnvs()` (or `await prepareEnv('Hopper-v5')`) from 'varl/envs', then make('Hopper-v5')");
    assert.match(fromConstructor!, /^MujocoNotLoadedError: Hopper-v5: the MuJoCo runtime is not loaded; first call `await loadMujocoEnvs\(\)`/);
  });

  it('a factory that resolves to something else than the module is refused, and a later load still works (fresh process)', () => {
    const program = [
      "const { loadMujocoEnvs, make } = await import('./envs/index.ts');",
      'try { await loadMujocoEnvs(async () => ({})); console.log(\'no error\'); } catch (e) { console.log(`${e.name}: ${e.message}`); }',
      "await loadMujocoEnvs();",
      "console.log(make('Hopper-v5').observationSpace.size);",
    ].join('\n');
    const [refused, size] = inFreshProcess(program);
    assert.match(refused!, /^Error: MuJoCo: could not load the @mujoco\/mujoco wasm module: MuJoCo: the module has no MjModel\.from_xml_string or MjData/);
    assert.equal(size, '11');
  });

  describe('after loading', () => {
    before(async () => {
      await loadMujocoEnvs();
    });

    it('prepareEnv / makeAsync load on demand and leave other ids alone', async () => {
      await prepareEnv('Pendulum-v1');
      await prepareEnv('Ant-v5');
      const env = await makeAsync('Swimmer-v5', { maxEpisodeSteps: 5 });
      env.reset({ seed: 0 });
      assert.equal(env.observationSpace.size, 8);
      env.close();
    });

    it('a malformed model names the env and quotes MuJoCo', () => {
      assert.throws(
        () => new HopperEnv({}, '<mujoco><worldbody><body></mujoco>'),
        (e: unknown) => e instanceof MujocoModelError && /^Hopper-v5: MuJoCo could not compile the model: MuJoCo Error: .*XML/.test(e.message),
      );
      assert.throws(
        () => new AntEnv({}, '<mujoco><worldbody><geom type="sphere" size="a"/></worldbody></mujoco>'),
        (e: unknown) => e instanceof MujocoModelError && e.message.includes("Ant-v5: MuJoCo could not compile the model: MuJoCo Error: Loading error: XML Error: bad format in attribute 'size'"),
      );
      assert.throws(() => new HopperEnv({}, 42 as unknown as string), /Hopper-v5: the model must be an MJCF string, got 42/);
    });

    it('keeps stepping correctly when the wasm heap grows and detaches the array views', () => {
      const actions = Array.from({ length: 40 }, (_, t) => [Math.sin(t), Math.cos(t), 0.5 * Math.sin(2 * t)]);
      const reference = new HopperEnv({ terminateWhenUnhealthy: 0 });
      reference.reset({ seed: 1 });
      const expected = actions.map((a) => Array.from(reference.step(a).obs));
      const env = new HopperEnv({ terminateWhenUnhealthy: 0 });
      env.reset({ seed: 1 });
      const got = actions.slice(0, 20).map((a) => Array.from(env.step(a).obs));
      const viewBefore = env.data.qpos;
      const crowd = Array.from({ length: 40 }, () => new HalfCheetahEnv()); // ~6 MB of MuJoCo arena each
      assert.equal(viewBefore.length, 0, 'the heap grew, so a view taken before is detached');
      got.push(...actions.slice(20).map((a) => Array.from(env.step(a).obs)));
      assert.deepEqual(got, expected);
      crowd.forEach((e) => e.close());
      reference.close();
      env.close();
    });

    it('renders every task as an SVG of its geoms, and an episode as an animated SVG', () => {
      for (const id of MUJOCO_ENV_IDS) {
        const env = make(id);
        env.reset({ seed: 0 });
        const svg = env.renderSvg();
        assert.ok(svg.startsWith('<svg') && svg.trimEnd().endsWith('</svg>'), id);
        assert.ok(svg.includes(id), `${id} caption`);
        assert.ok((svg.match(/<(line|circle)/g) ?? []).length >= 3, `${id} draws its bodies`);
        env.close();
      }
      const env = make('HalfCheetah-v5');
      env.reset({ seed: 0 });
      const frames = [env.renderSvg()];
      for (let t = 0; t < 5; t++) {
        env.step([1, -1, 1, -1, 1, -1]);
        frames.push(env.renderSvg());
      }
      assert.notEqual(frames[0], frames[5], 'the cheetah moved');
      const animation = animatedSvg(frames, env.metadata.renderFps);
      assert.equal((animation.match(/<animate /g) ?? []).length, 6);
      assert.ok(animation.includes('dur="0.3s"'));
      assert.throws(() => animatedSvg([], 20), /needs at least one frame/);
      env.close();
    });

    it('rendering leaves the simulation untouched', () => {
      const a = make('Ant-v5');
      const b = make('Ant-v5');
      a.reset({ seed: 4 });
      b.reset({ seed: 4 });
      for (let t = 0; t < 10; t++) {
        a.renderSvg();
        const action = [0.1, -0.1, 0.2, 0, 0, 0.3, -0.3, 0.1];
        assert.deepEqual(Array.from(a.step(action).obs), Array.from(b.step(action).obs));
      }
      const state: EnvState = a.getState();
      assert.deepEqual(state, b.getState());
      a.close();
      b.close();
    });
  });
});
