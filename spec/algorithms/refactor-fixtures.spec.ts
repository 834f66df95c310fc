/**
 * The training runner changes no numbers: short SAC, TD3 and IAPO runs write the same progress rows
 * as the fixtures in spec/fixtures/progress, which the previous training loop wrote before the
 * runner replaced it. Timing columns (updates_per_s, wall_s) are left out; a column the fixture
 * has and the run does not must be empty in every fixture row (TD3's former fixed `alpha` column).
 */
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { IAPO, SAC, TD3, type Agent } from '../../algorithms/index.ts';
import { availableKernels } from '../../engine/index.ts';
import { make } from '../../envs/index.ts';
import { fixtureKernels, onKernels, tempDir } from './helpers.ts';

const FIXTURES = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'progress');
const TIMING = new Set(['updates_per_s', 'wall_s']);
const tiny = { hiddenSizes: [16, 16], batchSize: 32, learningStarts: 150, bufferSize: 5000, learningRate: 1e-3 };
const tinyIapo = {
  hiddenSizes: [8], criticHiddenSizes: [8], batchSize: 8, actionSamples: 2, inferenceIterations: 2, learningStarts: 100, bufferSize: 2000,
  pessimism: 2.5, // the fixtures predate the per-model default (1 for direct)
};

const runs: [string, () => Agent, number][] = [
  ['sac', () => new SAC(make('Pendulum-v1'), { ...tiny, seed: 3 }), 600],
  ['td3', () => new TD3(make('Pendulum-v1'), { ...tiny, seed: 3 }), 600],
  ['iapo', () => new IAPO(make('Pendulum-v1'), { ...tinyIapo, seed: 3 }), 300],
  ['iapo-direct', () => new IAPO(make('Pendulum-v1'), { ...tinyIapo, inference: 'direct', seed: 3 }), 300],
];

function table(file: string): { columns: string[]; rows: string[][] } {
  const [header, ...lines] = fs.readFileSync(file, 'utf8').trim().split('\n');
  return { columns: header.split(','), rows: lines.map((line) => line.split(',')) };
}

for (const kernelSet of availableKernels()) {
  describe(`training runner against the previous loop's progress.csv (${kernelSet} kernels)`, () => {
    onKernels(fixtureKernels(kernelSet));
    for (const [name, build, steps] of runs) {
      it(`${name}: every row identical, byte for byte`, async () => {
        const dir = tempDir();
        await build().learn({ totalSteps: steps, runDir: dir, evalEnv: make('Pendulum-v1'), evalEvery: 250, evalEpisodes: 2, checkpointEvery: 0 });
        const fixture = table(path.join(FIXTURES, `${name}-${kernelSet}.csv`));
        const actual = table(path.join(dir, 'progress.csv'));
        assert.equal(actual.rows.length, fixture.rows.length, 'row count');
        const extra = actual.columns.filter((c) => !fixture.columns.includes(c));
        assert.deepEqual(extra, [], 'columns the previous loop did not write');
        for (const [i, column] of fixture.columns.entries()) {
          if (TIMING.has(column)) continue;
          const j = actual.columns.indexOf(column);
          const expected = fixture.rows.map((row) => row[i]);
          if (j < 0) {
            assert.ok(expected.every((v) => v === ''), `column ${column} is gone but held values`);
            continue;
          }
          assert.deepEqual(actual.rows.map((row) => row[j]), expected, `column ${column}`);
        }
        assert.deepEqual(actual.columns.filter((c) => !TIMING.has(c)), fixture.columns.filter((c) => !TIMING.has(c) && actual.columns.includes(c)));
      });
    }
  });
}
