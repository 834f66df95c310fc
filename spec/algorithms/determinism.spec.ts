import { strict as assert } from 'node:assert';
import * as path from 'node:path';
import { make } from '../../envs/index.ts';
import { SAC, TD3, loadAgent, type Agent } from '../../algorithms/index.ts';
import { availableKernels } from '../../engine/index.ts';
import { TINY, checkpointFingerprint, onKernels, progressRows, tempDir } from './helpers.ts';

type Build = (seed: number) => Agent;
const algorithms: [string, Build][] = [
  ['SAC', (seed) => new SAC(make('Pendulum-v1'), { ...TINY, seed })],
  ['TD3', (seed) => new TD3(make('Pendulum-v1'), { ...TINY, seed })],
];

/** Trains to `steps` in a fresh run folder and returns the folder. */
async function run(build: Build, seed: number, steps: number): Promise<string> {
  const dir = tempDir();
  await build(seed).learn({ totalSteps: steps, runDir: dir, evalEnv: make('Pendulum-v1'), evalEvery: 500, evalEpisodes: 2, checkpointEvery: 0 });
  return dir;
}

for (const [name, build] of algorithms) for (const kernelSet of availableKernels()) {
  describe(`${name} determinism (${kernelSet} kernels)`, () => {
    onKernels(kernelSet);
    it('the same seed gives an identical run (parameters, optimizers, buffer, streams, logs)', async () => {
      const a = await run(build, 7, 600);
      const b = await run(build, 7, 600);
      assert.deepEqual(checkpointFingerprint(path.join(a, 'checkpoint')), checkpointFingerprint(path.join(b, 'checkpoint')));
      assert.deepEqual(progressRows(a), progressRows(b));
    });

    it('a different seed gives a different run', async () => {
      const a = await run(build, 7, 300);
      const b = await run(build, 8, 300);
      assert.notDeepEqual(checkpointFingerprint(path.join(a, 'checkpoint')).model, checkpointFingerprint(path.join(b, 'checkpoint')).model);
    });
  });

  describe(`${name} exact resume (${kernelSet} kernels)`, () => {
    onKernels(kernelSet);
    // 2000 steps straight vs 1000 + save + reload into a new agent + 1000 more; and a split in the
    // middle of an episode (Pendulum episodes are 200 steps), which needs the env's own state.
    let straight: string;
    before(async () => {
      straight = await run(build, 11, 2000);
    });

    for (const split of [1000, 1130]) {
      it(`2000 steps equal ${split} steps, a reload from the checkpoint, and ${2000 - split} more`, async () => {

        const resumed = tempDir();
        const options = { runDir: resumed, evalEnv: make('Pendulum-v1'), evalEvery: 500, evalEpisodes: 2, checkpointEvery: 0 };
        await build(11).learn({ totalSteps: split, ...options });
        const reloaded = loadAgent(path.join(resumed, 'checkpoint'), make('Pendulum-v1'));
        assert.equal(reloaded.training.step, split);
        await reloaded.learn({ totalSteps: 2000, ...options });

        assert.deepEqual(checkpointFingerprint(path.join(resumed, 'checkpoint')), checkpointFingerprint(path.join(straight, 'checkpoint')));
        // The resumed run's progress file continues the first part's rows exactly.
        assert.deepEqual(progressRows(resumed), progressRows(straight));
      });
    }
  });
}
