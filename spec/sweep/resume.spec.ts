import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { readCheckpointMeta } from '../../algorithms/node/checkpoint-dir.ts';
import { processAlive } from '../../algorithms/node/run-dir.ts';
import { jobDir, readJobStatusFile, readSweep } from '../../algorithms/sweep/index.ts';
import { checkpointFingerprint, progressRows } from '../algorithms/helpers.ts';
import { tempDir, tinySweepYaml, until, varl, writeFile } from './helpers.ts';

function checkpointStep(dir: string): number {
  try {
    return readCheckpointMeta(path.join(dir, 'checkpoint')).training.step as number;
  } catch {
    return 0;
  }
}

/** Everything that makes two runs of a job the same run: result.json, progress rows without timing, the checkpoint. */
function fingerprint(sweepDir: string): unknown {
  const [job] = readSweep(sweepDir).jobs;
  const folder = jobDir(sweepDir, job);
  return {
    result: JSON.parse(fs.readFileSync(path.join(folder, 'result.json'), 'utf8')),
    progress: progressRows(folder),
    checkpoint: checkpointFingerprint(path.join(folder, 'checkpoint')),
  };
}

describe('sweep run: killed and run again', function () {
  this.timeout(60_000);

  it('loses nothing and runs nothing twice: results are bit-identical to an uninterrupted run', async () => {
    const cwd = tempDir();
    // Seed 1: its evaluation seed (1 001 000) differs from varl train's default, so a resume that lost it would show.
    writeFile(cwd, 'kill.yaml', tinySweepYaml('kill', { seeds: '[1]', steps: 600 }));
    const reference = await varl(['sweep', 'run', 'kill.yaml', '--out', 'reference', '--jobs', '1'], cwd).done;
    assert.equal(reference.status, 0, reference.stderr);
    const expected = fingerprint(path.join(cwd, 'reference'));

    for (const how of ['everything', 'sweep'] as const) {
      const out = path.join(cwd, how);
      const run = varl(['sweep', 'run', 'kill.yaml', '--out', how, '--jobs', '1'], cwd);
      const sweepDir = (): string => path.join(out, 'jobs', 'sac-Pendulum-v1-s1');
      await until(() => checkpointStep(sweepDir()) >= 200, 40, 'a checkpoint at step 200');
      const [job] = readSweep(out).jobs;
      const worker = readJobStatusFile(out, job)?.pid as number;
      // SIGKILL of the sweep only: its job checkpoints and stops (parent watch); of everything: nothing gets to save.
      run.child.kill('SIGKILL');
      if (how === 'everything') process.kill(worker, 'SIGKILL');
      await run.done;
      await until(() => !processAlive(worker) && !lockHolderAlive(out), 20, 'the sweep and its job to stop');
      const stoppedAt = checkpointStep(sweepDir());
      assert.ok(stoppedAt >= 200 && stoppedAt < 600, `stopped at ${stoppedAt}`);
      assert.equal(fs.existsSync(path.join(sweepDir(), 'result.json')), false);
      const log = fs.readFileSync(path.join(sweepDir(), 'log.txt'), 'utf8');
      if (how === 'sweep') assert.match(log, new RegExp(`interrupted at step ${stoppedAt}`)); // saved on the way out
      else assert.equal(stoppedAt % 100, 0); // the last periodic checkpoint

      const rerun = await varl(['sweep', 'run', 'kill.yaml', '--out', how, '--jobs', '1'], cwd).done;
      assert.equal(rerun.status, 0, rerun.stderr);
      assert.match(fs.readFileSync(path.join(sweepDir(), 'log.txt'), 'utf8'), new RegExp(`resuming SAC on Pendulum-v1 \\(seed 1\\) from step ${stoppedAt}`));
      assert.deepEqual(fingerprint(out), expected, how);
    }
  });
});

/** Whether the process named in <dir>/sweep.lock is alive. */
function lockHolderAlive(dir: string): boolean {
  try {
    const { pid } = JSON.parse(fs.readFileSync(path.join(dir, 'sweep.lock'), 'utf8')) as { pid: number };
    return processAlive(pid);
  } catch {
    return false;
  }
}
