import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  ConfigError, ProgressReporter, RunLogger, SAC, TD3, evaluate, learningCurveSvg, readEvalHistory, readProgressRows, resolveCheckpointDir,
  stopOnEvalReturn, writeCheckpointDir, type Callback,
} from '../../algorithms/index.ts';
import { BanditEnv } from './bandit-env.ts';
import { TINY, tempDir } from './helpers.ts';

describe('evaluate', () => {
  it('runs N deterministic episodes from seeds seed…seed+N−1 and reports mean and population std', () => {
    const env = new BanditEnv();
    const result = evaluate(() => [0.5], env, { episodes: 4, seed: 10 });
    const expected = [10, 11, 12, 13].map((seed) => {
      const probe = new BanditEnv();
      const { obs } = probe.reset({ seed });
      return -((0.5 - probe.optimum(obs[0])) ** 2);
    });
    assert.deepEqual(result.returns, expected);
    assert.deepEqual(result.lengths, [1, 1, 1, 1]);
    const mean = expected.reduce((a, b) => a + b) / 4;
    assert.ok(Math.abs(result.mean - mean) < 1e-12);
    assert.ok(Math.abs(result.std - Math.sqrt(expected.reduce((a, r) => a + (r - mean) ** 2, 0) / 4)) < 1e-12);
  });
});

describe('RunLogger', () => {
  it('writes the same rows to progress.csv and progress.jsonl, empty fields where a value is absent', () => {
    const dir = tempDir();
    const logger = new RunLogger(dir, ['critic_loss', 'actor_loss', 'alpha']);
    logger.write({ step: 200, episode: 1, episodeReturn: -5.5, metrics: { critic_loss: 1.5 }, gauges: {}, updatesPerSecond: 10, wallSeconds: 2 });
    logger.write({ step: 400, episode: 1, evalReturnMean: -3, evalReturnStd: 0.5, metrics: {}, gauges: { alpha: 0.2 }, wallSeconds: 4 });
    const csv = fs.readFileSync(path.join(dir, 'progress.csv'), 'utf8').trim().split('\n');
    assert.deepEqual(csv, [
      'step,episode,episode_return,eval_return_mean,eval_return_std,critic_loss,actor_loss,alpha,updates_per_s,wall_s',
      '200,1,-5.5,,,1.5,,,10,2',
      '400,1,,-3,0.5,,,0.2,,4',
    ]);
    const rows = fs.readFileSync(path.join(dir, 'progress.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    assert.equal(rows[0].episode_return, -5.5);
    assert.equal(rows[1].eval_return_mean, -3);
    assert.equal(rows[1].actor_loss, null);
    assert.deepEqual(readEvalHistory(dir), [{ step: 400, mean: -3, std: 0.5 }]);
    assert.deepEqual(readProgressRows(dir), rows);
    fs.appendFileSync(path.join(dir, 'progress.jsonl'), '{"step":600,"episo'); // a row cut short by a kill
    assert.deepEqual(readProgressRows(dir), rows);
    assert.deepEqual(readProgressRows(path.join(dir, 'absent')), []);
  });

  it('on resume keeps the rows up to the checkpoint step and drops later ones', () => {
    const dir = tempDir();
    const first = new RunLogger(dir, []);
    for (const step of [100, 200, 300]) first.write({ step, episode: step / 100, evalReturnMean: -step, evalReturnStd: 0, metrics: {}, gauges: {}, wallSeconds: step });
    fs.appendFileSync(path.join(dir, 'progress.jsonl'), '{"step": 40'); // a line cut by a kill
    const resumed = new RunLogger(dir, [], 200);
    assert.deepEqual(resumed.evalHistory().map((p) => p.step), [100, 200]);
    assert.equal(fs.readFileSync(path.join(dir, 'progress.csv'), 'utf8').trim().split('\n').length, 3);
  });
});

describe('ProgressReporter', () => {
  const sink = (): { stream: NodeJS.WritableStream & { isTTY?: boolean }; text: () => string } => {
    let text = '';
    const stream = { write: (s: string) => ((text += s), true), isTTY: false } as unknown as NodeJS.WritableStream & { isTTY?: boolean };
    return { stream, text: () => text };
  };

  it('prints plain periodic lines when not on a TTY', () => {
    const out = sink();
    const reporter = new ProgressReporter({ totalSteps: 100, label: 'SAC', stream: out.stream, intervalSeconds: 3600 });
    reporter.update({ step: 1, episode: 0, wallSeconds: 0 });
    reporter.update({ step: 2, episode: 0, wallSeconds: 0 }); // throttled
    reporter.update({ step: 40, episode: 1, updatesPerSecond: 20, etaSeconds: 3, wallSeconds: 10 }, true);
    reporter.finish({ step: 100, episode: 3, lastEpisodeReturn: -1, wallSeconds: 75 });
    const lines = out.text().trim().split('\n');
    assert.equal(lines.length, 3);
    assert.match(lines[1], /^SAC step 40\/100 \(40\.0%\)\s+ep 1\s+20\.0 upd\/s\s+eta 3s\s+wall 10s$/);
    assert.match(lines[2], /^SAC step 100\/100 \(100\.0%\)\s+ep 3\s+return -1\.0\s+wall 1m15s$/);
  });

  it('redraws one line with a bar on a TTY', () => {
    const out = sink();
    const reporter = new ProgressReporter({ totalSteps: 10, label: 'TD3', stream: out.stream, tty: true });
    reporter.update({ step: 5, episode: 1, wallSeconds: 1 }, true);
    reporter.finish({ step: 10, episode: 2, wallSeconds: 2 });
    assert.ok(out.text().startsWith('\rTD3 5/10 ██████████░░░░░░░░░░ ep 1'), JSON.stringify(out.text()));
    assert.ok(out.text().endsWith('\n'));
  });
});

describe('callbacks', () => {
  it('see every step and every evaluation, and stop training by returning false', async () => {
    const steps: number[] = [];
    const evals: number[] = [];
    let ended = 0;
    const spy: Callback = {
      onStep: (c) => void steps.push(c.step),
      onEvaluation: (c) => void evals.push(c.step),
      onTrainingEnd: () => void ended++,
    };
    const stopAt30: Callback = { onStep: (c) => c.step < 30 };
    const sac = new SAC(new BanditEnv(), { ...TINY, learningStarts: 5 });
    const result = await sac.learn({ totalSteps: 100, evalEnv: new BanditEnv(), evalEvery: 10, evalEpisodes: 1, callbacks: [spy, stopAt30] });
    assert.equal(result.reason, 'callback');
    assert.equal(result.step, 30);
    assert.deepEqual(steps, Array.from({ length: 30 }, (_, i) => i + 1));
    assert.deepEqual(evals, [10, 20, 30]);
    assert.equal(ended, 1);
  });

  it('stopOnEvalReturn stops at the first evaluation reaching the threshold', async () => {
    const td3 = new TD3(new BanditEnv(), { ...TINY, learningStarts: 5 });
    const result = await td3.learn({ totalSteps: 100, evalEnv: new BanditEnv(), evalEvery: 20, evalEpisodes: 1, callbacks: [stopOnEvalReturn(-100)] });
    assert.deepEqual([result.reason, result.step], ['callback', 20]);
  });
});

describe('learning curve SVG', () => {
  it('is well-formed SVG with one line per series, the title and the wrapped config', () => {
    const svg = learningCurveSvg(
      [
        { label: 'seed 0', points: [{ step: 1000, mean: -1200, std: 100 }, { step: 2000, mean: -400, std: 50 }] },
        { label: 'seed 1 <b>', points: [{ step: 1000, mean: -1100 }, { step: 2000, mean: -300 }] },
      ],
      { title: 'SAC on Pendulum-v1', subtitle: 'lr 0.0003 batch 256 γ 0.99 τ 0.005 '.repeat(6), references: [{ y: -200, label: 'target' }] },
    );
    assert.match(svg, /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
    assert.ok(svg.trim().endsWith('</svg>'));
    assert.equal((svg.match(/<polyline /g) ?? []).length, 2);
    assert.ok(svg.includes('SAC on Pendulum-v1'));
    assert.ok(svg.includes('seed 1 &lt;b&gt;'));
    assert.ok((svg.match(/fill="#444"/g) ?? []).length >= 2, 'the long config wraps onto several lines');
    assert.ok(svg.includes('stroke-dasharray'));
  });

  it('learningCurveSvg names what it cannot draw, and leaves out points that are not finite', () => {
    const refuses = (series: unknown, options: unknown, pattern: RegExp): void =>
      assert.throws(() => learningCurveSvg(series as never, options as never), pattern);
    refuses(undefined, { title: 't' }, /^TypeError: learningCurveSvg: series must be an array of \{ label, points \}, got undefined$/);
    refuses([], undefined, /learningCurveSvg: options must be an object with a title, got undefined/);
    refuses([], { title: 3 }, /options\.title must be a string, got 3/);
    refuses([], { title: 't', width: 50 }, /^RangeError: learningCurveSvg: options\.width must be a number ≥ 200, got 50$/);
    refuses([], { title: 't', references: [{ y: Number.NaN, label: 'x' }] }, /options\.references\[0\]\.y must be a finite number, got NaN/);
    refuses([{ label: 'a' }], { title: 't' }, /series\[0\] must be \{ label: string, points: array \}, got \{"label":"a"\}/);
    refuses([{ label: 'a', points: [{ step: 1, mean: 0 }, { step: '2', mean: 0 }] }], { title: 't' }, /series\[0\]\.points\[1\]\.step must be a number, got "2"/);
    const svg = learningCurveSvg([{ label: 'a', points: [{ step: 1000, mean: -300 }, { step: 2000, mean: Number.NaN }, { step: 3000, mean: -200, std: Number.NaN }] }], { title: 't' });
    assert.ok(!svg.includes('NaN'), 'no NaN coordinate reaches the drawing');
    assert.equal((svg.match(/<circle /g) ?? []).length, 2);
  });
});

describe('checkpoint directories', () => {
  it('replace the previous checkpoint atomically and fall back to it after an interrupted swap', () => {
    const root = tempDir();
    const dir = path.join(root, 'checkpoint');
    const text = (s: string): Uint8Array => new TextEncoder().encode(s);
    writeCheckpointDir(dir, { 'meta.json': text('{"n":1}') });
    writeCheckpointDir(dir, { 'meta.json': text('{"n":2}'), 'x.bin': new Uint8Array([1, 2]) });
    assert.deepEqual(fs.readdirSync(root), ['checkpoint']);
    assert.equal(fs.readFileSync(path.join(dir, 'meta.json'), 'utf8'), '{"n":2}');
    // A kill between "checkpoint → checkpoint.old" and "checkpoint.tmp → checkpoint":
    fs.renameSync(dir, `${dir}.old`);
    fs.mkdirSync(`${dir}.tmp`);
    assert.equal(resolveCheckpointDir(dir), `${dir}.old`);
    writeCheckpointDir(dir, { 'meta.json': text('{"n":3}') });
    assert.deepEqual(fs.readdirSync(root), ['checkpoint']);
    assert.throws(() => resolveCheckpointDir(path.join(root, 'nothing')), /no checkpoint at/);
  });

  it('save refuses a folder that is not a checkpoint, a file, or a path under a file, and leaves them as they were', () => {
    const root = tempDir();
    const sac = new SAC(new BanditEnv(), TINY);
    const project = path.join(root, 'project');
    fs.mkdirSync(path.join(project, 'src'), { recursive: true });
    fs.writeFileSync(path.join(project, 'notes.txt'), 'mine');
    fs.writeFileSync(path.join(project, 'src', 'main.js'), 'mine');
    const file = path.join(root, 'notes.txt');
    fs.writeFileSync(file, 'mine');
    const previous = process.cwd();
    process.chdir(project);
    try {
      assert.throws(() => sac.save('.'), /^RangeError: writeCheckpointDir: cannot save into \.: it is not a checkpoint \(it holds notes\.txt, src\/\), and saving would delete what it holds; name a new folder/);
    } finally {
      process.chdir(previous);
    }
    assert.throws(() => sac.save(project), /cannot save into .*project: it is not a checkpoint \(it holds notes\.txt, src\/\)/);
    assert.throws(() => sac.save(file), /cannot save into .*notes\.txt: it is a file, not a folder/);
    assert.throws(() => sac.save(path.join(file, 'checkpoint')), /cannot save into .*notes\.txt.checkpoint: .*notes\.txt is a file, not a folder/);
    assert.deepEqual(fs.readdirSync(root).sort(), ['notes.txt', 'project'], 'no .tmp or .old folder is left');
    assert.deepEqual(fs.readdirSync(project).sort(), ['notes.txt', 'src']);
    assert.equal(fs.readFileSync(path.join(project, 'src', 'main.js'), 'utf8'), 'mine');
    assert.equal(fs.readFileSync(file, 'utf8'), 'mine');
    // A new folder, an empty one and an earlier checkpoint are what a checkpoint may take.
    const empty = path.join(root, 'empty');
    fs.mkdirSync(empty);
    sac.save(empty);
    sac.save(empty);
    sac.save(path.join(root, 'new', 'checkpoint'));
    assert.deepEqual(fs.readdirSync(empty).sort(), ['meta.json', 'model.safetensors', 'optimizers.safetensors', 'replay.safetensors']);
  });

  it('save/load round-trips an agent, and a mismatched architecture is refused without changes', () => {
    const dir = path.join(tempDir(), 'ckpt');
    const sac = new SAC(new BanditEnv(), { ...TINY, seed: 1 });
    sac.save(dir);
    const other = new SAC(new BanditEnv(), { ...TINY, seed: 2 });
    assert.notDeepEqual(Array.from(other.predict([0.3])), Array.from(sac.predict([0.3])));
    other.load(dir);
    assert.deepEqual(Array.from(other.predict([0.3])), Array.from(sac.predict([0.3])));
    const wide = new SAC(new BanditEnv(), { ...TINY, hiddenSizes: [8, 8] });
    const before = Array.from(wide.predict([0.3]));
    assert.throws(() => wide.load(dir), /shape/);
    assert.deepEqual(Array.from(wide.predict([0.3])), before);
    const td3 = new TD3(new BanditEnv(), TINY);
    const td3Before = Array.from(td3.predict([0.3]));
    assert.throws(() => td3.load(dir), /checkpoint is for SAC, not TD3/);
    assert.deepEqual(Array.from(td3.predict([0.3])), td3Before);
  });
});

describe('config', () => {
  it('rejects unknown keys, wrong types and bad values with a message naming the key', () => {
    assert.throws(() => new SAC(new BanditEnv(), { lr: 1 } as never), (e: Error) => e instanceof ConfigError && /unknown key 'lr'/.test(e.message));
    assert.throws(() => new SAC(new BanditEnv(), { gamma: '0.9' } as never), /'gamma' must be a finite number/);
    assert.throws(() => new SAC(new BanditEnv(), { alphaLoss: 'log' } as never), /'alphaLoss' must be one of "logAlpha", "alpha"/);
    assert.throws(() => new TD3(new BanditEnv(), { policyDelay: 0 }), /'policyDelay' must be an integer in \[1, 10000\]/);
    assert.throws(() => new TD3(new BanditEnv(), { batchSize: 10, bufferSize: 5 }), /batchSize 10 exceeds bufferSize 5/);
  });
});
