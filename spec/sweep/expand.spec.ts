import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { planCommand, type TrainPlan } from '../../algorithms/cli.ts';
import { UsageError } from '../../algorithms/node/usage.ts';
import {
  checkSweep, expandSweep, expandTuning, parseSweepText, readSweep, readSweepFile, sampleTrials, writeSweep, type SweepSpec,
} from '../../algorithms/sweep/index.ts';
import fc from 'fast-check';
import { Generator } from '../../engine/random.ts';
import { sample } from '../../algorithms/sweep/expand.ts';
import { ROOT, tempDir, tinySweepYaml, varlInProcess } from './helpers.ts';

function yaml(text: string, file = 'sweeps/x.yaml'): SweepSpec {
  return parseSweepText(text, 'yaml', file);
}

function rejects(text: string, pattern: RegExp): void {
  assert.throws(() => yaml(text), (e: Error) => e instanceof UsageError && pattern.test(e.message), `expected ${pattern}`);
}

const BASE = 'name: x\nalgorithm: sac\nenv: Pendulum-v1\nseeds: 2\nsteps: 1000\n';

describe('sweep files: expansion into jobs', () => {
  it('expands algorithms × envs × the grid × seeds, in a fixed order', () => {
    const spec = yaml([
      'name: big', 'algorithms: [sac, td3]', 'envs: [Pendulum-v1, MountainCarContinuous-v0]', 'seeds: [0, 1, 2]', 'steps: 500',
      'grid:', '  learningRate: [0.001, 0.0003, 0.0001]', '  batchSize: [64, 128]',
    ].join('\n'));
    const jobs = expandSweep(spec, 'big.yaml');
    assert.equal(jobs.length, 2 * 2 * 3 * 2 * 3);
    assert.deepEqual(jobs.map((j) => j.index), jobs.map((_, i) => i));
    assert.equal(new Set(jobs.map((j) => j.id)).size, jobs.length);
    assert.deepEqual(jobs.slice(0, 4).map((j) => j.id), [
      'sac-Pendulum-v1-learningRate=0.001-batchSize=64-s0',
      'sac-Pendulum-v1-learningRate=0.001-batchSize=64-s1',
      'sac-Pendulum-v1-learningRate=0.001-batchSize=64-s2',
      'sac-Pendulum-v1-learningRate=0.001-batchSize=128-s0',
    ]);
    assert.equal(jobs[jobs.length - 1].id, 'td3-MountainCarContinuous-v0-learningRate=0.0001-batchSize=128-s2');
    const first = jobs[0];
    assert.equal(first.config.learningRate, 0.001);
    assert.equal(first.config.batchSize, 64);
    assert.equal(first.config.seed, 0);
    assert.equal(first.variant, 'sac-Pendulum-v1-learningRate=0.001-batchSize=64');
    // A file without a grid is one variant per algorithm and env.
    assert.equal(expandSweep(yaml(BASE), 'x').length, 2);
  });

  it('expands the example bench/sweeps/sac-pendulum-lr.yaml into 2 learning rates × 5 seeds of 20k steps', () => {
    const jobs = expandSweep(readSweepFile(path.join(ROOT, 'bench', 'sweeps', 'sac-pendulum-lr.yaml')), 'sac-pendulum-lr.yaml');
    assert.equal(jobs.length, 10);
    assert.deepEqual([...new Set(jobs.map((j) => j.config.learningRate))], [0.0003, 0.001]);
    assert.deepEqual(jobs.map((j) => j.seed), [0, 1, 2, 3, 4, 0, 1, 2, 3, 4]);
    assert.ok(jobs.every((j) => j.steps === 20_000 && j.algorithm === 'sac' && j.envId === 'Pendulum-v1'));
  });

  it('gives the same ids for the same file, in JSON or YAML, and hashes ids that would collide or grow too long', () => {
    const text = `${BASE}grid:\n  hiddenSizes: [[64, 64], [256, 256]]\n  tau: [0.005, 0.01]\n`;
    const a = expandSweep(yaml(text), 'x');
    const b = expandSweep(yaml(text), 'x');
    assert.deepEqual(a, b);
    const json = parseSweepText(JSON.stringify({
      name: 'x', algorithm: 'sac', env: 'Pendulum-v1', seeds: 2, steps: 1000, grid: { hiddenSizes: [[64, 64], [256, 256]], tau: [0.005, 0.01] },
    }), 'json', 'x.json');
    assert.deepEqual(expandSweep(json, 'x'), a);
    assert.equal(a[0].id, 'sac-Pendulum-v1-hiddenSizes=64x64-tau=0.005-s0');

    // alphaLoss 'logAlpha' vs a long grid: ids over 100 characters get an 8-digit hash of the variant.
    const long = expandSweep(yaml(`${BASE}grid:\n  learningRate: [0.000123456789, 0.000223456789]\n  criticLearningRate: [0.000123456789]\n` +
      '  alphaLearningRate: [0.000123456789]\n  targetEntropy: [-1.23456789]\n  initialAlpha: [0.123456789]\n'), 'x');
    assert.equal(new Set(long.map((j) => j.id)).size, long.length);
    for (const job of long) assert.match(job.id, /^sac-Pendulum-v1-.{20,}-[0-9a-f]{8}-s[01]$/);
    assert.ok(long.every((job) => job.id.length <= 100));
  });

  it('gives each training seed its own evaluation seeds: ranges never overlap across jobs', () => {
    const spec = yaml(`${BASE.replace('seeds: 2', 'seeds: [0, 1, 2, 7]')}evaluation:\n  episodes: 10\n`);
    const jobs = expandSweep(spec, 'x');
    assert.deepEqual(jobs.map((j) => j.evalSeed), [1_000_000, 1_001_000, 1_002_000, 1_007_000]);
    const ranges = jobs.map((j) => [j.evalSeed, j.evalSeed + j.evalEpisodes - 1]);
    for (const [i, [lo]] of ranges.entries()) for (const [k, [lo2, hi2]] of ranges.entries()) if (i !== k) assert.ok(lo < lo2 || lo > hi2);
  });

  it('refuses to reuse a folder whose jobs were planned with another definition', () => {
    const dir = tempDir();
    const spec = yaml(tinySweepYaml('reuse', { grid: '  learningRate: [0.001, 0.0003]' }));
    writeSweep(dir, { name: spec.name, file: 'a.yaml', spec, jobs: expandSweep(spec, 'a.yaml') });
    writeSweep(dir, { name: spec.name, file: 'a.yaml', spec, jobs: expandSweep(spec, 'a.yaml') }); // unchanged: fine
    assert.equal(readSweep(dir).jobs.length, 4);
    const edited = yaml(tinySweepYaml('reuse', { steps: 800, grid: '  learningRate: [0.001, 0.0003]' }));
    assert.throws(() => writeSweep(dir, { name: edited.name, file: 'a.yaml', spec: edited, jobs: expandSweep(edited, 'a.yaml') }),
      /holds job sac-Pendulum-v1-learningRate=0\.001-s0 with another definition \(steps changed/);
    const more = yaml(tinySweepYaml('reuse', { grid: '  learningRate: [0.001, 0.0003, 0.0001]' }));
    assert.throws(() => writeSweep(dir, { name: more.name, file: 'a.yaml', spec: more, jobs: expandSweep(more, 'a.yaml') }), /other jobs \(2 added, 0 removed/);
  });

  it('warns at planning of the variants whose warm-up never ends or takes most of their budget, and of no other', async () => {
    const dir = tempDir();
    fs.writeFileSync(path.join(dir, 'idle.yaml'), 'name: idle\nalgorithms: [sac, td3]\nenv: CartPoleSwingup-v0\nseeds: 2\nsteps: 20000\n');
    const planned = await varlInProcess(['sweep', 'plan', 'idle.yaml'], dir);
    assert.equal(planned.status, 0);
    assert.equal(planned.stderr, 'warning: idle.yaml: ' +
      'td3-CartPoleSwingup-v0: learningStarts 25000 is not below 20000 steps, so it never updates (set learningStarts lower to learn)\n');
    fs.writeFileSync(path.join(dir, 'sooner.yaml'), 'name: sooner\nalgorithms: [sac, td3]\nenv: CartPoleSwingup-v0\nseeds: 2\nsteps: 20000\nconfig:\n  learningStarts: 5000\n');
    assert.equal((await varlInProcess(['sweep', 'plan', 'sooner.yaml'], dir)).stderr, '');
  });

  it('still resumes a folder planned before the algorithm gained an option that now sits at its default', () => {
    const dir = tempDir();
    const spec = yaml(tinySweepYaml('older', { grid: '  learningRate: [0.001, 0.0003]' }));
    const jobs = expandSweep(spec, 'a.yaml');
    // The plan as an earlier version wrote it: without the option `tau` (standing in for one added since).
    const older = jobs.map((job) => ({ ...job, config: Object.fromEntries(Object.entries(job.config).filter(([key]) => key !== 'tau')) }));
    writeSweep(dir, { name: spec.name, file: 'a.yaml', spec, jobs: older });
    writeSweep(dir, { name: spec.name, file: 'a.yaml', spec, jobs }); // tau at SAC's default: the same jobs
    assert.equal('tau' in readSweep(dir).jobs[0].config, false, 'the planned definitions are kept as they were');
    const offDefault = jobs.map((job) => ({ ...job, config: { ...job.config, tau: 0.01 } }));
    assert.throws(() => writeSweep(dir, { name: spec.name, file: 'a.yaml', spec, jobs: offDefault }), /another definition \(config changed/);
  });

  it('draws tuning trials deterministically, inside their bounds', () => {
    const text = `${BASE}search:\n  learningRate: { loguniform: [0.0001, 0.01] }\n  tau: { uniform: [0.001, 0.02] }\n` +
      '  gradientSteps: { int: [1, 3] }\n  batchSize: { choice: [64, 128] }\ntune:\n  trials: 20\n  seeds: [0, 1]\n';
    const spec = yaml(text);
    const trials = sampleTrials(spec);
    assert.deepEqual(trials, sampleTrials(yaml(text)));
    assert.equal(trials.length, 20);
    for (const t of trials) {
      assert.ok((t.learningRate as number) >= 0.0001 && (t.learningRate as number) <= 0.01);
      assert.ok((t.tau as number) >= 0.001 && (t.tau as number) <= 0.02);
      assert.ok([1, 2, 3].includes(t.gradientSteps as number));
      assert.ok([64, 128].includes(t.batchSize as number));
    }
    assert.ok(new Set(trials.map((t) => t.gradientSteps)).size === 3);
    const jobs = expandTuning(spec, 'x');
    assert.equal(jobs.length, 40);
    assert.equal(jobs[0].id, 't000-sac-Pendulum-v1-s0');
    assert.equal(jobs[3].trial, 1);
    assert.deepEqual(spec.tune.evaluationSeeds, [2, 3, 4, 5, 6]); // fresh: after the tuning seeds
    assert.throws(() => expandSweep(spec, 'x.yaml'), /x\.yaml: search: this file has a search space; tune it with varl tune/);
    assert.throws(() => expandTuning(yaml(text.replace('env: Pendulum-v1', 'envs: [Pendulum-v1, MountainCarContinuous-v0]')), 'x.yaml'),
      /x\.yaml: varl tune tunes one algorithm on one env, got sac on Pendulum-v1, MountainCarContinuous-v0/);
  });
});

describe('search spaces: rounded draws stay within their bounds', () => {
  it('never rounds a draw past a bound that has more than 4 significant digits', () => {
    // Rounded alone, 0.99996 becomes 1: an undiscounted trial in a search of [0.999, 0.99999] (sampleSeed 0 draws one among 16).
    const gammas = sampleTrials(yaml(`${BASE}search:\n  gamma: { uniform: [0.999, 0.99999] }\ntune:\n  trials: 16\n`)).map((t) => t.gamma as number);
    assert.ok(gammas.every((g) => g >= 0.999 && g <= 0.99999), gammas.join(' '));
    assert.ok(gammas.includes(0.99999), 'the draw above the last 4-digit value is kept at the bound');
  });

  it('keeps uniform and log-uniform draws in [low, high] for any bounds', () => {
    const bounds = fc.tuple(fc.double({ min: 1e-6, max: 1e3, noNaN: true }), fc.double({ min: 1e-9, max: 1, noNaN: true }))
      .map(([low, width]) => [low, low * (1 + width)] as const).filter(([low, high]) => low < high);
    fc.assert(fc.property(bounds, fc.constantFrom('uniform', 'loguniform'), fc.nat(1000), ([low, high], kind, seed) => {
      const generator = new Generator(seed);
      for (let i = 0; i < 20; i++) {
        const value = sample({ kind: kind as 'uniform' | 'loguniform', low, high }, generator) as number;
        assert.ok(value >= low && value <= high, `${kind} [${low}, ${high}] drew ${value}`);
      }
    }));
  });
});

describe('sweep files: every bad input is named by file and key path', () => {
  it('rejects bad values with the path to them', () => {
    rejects(`${BASE}grid:\n  learningRate: [0.001, 0.0003, abc]\n`, /^sweeps\/x\.yaml: grid\.learningRate\[2\]: expected a number, got "abc"$/);
    rejects(`${BASE}grid:\n  alphaLoss: [logAlpha, log]\n`, /grid\.alphaLoss\[1\]: sac: 'alphaLoss' must be one of "logAlpha", "alpha", got "log"/);
    rejects(`${BASE}grid:\n  gamma: [0.99, 1.5]\n`, /grid\.gamma\[1\]: .*'gamma' must be in \[0, 1\]/);
    rejects(`${BASE}grid:\n  learningRate: 0.001\n`, /grid\.learningRate: expected a non-empty list of values, got 0\.001/);
    rejects(`${BASE}config:\n  learningrate: 0.001\n`, /config\.learningrate: sac has no config key 'learningrate'; known keys: seed, bufferSize, .*learningRate/);
    rejects(`${BASE}config:\n  seed: 3\n`, /config\.seed: training seeds come from 'seeds'/);
    rejects(BASE.replace('algorithm: sac', 'algorithm: dqn'), /algorithm: unknown algorithm "dqn"; known: sac, td3, iapo/);
    rejects(BASE.replace('env: Pendulum-v1', 'envs: [Pendulum-v1, Pendulm-v1]'), /envs\[1\]: unknown env id "Pendulm-v1"; known: Pendulum-v1/);
    rejects(BASE.replace('seeds: 2', 'seeds: [0, 1, 1]'), /seeds\[2\]: seed 1 is listed twice/);
    rejects(BASE.replace('seeds: 2', 'seeds: [0, 1000]'), /seeds\[1\]: seeds above 999/);
    rejects(BASE.replace('steps: 1000', 'steps: 10.5'), /steps: expected an integer ≥ 1, got 10\.5/);
    rejects(`${BASE}budget: 3\n`, /^sweeps\/x\.yaml: budget: unknown key; known keys: name, algorithm/);
    rejects(`${BASE}evaluation:\n  episodes: 0\n`, /evaluation\.episodes: expected an integer ≥ 1, got 0/);
    rejects(`${BASE}evaluation:\n  seed: 0\n`, /evaluation\.seed: unknown key; known keys: every, episodes, seedBase/);
    rejects(`${BASE}search:\n  learningRate: { lognormal: [1, 2] }\n`, /search\.learningRate\.lognormal: unknown distribution; known: uniform, loguniform, int, choice/);
    rejects(`${BASE}search:\n  learningRate: { loguniform: [0, 0.1] }\n`, /search\.learningRate\.loguniform: loguniform needs positive bounds/);
    rejects(`${BASE}search:\n  batchSize: { int: [64, 32] }\n`, /search\.batchSize\.int: expected low < high/);
    rejects(`${BASE}tune:\n  rungs: [0.5, 0.25, 1]\n`, /tune\.rungs\[1\]: fractions must increase/);
    rejects(`${BASE}tune:\n  seeds: [0, 1]\n  evaluationSeeds: [1, 2]\n`, /tune\.evaluationSeeds\[0\]: seed 1 is also a tuning seed/);
    rejects('name: x\nname: y\n', /not valid YAML \(line 2, column 1\): Map keys must be unique/);
    rejects('- a\n- b\n', /^sweeps\/x\.yaml: expected a mapping of sweep settings/);
    assert.throws(() => parseSweepText('{"name": ', 'json', 'a.json'), /a\.json: not valid JSON/);
    assert.throws(() => checkSweep({ name: 'bad name!' }, 'z.json'), /z\.json: name: expected a name of letters/);
  });
});

describe('varl train --eval-seed', () => {
  it('sets the first evaluation seed, and a plain varl train keeps its default (no evalSeed in run.json)', () => {
    const cwd = tempDir();
    const given = planCommand(['train', '--algo', 'sac', '--env', 'Pendulum-v1', '--eval-seed', '1003000'], cwd) as TrainPlan;
    assert.equal(given.evalSeed, 1_003_000);
    const plain = planCommand(['train', '--algo', 'sac', '--env', 'Pendulum-v1'], cwd) as TrainPlan;
    assert.equal('evalSeed' in plain, false);
    assert.throws(() => planCommand(['train', '--algo', 'sac', '--env', 'Pendulum-v1', '--eval-seed', '1.5'], cwd), /--eval-seed must be an integer ≥ 0, got '1\.5'/);
  });
});
