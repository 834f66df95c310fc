import assert from 'node:assert/strict';
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = fileURLToPath(new URL('../../', import.meta.url));
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const npx = process.platform === 'win32' ? 'npx.cmd' : 'npx';

/** No update checks, no audit, no funding notes: the spec talks to no registry it does not have to. */
const quietNpm = { ...process.env, npm_config_update_notifier: 'false', npm_config_audit: 'false', npm_config_fund: 'false' };

function run(command: string, args: string[], cwd: string): SpawnSyncReturns<string> {
  return spawnSync(command, args, { cwd, encoding: 'utf8', env: quietNpm, maxBuffer: 64 * 1024 * 1024 });
}

function ok(result: SpawnSyncReturns<string>, what: string): string {
  assert.equal(result.status, 0, `${what} exited with ${result.status}\n${result.stdout}\n${result.stderr}`);
  return result.stdout;
}

/** A plain JavaScript consumer of the installed package: no TypeScript, no loader. */
const CONSUMER = `
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { grad, tensor } from 'varl/engine';
import { loadSafetensors, saveSafetensors } from 'varl/engine/node';
import { make } from 'varl/envs';
import { SAC } from 'varl/algorithms';
import * as algorithmsNode from 'varl/algorithms/node';

const tanhPrime = grad((x) => x.tanh().sum())(tensor([0.5], { dtype: 'float64' })).item();

const env = make('Pendulum-v1');
const { obs } = env.reset({ seed: 0 });
const first = Array.from(obs);
const step = env.step([0.5]);

const agent = new SAC(make('Pendulum-v1'), { seed: 0 });
const action = Array.from(agent.predict([1, 0, 0]));

const dir = mkdtempSync(join(tmpdir(), 'varl-consumer-'));
saveSafetensors(join(dir, 'w.safetensors'), { w: tensor([1, 2, 3]) });
const saved = Array.from(loadSafetensors(join(dir, 'w.safetensors')).tensors.w.data);

// Ship a policy: save, export meta.json and the networks, load them networks only, act alike.
agent.save(join(dir, 'checkpoint'));
const shipped = algorithmsNode.exportPolicy(join(dir, 'checkpoint'), join(dir, 'policy'));
const loaded = algorithmsNode.loadAgent(shipped.out, make('Pendulum-v1'), { weightsOnly: true });
const shippedAction = Array.from(loaded.predict([1, 0, 0]));
rmSync(dir, { recursive: true, force: true });

console.log(JSON.stringify({
  tanhPrime, first, next: Array.from(step.obs), reward: step.reward, action, saved, shippedAction,
  algorithmsNode: Object.keys(algorithmsNode).sort(),
}));
`;

/**
 * A TypeScript consumer as `tsc --init` would not set it up: skipLibCheck off, so every declaration file the
 * package's types reach is checked too (the @mujoco/mujoco declarations do not compile that way).
 */
const TYPED_CONSUMER = `
import { grad, tensor, type Tensor } from 'varl/engine';
import { loadSafetensors } from 'varl/engine/node';
import { loadMujocoEnvs, make } from 'varl/envs';
import { HMCSAC, SAC, type LearnOptions, type SACConfig } from 'varl/algorithms';
import { loadAgent } from 'varl/algorithms/node';

const x: Tensor = tensor([0.5], { dtype: 'float64' });
const slope: number = grad((t: Tensor) => t.tanh().sum())(x).item();
const config: Partial<SACConfig> = { seed: 0 };
const agent = new SAC(make('Pendulum-v1'), config);
const options: LearnOptions = { totalSteps: 10, evalEvery: 0 };
// @ts-expect-error a config key HMC-SAC does not have
new HMCSAC(make('Pendulum-v1'), { seed: 0, leapfrogStepz: 3 });
export const uses = [slope, agent.predict([1, 0, 0]), options, loadSafetensors, loadMujocoEnvs, loadAgent];
`;

interface ConsumerOutput {
  tanhPrime: number;
  first: number[];
  next: number[];
  reward: number;
  action: number[];
  saved: number[];
  shippedAction: number[];
  algorithmsNode: string[];
}

describe('npm package: pack, install into a plain JavaScript project, import, run the CLI', function () {
  // Packing builds with tsc (prepack), which dominates: 8–14 s on 2 cores; the whole spec 11–20 s.
  this.timeout(300_000);

  let work = '';
  let tarball = '';
  let entries: string[] = [];
  let consumer = '';
  let packSeconds = 0;

  before(() => {
    work = mkdtempSync(join(tmpdir(), 'varl-pack-'));
    const started = performance.now();
    ok(run(npm, ['pack', '--pack-destination', work], root), 'npm pack');
    packSeconds = (performance.now() - started) / 1000;
    const tarballs = readdirSync(work).filter((f) => f.endsWith('.tgz'));
    assert.equal(tarballs.length, 1, `npm pack wrote ${tarballs.join(', ') || 'no tarball'}`);
    tarball = join(work, tarballs[0]);
    entries = ok(run('tar', ['-tzf', tarball], work), 'tar -tzf').split('\n').filter((line) => line !== '');

    consumer = join(work, 'consumer');
    mkdirSync(consumer);
    writeFileSync(join(consumer, 'package.json'), JSON.stringify({ name: 'varl-consumer', private: true, type: 'module' }));
    writeFileSync(join(consumer, 'main.mjs'), CONSUMER);
    writeFileSync(join(consumer, 'typed.ts'), TYPED_CONSUMER);
    writeFileSync(join(consumer, 'tsconfig.json'), JSON.stringify({
      compilerOptions: {
        strict: true, module: 'NodeNext', moduleResolution: 'NodeNext', target: 'ES2022', lib: ['ES2022'], noEmit: true,
        skipLibCheck: false, types: ['node'], typeRoots: [join(root, 'node_modules', '@types')],
      },
      files: ['typed.ts'],
    }));
    // The package's own dependencies are in the npm cache after `npm ci`.
    let install = run(npm, ['install', '--no-audit', '--no-fund', '--offline', tarball], consumer);
    if (install.status !== 0) install = run(npm, ['install', '--no-audit', '--no-fund', '--prefer-offline', tarball], consumer);
    ok(install, 'npm install <tarball>');
  });

  after(() => {
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('packs (building with tsc) into a tarball of compiled JavaScript, declarations and the launcher only', () => {
    const files = entries.map((e) => e.replace(/^package\//, ''));
    const size = statSync(tarball).size;
    console.log(`      npm pack: ${packSeconds.toFixed(1)} s, ${(size / 1024).toFixed(0)} KiB, ${files.length} files`);
    for (const needed of [
      'package.json', 'README.md', 'bin/varl.js',
      'dist/engine/index.js', 'dist/engine/index.d.ts', 'dist/engine/node.js', 'dist/envs/index.js', 'dist/envs/index.d.ts',
      'dist/algorithms/index.js', 'dist/algorithms/index.d.ts', 'dist/algorithms/browser.js', 'dist/algorithms/node.js', 'dist/algorithms/cli.js',
    ]) {
      assert.ok(files.includes(needed), `the tarball lacks ${needed}`);
    }
    const strays = files.filter((f) => /^(spec|bench|node_modules)\//.test(f) || (/\.(ts|mts|cts)$/.test(f) && !/\.d\.(ts|mts|cts)$/.test(f)));
    assert.deepEqual(strays, [], 'the tarball holds specs, benchmarks or TypeScript sources');
    const outside = files.filter((f) => !/^(dist\/|bin\/|package\.json$|README\.md$|LICEN[CS]E)/i.test(f));
    assert.deepEqual(outside, [], 'the tarball holds files outside dist/, bin/ and the package metadata');
  });

  it('is importable from plain JavaScript: engine, engine/node, envs, algorithms, algorithms/node', () => {
    const output = ok(run(process.execPath, ['main.mjs'], consumer), 'node main.mjs').trim().split('\n').at(-1) ?? '';
    const result = JSON.parse(output) as ConsumerOutput;
    // d/dx tanh x = 1 − tanh² x
    assert.ok(Math.abs(result.tanhPrime - (1 - Math.tanh(0.5) ** 2)) < 1e-6, `tanh'(0.5) = ${result.tanhPrime}`);
    assert.equal(result.first.length, 3);
    assert.equal(result.next.length, 3);
    assert.ok([...result.first, ...result.next, result.reward].every(Number.isFinite));
    assert.notDeepEqual(result.next, result.first);
    assert.ok(result.reward <= 0, `Pendulum's reward is a cost, got ${result.reward}`);
    assert.equal(result.action.length, 1);
    assert.ok(Math.abs(result.action[0]) <= 2, `a Pendulum action lies in [−2, 2], got ${result.action[0]}`);
    assert.deepEqual(result.saved, [1, 2, 3]);
    assert.ok(result.algorithmsNode.includes('loadAgent'), `varl/algorithms/node exports ${result.algorithmsNode.join(', ')}`);
    assert.deepEqual(result.shippedAction, result.action, 'the exported policy acts as the agent it was saved from');
  });

  it('type-checks a strict TypeScript consumer with skipLibCheck off', () => {
    ok(run(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', '.'], consumer), 'tsc -p . (skipLibCheck: false)');
  });

  it("resolves 'varl/algorithms' to the browser entry for a browser bundler, with no Node built-in", async () => {
    const result = await build({
      stdin: { contents: "export { SAC } from 'varl/algorithms';\nexport { make } from 'varl/envs';\nexport { grad } from 'varl/engine';", resolveDir: consumer },
      absWorkingDir: consumer, bundle: true, platform: 'browser', format: 'esm', write: false, metafile: true, logLevel: 'silent',
    });
    const inputs = Object.keys(result.metafile.inputs);
    assert.ok(inputs.includes('node_modules/varl/dist/algorithms/browser.js'), inputs.join('\n'));
    assert.ok(!inputs.includes('node_modules/varl/dist/algorithms/index.js'), 'the browser bundle took the Node entry');
    assert.ok(!inputs.some((i) => i.startsWith('node_modules/varl/dist/') && /\/node(\/|\.js$)/.test(i)), 'the browser bundle reached a Node-only module');
  });

  it('installs without the TypeScript loader, and `npx varl help` runs the compiled CLI', () => {
    assert.ok(!existsSync(join(consumer, 'node_modules', 'tsx')), 'tsx was installed as a dependency of varl');
    assert.ok(!existsSync(join(consumer, 'node_modules', 'varl', 'algorithms')), 'the installed package holds TypeScript sources');
    const help = ok(run(npx, ['--no', 'varl', 'help'], consumer), 'npx varl help');
    assert.match(help, /varl train --algo/);
  });
});
