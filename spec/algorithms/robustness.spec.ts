import { strict as assert } from 'node:assert';
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { make } from '../../envs/index.ts';
import { NonFiniteLossError, NonFiniteParameterError, SAC, TD3, loadAgent, readCheckpointMeta } from '../../algorithms/index.ts';
import { BanditEnv } from './bandit-env.ts';
import { childEnv, TINY, checkpointFingerprint, tempDir } from './helpers.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** The CLI in a child process (node --import tsx algorithms/cli.ts …), with its output collected. */
function startCli(args: string[]): { child: ChildProcess; done: Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string; stdout: string }> } {
  const child = spawn(process.execPath, ['--import', 'tsx', 'algorithms/cli.ts', ...args], { cwd: ROOT, env: childEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  let stdout = '';
  child.stderr?.on('data', (d) => (stderr += d));
  child.stdout?.on('data', (d) => (stdout += d));
  const done = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string; stdout: string }>((resolve) => {
    child.on('exit', (code, signal) => resolve({ code, signal, stderr, stdout }));
  });
  return { child, done };
}

async function waitFor(condition: () => boolean, what: string, timeoutMs = 60_000): Promise<void> {
  const start = Date.now();
  while (!condition()) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

function checkpointStep(dir: string): number {
  try {
    return readCheckpointMeta(path.join(dir, 'checkpoint')).training.step as number;
  } catch {
    return -1;
  }
}

function writeTinyConfig(dir: string): string {
  const file = path.join(dir, 'tiny.json');
  fs.writeFileSync(file, JSON.stringify(TINY));
  return file;
}

describe('a non-finite loss', () => {
  for (const [name, Algo] of [['SAC', SAC], ['TD3', TD3]] as const) {
    it(`${name}: stops training with a message naming the step and the loss, keeping the last good checkpoint`, async () => {
      const runDir = tempDir();
      const agent = new Algo(new BanditEnv({ nanAfter: 250 }), { ...TINY, learningStarts: 50 });
      const error = await agent.learn({ totalSteps: 2000, runDir, checkpointEvery: 100 }).then(() => null, (e: unknown) => e);
      assert.ok(error instanceof NonFiniteLossError, `expected NonFiniteLossError, got ${String(error)}`);
      assert.equal(error.lossName, 'critic_loss');
      assert.ok(error.step > 250 && error.step < 400, `step ${error.step}`);
      assert.match(error.message, new RegExp(`^${name}: critic_loss is NaN at env step ${error.step} \\(update \\d+\\); training stopped\\. The last good checkpoint is kept at .*checkpoint\\.$`));
      // A report about the run (whose checkpoint may be gone) quotes the reason alone, from the error or its message.
      assert.equal(error.reason, `${name}: critic_loss is NaN at env step ${error.step} (update ${error.update}); training stopped.`);
      assert.equal(NonFiniteLossError.reasonOf(error.message), error.reason);
      assert.equal(NonFiniteLossError.reasonOf('training exited with status 1'), 'training exited with status 1');
      // The checkpoint is the one from before the NaN, and it loads into a working agent.
      assert.equal(checkpointStep(runDir), Math.floor(error.step / 100) * 100);
      const restored = loadAgent(path.join(runDir, 'checkpoint'), new BanditEnv());
      assert.ok(Number.isFinite(restored.predict([0.2])[0]));
      // Saving the broken agent is refused rather than overwriting the good checkpoint.
      assert.throws(() => agent.save(path.join(runDir, 'checkpoint')), NonFiniteParameterError);
      assert.equal(checkpointStep(runDir), Math.floor(error.step / 100) * 100);
    });
  }
});

describe('interruption', () => {
  it('SIGINT saves a checkpoint and exits cleanly (status 130); --resume continues the run', async () => {
    const dir = tempDir();
    const out = path.join(dir, 'run');
    const config = writeTinyConfig(dir);
    const common = ['--no-preset', '--config', config, '--eval-every', '0', '--checkpoint-every', '0'];
    const first = startCli(['train', '--algo', 'sac', '--env', 'Pendulum-v1', '--steps', '1000000', '--out', out, ...common]);
    await waitFor(() => fs.existsSync(path.join(out, 'progress.jsonl')) && fs.readFileSync(path.join(out, 'progress.jsonl'), 'utf8').split('\n').length > 2, 'two episodes');
    first.child.kill('SIGINT');
    const result = await first.done;
    assert.equal(result.code, 130, result.stderr);
    assert.match(result.stderr, /SIGINT: saving a checkpoint and stopping/);
    assert.match(result.stderr, /resume with: varl train --resume --out /);
    const step = checkpointStep(out);
    assert.ok(step >= 400, `checkpoint at step ${step}`);

    const second = startCli(['train', '--resume', '--out', out, '--steps', String(step + 100), '--eval-every', '0', '--quiet']);
    const resumed = await second.done;
    assert.equal(resumed.code, 0, resumed.stderr);
    assert.equal(checkpointStep(out), step + 100);
  });

  it('a run killed with SIGKILL resumes from its last checkpoint exactly as the uninterrupted run', async () => {
    const dir = tempDir();
    const out = path.join(dir, 'run');
    const config = writeTinyConfig(dir);
    const train = startCli([
      'train', '--algo', 'td3', '--env', 'Pendulum-v1', '--seed', '5', '--steps', '1500', '--out', out, '--no-preset',
      '--config', config, '--eval-every', '0', '--checkpoint-every', '100', '--quiet',
    ]);
    await waitFor(() => checkpointStep(out) >= 500, 'a checkpoint at step ≥ 500');
    train.child.kill('SIGKILL');
    const killed = await train.done;
    assert.equal(killed.signal, 'SIGKILL');
    const at = checkpointStep(out);
    assert.ok(at >= 500 && at < 1500, `killed after the checkpoint at ${at}`);

    const resume = await startCli(['train', '--resume', '--out', out, '--quiet']).done;
    assert.equal(resume.code, 0, resume.stderr);

    const reference = tempDir();
    await new TD3(make('Pendulum-v1'), { ...TINY, seed: 5 }).learn({ totalSteps: 1500, runDir: reference, evalEvery: 0, checkpointEvery: 0 });
    assert.deepEqual(checkpointFingerprint(path.join(out, 'checkpoint')), checkpointFingerprint(path.join(reference, 'checkpoint')));
  });
});
