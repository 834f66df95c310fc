/**
 * The algorithms library called from plain JavaScript: undefined, null and arguments of the wrong
 * type are refused with an error naming the function or class, the argument and what it was given
 * (not a "Cannot read properties of undefined" from inside), and valid calls still work.
 */
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Generator, MLP, ShapeError, ValueError, mul, randn, square, sum, tensor, zeros, type Tensor } from '../../engine/index.ts';
import * as algorithms from '../../algorithms/index.ts';
import {
  ActionScaler, ConfigError, EnvVector, GaussianPolicy, Normalizer, ON_POLICY_DEFAULTS, OffPolicyAgent, OnPolicyAgent, PPO, ParameterPosteriorPolicy,
  ParticlePolicy, ProgressReporter, QNetwork, ReplayBuffer, RunLogger, RunningMeanStd, SAC, SAC_DEFAULTS, SAC_RULES, SquashedGaussianActor,
  StateNoisePolicy, TD3, TwinCritic, agentFromFiles, conjugateGradient, createAgent, currentKernels, defineAlgorithm, describeKernels,
  encodeAgentCheckpoint, evaluate, evaluationCallback, fisherVectorProduct, flatSize, loadAgent, meanStd, progressCallback,
  readAgentMeta, readCheckpointDir, recordEpisode, restoreAgentCheckpoint, sameKernels, sampledQValues, svgdDirections,
  trustRegionStep, writeCheckpointDir,
} from '../../algorithms/index.ts';
import { BanditEnv } from '../algorithms/bandit-env.ts';
import { TINY, tempDir } from '../algorithms/helpers.ts';
import { construct, rejects, refuses, untyped } from '../support/plain-js.ts';

const policyOptions = { observationSize: 3, actionSize: 2, hiddenSizes: [4], activation: 'tanh' as const, initialLogStd: 0, orthogonalInit: true };
const tinyPPO = { rolloutSteps: 8, batchSize: 8, hiddenSizes: [8] };

describe('hardening: the algorithms library from plain JavaScript', () => {
  it('no export of engine, envs or algorithms (browser and Node entries) dies on a property of undefined when called with (), (undefined, undefined), (null) or ({})', async function () {
    this.timeout(60_000);
    const internal = /Cannot read properties|is not a function|is not iterable|undefined is not|Cannot convert|Cannot destructure|of undefined|of null/;
    const failures: string[] = [];
    const entries = {
      engine: await import('../../engine/index.ts'), 'engine/node': await import('../../engine/node.ts'), envs: await import('../../envs/index.ts'),
      algorithms, 'algorithms/node': await import('../../algorithms/node.ts'),
    };
    const exported = Object.entries(entries).flatMap(([entry, module]) => Object.entries(module).map(([name, f]) => [`${entry}.${name}`, f] as const));
    for (const [name, f] of exported) {
      if (typeof f !== 'function') continue;
      const isClass = /^class\s/.test(Function.prototype.toString.call(f));
      for (const args of [[], [undefined, undefined], [null], [{}]]) {
        try {
          const result = isClass ? construct(f, ...args) : untyped(f)(...args);
          if (result instanceof Promise) await result;
        } catch (error) {
          const message = error instanceof Error ? error.message : String(error);
          if (internal.test(message)) failures.push(`${name}(${args.map(String).join(', ')}): ${message}`);
        }
      }
    }
    assert.deepEqual(failures, []);
  });

  describe('envs and action boxes', () => {
    it('flatSize', () => {
      refuses(() => untyped(flatSize)(undefined), TypeError, /^flatSize: shape must be an array of non-negative integers, got undefined$/);
      refuses(() => untyped(flatSize)([2, '3']), TypeError, /^flatSize: shape must be an array of non-negative integers, got \[2,"3"\]$/);
      assert.equal(flatSize([2, 3]), 6);
      assert.equal(flatSize([]), 1);
    });

    it('ActionScaler', () => {
      refuses(() => construct(ActionScaler, undefined), TypeError, /^ActionScaler: space must be a Box \{ shape, low, high \}, got undefined$/);
      refuses(() => construct(ActionScaler, null), TypeError, /^ActionScaler: space must be a Box \{ shape, low, high \}, got null$/);
      refuses(() => construct(ActionScaler, { shape: [1] }), TypeError, /^ActionScaler: space must be a Box \{ shape, low, high \}, got \{"shape":\[1\]\}$/);
      refuses(() => new ActionScaler({ shape: [1], low: [2], high: [-2] }), RangeError, /^ActionScaler: action box coordinate 0 must be finite with low < high/);
      const scaler = new ActionScaler({ shape: [2], low: [-2, 0], high: [2, 1] });
      assert.deepEqual(Array.from(scaler.toEnv([1, -1], new Float32Array(2))), [2, 0]);
    });

    it('EnvVector', () => {
      refuses(() => construct(EnvVector, undefined), TypeError, /^EnvVector: envs must be a non-empty array of envs, got undefined$/);
      refuses(() => construct(EnvVector, []), TypeError, /^EnvVector: envs must be a non-empty array of envs, got \[\]$/);
      refuses(() => construct(EnvVector, [new BanditEnv(), null]), TypeError, /^EnvVector: envs\[1\] must be an env with reset\(\), step\(\), observationSpace and actionSpace, got null$/);
      const wide = Object.assign(new BanditEnv(), { observationSpace: { shape: [2] } });
      refuses(() => new EnvVector([new BanditEnv(), wide]), RangeError, /^EnvVector: envs\[1\] has observations of 2 and actions of 1 values, envs\[0\] of 1 and 1$/);
      const vector = new EnvVector([new BanditEnv(), new BanditEnv()]);
      refuses(() => vector.reset(null as never), TypeError, /^EnvVector\.reset: options must be an object \(\{ seed\? \}\), got null$/);
      refuses(() => vector.reset({ seed: 0.5 }), RangeError, /^EnvVector\.reset: seed must be a safe integer, got 0\.5$/);
      assert.equal(vector.reset({ seed: 1 }).obs.length, 2);
      assert.equal(vector.reset().obs.length, 2);
    });
  });

  describe('policies and actors', () => {
    it('GaussianPolicy, ParameterPosteriorPolicy, StateNoisePolicy and ParticlePolicy check their options and counts', () => {
      for (const [name, make] of [
        ['GaussianPolicy', (o: unknown) => construct(GaussianPolicy, o)],
        ['ParameterPosteriorPolicy', (o: unknown) => construct(ParameterPosteriorPolicy, o, 2, 0.1)],
        ['StateNoisePolicy', (o: unknown) => construct(StateNoisePolicy, o, 2, 3, true, 0.2)],
        ['ParticlePolicy', (o: unknown) => construct(ParticlePolicy, o, 2)],
      ] as const) {
        refuses(() => make(undefined), TypeError, new RegExp(`^${name}: options must be policy options \\{ observationSize, .* \\}, got undefined$`));
        refuses(() => make(null), TypeError, new RegExp(`^${name}: options must be policy options .*, got null$`));
        refuses(() => make({ ...policyOptions, generator: new Generator(0), observationSize: '3' }), RangeError,
          new RegExp(`^${name}: options.observationSize must be a positive integer, got "3"$`));
        refuses(() => make({ ...policyOptions, generator: new Generator(0), actionSize: 0 }), RangeError, new RegExp(`^${name}: options.actionSize must be a positive integer, got 0$`));
        refuses(() => make({ ...policyOptions, generator: new Generator(0), initialLogStd: Number.NaN }), RangeError,
          new RegExp(`^${name}: options.initialLogStd must be a finite number, got NaN$`));
        refuses(() => make(policyOptions), TypeError, new RegExp(`^${name}: options.generator must be a Generator, got undefined$`));
      }
      const options = { ...policyOptions, generator: new Generator(0) };
      refuses(() => construct(ParameterPosteriorPolicy, options, undefined, 0.1), RangeError, /^ParameterPosteriorPolicy: samples must be a positive integer, got undefined$/);
      refuses(() => construct(ParameterPosteriorPolicy, options, 2, -1), RangeError, /^ParameterPosteriorPolicy: initialWeightStd must be a finite number > 0, got -1$/);
      refuses(() => construct(StateNoisePolicy, options, 2, 3, 'yes', 0.2), TypeError, /^StateNoisePolicy: auxiliary must be true or false, got "yes"$/);
      refuses(() => construct(ParticlePolicy, options, 0), RangeError, /^ParticlePolicy: count must be a positive integer, got 0$/);
      assert.deepEqual(new GaussianPolicy(options).meanAction(zeros([5, 3])).shape, [5, 2]);
      assert.equal(new ParameterPosteriorPolicy(options, 2, 0.1).samples, 2);
      assert.equal(new StateNoisePolicy(options, 2, 3, false, 0.2).auxiliary, null);
      assert.equal(new ParticlePolicy(options, 3).particles.length, 3);
    });

    it('SquashedGaussianActor', () => {
      const config = { ...SAC_DEFAULTS, hiddenSizes: [8] };
      refuses(() => construct(SquashedGaussianActor), RangeError, /^SquashedGaussianActor: observationSize must be a positive integer, got undefined$/);
      refuses(() => construct(SquashedGaussianActor, 3, 1, undefined, new Generator(0)), TypeError,
        /^SquashedGaussianActor: config must be a SAC config with a non-empty hiddenSizes, got undefined$/);
      refuses(() => construct(SquashedGaussianActor, 3, 1, config, 7), TypeError, /^SquashedGaussianActor: generator must be a Generator, got 7$/);
      const actor = new SquashedGaussianActor(3, 1, config, new Generator(0));
      assert.deepEqual(actor.forward(zeros([2, 3]), config).mean.shape, [2, 1]);
    });
  });

  describe('the abstract agent bases (what a subclass passes to super)', () => {
    it('OffPolicyAgent and OnPolicyAgent name a missing or malformed spec', () => {
      for (const base of [OffPolicyAgent, OnPolicyAgent]) {
        const name = base.name;
        refuses(() => construct(base), TypeError, new RegExp(`^${name}: the first argument \\(what a subclass passes to super\\) must be a spec \\{ name: string, defaults: object, rules: object \\}, got undefined$`));
        refuses(() => construct(base, null), TypeError, new RegExp(`^${name}: .* got null$`));
        refuses(() => construct(base, { name: 'X', defaults: {} }), TypeError, new RegExp(`^${name}: .* got \\{"name":"X","defaults":\\{\\}\\}$`));
      }
      refuses(() => construct(OnPolicyAgent, { name: 'X', defaults: ON_POLICY_DEFAULTS, rules: {} }, () => new BanditEnv(), {}, 5), TypeError,
        /^X: makePolicy \(the fourth argument to OnPolicyAgent\) must be a function, got 5$/);
      // A subclass passing a good spec still builds (SAC and PPO through their bases).
      assert.equal(new SAC(new BanditEnv(), TINY).algorithm, 'SAC');
      assert.equal(new PPO(() => new BanditEnv(), tinyPPO).algorithm, 'PPO');
    });
  });

  describe('agent methods', () => {
    it('predict refuses options that are not an object and a deterministic that is not a boolean (a string "false" would act as true)', () => {
      const agents = [new SAC(new BanditEnv(), TINY), new TD3(new BanditEnv(), TINY), new PPO(() => new BanditEnv(), tinyPPO)];
      for (const agent of agents) {
        const name = agent.algorithm;
        refuses(() => agent.predict([0.5], null as never), TypeError, new RegExp(`^${name}.predict: options must be an object \\(\\{ deterministic\\?: boolean \\}\\), got null$`));
        refuses(() => agent.predict([0.5], 5 as never), TypeError, new RegExp(`^${name}.predict: options must be an object .*, got 5$`));
        refuses(() => agent.predict([0.5], { deterministic: 'false' as never }), TypeError, new RegExp(`^${name}.predict: options.deterministic must be true or false, got "false"$`));
        refuses(() => agent.predict(undefined as never), TypeError, new RegExp(`^${name}.predict: the observation must be an array of 1 numbers, got undefined$`));
        refuses(() => agent.predict(null as never, { deterministic: false }), TypeError, new RegExp(`^${name}.predict: the observation must be an array of 1 numbers, got null$`));
        refuses(() => agent.predict([1, 2]), RangeError, new RegExp(`^${name}.predict: expected an observation of 1 values, got 2$`));
        refuses(() => agent.predict('5' as never), TypeError, new RegExp(`^${name}.predict: the observation must be an array of 1 numbers, got "5"$`));
        assert.equal(agent.predict([0.5]).length, 1);
        assert.equal(agent.predict([0.5], { deterministic: false }).length, 1);
        assert.deepEqual(agent.predict([0.5], {}), agent.predict([0.5], { deterministic: true }));
      }
    });

    it('IAPO.predict refuses an inferenceIterations that is not a count', () => {
      const iapo = createAgent('iapo', new BanditEnv(), { hiddenSizes: [8], criticHiddenSizes: [8], batchSize: 8, actionSamples: 2, inferenceIterations: 2 });
      refuses(() => iapo.predict([0.5], { inferenceIterations: 'x' } as never), RangeError, /^IAPO.predict: options.inferenceIterations must be an integer in \[0, 10000\], got "x"$/);
      assert.equal(iapo.predict([0.5], { inferenceIterations: 3 } as never).length, 1);
    });

    it('learn names a callback that is not one, and bad progress / handleSignals / evalEnv options', async () => {
      const sac = new SAC(new BanditEnv(), TINY);
      await rejects(() => sac.learn(undefined as never), TypeError, /^learn: options must be an object with totalSteps, got undefined$/);
      await rejects(() => sac.learn({ totalSteps: 'x' as never }), RangeError, /^learn: totalSteps must be a positive integer, got "x"$/);
      await rejects(() => sac.learn({ totalSteps: 10, callbacks: [null as never] }), TypeError, /^learn: callbacks\[0\] must be a callback object \(\{ onStep\?, onEvaluation\?, … \}\), got null$/);
      await rejects(() => sac.learn({ totalSteps: 10, callbacks: [{}, { onStep: 5 as never }] }), TypeError, /^learn: callbacks\[1\]\.onStep must be a function, got 5$/);
      await rejects(() => sac.learn({ totalSteps: 10, callbacks: {} as never }), TypeError, /^learn: callbacks must be an array, got \{\}$/);
      await rejects(() => sac.learn({ totalSteps: 10, progress: null as never }), TypeError, /^learn: progress must be true, false or \{ label\?, intervalSeconds\?, tty\? \}, got null$/);
      await rejects(() => sac.learn({ totalSteps: 10, handleSignals: 'yes' as never }), TypeError, /^learn: handleSignals must be true or false, got "yes"$/);
      await rejects(() => sac.learn({ totalSteps: 10, evalEnv: {} as never }), TypeError, /^learn: evalEnv must be an env with reset\(\), step\(\), observationSpace and a Box actionSpace, got \{\}$/);
      assert.equal(sac.training.step, 0, 'nothing ran');
      const steps: number[] = [];
      const result = await sac.learn({ totalSteps: 3, callbacks: [{ onStep: (run) => void steps.push(run.step) }] });
      assert.deepEqual([result.step, steps], [3, [1, 2, 3]]);
    });

    it('learn refuses an unknown option and an evalEnv of other sizes before any step, not at the first evaluation', async () => {
      const { make } = await import('../../envs/index.ts');
      for (const agent of [new SAC(new BanditEnv(), TINY), new PPO(() => new BanditEnv(), tinyPPO)]) {
        await rejects(() => agent.learn({ totalSteps: 10, evalFreq: 5 } as never), RangeError,
          /^learn: unknown option 'evalFreq'; known options: totalSteps, callbacks, runDir, evalEnv, evalEvery, evalEpisodes, evalSeed, checkpointEvery, progress, handleSignals$/);
        await rejects(() => agent.learn({ totalSteps: 10, evalEnv: make('Pendulum-v1'), evalEvery: 5 } as never), RangeError,
          /^learn: evalEnv \(Pendulum-v1\) does not fit the agent, built for Bandit-v0: observations of 3 values and actions of 1, where the agent takes 1 and gives 1$/);
        assert.equal(agent.training.step, 0, `${agent.algorithm}: nothing ran`);
        const result = await agent.learn({ totalSteps: 8, evalEnv: new BanditEnv(), evalEvery: 4, evalEpisodes: 1 });
        assert.equal(result.lastEval?.step, 8);
      }
    });

    it('save, load and fromCheckpoint name a bad folder, files, options or source', () => {
      const sac = new SAC(new BanditEnv(), TINY);
      refuses(() => sac.save(undefined as never), TypeError, /^SAC\.save: dir must be a folder path, got undefined$/);
      refuses(() => sac.load('' as never), TypeError, /^SAC\.load: dir must be a folder path, got ""$/);
      refuses(() => sac.load('somewhere', null as never), TypeError, /^SAC\.load: options must be an object \(\{ weightsOnly\?, allowKernelChange\? \}\), got null$/);
      refuses(() => sac.fromCheckpoint(undefined as never), TypeError,
        /^SAC\.fromCheckpoint: files must be checkpoint files \(\{ 'meta\.json': Uint8Array, … \}, as toCheckpoint returns them\), got undefined$/);
      const files = sac.toCheckpoint();
      refuses(() => sac.fromCheckpoint(files, null as never), TypeError, /^SAC\.fromCheckpoint: options must be an object .*, got null$/);
      refuses(() => sac.fromCheckpoint(files, { weightsOnly: 1 } as never), TypeError, /^SAC\.fromCheckpoint: options\.weightsOnly must be true or false, got 1$/);
      refuses(() => sac.fromCheckpoint(files, {}, 5 as never), TypeError, /^SAC\.fromCheckpoint: source must be a non-empty string naming the files, got 5$/);
      const dir = path.join(tempDir(), 'checkpoint');
      sac.save(dir);
      assert.equal(new SAC(new BanditEnv(), TINY).load(dir, {}).algorithm, 'SAC');
      assert.equal(new SAC(new BanditEnv(), TINY).fromCheckpoint(files, { weightsOnly: true }, 'page').algorithm, 'SAC');
    });

    it('a learning rate or other optional setting out of range is a ConfigError naming the key, not an error from deep inside', () => {
      const cases: readonly (readonly [string, string, number])[] = [
        ['sac', 'criticLearningRate', -1], ['sac', 'alphaLearningRate', -1], ['td3', 'criticLearningRate', -1],
        ['hmc-sac', 'chainLearningRate', -1], ['hmc-sac', 'criticLearningRate', -1], ['flow-sac', 'alphaLearningRate', -1],
        ['langevin-td3', 'chainLearningRate', -1], ['langevin-td3', 'criticLearningRate', -1], ['langevin-td3', 'initialNoiseLogScale', 100],
        ['iapo', 'targetKl', -1],
      ];
      for (const [name, key, value] of cases) {
        refuses(() => createAgent(name, new BanditEnv(), { ...TINY, [key]: value }), ConfigError, new RegExp(`^${name.toUpperCase()} config: '${key}' must be in \\[.*\\], got ${value}$`));
        const accepted = key === 'initialNoiseLogScale' ? -3 : null; // null: the rate falls back to learningRate
        assert.equal(createAgent(name, new BanditEnv(), { ...TINY, [key]: accepted }).algorithm, name.toUpperCase());
      }
    });

    it('warmUpProblem, the warm-up check the CLI warns with, names a warm-up that leaves too little and refuses what is not a config or a budget', () => {
      const td3 = createAgent('td3', new BanditEnv(), {});
      assert.equal(algorithms.warmUpProblem(td3.config, 30_000)?.reason,
        'learningStarts 25000 leaves 5000 of 30000 steps for learning (set learningStarts lower to learn sooner)');
      assert.equal(algorithms.warmUpProblem(td3.config, 50_000), null);
      refuses(() => untyped(algorithms.warmUpProblem)(undefined, 1000), TypeError, /^warmUpProblem: config must be an agent's config object, got undefined$/);
      refuses(() => untyped(algorithms.warmUpProblem)(td3.config, '30000'), RangeError, /^warmUpProblem: totalSteps must be a positive integer, got "30000"$/);
      refuses(() => untyped(algorithms.warmUpProblem)(td3.config, 0), RangeError, /^warmUpProblem: totalSteps must be a positive integer, got 0$/);
    });

    it('createAgent and loadAgent', () => {
      refuses(() => createAgent('sac', undefined as never), TypeError, /^createAgent: env must be an env, a function making envs, or a vector env, got undefined$/);
      refuses(() => createAgent('sac', {} as never), TypeError, /^SAC: the first argument must be an env with reset\(\), step\(\), observationSpace and a Box actionSpace, got \{\}$/);
      refuses(() => createAgent('sac', new BanditEnv(), null as never), ConfigError, /^SAC config must be an object, got null$/);
      refuses(() => loadAgent('runs/none', undefined as never), TypeError, /^loadAgent: env must be an env, a function making envs, or a vector env, got undefined$/);
      refuses(() => loadAgent('runs/none', new BanditEnv(), 5 as never), TypeError, /^loadAgent: options must be an object .*, got 5$/);
      assert.equal(createAgent('sac', new BanditEnv(), TINY).algorithm, 'SAC');
    });
  });

  describe('checkpoint files', () => {
    const sac = new SAC(new BanditEnv(), TINY);
    const files = sac.toCheckpoint();
    const notFiles = /files must be checkpoint files \(\{ 'meta\.json': Uint8Array, … \}, as toCheckpoint returns them\)/.source;

    it('readAgentMeta, restoreAgentCheckpoint and agentFromFiles say that no files were given, not that meta.json is not JSON', () => {
      for (const [name, call] of [
        ['readAgentMeta', (f: unknown) => untyped(readAgentMeta)(f)],
        ['restoreAgentCheckpoint', (f: unknown) => untyped(restoreAgentCheckpoint)(f, sac)],
        ['agentFromFiles', (f: unknown) => untyped(agentFromFiles)(f, new BanditEnv())],
      ] as const) {
        refuses(() => call(undefined), TypeError, new RegExp(`^${name}: ${notFiles}, got undefined$`));
        refuses(() => call(null), TypeError, new RegExp(`^${name}: ${notFiles}, got null$`));
        refuses(() => call('meta.json'), TypeError, new RegExp(`^${name}: ${notFiles}, got "meta\\.json"$`));
      }
      refuses(() => untyped(readAgentMeta)(files, 7), TypeError, /^readAgentMeta: where must be a non-empty string naming the files, got 7$/);
      refuses(() => untyped(restoreAgentCheckpoint)(files, undefined), TypeError, /^restoreAgentCheckpoint: learner must be an agent \(with checkpointParts\(\)\), got undefined$/);
      refuses(() => untyped(restoreAgentCheckpoint)(files, sac, null), TypeError, /^restoreAgentCheckpoint: options must be an object .*, got null$/);
      refuses(() => untyped(agentFromFiles)(files, undefined), TypeError, /^agentFromFiles: env must be an env, a function making envs, or a vector env, got undefined$/);
      refuses(() => untyped(agentFromFiles)(files, new BanditEnv(), { allowKernelChange: 'yes' }), TypeError, /^agentFromFiles: options\.allowKernelChange must be true or false, got "yes"$/);
      assert.equal(readAgentMeta(files).algorithm, 'SAC');
      assert.equal(restoreAgentCheckpoint(files, new SAC(new BanditEnv(), TINY)).algorithm, 'SAC');
      assert.equal(agentFromFiles(files, new BanditEnv()).algorithm, 'SAC');
    });

    it('encodeAgentCheckpoint and writeCheckpointDir', () => {
      refuses(() => untyped(encodeAgentCheckpoint)(undefined), TypeError, /^encodeAgentCheckpoint: learner must be an agent \(with checkpointParts\(\)\), got undefined$/);
      refuses(() => untyped(encodeAgentCheckpoint)({}), TypeError, /^encodeAgentCheckpoint: learner must be an agent \(with checkpointParts\(\)\), got \{\}$/);
      refuses(() => untyped(writeCheckpointDir)(undefined, files), TypeError, /^writeCheckpointDir: dir must be a folder path, got undefined$/);
      const dir = path.join(tempDir(), 'checkpoint');
      refuses(() => untyped(writeCheckpointDir)(dir, undefined), TypeError, new RegExp(`^writeCheckpointDir: ${notFiles}, got undefined$`));
      refuses(() => untyped(writeCheckpointDir)(dir, { 'meta.json': '{}' }), TypeError, /^writeCheckpointDir: files\['meta\.json'\] must be a Uint8Array, got "\{\}"$/);
      assert.ok(!fs.existsSync(dir), 'nothing was written');
      writeCheckpointDir(dir, encodeAgentCheckpoint(sac));
      assert.equal(readAgentMeta(readCheckpointDir(dir)).algorithm, 'SAC');
    });

    it('describeKernels and sameKernels', () => {
      const shape = /a kernel identity \{ set: string, fma: boolean, fusedMultiplyAdd\?: boolean \}/.source;
      refuses(() => untyped(describeKernels)(undefined), TypeError, new RegExp(`^describeKernels: k must be ${shape}, got undefined$`));
      refuses(() => untyped(describeKernels)('wasm'), TypeError, new RegExp(`^describeKernels: k must be ${shape}, got "wasm"$`));
      refuses(() => untyped(sameKernels)(null, currentKernels()), TypeError, new RegExp(`^sameKernels: a must be ${shape}, got null$`));
      refuses(() => untyped(sameKernels)(currentKernels(), { set: 'js' }), TypeError, new RegExp(`^sameKernels: b must be ${shape}, got \\{"set":"js"\\}$`));
      assert.equal(describeKernels({ set: 'js', fma: false }), 'js');
      assert.equal(sameKernels(currentKernels(), currentKernels()), true);
    });
  });

  describe('natural gradient, SVGD and sampled Q values', () => {
    it('conjugateGradient', () => {
      const twice = (v: Float64Array): Float64Array => v.map((x) => 2 * x);
      refuses(() => untyped(conjugateGradient)(), ValueError, /^conjugateGradient: matrixVector must be a function, got undefined$/);
      refuses(() => untyped(conjugateGradient)(twice, [2, 4], 5), ValueError, /^conjugateGradient: b must be a Float64Array, got \[2,4\]$/);
      refuses(() => untyped(conjugateGradient)(twice, Float64Array.of(2), 'x'), ValueError, /^conjugateGradient: maxSteps must be an integer ≥ 0, got "x"$/);
      assert.deepEqual(Array.from(conjugateGradient(twice, Float64Array.of(2, 4), 5)), [1, 2]);
    });

    it('fisherVectorProduct and trustRegionStep', () => {
      const p = tensor([1, 2], { requiresGrad: true });
      // ½‖p‖²: its Hessian is I, so F v = v + damping·v.
      const kl = (): Tensor => mul(sum(square(p)), 0.5);
      refuses(() => untyped(fisherVectorProduct)(undefined, [p], 0.1), ValueError, /^fisherVectorProduct: meanKl must be a Tensor, got undefined$/);
      refuses(() => untyped(fisherVectorProduct)(kl(), p, 0.1), ValueError, /^fisherVectorProduct: params must be an array of Tensors, got a Tensor$/);
      refuses(() => untyped(fisherVectorProduct)(kl(), [p, 3], 0.1), ValueError, /^fisherVectorProduct: params\[1\] must be a Tensor, got the number 3$/);
      refuses(() => untyped(fisherVectorProduct)(kl(), [], 0.1), ValueError, /^fisherVectorProduct: params must hold at least one Tensor, got \[\]$/);
      refuses(() => untyped(fisherVectorProduct)(kl(), [p]), ValueError, /^fisherVectorProduct: damping must be a finite number ≥ 0, got undefined$/);
      const product = fisherVectorProduct(kl(), [p], 0.1)(Float64Array.of(1, -1));
      assert.ok(Math.abs(product[0] - 1.1) < 1e-6 && Math.abs(product[1] + 1.1) < 1e-6, String(product));

      const options = { maxKl: 0.01, cgSteps: 5, damping: 0.1, shrink: 0.8, maxBacktracks: 10 };
      const surrogate = (): Tensor => mul(sum(p), 1);
      refuses(() => untyped(trustRegionStep)(undefined, surrogate, kl, options), ValueError, /^trustRegionStep: params must be an array of Tensors, got undefined$/);
      refuses(() => untyped(trustRegionStep)([p], undefined, kl, options), ValueError, /^trustRegionStep: surrogate must be a function, got undefined$/);
      refuses(() => untyped(trustRegionStep)([p], surrogate, kl), ValueError, /^trustRegionStep: options must be an object, got undefined$/);
      refuses(() => untyped(trustRegionStep)([p], surrogate, kl, { ...options, cgSteps: 1.5 }), ValueError, /^trustRegionStep: options\.cgSteps must be an integer ≥ 0, got 1\.5$/);
      assert.equal(typeof trustRegionStep([p], surrogate, kl, options).accepted, 'boolean');
    });

    it('svgdDirections', () => {
      const thetas = [Float64Array.of(0), Float64Array.of(1)];
      const gradients = [Float64Array.of(1), Float64Array.of(0)];
      refuses(() => untyped(svgdDirections)(undefined, gradients, 1), TypeError, /^svgdDirections: thetas must be a non-empty array of Float64Arrays, got undefined$/);
      refuses(() => untyped(svgdDirections)(thetas, [Float64Array.of(1)], 1), RangeError, /^svgdDirections: gradients has 1 entries, thetas 2$/);
      refuses(() => untyped(svgdDirections)(thetas, [[1], [0]], 1), TypeError, /^svgdDirections: gradients\[0\] must be a Float64Array, got \[1\]$/);
      refuses(() => untyped(svgdDirections)(thetas, [Float64Array.of(1, 2), Float64Array.of(0)], 1), RangeError, /^svgdDirections: gradients\[0\] has 2 entries, thetas\[0\] 1$/);
      refuses(() => untyped(svgdDirections)(thetas, gradients), RangeError, /^svgdDirections: temperature must be a finite number > 0, got undefined$/);
      assert.equal(svgdDirections(thetas, gradients, 1).directions.length, 2);
    });

    it('sampledQValues', () => {
      const critic = new MLP({ inputSize: 3, hiddenSizes: [4], outputSize: 1, generator: new Generator(0) });
      const observations = randn([5, 2], { generator: 1 });
      const actions = randn([4, 5, 1], { generator: 2 });
      refuses(() => untyped(sampledQValues)(undefined, observations, actions), ValueError, /^sampledQValues: critic must be an object, got undefined$/);
      refuses(() => untyped(sampledQValues)({}, observations, actions), ValueError, /^sampledQValues: critic\.forward must be a function, got undefined$/);
      refuses(() => untyped(sampledQValues)(critic, observations, undefined), ValueError, /^sampledQValues: actions must be a Tensor, got undefined$/);
      refuses(() => sampledQValues(critic, observations, randn([5, 1], { generator: 2 })), ShapeError, /^sampledQValues: observations must be \[B, S\] and actions \[N, B, A\], got \[5, 2\] and \[5, 1\]$/);
      assert.deepEqual(sampledQValues(critic, observations, actions).shape, [4, 5]);
    });
  });

  describe('the platform', () => {
    it('installHost refuses what is not a host, and keeps the one installed', () => {
      refuses(() => untyped(algorithms.installHost)(undefined), TypeError,
        /^installHost: host must be an object with the methods runFolderCallbacks, progressCallback, onInterrupt, writeCheckpoint, readCheckpoint, got undefined$/);
      refuses(() => untyped(algorithms.installHost)({ ...algorithms.nodeHost, readCheckpoint: 5 }), TypeError, /^installHost: host\.readCheckpoint must be a function, got 5$/);
      algorithms.installHost(algorithms.nodeHost);
      const dir = path.join(tempDir(), 'checkpoint');
      new SAC(new BanditEnv(), TINY).save(dir);
      assert.ok(fs.existsSync(path.join(dir, 'meta.json')));
    });
  });

  describe('run folders', () => {
    it('RunLogger checks its arguments before creating the folder', () => {
      const dir = path.join(tempDir(), 'run');
      refuses(() => construct(RunLogger, undefined, []), TypeError, /^RunLogger: dir must be a folder path, got undefined$/);
      refuses(() => construct(RunLogger, dir, 'loss'), TypeError, /^RunLogger: valueNames must be an array of column names, got "loss"$/);
      refuses(() => construct(RunLogger, dir, [], -1), RangeError, /^RunLogger: resumeFromStep must be a non-negative integer, got -1$/);
      assert.ok(!fs.existsSync(dir), 'nothing was created');
      assert.ok(fs.readFileSync(new RunLogger(dir, ['loss']).csvPath, 'utf8').startsWith('step,episode,'));
    });
  });

  describe('evaluation and progress', () => {
    it('evaluate, recordEpisode and meanStd', () => {
      const act = (): number[] => [0.5];
      refuses(() => untyped(evaluate)(undefined, new BanditEnv()), TypeError, /^evaluate: act must be a function from an observation to an action, got undefined$/);
      refuses(() => untyped(evaluate)(act, undefined), TypeError, /^evaluate: env must be an env with reset\(\), step\(\), observationSpace and a Box actionSpace, got undefined$/);
      refuses(() => untyped(evaluate)(act, new BanditEnv(), null), TypeError, /^evaluate: options must be an object, got null$/);
      refuses(() => untyped(evaluate)(act, new BanditEnv(), { seed: '1' }), RangeError, /^evaluate: seed must be a safe integer, got "1"$/);
      refuses(() => untyped(evaluate)(act, new BanditEnv(), { maxEpisodeSteps: 0 }), RangeError, /^evaluate: maxEpisodeSteps must be a positive integer, got 0$/);
      refuses(() => untyped(recordEpisode)(act, new BanditEnv()), TypeError, /^recordEpisode: env\.renderSvg must be a function \(it draws the frames\), got undefined$/);
      refuses(() => untyped(meanStd)(undefined), TypeError, /^meanStd: values must be an array of numbers, got undefined$/);
      refuses(() => untyped(meanStd)([1, '2']), TypeError, /^meanStd: values must be an array of numbers, got \[1,"2"\]$/);
      refuses(() => meanStd([]), RangeError, /^meanStd: values must hold at least one number, got \[\]$/);
      assert.equal(evaluate(act, new BanditEnv(), { episodes: 2, seed: 3 }).returns.length, 2);
      const drawn = Object.assign(new BanditEnv(), { renderSvg: () => '<svg/>' });
      assert.equal(recordEpisode(act, drawn, { seed: 3 }).frames.length, 2);
      assert.deepEqual(meanStd([1, 3]), { mean: 2, std: 1 });
    });

    it('evaluationCallback', () => {
      refuses(() => untyped(evaluationCallback)(undefined), TypeError, /^evaluationCallback: the schedule must be an object \{ env, every, episodes, seed \}, got undefined$/);
      refuses(() => untyped(evaluationCallback)({}), TypeError, /^evaluationCallback: env must be an env .*, got undefined$/);
      refuses(() => untyped(evaluationCallback)({ env: new BanditEnv(), every: -1, episodes: 1, seed: 0 }), RangeError, /^evaluationCallback: every must be a non-negative integer, got -1$/);
      assert.equal(typeof evaluationCallback({ env: new BanditEnv(), every: 10, episodes: 1, seed: 0 }).onStep, 'function');
    });

    it('progressCallback and ProgressReporter', () => {
      for (const [name, make] of [['progressCallback', untyped(progressCallback)], ['ProgressReporter', (o: unknown) => construct(ProgressReporter, o)]] as const) {
        refuses(() => make(undefined), TypeError, new RegExp(`^${name}: options must be an object \\{ totalSteps, label, … \\}, got undefined$`));
        refuses(() => make(null), TypeError, new RegExp(`^${name}: options must be an object .*, got null$`));
        refuses(() => make({ totalSteps: '10', label: 'x' }), RangeError, new RegExp(`^${name}: options.totalSteps must be a positive integer, got "10"$`));
        refuses(() => make({ totalSteps: 10 }), TypeError, new RegExp(`^${name}: options.label must be a string, got undefined$`));
        refuses(() => make({ totalSteps: 10, label: 'x', tty: 1 }), TypeError, new RegExp(`^${name}: options.tty must be true or false, got 1$`));
      }
      refuses(() => construct(ProgressReporter, { totalSteps: 10, label: 'x', stream: {} }), TypeError, /^ProgressReporter: options\.stream must be a writable stream, got \{\}$/);
      assert.equal(typeof progressCallback({ totalSteps: 10, label: 'x' }).onStep, 'function');
      let written = '';
      new ProgressReporter({ totalSteps: 10, label: 'x', stream: { write: (s: string) => (written += s) } as never, tty: false }).finish({ step: 10, episode: 1, wallSeconds: 1 });
      assert.match(written, /^x step 10\/10/);
    });
  });

  describe('the registry', () => {
    it('defineAlgorithm and a record\'s evaluationPolicy', () => {
      refuses(() => untyped(defineAlgorithm)(undefined), TypeError, /^defineAlgorithm: the definition must be an object \{ name, summary, defaults, rules, create, … \}, got undefined$/);
      refuses(() => untyped(defineAlgorithm)({}), TypeError, /^defineAlgorithm: name must be a lower-case CLI name such as 'sac', got undefined$/);
      const definition = { name: 'my-sac', summary: 'SAC again', defaults: SAC_DEFAULTS, rules: SAC_RULES, create: (env: unknown, config: unknown) => new SAC(env as BanditEnv, config as object) };
      refuses(() => untyped(defineAlgorithm)({ ...definition, create: 'SAC' }), TypeError, /^defineAlgorithm: create must be a function \(env, config\) => agent, got "SAC"$/);
      refuses(() => untyped(defineAlgorithm)({ ...definition, kind: 'offline' }), TypeError, /^defineAlgorithm: kind must be 'off-policy' or 'on-policy', got "offline"$/);
      const record = defineAlgorithm(definition);
      const agent = record.create(new BanditEnv(), TINY);
      refuses(() => record.evaluationPolicy(undefined as never, {}), TypeError, /^MY-SAC\.evaluationPolicy: agent must be an agent, got undefined$/);
      refuses(() => record.evaluationPolicy(agent, null as never), TypeError, /^MY-SAC\.evaluationPolicy: flags must be an object of flag values, got null$/);
      assert.equal(record.evaluationPolicy(agent, {})([0.5]).length, 1);
    });
  });

  describe('buffers and networks', () => {
    it('ReplayBuffer, QNetwork, TwinCritic, Normalizer and RunningMeanStd', () => {
      refuses(() => construct(ReplayBuffer), TypeError, /^ReplayBuffer: options must be an object \{ capacity, observationSize, actionSize \}, got undefined$/);
      refuses(() => construct(ReplayBuffer, { capacity: 10, observationSize: 3, actionSize: '1' }), RangeError, /^ReplayBuffer: actionSize must be a positive integer, got "1"$/);
      refuses(() => construct(QNetwork, null), TypeError, /^QNetwork: options must be an object \{ observationSize, actionSize, hiddenSizes, generator \}, got null$/);
      refuses(() => construct(TwinCritic), ValueError, /^TwinCritic: options must be an object, got undefined$/);
      refuses(() => construct(RunningMeanStd), RangeError, /^RunningMeanStd: size must be a positive integer, got undefined$/);
      refuses(() => construct(Normalizer, 3, 2), TypeError, /^Normalizer: options must be an object \{ observations, rewards, clip, gamma \}, got undefined$/);
      assert.equal(new ReplayBuffer({ capacity: 10, observationSize: 3, actionSize: 1 }).size, 0);
      assert.deepEqual(new QNetwork({ observationSize: 3, actionSize: 1, hiddenSizes: [4], generator: new Generator(0) }).forward(zeros([2, 3]), zeros([2, 1])).shape, [2]);
      assert.equal(new TwinCritic({ stateSize: 3, actionSize: 1, hiddenSizes: [4], generator: new Generator(0) }).q1.parameters().length > 0, true);
      assert.equal(new Normalizer(3, 2, { observations: true, rewards: false, clip: 10, gamma: 0.99 }).observationStats.size, 3);
    });
  });

  describe('the building blocks an algorithm file uses', () => {
    it('createBatch, initialTrainingState, resolveConfig and twinCriticValue', () => {
      refuses(() => untyped(algorithms.createBatch)(), RangeError, /^createBatch: size must be a positive integer, got undefined$/);
      refuses(() => untyped(algorithms.createBatch)(2, 3, 1, { actions: [0, 0] }), TypeError, /^createBatch: actions must be a Float32Array, got \[0,0\]$/);
      assert.equal(algorithms.createBatch(2, 3, 1).observations.length, 6);
      refuses(() => untyped(algorithms.initialTrainingState)(undefined), RangeError, /^initialTrainingState: observationLength must be a positive integer, got undefined$/);
      assert.equal(algorithms.initialTrainingState(3).observation.length, 3);
      refuses(() => untyped(algorithms.resolveConfig)(undefined, undefined), TypeError, /^resolveConfig: owner must be a string \(the algorithm's name\), got undefined$/);
      refuses(() => untyped(algorithms.resolveConfig)('Mine', null), TypeError, /^resolveConfig: Mine's defaults must be an object, got null$/);
      assert.deepEqual(algorithms.resolveConfig('Mine', { gamma: 0.99 }, { gamma: 0.9 }), { gamma: 0.9 });
      refuses(() => untyped(algorithms.twinCriticValue)(), ValueError, /^twinCriticValue: q1 must be an object, got undefined$/);
      const q = { forward: (x: Tensor): Tensor => x };
      refuses(() => untyped(algorithms.twinCriticValue)(q, q, '1'), ValueError, /^twinCriticValue: pessimism must be a finite number, got "1"$/);
      assert.equal(typeof algorithms.twinCriticValue(q, q, 0), 'function');
    });
  });
});
