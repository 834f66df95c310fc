import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import '../../algorithms/node.ts'; // the Node host (files, signals) that learn() and save() use
import { IAPO, IAPO_ALGORITHM, IAPO_DEFAULTS, IAPO_PRESETS, type IAPOConfig } from '../../algorithms/iapo.ts';
import { BanditEnv } from '../algorithms/bandit-env.ts';
import { make } from '../../envs/index.ts';

describe('IAPO configuration', () => {
  it('the reference preset reproduces the reference code\'s quirks over the defaults', () => {
    const c = { ...IAPO_DEFAULTS, ...IAPO_PRESETS.reference };
    assert.equal(c.replaySampling, 'episode');
    assert.equal(c.hardTargetCopyInterval, 200);
    assert.equal(c.inferenceLoss, 'reference');
    assert.deepEqual([c.batchSize, c.actionSamples, c.inferenceIterations, c.hiddenSizes, c.criticHiddenSizes], [256, 10, 5, [256, 256], [256, 256]]);
  });

  it('the reduced preset is the same for both variants and rejects unknown keys', () => {
    const direct = new IAPO(make('Pendulum-v1'), { ...IAPO_PRESETS.reduced, inference: 'direct' });
    const iterative = new IAPO(make('Pendulum-v1'), { ...IAPO_PRESETS.reduced, inference: 'iterative' });
    const { inference: _a, ...d } = direct.config;
    const { inference: _b, ...i } = iterative.config;
    assert.deepEqual(d, i);
    assert.throws(() => new IAPO(make('Pendulum-v1'), { inferenceIteration: 3 } as Partial<IAPOConfig>), /unknown key 'inferenceIteration'/);
    assert.throws(() => new IAPO(make('Pendulum-v1'), { inference: 'amortized' as 'direct' }), /'inference' must be one of/);
  });

  it('with one seed, both variants start from the same critics', () => {
    const direct = new IAPO(new BanditEnv(), { ...IAPO_PRESETS.reduced, inference: 'direct', seed: 4 });
    const iterative = new IAPO(new BanditEnv(), { ...IAPO_PRESETS.reduced, inference: 'iterative', seed: 4 });
    assert.deepEqual(direct.critic.stateDict(), iterative.critic.stateDict());
  });
});

describe('IAPO runs', function () {
  this.timeout(60_000);
  const tiny: Partial<IAPOConfig> = {
    hiddenSizes: [8], criticHiddenSizes: [8], batchSize: 8, actionSamples: 2, inferenceIterations: 2, learningStarts: 50, bufferSize: 2000,
  };
  const tempDir = (): string => fs.mkdtempSync(path.join(os.tmpdir(), 'varl-iapo-'));
  const read = (dir: string, file: string): string => fs.readFileSync(path.join(dir, file)).toString('base64');

  it('the same seed gives an identical run (weights, optimizers, buffer, logs), for both presets', async () => {
    for (const preset of [{}, IAPO_PRESETS.reference] as Partial<IAPOConfig>[]) {
      const dirs = [tempDir(), tempDir()];
      for (const dir of dirs) {
        await new IAPO(make('Pendulum-v1'), { ...tiny, ...preset, learningStarts: 50, seed: 5 })
          .learn({ totalSteps: 150, runDir: dir, evalEnv: make('Pendulum-v1'), evalEvery: 75, evalEpisodes: 1, checkpointEvery: 0 });
      }
      for (const file of ['model.safetensors', 'optimizers.safetensors', 'replay.safetensors']) {
        assert.equal(read(path.join(dirs[0], 'checkpoint'), file), read(path.join(dirs[1], 'checkpoint'), file), file);
      }
      const rows = (dir: string): unknown[] => fs.readFileSync(path.join(dir, 'progress.jsonl'), 'utf8').trim().split('\n')
        .map((l) => { const { wall_s: _w, updates_per_s: _u, ...r } = JSON.parse(l) as Record<string, unknown>; return r; });
      assert.deepEqual(rows(dirs[0]), rows(dirs[1]));
    }
  });

  it('resumes exactly from a checkpoint (split mid-episode)', async () => {
    const straight = tempDir();
    await new IAPO(make('Pendulum-v1'), { ...tiny, seed: 6 }).learn({ totalSteps: 200, runDir: straight, checkpointEvery: 0 });
    const split = tempDir();
    await new IAPO(make('Pendulum-v1'), { ...tiny, seed: 6 }).learn({ totalSteps: 130, runDir: split, checkpointEvery: 0 });
    const resumed = new IAPO(make('Pendulum-v1'), { ...tiny, seed: 6 }).load(path.join(split, 'checkpoint'));
    await resumed.learn({ totalSteps: 200, runDir: split, checkpointEvery: 0 });
    for (const file of ['model.safetensors', 'optimizers.safetensors', 'replay.safetensors']) {
      assert.equal(read(path.join(straight, 'checkpoint'), file), read(path.join(split, 'checkpoint'), file), file);
    }
  });

  it('evaluation can run more inference iterations than trained', () => {
    const agent = new IAPO(make('Pendulum-v1'), { ...tiny, seed: 1 });
    const obs = [1, 0, 0];
    const a = agent.predict(obs, { inferenceIterations: 2 });
    const b = agent.predict(obs, { inferenceIterations: 7 });
    assert.equal(a.length, 1);
    assert.ok(Number.isFinite(b[0]) && Math.abs(b[0]) <= 2);
  });
});

describe('IAPO presets in the registry (varl train --preset)', () => {
  it('are IAPO_PRESETS, with the direct variant of each', () => {
    for (const preset of ['reference', 'reduced'] as const) {
      assert.deepEqual(IAPO_ALGORITHM.presets[preset], IAPO_PRESETS[preset]);
      assert.deepEqual(IAPO_ALGORITHM.presets[`${preset}-direct`], { ...IAPO_PRESETS[preset], inference: 'direct' });
      assert.equal(IAPO_ALGORITHM.resolveConfig(IAPO_ALGORITHM.presets[preset]).inference, 'iterative');
    }
  });
});
