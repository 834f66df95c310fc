import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { UsageError, parseSetFlags, planCommand, type TrainPlan } from '../../algorithms/cli.ts';
import { SAC, SAC_DEFAULTS } from '../../algorithms/index.ts';
import { loadMujocoEnvs, make } from '../../envs/index.ts';
import { childEnv, TINY, tempDir } from './helpers.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

function usageError(argv: string[], pattern: RegExp, cwd = tempDir()): void {
  assert.throws(() => planCommand(argv, cwd), (e: Error) => e instanceof UsageError && pattern.test(e.message));
}

describe('CLI argument checking (before any work)', () => {
  it('rejects unknown flags, commands and a missing or unknown env id', () => {
    usageError(['train', '--algo', 'sac', '--env', 'Pendulum-v1', '--lr', '3'], /train: Unknown option '--lr'/);
    usageError(['train', '--algo', 'sac'], /--env <id> is required; known ids: Pendulum-v1/);
    usageError(['train', '--algo', 'sac', '--env', 'Pendulm-v1'], /unknown env id 'Pendulm-v1'; known ids: .*Pendulum-v1/);
    usageError(['train', '--algo', 'dqn', '--env', 'Pendulum-v1'], /unknown --algo 'dqn'; expected sac, td3, iapo, reinforce, ppo, trpo/);
    usageError(['train', '--algo', 'sac', '--env', 'Pendulum-v1', '--steps', '1e3x'], /--steps must be an integer ≥ 1, got '1e3x'/);
    // A negative number after a flag is its value, checked as such (not "ambiguous"):
    usageError(['train', '--algo', 'sac', '--env', 'Pendulum-v1', '--seed', '-1'], /--seed must be an integer ≥ 0, got '-1'/);
    usageError(['train', '--algo', 'sac', '--env', 'Pendulum-v1', '--steps', '-.5'], /--steps must be an integer ≥ 1, got '-.5'/);
    usageError(['train', '--algo', 'sac', '--env', 'Pendulum-v1', '--steps', '0x10'], /--steps must be an integer ≥ 1, got '0x10'/);
    usageError(['train', '--algo', 'sac', '--env', 'Pendulum-v1', '--seed', ''], /--seed must be an integer ≥ 0, got ''/);
    usageError(['fit'], /^fit: unknown command; expected train/);
    usageError(['eval', '--checkpoint', 'nowhere'], /no checkpoint at nowhere/);
  });

  it('rejects a bad config file with the key and the file named', () => {
    const dir = tempDir();
    const write = (name: string, text: string): string => {
      fs.writeFileSync(path.join(dir, name), text);
      return name;
    };
    const train = ['train', '--algo', 'sac', '--env', 'Pendulum-v1', '--config'];
    usageError([...train, write('typo.json', '{"learningrate": 0.001}')], /unknown key 'learningrate'.*\(from typo\.json\)/, dir);
    usageError([...train, write('type.json', '{"batchSize": "256"}')], /'batchSize' must be a finite number/, dir);
    usageError([...train, write('value.json', '{"gamma": 1.5}')], /'gamma' must be in \[0, 1\]/, dir);
    usageError([...train, write('broken.json', '{"gamma": ')], /broken\.json is not valid JSON/, dir);
    usageError([...train, 'missing.json'], /cannot read --config missing\.json: ENOENT/, dir);
    usageError([...train, write('seed.json', '{"seed": 3}'), '--seed', '4'], /seed 3 differs from --seed 4/, dir);
  });

  it('resolves defaults ← env preset ← config file ← --seed, and picks a free default run folder', () => {
    const dir = tempDir();
    fs.writeFileSync(path.join(dir, 'c.json'), '{"batchSize": 128}');
    const plan = planCommand(['train', '--algo', 'sac', '--env', 'Pendulum-v1', '--config', 'c.json', '--seed', '2'], dir) as TrainPlan;
    assert.equal(plan.config.learningRate, 1e-3); // RL Zoo's Pendulum preset
    assert.equal(plan.config.batchSize, 128);
    assert.equal(plan.config.seed, 2);
    assert.equal(plan.config.gamma, SAC_DEFAULTS.gamma);
    assert.equal(plan.totalSteps, 20_000);
    assert.equal(plan.outDir, path.join(dir, 'runs', 'sac-Pendulum-v1-s2'));
    const plain = planCommand(['train', '--algo', 'sac', '--env', 'Pendulum-v1', '--no-preset'], dir) as TrainPlan;
    assert.equal(plain.config.learningRate, SAC_DEFAULTS.learningRate);

    fs.mkdirSync(plan.outDir, { recursive: true });
    fs.writeFileSync(path.join(plan.outDir, 'run.json'), '{}');
    const next = planCommand(['train', '--algo', 'sac', '--env', 'Pendulum-v1', '--seed', '2'], dir) as TrainPlan;
    assert.equal(next.outDir, `${plan.outDir}-2`);
    usageError(['train', '--algo', 'sac', '--env', 'Pendulum-v1', '--out', plan.outDir], /already holds a run; pass --resume to continue it or --force/, dir);
    usageError(['train', '--resume', '--out', path.join(dir, 'empty')], /holds no run with a checkpoint/, dir);
  });

  it('--set KEY=VALUE overrides one config key after --config (JSON values, else strings), refused on a resume and when malformed', () => {
    const dir = tempDir();
    fs.writeFileSync(path.join(dir, 'c.json'), '{"batchSize": 128, "gamma": 0.9}');
    const train = ['train', '--algo', 'hmc-sac', '--env', 'Pendulum-v1'];
    const plan = planCommand([...train, '--config', 'c.json', '--set', 'gamma=0.95', '--set', 'hiddenSizes=[16, 16]', '--set', 'chainGradient=explicit'], dir) as TrainPlan;
    assert.equal(plan.config.batchSize, 128);
    assert.equal(plan.config.gamma, 0.95);
    assert.deepEqual(plan.config.hiddenSizes, [16, 16]);
    assert.equal(plan.config.chainGradient, 'explicit');
    assert.deepEqual(parseSetFlags(['a=1', 'b=true', 'c=null', 'd="x=y"', 'e=x=y', 'f=']), { a: 1, b: true, c: null, d: 'x=y', e: 'x=y', f: '' });
    usageError([...train, '--set', 'leapfrogStep=3'], /unknown key 'leapfrogStep'.*\(from --set\)$/, dir);
    usageError([...train, '--config', 'c.json', '--set', 'leapfrogSteps=0'], /'leapfrogSteps' must be an integer in \[1, 10000\], got 0 \(from c\.json and --set\)$/, dir);
    usageError([...train, '--set', 'leapfrogSteps'], /--set expects KEY=VALUE, got 'leapfrogSteps'/, dir);
    usageError([...train, '--set', '=3'], /--set expects KEY=VALUE, got '=3'/, dir);
    usageError([...train, '--set', 'gamma=0.9', '--set', 'gamma=0.8'], /--set gamma is given twice/, dir);
    usageError([...train, '--set', '__proto__={"gamma": 2}'], /unknown key '__proto__'/, dir);
    usageError(['train', '--resume', '--out', path.join(dir, 'run'), '--set', 'gamma=0.9'], /--config, --set and --preset are not accepted/, dir);
  });

  it('warns when the run would never update or warm up for more than half of it, and only then', () => {
    const dir = tempDir();
    const plan = planCommand(['train', '--algo', 'td3', '--env', 'CartPoleSwingup-v0', '--steps', '20000'], dir) as TrainPlan;
    assert.deepEqual(plan.warnings, [
      'warning: td3: learningStarts 25000 is not below 20000 steps, so it never updates (set learningStarts lower to learn)',
    ]);
    const late = planCommand(['train', '--algo', 'td3', '--env', 'CartPoleSwingup-v0', '--steps', '30000'], dir) as TrainPlan;
    assert.deepEqual(late.warnings, ['warning: td3: learningStarts 25000 leaves 5000 of 30000 steps for learning (set learningStarts lower to learn sooner)']);
    const sooner = planCommand(['train', '--algo', 'td3', '--env', 'CartPoleSwingup-v0', '--steps', '20000', '--set', 'learningStarts=5000'], dir) as TrainPlan;
    assert.deepEqual(sooner.warnings, []);
    const zooHalf = planCommand(['train', '--algo', 'td3', '--env', 'Pendulum-v1'], dir) as TrainPlan;
    assert.deepEqual([zooHalf.config.learningStarts, zooHalf.totalSteps, zooHalf.warnings], [10_000, 20_000, []], "RL Zoo's Pendulum preset: half the run");
    const shortRun = planCommand(['train', '--algo', 'ppo', '--env', 'Pendulum-v1', '--steps', '1000', '--no-preset'], dir) as TrainPlan;
    assert.deepEqual(shortRun.warnings, [
      'warning: ppo: a rollout of numEnvs × rolloutSteps = 2048 env steps is longer than 1000 steps, so it never updates (set rolloutSteps lower)',
    ]);
    assert.deepEqual((planCommand(['train', '--algo', 'ppo', '--env', 'Pendulum-v1', '--steps', '2048', '--no-preset'], dir) as TrainPlan).warnings, []);
  });

  it('eval --video and --frames under a file are refused before the evaluation runs', () => {
    const dir = tempDir();
    new SAC(make('Pendulum-v1'), TINY).save(path.join(dir, 'run', 'checkpoint'));
    fs.writeFileSync(path.join(dir, 'notes.txt'), 'keep');
    const evaluate = ['eval', '--checkpoint', 'run'];
    usageError([...evaluate, '--video', 'notes.txt/episode.svg'], /^eval: --video notes\.txt\/episode\.svg: .*notes\.txt is a file, not a folder$/, dir);
    usageError([...evaluate, '--video', 'notes.txt/clips/episode.svg'], /^eval: --video notes\.txt\/clips\/episode\.svg: .*notes\.txt is a file, not a folder$/, dir);
    usageError([...evaluate, '--frames', 'notes.txt/frames'], /^eval: --frames notes\.txt\/frames: .*notes\.txt is a file, not a folder$/, dir);
    assert.equal(fs.readFileSync(path.join(dir, 'notes.txt'), 'utf8'), 'keep');
    const plan = planCommand([...evaluate, '--video', 'clips/new/episode.svg', '--frames', 'frames/new'], dir);
    assert.deepEqual(plan.kind === 'eval' && [plan.videoFile, plan.framesDir], [path.join(dir, 'clips/new/episode.svg'), path.join(dir, 'frames/new')]);
  });

  it('--help or -h after train or eval asks for the usage', () => {
    for (const argv of [['train', '--help'], ['train', '--algo', 'sac', '-h'], ['eval', '--help']]) assert.deepEqual(planCommand(argv), { kind: 'help' });
  });
});

describe('the varl bin', () => {
  it('prints the usage with status 0 for --help after a command (train, sweep run, tune)', () => {
    for (const args of [['train', '--help'], ['sweep', 'run', '--help'], ['tune', 'x.yaml', '-h'], ['tune', 'help']]) {
      const result = spawnSync(process.execPath, ['bin/varl.js', ...args], { cwd: ROOT, env: childEnv(), encoding: 'utf8' });
      assert.equal(result.status, 0, `${args.join(' ')}: ${result.stderr}`);
      assert.match(result.stdout, /^usage:\n/);
      assert.equal(result.stderr, '');
    }
  });

  it('exits with status 2 and the usage on a bad command line', () => {
    const result = spawnSync(process.execPath, ['bin/varl.js', 'train', '--algo', 'sac', '--env', 'Nope-v0'], { cwd: ROOT, env: childEnv(), encoding: 'utf8' });
    assert.equal(result.status, 2);
    assert.match(result.stderr, /^varl train: unknown env id 'Nope-v0'/);
    assert.match(result.stderr, /usage:\n {2}varl train --algo sac\|td3/);
  });

  it('eval prints the mean and std return of a checkpoint as JSON', async () => {
    const runDir = tempDir();
    await new SAC(make('Pendulum-v1'), { ...TINY, seed: 1 }).learn({ totalSteps: 200, runDir, evalEvery: 0 });
    const result = spawnSync(process.execPath, ['bin/varl.js', 'eval', '--checkpoint', runDir, '--episodes', '2'], { cwd: ROOT, env: childEnv(), encoding: 'utf8' });
    assert.equal(result.status, 0, result.stderr);
    const report = JSON.parse(result.stdout) as Record<string, unknown>;
    assert.deepEqual(
      [report.algorithm, report.env, report.step, report.episodes, (report.returns as number[]).length],
      ['SAC', 'Pendulum-v1', 200, 2, 2],
    );
    assert.equal(typeof report.mean, 'number');
    assert.equal(typeof report.std, 'number');
  });

  it('eval --video and --frames write the first evaluation episode, checked before any work', async () => {
    const runDir = tempDir();
    await loadMujocoEnvs();
    await new SAC(make('InvertedPendulum-v5'), { ...TINY, seed: 1 }).learn({ totalSteps: 200, runDir, evalEvery: 0 });
    const out = tempDir();
    const eval_ = (...flags: string[]) => spawnSync(process.execPath, ['bin/varl.js', 'eval', '--checkpoint', runDir, '--episodes', '2', ...flags], { cwd: ROOT, env: childEnv(), encoding: 'utf8' });

    const result = eval_('--video', path.join(out, 'clips', 'episode.svg'), '--frames', path.join(out, 'frames'));
    assert.equal(result.status, 0, result.stderr);
    const report = JSON.parse(result.stdout) as { returns: number[]; recordedEpisode: { return: number; length: number }; frames: { count: number } };
    assert.equal(report.recordedEpisode.return, report.returns[0]); // the same episode as evaluation's first
    const frames = fs.readdirSync(path.join(out, 'frames')).sort();
    assert.equal(frames.length, report.recordedEpisode.length + 1);
    assert.equal(report.frames.count, frames.length);
    assert.deepEqual([frames[0], frames.at(-1)], ['frame-00000.svg', `frame-${String(frames.length - 1).padStart(5, '0')}.svg`]);
    assert.match(fs.readFileSync(path.join(out, 'frames', frames[0]!), 'utf8'), /^<svg[^]*InvertedPendulum-v5[^]*<\/svg>$/);
    const video = fs.readFileSync(path.join(out, 'clips', 'episode.svg'), 'utf8');
    assert.equal(video.match(/<animate /g)?.length, frames.length);
    assert.match(video, new RegExp(`dur="${frames.length / 25}s"`)); // 25 fps: dt = 0.04 s

    // Bad destinations are refused with exit status 2, and nothing is written.
    fs.writeFileSync(path.join(out, 'notes.txt'), 'keep');
    fs.mkdirSync(path.join(out, 'folder.svg'));
    const refused = [
      [['--video', path.join(out, 'episode.mp4')], /--video writes an animated SVG, so it must name an \.svg file/],
      [['--video', path.join(out, 'folder.svg')], /folder\.svg is a folder; name an \.svg file/],
      [['--frames', out], /--frames .* holds other files \(clips, folder\.svg, frames, …\); name a new or empty folder/],
      [['--frames', path.join(out, 'notes.txt')], /is a file; name a new or empty folder/],
    ] as const;
    for (const [flags, pattern] of refused) {
      const run = eval_(...flags);
      assert.equal(run.status, 2, run.stdout);
      assert.match(run.stderr, pattern);
    }
    assert.deepEqual(fs.readdirSync(out).sort(), ['clips', 'folder.svg', 'frames', 'notes.txt']);
  });
});
