/**
 * The envs called from plain JavaScript: arguments the TypeScript types would reject are refused up front,
 * with a message that names the function or class, the argument and what was given. Where an env is known
 * the error is an EnvConfigError starting with its id; otherwise a TypeError or RangeError.
 */
import assert from 'node:assert/strict';
import { PendulumEnv } from '../../envs/classic/pendulum.ts';
import { BaseEnv, validateAction } from '../../envs/core/base-env.ts';
import { checkEnv } from '../../envs/core/check-env.ts';
import { EnvCheckError, EnvConfigError, InvalidActionError } from '../../envs/core/errors.ts';
import { Rng } from '../../envs/core/rng.ts';
import { Box } from '../../envs/core/spaces.ts';
import { animatedSvg } from '../../envs/core/svg.ts';
import type { Env } from '../../envs/core/types.ts';
import { MujocoModelError, MujocoNotLoadedError } from '../../envs/mujoco/errors.ts';
import { loadMujocoEnvs, makeAsync, prepareEnv } from '../../envs/mujoco/load.ts';
import { InvertedPendulumEnv } from '../../envs/mujoco/inverted-pendulum.ts';
import { MujocoEnv } from '../../envs/mujoco/mujoco-env.ts';
import { renderScene } from '../../envs/mujoco/render.ts';
import { envSpec, make, register, registeredIds, rewardThreshold } from '../../envs/registry.ts';
import { AsyncVectorEnv } from '../../envs/vector/async-vector-env.ts';
import { SyncVectorEnv } from '../../envs/vector/sync-vector-env.ts';
import { ClipAction } from '../../envs/wrappers/clip-action.ts';
import { NormalizeObservation, RunningMeanStd } from '../../envs/wrappers/normalize-observation.ts';
import { RecordEpisodeStatistics } from '../../envs/wrappers/record-episode-statistics.ts';
import { RescaleAction } from '../../envs/wrappers/rescale-action.ts';
import { TimeLimit } from '../../envs/wrappers/time-limit.ts';
import { construct, rejects, refuses, untyped } from '../support/plain-js.ts';

const box = (): Box => new Box({ low: -1, high: 1, shape: [2], dtype: 'float32' });

describe('envs: arguments from plain JavaScript', () => {
  describe('make, envSpec, rewardThreshold, prepareEnv, makeAsync', () => {
    it('refuse an id that is not a string', async () => {
      refuses(() => untyped(make)(undefined), TypeError, /^make: id must be an env id such as 'Pendulum-v1', got undefined$/);
      refuses(() => untyped(make)(null), TypeError, /^make: id must be an env id such as 'Pendulum-v1', got null$/);
      refuses(() => untyped(make)(5), TypeError, /^make: id must be .*, got 5$/);
      refuses(() => untyped(envSpec)(undefined), TypeError, /^envSpec: id must be .*, got undefined$/);
      refuses(() => untyped(rewardThreshold)({}), TypeError, /^rewardThreshold: id must be .*, got \{\}$/);
      await rejects(() => untyped(prepareEnv)(undefined) as Promise<void>, TypeError, /^prepareEnv: id must be .*, got undefined$/);
      await rejects(() => untyped(makeAsync)(null) as Promise<Env>, TypeError, /^makeAsync: id must be .*, got null$/);
    });

    it('refuse options that are not an object, and envOptions that are not one', () => {
      refuses(() => untyped(make)('Pendulum-v1', 5), EnvConfigError, /^Pendulum-v1: make: options must be \{ maxEpisodeSteps\?, envOptions\? \}, got 5$/);
      refuses(() => untyped(make)('Pendulum-v1', null), EnvConfigError, /^Pendulum-v1: make: options must be .*, got null$/);
      refuses(() => untyped(make)('Pendulum-v1', { envOptions: 5 }), EnvConfigError, /^Pendulum-v1: options must be an object, got 5$/);
      refuses(() => untyped(make)('MultiGoal-v0', { envOptions: 'x' }), EnvConfigError, /^MultiGoal-v0: options must be an object, got "x"$/);
      refuses(() => untyped(make)('Pendulum-v1', { maxEpisodeSteps: 'x' }), EnvConfigError, /^Pendulum-v1: TimeLimit: maxEpisodeSteps must be an integer > 0, got "x"$/);
    });

    it('refuse an unknown option (a misspelt maxEpisodeSteps would keep the registered limit) and quote a value given as a string', () => {
      refuses(() => untyped(make)('Pendulum-v1', { maxSteps: 10 }), EnvConfigError, /^Pendulum-v1: make: unknown option 'maxSteps'; make takes \{ maxEpisodeSteps\?, envOptions\? \}$/);
      refuses(() => untyped(make)('Pendulum-v1', { envOptions: { g: '9.8' } }), EnvConfigError, /^Pendulum-v1: option 'g' must be a finite number, got "9.8"$/);
      // A sub-env spec of AsyncVectorEnv passes whole, when it names the env made.
      refuses(() => untyped(make)('Pendulum-v1', { id: 'Reacher2D-v0' }), EnvConfigError, /^Pendulum-v1: make: options.id is "Reacher2D-v0", not the id made$/);
      const spec = { id: 'Pendulum-v1', maxEpisodeSteps: 3 };
      assert.equal((make(spec.id, spec) as TimeLimit).maxEpisodeSteps, 3);
    });

    it('valid calls still work', async () => {
      const env = make('Pendulum-v1', { maxEpisodeSteps: 3, envOptions: { g: 9.81 } });
      env.reset({ seed: 0 });
      assert.equal(env.step([0.5]).obs.length, 3);
      assert.equal(envSpec('Pendulum-v1').maxEpisodeSteps, 200);
      assert.equal(rewardThreshold('Pendulum-v1'), null);
      await prepareEnv('Pendulum-v1');
      assert.equal((await makeAsync('MultiGoal-v0')).id, 'MultiGoal-v0');
    });
  });

  describe('register', () => {
    const valid = { id: 'Pendulum-v1', create: () => new PendulumEnv(), maxEpisodeSteps: 200, rewardThreshold: null, reference: 'spec' };

    it('refuses a spec that is not a whole EnvSpec, registering nothing', () => {
      const before = registeredIds();
      refuses(() => untyped(register)(undefined), TypeError, /^register: spec must be \{ id, create, maxEpisodeSteps, rewardThreshold, reference \}, got undefined$/);
      refuses(() => untyped(register)(null), TypeError, /^register: spec must be .*, got null$/);
      refuses(() => untyped(register)({}), TypeError, /^register: spec\.id must be a non-empty string, got undefined$/);
      refuses(() => untyped(register)({ ...valid, id: 'Checked-v0', create: undefined }), EnvConfigError, /^Checked-v0: register: create must be a function \(options\) => Env, got undefined$/);
      refuses(() => untyped(register)({ ...valid, id: 'Checked-v0', maxEpisodeSteps: undefined }), EnvConfigError, /^Checked-v0: register: maxEpisodeSteps must be null or an integer > 0, got undefined$/);
      refuses(() => untyped(register)({ ...valid, id: 'Checked-v0', rewardThreshold: '10' }), EnvConfigError, /^Checked-v0: register: rewardThreshold must be null or a finite number, got "10"$/);
      refuses(() => untyped(register)({ ...valid, id: 'Checked-v0', reference: undefined }), EnvConfigError, /^Checked-v0: register: reference must be a string, got undefined$/);
      assert.deepEqual(registeredIds(), before);
    });

    it('a well-formed spec passes the checks (here it reaches the duplicate-id check)', () => {
      refuses(() => register(valid), EnvConfigError, /^Pendulum-v1: register: id is already registered$/);
    });
  });

  describe('env.reset, env.step, env.setState', () => {
    for (const [label, makeEnv] of [['raw', () => new PendulumEnv()], ['wrapped', () => make('Pendulum-v1')]] as const) {
      it(`${label}: reset refuses a non-object argument (a bare seed says how to seed) and non-object options`, () => {
        const env: Env = makeEnv();
        refuses(() => untyped(env.reset.bind(env))(5), EnvConfigError, /^Pendulum-v1: reset: the argument must be \{ seed\?, options\? \}, got 5; to seed, call reset\(\{ seed: 5 \}\)$/);
        refuses(() => untyped(env.reset.bind(env))(null), EnvConfigError, /^Pendulum-v1: reset: the argument must be \{ seed\?, options\? \}, got null$/);
        refuses(() => untyped(env.reset.bind(env))('x'), EnvConfigError, /^Pendulum-v1: reset: the argument must be .*, got "x"$/);
        refuses(() => untyped(env.reset.bind(env))({ options: null }), EnvConfigError, /^Pendulum-v1: reset: options must be an object, got null$/);
        refuses(() => untyped(env.reset.bind(env))({ options: 5 }), EnvConfigError, /^Pendulum-v1: reset: options must be an object, got 5$/);
      });

      it(`${label}: reset refuses an unknown argument (reset({ sed: 1 }) would reset unseeded), and strings are quoted where a number was due`, () => {
        const env: Env = makeEnv();
        refuses(() => untyped(env.reset.bind(env))({ sed: 1 }), EnvConfigError, /^Pendulum-v1: reset: unknown argument 'sed'; reset takes \{ seed\?, options\? \}$/);
        refuses(() => untyped(env.reset.bind(env))({ seed: '1' }), RangeError, /^Pendulum-v1: reset: seed must be an integer in \[0, 2\^53\), got "1"$/);
        refuses(() => untyped(env.reset.bind(env))({ options: { xInit: '0.5' } }), EnvConfigError, /^Pendulum-v1: reset option 'xInit' must be a finite number, got "0.5"$/);
        env.reset({ seed: 0 });
        refuses(() => untyped(env.step.bind(env))(['0.5']), InvalidActionError, /^Pendulum-v1: action\[0\] = "0.5" is not finite; expected shape \[1\]/);
      });

      it(`${label}: setState refuses a non-object state; step keeps its InvalidActionError`, () => {
        const env: Env = makeEnv();
        refuses(() => untyped(env.setState.bind(env))(undefined), EnvConfigError, /^Pendulum-v1: setState: state must be an object \(what getState\(\) returned\), got undefined$/);
        refuses(() => untyped(env.setState.bind(env))(null), EnvConfigError, /^Pendulum-v1: setState: state must be an object .*, got null$/);
        env.reset({ seed: 0 });
        refuses(() => untyped(env.step.bind(env))(undefined), InvalidActionError, /^Pendulum-v1: action must have shape \[1\], got undefined$/);
        refuses(() => untyped(env.step.bind(env))({}), InvalidActionError, /^Pendulum-v1: action must have shape \[1\], got \{\}$/);
        refuses(() => untyped(env.step.bind(env))('x'), InvalidActionError, /^Pendulum-v1: action must have shape \[1\], got "x"$/);
      });

      it(`${label}: valid calls still work`, () => {
        const env: Env = makeEnv();
        const first = Array.from(env.reset({ seed: 3, options: { xInit: 0.5, yInit: 0.5 } }).obs);
        env.reset();
        env.step([0.25]);
        const state = env.getState();
        env.step([0.25]);
        env.setState(state);
        assert.deepEqual(Array.from(env.reset({ seed: 3, options: { xInit: 0.5, yInit: 0.5 } }).obs), first);
      });
    }
  });

  describe('wrappers', () => {
    const wrappers: [string, (env: unknown) => unknown][] = [
      ['TimeLimit', (env) => construct(TimeLimit, env, 10)],
      ['RecordEpisodeStatistics', (env) => construct(RecordEpisodeStatistics, env)],
      ['ClipAction', (env) => construct(ClipAction, env)],
      ['RescaleAction', (env) => construct(RescaleAction, env, -1, 1)],
      ['NormalizeObservation', (env) => construct(NormalizeObservation, env)],
    ];
    for (const [name, wrap] of wrappers) {
      it(`${name} refuses what is not an env, naming what it got`, () => {
        const head = `^${name}: env must be an env such as make\\('Pendulum-v1'\\), got`;
        refuses(() => wrap(undefined), TypeError, new RegExp(`${head} undefined$`));
        refuses(() => wrap(null), TypeError, new RegExp(`${head} null$`));
        refuses(() => wrap('Pendulum-v1'), TypeError, new RegExp(`${head} "Pendulum-v1"$`));
        refuses(() => wrap({}), TypeError, new RegExp(`${head} an Object without reset\\(\\)$`));
        refuses(() => wrap({ reset() {}, step() {} }), TypeError, new RegExp(`${head} an Object without observationSpace$`));
        const pending = makeAsync('Pendulum-v1');
        refuses(() => wrap(pending), TypeError, new RegExp(`${head} a Promise \\(await it first\\)$`));
      });

      it(`${name} still wraps an env`, () => {
        const env = wrap(make('Pendulum-v1')) as Env;
        env.reset({ seed: 0 });
        assert.equal(env.step([0.5]).obs.length, 3);
      });
    }

    it('the wrappers refuse options of the wrong kind, starting with the env id', () => {
      const env = new PendulumEnv();
      refuses(() => construct(TimeLimit, env, 'x'), EnvConfigError, /^Pendulum-v1: TimeLimit: maxEpisodeSteps must be an integer > 0, got "x"$/);
      refuses(() => construct(TimeLimit, env), EnvConfigError, /^Pendulum-v1: TimeLimit: maxEpisodeSteps must be an integer > 0, got undefined$/);
      refuses(() => construct(RescaleAction, env), EnvConfigError, /^Pendulum-v1: RescaleAction: minAction must be a number or one number per coordinate, got undefined$/);
      refuses(() => construct(RescaleAction, env, -1, 'a'), EnvConfigError, /^Pendulum-v1: RescaleAction: maxAction must be .*, got "a"$/);
      refuses(() => construct(NormalizeObservation, env, 'x'), EnvConfigError, /^Pendulum-v1: NormalizeObservation: epsilon must be a finite number ≥ 0, got "x"$/);
      refuses(() => construct(RecordEpisodeStatistics, env, null), EnvConfigError, /^Pendulum-v1: RecordEpisodeStatistics: bufferLength must be an integer ≥ 0 \(or Infinity\), got null$/);
      refuses(() => construct(RunningMeanStd), RangeError, /^RunningMeanStd: size must be an integer ≥ 0, got undefined$/);
      assert.equal(new RescaleAction(env, [-1], [1]).actionSpace.size, 1);
      assert.equal(new RecordEpisodeStatistics(env, Infinity).bufferLength, Infinity);
    });
  });

  describe('Box', () => {
    it('refuses a missing init and fields of the wrong kind', () => {
      refuses(() => construct(Box), TypeError, /^Box: the argument must be \{ low, high, shape\?, dtype \}, got undefined$/);
      refuses(() => construct(Box, {}), TypeError, /^Box: low must be a number or one number per coordinate, got undefined$/);
      refuses(() => construct(Box, { low: 0, high: null, shape: [1], dtype: 'float32' }), TypeError, /^Box: high must be .*, got null$/);
      refuses(() => construct(Box, { low: 0, high: 1, shape: 3, dtype: 'float32' }), TypeError, /^Box: shape must be an array of dimensions, got 3$/);
      refuses(() => construct(Box, { low: 0, high: 1, shape: [1] }), RangeError, /^Box: dtype must be 'float32' or 'float64', got undefined$/);
      refuses(() => construct(Box, { low: 0, high: 1, shape: [1], dtype: 'int32' }), RangeError, /^Box: dtype must be 'float32' or 'float64', got "int32"$/);
    });

    it('sample needs an Rng; contains is false for what is not an array (as Gymnasium)', () => {
      refuses(() => untyped(box().sample.bind(box()))(undefined), TypeError, /^Box\.sample: rng must be an Rng, got undefined$/);
      assert.equal(untyped(box().contains.bind(box()))(undefined), false);
      assert.equal(untyped(box().contains.bind(box()))(null), false);
    });

    it('valid boxes still work', () => {
      const space = box();
      const x = space.sample(new Rng(0));
      assert.ok(space.contains(x));
      assert.deepEqual(new Box({ low: [0, 1], high: [2, 3], dtype: 'float64' }).shape, [2]);
    });
  });

  describe('BaseEnv, validateAction, Rng', () => {
    const Base = BaseEnv as unknown as new (...args: unknown[]) => object;

    it('BaseEnv names what a subclass passed to super()', () => {
      class NoSpaces extends Base {
        constructor(observationSpace?: unknown, renderFps: unknown = 30) {
          super('Mine-v0', observationSpace, box(), renderFps);
        }
      }
      refuses(() => construct(BaseEnv), TypeError, /^BaseEnv: id must be a non-empty string, got undefined$/);
      refuses(() => new NoSpaces(), TypeError, /^BaseEnv \(NoSpaces\): observationSpace must be a Box, got undefined$/);
      refuses(() => new NoSpaces({ low: 0 }), TypeError, /^BaseEnv \(NoSpaces\): observationSpace must be a Box, got \{"low":0\}$/);
      refuses(() => new NoSpaces(box(), 0), RangeError, /^BaseEnv \(NoSpaces\): renderFps must be a number > 0, got 0$/);
      assert.equal(new PendulumEnv().metadata.renderFps, 30);
    });

    it('validateAction names a missing space or env id; actions keep their InvalidActionError', () => {
      refuses(() => untyped(validateAction)(), TypeError, /^validateAction: envId must be a string, got undefined$/);
      refuses(() => untyped(validateAction)('Mine-v0', undefined, [0, 0]), TypeError, /^validateAction: space must be a Box, got undefined$/);
      refuses(() => untyped(validateAction)('Mine-v0', { size: 2 }, [0, NaN]), TypeError, /^validateAction: space must be a Box, got \{"size":2\}$/);
      refuses(() => untyped(validateAction)('Mine-v0', box(), undefined), InvalidActionError, /^Mine-v0: action must have shape \[2\], got undefined$/);
      validateAction('Mine-v0', box(), [0.5, -3]);
    });

    it('Rng.setState names what it got', () => {
      refuses(() => untyped(new Rng(0).setState.bind(new Rng(0)))(undefined), RangeError, /^Rng\.setState: expected four uint32 words, not all zero, got undefined$/);
      const rng = new Rng(1);
      const words = rng.getState();
      const next = rng.nextUint32();
      rng.setState(words);
      assert.equal(rng.nextUint32(), next);
    });
  });

  describe('SyncVectorEnv', () => {
    const pendulums = (n: number) => Array.from({ length: n }, () => () => make('Pendulum-v1'));

    it('refuses env functions and options of the wrong kind', () => {
      refuses(() => construct(SyncVectorEnv), TypeError, /^SyncVectorEnv: envFns must be an array of functions that make an env, got undefined$/);
      refuses(() => construct(SyncVectorEnv, null), TypeError, /^SyncVectorEnv: envFns must be .*, got null$/);
      refuses(() => construct(SyncVectorEnv, {}), TypeError, /^SyncVectorEnv: envFns must be .*, got \{\}$/);
      refuses(() => construct(SyncVectorEnv, [make('Pendulum-v1')]), TypeError, /^SyncVectorEnv: envFns\[0\] must be a function that makes an env, such as \(\) => make\('Pendulum-v1'\), got /);
      refuses(() => construct(SyncVectorEnv, [() => 5]), TypeError, /^SyncVectorEnv: envFns\[0\]\(\) must be an env such as make\('Pendulum-v1'\), got 5$/);
      refuses(() => construct(SyncVectorEnv, pendulums(1), null), TypeError, /^SyncVectorEnv: options must be \{ autoresetMode\? \}, got null$/);
    });

    it('reset, step and setState refuse arguments of the wrong kind', () => {
      const vec = new SyncVectorEnv(pendulums(2));
      const label = 'SyncVectorEnv\\(Pendulum-v1 ×2\\)';
      refuses(() => untyped(vec.reset.bind(vec))(5), EnvConfigError, new RegExp(`^${label}: reset: the argument must be \\{ seed\\?, options\\? \\}, got 5; to seed, call reset\\(\\{ seed: 5 \\}\\)$`));
      refuses(() => untyped(vec.reset.bind(vec))(null), EnvConfigError, new RegExp(`^${label}: reset: the argument must be .*, got null$`));
      refuses(() => untyped(vec.reset.bind(vec))({ seed: null }), RangeError, new RegExp(`^${label}: reset: seed must be a number \\(sub-env i gets seed \\+ i\\) or one seed per sub-env, got null$`));
      refuses(() => untyped(vec.reset.bind(vec))({ seed: {} }), RangeError, new RegExp(`^${label}: reset: seed must be .*, got \\{\\}$`));
      refuses(() => untyped(vec.reset.bind(vec))({ seed: 0, sed: 1 }), EnvConfigError,
        new RegExp(`^${label}: reset: unknown argument 'sed'; reset takes \\{ seed\\?, options\\?, resetMask\\? \\}$`));
      refuses(() => untyped(vec.reset.bind(vec))({ resetMask: [1] }), RangeError, new RegExp(`^${label}: resetMask must have one entry per sub-env \\(2\\), got \\[1\\]$`));
      vec.reset({ seed: 0 });
      refuses(() => untyped(vec.step.bind(vec))(undefined), InvalidActionError, new RegExp(`^${label}: actions must have shape \\[2, 1\\] \\(2 numbers\\), got undefined$`));
      refuses(() => untyped(vec.setState.bind(vec))(undefined), EnvConfigError, new RegExp(`^${label}: setState: state must be an object \\(what getState\\(\\) returned\\), got undefined$`));
    });

    it('valid calls still work', () => {
      const vec = new SyncVectorEnv(pendulums(2), { autoresetMode: 'SAME_STEP' });
      vec.reset({ seed: [1, 2] });
      const state = vec.getState();
      const rewards = Array.from(vec.step([0.5, -0.5]).rewards);
      vec.setState(state);
      assert.deepEqual(Array.from(vec.step(Float64Array.of(0.5, -0.5)).rewards), rewards);
    });
  });

  describe('AsyncVectorEnv', () => {
    it('create refuses options that are not an object before starting a worker', async () => {
      await rejects(() => untyped(AsyncVectorEnv.create.bind(AsyncVectorEnv))('Pendulum-v1', null) as Promise<unknown>, TypeError,
        /^AsyncVectorEnv: options must be \{ numEnvs\?, autoresetMode\?, workers\?, timeoutMs\?, imports\?, transport\? \}, got null$/);
      await rejects(() => untyped(AsyncVectorEnv.create.bind(AsyncVectorEnv))('Pendulum-v1', 5) as Promise<unknown>, TypeError, /^AsyncVectorEnv: options must be .*, got 5$/);
    });

    it('reset and setState refuse arguments of the wrong kind, and the vector env stays usable', async () => {
      const vec = await AsyncVectorEnv.create('Pendulum-v1', { numEnvs: 2, workers: 1 });
      try {
        const label = 'AsyncVectorEnv\\(Pendulum-v1 ×2\\)';
        refuses(() => untyped(vec.reset.bind(vec))(5), EnvConfigError, new RegExp(`^${label}: reset: the argument must be .*, got 5; to seed, call reset\\(\\{ seed: 5 \\}\\)$`));
        refuses(() => untyped(vec.reset.bind(vec))({ seed: null }), RangeError, new RegExp(`^${label}: reset: seed must be .*, got null$`));
        refuses(() => untyped(vec.reset.bind(vec))({ sed: 4 }), EnvConfigError, new RegExp(`^${label}: reset: unknown argument 'sed'; reset takes \\{ seed\\?, options\\?, resetMask\\? \\}$`));
        vec.reset({ seed: 4, resetMask: [1, 1] });
        refuses(() => untyped(vec.setState.bind(vec))(null), EnvConfigError, new RegExp(`^${label}: setState: state must be an object .*, got null$`));
        const { obs } = vec.reset({ seed: 4 });
        const single = make('Pendulum-v1').reset({ seed: 5 }).obs;
        assert.deepEqual(Array.from(obs.subarray(3, 6)), Array.from(single));
      } finally {
        await vec.close();
      }
    });
  });

  describe('animatedSvg, checkEnv', () => {
    it('animatedSvg refuses frames that are not an array of strings', () => {
      refuses(() => untyped(animatedSvg)(), TypeError, /^animatedSvg: frames must be an array of SVG strings \(from renderSvg\(\)\), got undefined$/);
      refuses(() => untyped(animatedSvg)(null, 20), TypeError, /^animatedSvg: frames must be .*, got null$/);
      refuses(() => untyped(animatedSvg)(['<svg></svg>', 5], 20), TypeError, /^animatedSvg: frames\[1\] must be an SVG string \(from renderSvg\(\)\), got 5$/);
      refuses(() => untyped(animatedSvg)(['<svg></svg>']), RangeError, /^animatedSvg: fps must be a number > 0, got undefined$/);
      assert.match(animatedSvg([make('Pendulum-v1').renderSvg()], 30), /^<svg [^]*<\/svg>$/);
    });

    it('checkEnv refuses what is not an env and bad options; an env without a method fails its api check', () => {
      refuses(() => untyped(checkEnv)(), TypeError, /^checkEnv: env must be an env such as make\('Pendulum-v1'\), got undefined$/);
      refuses(() => untyped(checkEnv)(null), TypeError, /^checkEnv: env must be .*, got null$/);
      refuses(() => untyped(checkEnv)({}), TypeError, /^checkEnv: env must be .*, got an Object without reset\(\)$/);
      refuses(() => untyped(checkEnv)(make('Pendulum-v1'), null), TypeError, /^checkEnv: options must be \{ trajectoryLength\?, skipClose\? \}, got null$/);
      refuses(() => untyped(checkEnv)(make('Pendulum-v1'), { trajectoryLength: 'x' }), RangeError, /^checkEnv: trajectoryLength must be an integer ≥ 0, got "x"$/);
      const env = make('Pendulum-v1');
      const { reset, step, observationSpace, actionSpace } = env;
      const partial = { id: 'Partial-v0', reset: reset.bind(env), step: step.bind(env), observationSpace, actionSpace };
      refuses(() => untyped(checkEnv)(partial), EnvCheckError, /^Partial-v0: checkEnv failed \[api\]: getState must be a method, got undefined$/);
      checkEnv(make('Pendulum-v1'), { trajectoryLength: 4 });
    });
  });

  describe('MuJoCo entry points (without loading MuJoCo)', () => {
    it('MujocoEnv names the init field a subclass got wrong; a complete init reaches the model', () => {
      const init = {
        id: 'Mine-v5', xml: 42, frameSkip: 2, observationSize: () => 1, derivedFields: [],
        view: { plane: 'xz', trackBody: null, halfWidth: 1, verticalMin: -1, verticalMax: 1 },
      };
      refuses(() => construct(MujocoEnv), TypeError, /^MujocoEnv: init must be \{ id, xml, frameSkip, observationSize, derivedFields, view \}, got undefined$/);
      refuses(() => construct(MujocoEnv, null), TypeError, /^MujocoEnv: init must be .*, got null$/);
      refuses(() => construct(MujocoEnv, {}), TypeError, /^MujocoEnv: init\.id must be a non-empty string, got undefined$/);
      refuses(() => construct(MujocoEnv, { ...init, frameSkip: 0 }), RangeError, /^MujocoEnv: init\.frameSkip must be an integer ≥ 1, got 0$/);
      refuses(() => construct(MujocoEnv, { ...init, observationSize: 11 }), TypeError, /^MujocoEnv: init\.observationSize must be a function \(sim\) => number, got 11$/);
      refuses(() => construct(MujocoEnv, { ...init, derivedFields: undefined }), TypeError, /^MujocoEnv: init\.derivedFields must be an array of data field names, got undefined$/);
      refuses(() => construct(MujocoEnv, { ...init, view: 'xz' }), TypeError, /^MujocoEnv: init\.view must be a SceneView object, got "xz"$/);
      // Past the checks: not loaded in this process (or, if an earlier spec loaded MuJoCo, the model 42 is refused).
      assert.throws(() => construct(MujocoEnv, init), (e: unknown) => e instanceof MujocoNotLoadedError || e instanceof MujocoModelError);
    });

    it('renderScene names a missing simulation, view or caption; a valid call draws', () => {
      const sim = {
        views: () => ({ geom_xpos: new Float64Array(0), geom_xmat: new Float64Array(0), xpos: new Float64Array(3) }),
        geoms: { count: 0, type: new Int32Array(0), size: new Float64Array(0), rgba: new Float32Array(0) },
      };
      const view = { plane: 'xz', trackBody: null, halfWidth: 1, verticalMin: -1, verticalMax: 1 };
      refuses(() => untyped(renderScene)(), TypeError, /^renderScene: sim must be a MujocoSimulation, got undefined$/);
      refuses(() => untyped(renderScene)({}, view, 't'), TypeError, /^renderScene: sim must be a MujocoSimulation, got \{\}$/);
      refuses(() => untyped(renderScene)(sim, null, 't'), TypeError, /^renderScene: view must be a SceneView \{ plane: 'xz' or 'xy', .* \}, got null$/);
      refuses(() => untyped(renderScene)(sim, view), TypeError, /^renderScene: caption must be a string, got undefined$/);
      assert.match(untyped(renderScene)(sim, view, 'empty') as string, /^<svg [^]*empty[^]*<\/svg>$/);
    });

    it('loadMujocoEnvs refuses a factory that is not a function, without loading', async () => {
      await rejects(() => untyped(loadMujocoEnvs)(5) as Promise<void>, TypeError, /^loadMujocoEnvs: factory must be a function that resolves to the MuJoCo module, got 5$/);
      await rejects(() => untyped(loadMujocoEnvs)(null) as Promise<void>, TypeError, /^loadMujocoEnvs: factory must be .*, got null$/);
    });
  });

  describe('MuJoCo envs (loads the wasm module)', () => {
    before(async () => {
      await loadMujocoEnvs();
    });

    it('setPhysicsState names a missing qpos or qvel; reset and step are checked as for every env', () => {
      const env = new InvertedPendulumEnv();
      try {
        env.reset({ seed: 0 });
        refuses(() => untyped(env.setPhysicsState.bind(env))(), EnvConfigError, /^InvertedPendulum-v5: setPhysicsState: qpos must be 2 numbers, got undefined$/);
        refuses(() => untyped(env.setPhysicsState.bind(env))([0, 0], null), EnvConfigError, /^InvertedPendulum-v5: setPhysicsState: qvel must be 2 numbers, got null$/);
        refuses(() => untyped(env.setPhysicsState.bind(env))([0, '1'], [0, 0]), EnvConfigError, /^InvertedPendulum-v5: setPhysicsState: qpos\[1\] must be a finite number, got "1"$/);
        refuses(() => env.setPhysicsState([0, 0], [NaN, 0]), EnvConfigError, /^InvertedPendulum-v5: setPhysicsState: qvel\[0\] must be a finite number, got NaN$/);
        refuses(() => untyped(env.reset.bind(env))(7), EnvConfigError, /^InvertedPendulum-v5: reset: the argument must be .*, got 7; to seed, call reset\(\{ seed: 7 \}\)$/);
        refuses(() => untyped(env.step.bind(env))(undefined), InvalidActionError, /^InvertedPendulum-v5: action must have shape \[1\], got undefined$/);
        assert.equal(env.setPhysicsState([0, 0.1], [0, 0])[1], Math.fround(0.1));
        assert.equal(env.step([0.5]).obs.length, 4);
      } finally {
        env.close();
      }
    });
  });
});
