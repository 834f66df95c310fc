import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { POLICY_FILES, algorithmNames, createAgent } from '../../algorithms/index.ts';
import { exportPolicy, loadAgent } from '../../algorithms/node.ts';
import { UsageError, planCommand } from '../../algorithms/cli.ts';
import { make } from '../../envs/index.ts';
import { runCliCaptured, tempDir } from './helpers.ts';

const SMALL = { hiddenSizes: [8, 8], seed: 4 };
const observations = [[1, 0, 0], [0.6, -0.8, 2.5], [-1, 0.1, -7]];

describe('exporting a policy to ship (meta.json and the networks)', () => {
  for (const name of algorithmNames()) {
    it(`${name}: the export holds only ${POLICY_FILES.join(' and ')}, and acts exactly as the checkpoint does`, () => {
      const dir = tempDir();
      const agent = createAgent(name, () => make('Pendulum-v1'), SMALL);
      agent.save(path.join(dir, 'checkpoint'));
      const written = exportPolicy(dir, path.join(dir, 'policy'));
      assert.deepEqual(fs.readdirSync(written.out).sort(), [...POLICY_FILES]);
      assert.equal(written.checkpoint, path.join(dir, 'checkpoint'));
      assert.equal(written.bytes, POLICY_FILES.reduce((sum, f) => sum + fs.statSync(path.join(written.out, f)).size, 0));
      assert.ok(written.bytesLeftOut > 0, 'the optimizer state (and a buffer) are left out');
      const shipped = loadAgent(written.out, () => make('Pendulum-v1'), { weightsOnly: true });
      const fromRunFolder = loadAgent(dir, () => make('Pendulum-v1'), { weightsOnly: true }); // the run folder's checkpoint/
      for (const obs of observations) {
        assert.deepEqual(shipped.predict(obs), agent.predict(obs));
        assert.deepEqual(fromRunFolder.predict(obs), agent.predict(obs));
      }
      fromRunFolder.close();
      assert.throws(() => loadAgent(written.out, () => make('Pendulum-v1')), /has no|lacks|no .*safetensors/, 'a full restore needs what training keeps');
      agent.close();
      shipped.close();
    });
  }

  it('refuses a missing checkpoint, an --out that is not empty (unless forced) and one that overlaps the checkpoint; nothing is written', () => {
    const dir = tempDir();
    const agent = createAgent('sac', make('Pendulum-v1'), SMALL);
    agent.save(path.join(dir, 'checkpoint'));
    assert.throws(() => exportPolicy(path.join(dir, 'nowhere'), path.join(dir, 'a')), /exportPolicy: no checkpoint at .*nowhere/);
    assert.throws(() => exportPolicy(undefined as never, path.join(dir, 'a')), /exportPolicy: checkpointDir must be a folder path, got undefined/);
    assert.throws(() => exportPolicy(dir, '' as never), /exportPolicy: outDir must be a folder path, got ""/);
    const full = path.join(dir, 'full');
    fs.mkdirSync(full);
    fs.writeFileSync(path.join(full, 'keep.txt'), 'mine');
    assert.throws(() => exportPolicy(dir, full), /is not empty \(force to replace it\)/);
    assert.deepEqual(fs.readdirSync(full), ['keep.txt']);
    exportPolicy(dir, full, { force: true });
    assert.deepEqual(fs.readdirSync(full).sort(), [...POLICY_FILES]);
    assert.throws(() => exportPolicy(dir, path.join(dir, 'checkpoint', 'inside')), /overlap; export to a folder of its own/);
    assert.throws(() => exportPolicy(path.join(dir, 'checkpoint'), dir, { force: true }), /overlap/);
    assert.ok(fs.existsSync(path.join(dir, 'checkpoint', 'optimizers.safetensors')), 'the checkpoint is untouched');
  });

  it('varl export plans before any work: --checkpoint and --out required, a non-empty --out refused without --force', () => {
    const dir = tempDir();
    createAgent('td3', make('Pendulum-v1'), SMALL).save(path.join(dir, 'run', 'checkpoint'));
    const usage = (argv: string[], pattern: RegExp): void => assert.throws(() => planCommand(argv, dir), (e: Error) => e instanceof UsageError && pattern.test(e.message));
    usage(['export', '--out', 'p'], /export: --checkpoint DIR is required/);
    usage(['export', '--checkpoint', 'run'], /export: --out DIR is required/);
    usage(['export', '--checkpoint', 'none', '--out', 'p'], /export: no checkpoint at none/);
    fs.mkdirSync(path.join(dir, 'p'));
    fs.writeFileSync(path.join(dir, 'p', 'x'), '');
    usage(['export', '--checkpoint', 'run', '--out', 'p'], /export: --out .*p is not empty \(--force to replace it\)/);
    const plan = planCommand(['export', '--checkpoint', 'run', '--out', 'p', '--force'], dir);
    assert.deepEqual(plan, { kind: 'export', checkpointDir: path.join(dir, 'run', 'checkpoint'), outDir: path.join(dir, 'p'), force: true, algorithm: 'td3', envId: 'Pendulum-v1' });
  });

  it('varl export writes the policy, checks it against the checkpoint and prints what it wrote as JSON', async () => {
    const dir = tempDir();
    createAgent('hmc-sac', make('Pendulum-v1'), { ...SMALL, leapfrogSteps: 2 }).save(path.join(dir, 'checkpoint'));
    const { status, stdout } = await runCliCaptured(['export', '--checkpoint', dir, '--out', path.join(dir, 'policy')]);
    assert.equal(status, 0);
    const report = JSON.parse(stdout) as Record<string, unknown>;
    assert.equal(report.algorithm, 'HMC-SAC');
    assert.equal(report.out, path.join(dir, 'policy'));
    assert.equal(report.checkedObservations, 5);
  });
});
