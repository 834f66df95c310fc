/**
 * Hostile input to training: config files and objects, run folders, run.json, swapped checkpoints,
 * kernel changes and eval flags. Every case is refused before any work or write, with a message
 * naming the file/flag, the field and the value.
 */
import { strict as assert } from 'node:assert';
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import fc from 'fast-check';
import { ConfigError, SAC, createAgent } from '../../algorithms/index.ts';
import { UsageError, planCommand } from '../../algorithms/cli.ts';
import { LOCK_STALE_AFTER_MS, lockRunDir } from '../../algorithms/node/run-dir.ts';
import { BanditEnv } from '../algorithms/bandit-env.ts';
import { TINY, tempDir } from '../algorithms/helpers.ts';

const usage = (argv: string[], cwd: string, pattern: RegExp): void => {
  assert.throws(() => planCommand(argv, cwd), (e: Error) => e instanceof UsageError && pattern.test(e.message), `${argv.join(' ')} → ${pattern}`);
};
const train = ['train', '--algo', 'sac', '--env', 'Pendulum-v1'];

/** A finished tiny run folder (run.json + checkpoint), made through the CLI's own plan. */
async function tinyRun(cwd: string): Promise<string> {
  const config = path.join(cwd, 'tiny.json');
  fs.writeFileSync(config, JSON.stringify({ ...TINY, learningStarts: 20 }));
  const out = path.join(cwd, 'run');
  const { main } = await import('../../algorithms/cli.ts');
  assert.equal(await main([...train, '--steps', '40', '--out', out, '--config', config, '--quiet', '--eval-every', '0']), 0);
  return out;
}

describe('hardening: configs', () => {
  it('bounds network sizes, buffers and repetitions before allocating, naming the key and value', () => {
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ hiddenSizes: [1e9] }, /'hiddenSizes' must be a list of 1 to 64 integers in \[1, 16384\], got \[1000000000\]/],
      [{ hiddenSizes: [] }, /'hiddenSizes' must be a list/],
      [{ bufferSize: 2e9 }, /'bufferSize' must be an integer in \[1, 50000000\], got 2000000000/],
      [{ gradientSteps: 1e7 }, /'gradientSteps' must be an integer in \[1, 10000\]/],
      [{ seed: -1 }, /'seed' must be an integer in \[0, 4294967295\]/],
      [{ batchSize: 600, bufferSize: 500 }, /batchSize 600 exceeds bufferSize 500/],
    ];
    for (const [config, pattern] of cases) {
      assert.throws(() => new SAC(new BanditEnv(), config), (e: Error) => e instanceof ConfigError && pattern.test(e.message), JSON.stringify(config));
    }
    assert.throws(() => createAgent('iapo', new BanditEnv(), { inferenceIterations: 1e9 }), /'inferenceIterations' must be an integer in \[1, 10000\]/);
    const wide = { ...new BanditEnv(), observationSpace: { shape: [2000] }, actionSpace: new BanditEnv().actionSpace, reset: () => ({ obs: new Float32Array(2000) }), step: () => ({ obs: new Float32Array(2000), reward: 0, terminated: true, truncated: false }) };
    assert.throws(() => new SAC(wide, { bufferSize: 40_000_000 }), /needs 596\.5 GiB of replay .* the limit is 8 GiB/);
  });

  it('treats __proto__, constructor and other Object.prototype names as unknown keys (fuzzed), leaving Object.prototype untouched', () => {
    const names = fc.constantFrom('__proto__', 'constructor', 'toString', 'hasOwnProperty', 'valueOf', 'prototype');
    fc.assert(fc.property(names, fc.jsonValue(), (key, value) => {
      const config = JSON.parse(`{${JSON.stringify(key)}: ${JSON.stringify(value)}}`) as Record<string, unknown>;
      assert.throws(() => new SAC(new BanditEnv(), config), (e: Error) => e instanceof ConfigError && e.message.includes(`unknown key '${key}'`));
    }), { numRuns: 200 });
    assert.equal(Object.getPrototypeOf({}), Object.prototype);
    assert.deepEqual(Object.keys(Object.prototype), []);
  });

  it('a config file with such keys is a usage error naming the file', () => {
    const cwd = tempDir();
    fs.writeFileSync(path.join(cwd, 'c.json'), '{"__proto__": {"polluted": 1}}');
    usage([...train, '--config', 'c.json'], cwd, /unknown key '__proto__'.*\(from c\.json\)/);
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
  });
});

describe('hardening: run folders', () => {
  it('refuses an empty --out, a file, a non-run folder (unless --force) and an uncreatable path', () => {
    const cwd = tempDir();
    fs.writeFileSync(path.join(cwd, 'file'), 'x');
    fs.mkdirSync(path.join(cwd, 'photos'));
    fs.writeFileSync(path.join(cwd, 'photos', 'a.jpg'), 'x');
    usage([...train, '--out', ''], cwd, /--out must name a folder, got an empty string/);
    usage([...train, '--out', 'file'], cwd, /--out file is a file, not a folder/);
    usage([...train, '--out', 'photos'], cwd, /photos is not a varl run folder \(it holds 1 entries, e\.g\. a\.jpg\); choose another --out or pass --force/);
    usage([...train, '--out', 'file/sub'], cwd, /cannot create --out file\/sub: .*file is a file/);
    const plan = planCommand([...train, '--out', 'photos', '--force'], cwd);
    assert.equal(plan.kind, 'train');
    assert.deepEqual(fs.readdirSync(path.join(cwd, 'photos')), ['a.jpg'], 'planning writes nothing');
  });

  it('locks a run folder: a live owner refuses, a dead one is taken over', async () => {
    const dir = tempDir();
    const sleeper = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 20000)']);
    try {
      fs.writeFileSync(path.join(dir, 'run.lock'), `${sleeper.pid}\n`);
      assert.throws(() => lockRunDir(dir), (e: Error) => e instanceof UsageError && new RegExp(`in use by process ${sleeper.pid}`).test(e.message));
    } finally {
      sleeper.kill('SIGKILL');
    }
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']).stdout.toString();
    fs.writeFileSync(path.join(dir, 'run.lock'), `${dead}\n`);
    const release = lockRunDir(dir);
    assert.deepEqual(JSON.parse(fs.readFileSync(path.join(dir, 'run.lock'), 'utf8')), { pid: process.pid, host: os.hostname() });
    release();
    assert.equal(fs.existsSync(path.join(dir, 'run.lock')), false);
  });

  it('a run lock whose heartbeat stopped is taken over, from a live pid (reused after a restart) or another host', () => {
    const dir = tempDir();
    const lock = path.join(dir, 'run.lock');
    const silentFor = (ms: number): void => {
      const then = new Date(Date.now() - ms);
      fs.utimesSync(lock, then, then);
    };
    const sleeper = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 20000)']);
    try {
      fs.writeFileSync(lock, JSON.stringify({ pid: sleeper.pid, host: os.hostname() }));
      silentFor(LOCK_STALE_AFTER_MS - 60_000);
      assert.throws(() => lockRunDir(dir), new RegExp(`in use by process ${sleeper.pid} \\(run\\.lock\\); wait for it or stop it`));
      silentFor(LOCK_STALE_AFTER_MS + 60_000);
      lockRunDir(dir)();
    } finally {
      sleeper.kill('SIGKILL');
    }
    fs.writeFileSync(lock, JSON.stringify({ pid: 4242, host: 'elsewhere' }));
    assert.throws(() => lockRunDir(dir), /in use by process 4242 on elsewhere \(run\.lock\)/);
    silentFor(LOCK_STALE_AFTER_MS + 60_000);
    const release = lockRunDir(dir);
    assert.equal(JSON.parse(fs.readFileSync(lock, 'utf8')).pid, process.pid);
    release();
  });

  it('resume refuses a truncated run.json, a swapped checkpoint and a kernel change, each by name', async function () {
    this.timeout(60_000);
    const cwd = tempDir();
    const run = await tinyRun(cwd);
    const runJson = fs.readFileSync(path.join(run, 'run.json'), 'utf8');
    const saved = JSON.parse(runJson) as Record<string, unknown>;
    assert.deepEqual(Object.keys(saved.kernels as object), ['set', 'fma', 'fusedMultiplyAdd']);

    fs.writeFileSync(path.join(run, 'run.json'), runJson.slice(0, 40));
    usage(['train', '--resume', '--out', run], cwd, /run\.json is not readable JSON/);
    fs.writeFileSync(path.join(run, 'run.json'), JSON.stringify({ ...saved, seed: -3 }));
    usage(['train', '--resume', '--out', run], cwd, /run\.json: 'seed' is -3/);
    fs.writeFileSync(path.join(run, 'run.json'), JSON.stringify({ ...saved, algorithm: 'constructor' }));
    usage(['train', '--resume', '--out', run], cwd, /unknown --algo 'constructor'/);

    fs.writeFileSync(path.join(run, 'run.json'), JSON.stringify({ ...saved, algorithm: 'td3' }));
    usage(['train', '--resume', '--out', run], cwd, /the checkpoint in .* is SAC on Pendulum-v1, the run is TD3 on Pendulum-v1/);

    const other = (saved.kernels as { set: string }).set === 'wasm' ? 'js' : 'wasm';
    fs.writeFileSync(path.join(run, 'run.json'), JSON.stringify({ ...saved, kernels: { set: other, fma: false } }));
    usage(['train', '--resume', '--out', run], cwd, new RegExp(`trained on the ${other} kernels.*set VARL_KERNELS / VARL_WASM_FMA to match, or resume anyway with varl train --resume --allow-kernel-change`));
    const plan = planCommand(['train', '--resume', '--out', run, '--allow-kernel-change'], cwd);
    assert.ok(plan.kind === 'train' && plan.warnings.length === 1 && /will not be bit-identical/.test(plan.warnings[0]));
  });

  it('a full restore under other kernels than the checkpoint\'s is refused by the library unless allowed; --allow-kernel-change reaches it', async function () {
    this.timeout(60_000);
    const cwd = tempDir();
    const run = await tinyRun(cwd);
    const metaPath = path.join(run, 'checkpoint', 'meta.json');
    const meta = JSON.parse(fs.readFileSync(metaPath, 'utf8')) as Record<string, unknown>;
    const saved = meta.kernels as { set: string; fma: boolean };
    const other = { set: saved.set === 'wasm' ? 'js' : 'wasm', fma: false };
    fs.writeFileSync(metaPath, JSON.stringify({ ...meta, kernels: other }));
    const before = fs.readFileSync(path.join(run, 'checkpoint', 'model.safetensors'));

    const { loadAgent } = await import('../../algorithms/node.ts');
    const { make } = await import('../../envs/index.ts');
    const checkpoint = path.join(run, 'checkpoint');
    assert.throws(() => loadAgent(checkpoint, make('Pendulum-v1')), (e: Error) => e.message.startsWith(`${checkpoint}: `) &&
      new RegExp(`saved under the ${other.set} kernels and this process uses ${saved.set}.*allowKernelChange: true.*weightsOnly: true`).test(e.message));
    const resumed = loadAgent(path.join(run, 'checkpoint'), make('Pendulum-v1'), { allowKernelChange: true });
    assert.equal(resumed.training.step, 40);
    assert.equal(loadAgent(path.join(run, 'checkpoint'), make('Pendulum-v1'), { weightsOnly: true }).training.step, 0);
    fs.writeFileSync(metaPath, JSON.stringify({ ...meta, kernels: 'wasm' }));
    assert.throws(() => loadAgent(path.join(run, 'checkpoint'), make('Pendulum-v1')), /meta\.json 'kernels' must be \{ set: string, fma: boolean, fusedMultiplyAdd\?: boolean \}, got "wasm"/);
    assert.throws(() => loadAgent(undefined as never, make('Pendulum-v1')), /^TypeError: loadAgent: dir must be a folder path, got undefined$/);
    fs.writeFileSync(metaPath, JSON.stringify({ ...meta, algorithm: 'dqn' }));
    assert.throws(() => loadAgent(checkpoint, make('Pendulum-v1')),
      (e: Error) => e.name === 'CheckpointError' && e.message.startsWith(`${checkpoint}: unknown algorithm 'dqn' in meta.json; known: sac, td3`));
    fs.writeFileSync(metaPath, JSON.stringify({ ...meta, config: { ...(meta.config as object), gamma: 1.5 } }));
    assert.throws(() => loadAgent(checkpoint, make('Pendulum-v1')),
      (e: Error) => e.name === 'CheckpointError' && e.message.startsWith(`${checkpoint}: meta.json holds a config sac refuses: `) && /'gamma' must be in \[0, 1\]/.test(e.message));

    // The CLI: run.json says the same as the checkpoint; refused by the plan, and the flag carries through to the restore.
    fs.writeFileSync(metaPath, JSON.stringify({ ...meta, kernels: other }));
    const runJson = JSON.parse(fs.readFileSync(path.join(run, 'run.json'), 'utf8')) as Record<string, unknown>;
    fs.writeFileSync(path.join(run, 'run.json'), JSON.stringify({ ...runJson, kernels: other }));
    usage(['train', '--resume', '--out', run, '--steps', '60'], cwd, /resume anyway with varl train --resume --allow-kernel-change/);
    assert.deepEqual(fs.readFileSync(path.join(run, 'checkpoint', 'model.safetensors')), before);
    const { main } = await import('../../algorithms/cli.ts');
    assert.equal(await main(['train', '--resume', '--out', run, '--steps', '60', '--allow-kernel-change', '--quiet']), 0);
    assert.equal((JSON.parse(fs.readFileSync(metaPath, 'utf8')) as { training: { step: number } }).training.step, 60);
  });

  it('kernel identities: FMA rounding once and twice differ, a record without the rounding (earlier releases) matches either', async function () {
    this.timeout(60_000);
    const { currentKernels, describeKernels, isKernelIdentity, sameKernels } = await import('../../algorithms/common/checkpoint.ts');
    const once = { set: 'wasm', fma: true, fusedMultiplyAdd: true };
    const twice = { set: 'wasm', fma: true, fusedMultiplyAdd: false };
    const older = { set: 'wasm', fma: true };
    assert.equal(sameKernels(once, twice), false);
    assert.equal(sameKernels(once, older), true);
    assert.equal(sameKernels(older, twice), true);
    assert.equal(sameKernels(older, { set: 'wasm', fma: false }), false);
    assert.deepEqual([once, twice, older, { set: 'js', fma: false, fusedMultiplyAdd: false }].map(describeKernels),
      ['wasm with FMA rounding once', 'wasm with FMA rounding twice', 'wasm with FMA', 'js']);
    assert.equal(isKernelIdentity(older), true);
    assert.equal(isKernelIdentity({ ...once, fusedMultiplyAdd: 'yes' }), false);

    // Through a checkpoint: only the rounding differs → refused, naming both; no rounding recorded → restored.
    const cwd = tempDir();
    const run = await tinyRun(cwd);
    const metaPath = path.join(run, 'checkpoint', 'meta.json');
    const meta = JSON.parse(fs.readFileSync(metaPath, 'utf8')) as Record<string, unknown>;
    const now = currentKernels();
    assert.deepEqual(meta.kernels, now);
    const flipped = { ...now, fusedMultiplyAdd: !now.fusedMultiplyAdd };
    fs.writeFileSync(metaPath, JSON.stringify({ ...meta, kernels: flipped }));
    const { loadAgent } = await import('../../algorithms/node.ts');
    const { make } = await import('../../envs/index.ts');
    assert.throws(() => loadAgent(path.join(run, 'checkpoint'), make('Pendulum-v1')),
      (e: Error) => e.name === 'CheckpointError' && e.message.includes(`saved under the ${describeKernels(flipped)} kernels and this process uses ${describeKernels(now)}`));
    fs.writeFileSync(metaPath, JSON.stringify({ ...meta, kernels: { set: now.set, fma: now.fma } }));
    assert.equal(loadAgent(path.join(run, 'checkpoint'), make('Pendulum-v1')).training.step, 40);
  });

  it('a checkpoint loaded around an env of other sizes is refused naming the tensor, its shapes and both envs', async () => {
    const dir = path.join(tempDir(), 'checkpoint');
    const { make } = await import('../../envs/index.ts');
    const { loadAgent } = await import('../../algorithms/node.ts');
    new SAC(make('Pendulum-v1'), { ...TINY, seed: 1 }).save(dir);
    assert.throws(() => loadAgent(dir, make('MountainCarContinuous-v0')), (e: Error) => e.name === 'CheckpointError' && e.message.startsWith(`${dir}: `) &&
      /has shape \[\d+, 3\] in the state dict but \[\d+, 2\] in the module \(the checkpoint was saved on Pendulum-v1; this agent's env is MountainCarContinuous-v0\)$/.test(e.message));
  });

  it('eval flags are bounded: --inference-iterations 1000000000 is a usage error', async function () {
    this.timeout(60_000);
    const cwd = tempDir();
    const config = path.join(cwd, 'iapo.json');
    fs.writeFileSync(config, JSON.stringify({ hiddenSizes: [8], criticHiddenSizes: [8], batchSize: 8, actionSamples: 2, inferenceIterations: 2, learningStarts: 20, bufferSize: 200 }));
    const { main } = await import('../../algorithms/cli.ts');
    const out = path.join(cwd, 'iapo');
    assert.equal(await main(['train', '--algo', 'iapo', '--env', 'Pendulum-v1', '--steps', '30', '--out', out, '--config', config, '--quiet', '--eval-every', '0']), 0);
    usage(['eval', '--checkpoint', out, '--inference-iterations', '1000000000'], cwd, /--inference-iterations must be at most 10000, got '1000000000'/);
    usage(['eval', '--checkpoint', path.join(cwd, 'nowhere'), '--inference-iterations', '3'], cwd, /no checkpoint at/);
  });
});

describe('hardening: analyze outputs and flag bounds', () => {
  it('refuses an output path that is a folder or has no folder, and unbounded counts, before any work', async () => {
    const { runAnalyze } = await import('../../algorithms/iapo/cli.ts');
    const cwd = tempDir();
    const checkpoint = path.join(cwd, 'ckpt');
    createAgent('iapo', new BanditEnv(), { hiddenSizes: [8], criticHiddenSizes: [8], batchSize: 8, actionSamples: 2, inferenceIterations: 2, bufferSize: 100 }).save(checkpoint);
    const cases: [string[], RegExp][] = [
      [['gap', '--checkpoint', checkpoint, '--out', cwd], /--out .* is a folder, not a file/],
      [['iterations', '--checkpoint', checkpoint, '--svg', path.join(cwd, 'no', 'f.svg')], /--svg .*: the folder .*no does not exist/],
      [['gap', '--checkpoint', checkpoint, '--states', '1000000000'], /--states must be at most 100000/],
    ];
    const write = process.stderr.write.bind(process.stderr);
    for (const [args, pattern] of cases) {
      let said = '';
      process.stderr.write = ((chunk: string) => ((said += chunk), true)) as typeof process.stderr.write;
      try {
        assert.equal(await runAnalyze(args), 2, args.join(' '));
      } finally {
        process.stderr.write = write;
      }
      assert.match(said, pattern);
    }
    assert.deepEqual(fs.readdirSync(cwd).sort(), ['ckpt'], 'nothing written');
    usage(['eval', '--checkpoint', checkpoint, '--episodes', '1000000000'], cwd, /--episodes must be at most 100000/);
  });
});
