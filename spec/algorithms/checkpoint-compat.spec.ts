/**
 * Checkpoints written by the previous release (spec/fixtures/checkpoint-v1, made by the training
 * loop the runner replaced) load into today's agents, act the same, and resume exactly: continuing
 * them from step 230 to 300 gives the weights the previous release reached (SHA-256 of model.safetensors).
 */
import { strict as assert } from 'node:assert';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadAgent } from '../../algorithms/index.ts';
import { kernels } from '../../engine/index.ts';
import { make } from '../../envs/index.ts';
import { fixtureKernels, onKernels, tempDir } from './helpers.ts';

const FIXTURES = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'checkpoint-v1');
const expected = JSON.parse(fs.readFileSync(path.join(FIXTURES, 'expected.json'), 'utf8')) as {
  probes: number[][]; actions: Record<string, number[][]>; continuedTo300: Record<string, string>;
};

describe('checkpoints of the previous release', () => {
  onKernels(fixtureKernels(kernels().name));
  for (const name of ['sac', 'td3', 'iapo']) {
    it(`${name}: loads, acts as before and resumes to the same weights`, async () => {
      const dir = path.join(FIXTURES, name);
      const before = fs.readdirSync(dir).map((f) => fs.readFileSync(path.join(dir, f)));
      const agent = loadAgent(dir, make('Pendulum-v1'));
      assert.equal(agent.algorithm, name.toUpperCase());
      assert.equal(agent.training.step, 230);
      assert.deepEqual(expected.probes.map((o) => Array.from(agent.predict(o, { deterministic: true }))), expected.actions[name]);
      await agent.learn({ totalSteps: 300, checkpointEvery: 0 });
      const out = tempDir();
      agent.save(out);
      assert.equal(createHash('sha256').update(fs.readFileSync(path.join(out, 'model.safetensors'))).digest('hex'), expected.continuedTo300[name]);
      assert.deepEqual(fs.readdirSync(dir).map((f) => fs.readFileSync(path.join(dir, f))), before, 'the fixture is only read');
    });
  }
});
