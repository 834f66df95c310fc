import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { expandTuning, jobStep, parseSweepText, readSweep, rungBudgets } from '../../algorithms/sweep/index.ts';
import { jobDir } from '../../algorithms/sweep/folder.ts';
import { idleTrialsWarning, rungStopStep, runTune, type TuneBackend } from '../../algorithms/sweep/tune.ts';
import { UsageError } from '../../algorithms/node/usage.ts';
import { CHECKPOINT_FORMAT, CHECKPOINT_VERSION } from '../../engine/io/checkpoint.ts';
import { captureOutput, sleep, tempDir, tinyTuneYaml, varl, writeFile } from './helpers.ts';

const TUNE_YAML = tinyTuneYaml('tiny-tune', { steps: 400, hidden: 64, learningStarts: 100, every: 200, episodes: 2, trials: 3 });

interface TuneState {
  budgets: number[];
  rungs: { budget: number; scores: { trial: number; score: number }[]; promoted: number[] }[];
  best: { trial: number; seeds: number[]; finalReturns: number[]; final: { n: number; mean: number; halfWidth: number } }[];
}

describe('varl tune', function () {
  this.timeout(90_000);

  it('places rungs at budget fractions rounded to whole evaluation periods', () => {
    const spec = parseSweepText(TUNE_YAML.replace('rungs: [0.5, 1]', 'rungs: [0.1, 0.3, 1]').replace('steps: 400', 'steps: 10000'), 'yaml', 't.yaml');
    assert.deepEqual(rungBudgets(spec, 't.yaml'), [1000, 3000, 10000]);
    const defaults = parseSweepText(TUNE_YAML.replace(/ {2}rungs: .*\n/, '').replace('steps: 400', 'steps: 16000'), 'yaml', 't.yaml');
    assert.deepEqual(rungBudgets(defaults, 't.yaml'), [4000, 8000, 16000]); // η = 2: 1/4, 1/2, 1
  });

  it('warns of trials that will not update before the first rung, and of no other', () => {
    const spec = parseSweepText(TUNE_YAML.replace('  learningStarts: 100', '  learningStarts: 200'), 'yaml', 't.yaml');
    const trials = new Map(expandTuning(spec, 't.yaml').map((job) => [job.trial as number, [job]]));
    assert.equal(idleTrialsWarning('t.yaml', trials, rungBudgets(spec, 't.yaml')[0]),
      'warning: t.yaml: 3 of 3 trial(s) will not update before the first rung at 200 steps ' +
      '(trial 0: learningStarts 200 is not below 200 steps, so it never updates (set learningStarts lower to learn)), so that rung ranks them by their warm-up');
    const sooner = parseSweepText(TUNE_YAML, 'yaml', 't.yaml');
    assert.equal(idleTrialsWarning('t.yaml', new Map(expandTuning(sooner, 't.yaml').map((job) => [job.trial as number, [job]])), 200), null);
  });

  it('halves the trials rung by rung, re-evaluates the best on fresh seeds, and resumes without training again', async () => {
    const cwd = tempDir();
    writeFile(cwd, 'tune.yaml', TUNE_YAML);
    const run = await varl(['tune', 'tune.yaml', '--jobs', '2', '--quiet'], cwd).done;
    assert.equal(run.status, 0, run.stderr);
    const dir = path.join(cwd, 'sweeps', 'tiny-tune');
    const state = JSON.parse(fs.readFileSync(path.join(dir, 'tune.json'), 'utf8')) as TuneState;
    assert.deepEqual(state.budgets, [200, 400]);
    const [first, second] = state.rungs;
    assert.equal(first.scores.length, 3);
    assert.equal(first.promoted.length, 2); // ⌈3 / 2⌉
    const ranked = [...first.scores].sort((a, b) => b.score - a.score).map((s) => s.trial);
    assert.deepEqual(first.promoted, ranked.slice(0, 2));
    assert.deepEqual(second.scores.map((s) => s.trial), first.promoted);
    // The trial left behind stopped at the first rung; the promoted ones trained on to the full budget.
    const sweep = readSweep(dir);
    for (const job of sweep.jobs) assert.equal(jobStep(dir, job), first.promoted.includes(job.trial as number) ? 400 : 200, job.id);

    const [best] = state.best;
    assert.equal(best.trial, [...second.scores].sort((a, b) => b.score - a.score)[0].trial);
    assert.deepEqual(best.seeds, [1, 2]); // fresh: not the tuning seed 0
    assert.equal(best.final.n, 2);
    const finalSweep = readSweep(path.join(dir, 'final'));
    assert.deepEqual(finalSweep.jobs.map((j) => [j.seed, j.evalSeed]), [[1, 1_001_000], [2, 1_002_000]]);
    assert.match(run.stdout, new RegExp(`^best configurations of 3 trials \\(tuning seeds 0; re-evaluated on fresh seeds 1, 2;[^\\n]*\\n {2}1\\. trial ${best.trial}: learningRate=`));
    assert.match(run.stdout, /fresh seeds \(n = 2\): −?[\d.]+ ± [\d.]+ \[/);
    assert.ok(fs.existsSync(path.join(dir, 'final', 'report.md')));

    const before = fs.readFileSync(path.join(dir, 'tune.json'), 'utf8');
    const again = await varl(['tune', 'tune.yaml', '--jobs', '2', '--quiet'], cwd).done;
    assert.equal(again.status, 0, again.stderr);
    assert.equal(again.stdout, run.stdout);
    assert.equal(fs.readFileSync(path.join(dir, 'tune.json'), 'utf8'), before);
  });

  it('stops with status 130 at a SIGTERM that kills a rung\'s jobs, scoring and promoting nothing from the rung', async () => {
    const cwd = tempDir();
    writeFile(cwd, 'tune.yaml', TUNE_YAML.replace('trials: 3', 'trials: 2'));
    const run = varl(['tune', 'tune.yaml', '--jobs', '2', '--quiet'], cwd);
    // A job's log.txt is opened as its process starts: the SIGTERM reaches both before their own handler, so they die of it.
    const logs = path.join(cwd, 'sweeps', 'tiny-tune', 'jobs');
    const started = (): number => (fs.existsSync(logs) ? fs.readdirSync(logs).filter((id) => fs.existsSync(path.join(logs, id, 'log.txt'))).length : 0);
    const deadline = Date.now() + 30_000;
    while (started() < 2 && Date.now() < deadline) await sleep(10);
    run.child.kill('SIGTERM');
    const stopped = await run.done;
    assert.equal(stopped.status, 130, stopped.stderr);
    assert.equal(fs.existsSync(path.join(cwd, 'sweeps', 'tiny-tune', 'tune.json')), false, 'the rung was scored');
  });
});

/**
 * A backend that trains nothing: it writes each job's evaluations as `varl sweep job` would log them, from `curve`
 * (trial, seed, step → return), at the first env step at or past each multiple of `every` (an on-policy learner
 * steps its numEnvs envs together), a checkpoint's meta.json at the step reached, and result.json at the full
 * budget. `skip` leaves a job as it is (as when another process trains it), without reporting it failed.
 */
function fakeBackend(curve: (trial: number, seed: number, step: number) => number, skip: (id: string) => boolean = () => false): TuneBackend {
  return {
    logs: () => 'nowhere',
    run: async (dir, sweep, { jobs, until }) => {
      for (const job of jobs ?? sweep.jobs) {
        const folder = jobDir(dir, job);
        if (skip(job.id) || fs.existsSync(path.join(folder, 'result.json'))) continue;
        const stride = typeof job.config.numEnvs === 'number' ? job.config.numEnvs : 1;
        const stop = Math.ceil(Math.min(until ?? job.steps, job.steps) / stride) * stride;
        const points = [];
        for (let due = job.evalEvery; due <= stop; due += job.evalEvery) {
          const step = Math.ceil(due / stride) * stride;
          points.push({ step, mean: curve(job.trial as number, job.seed, step), std: 0 });
        }
        fs.mkdirSync(folder, { recursive: true });
        fs.writeFileSync(path.join(folder, 'progress.jsonl'), points.map((p) => JSON.stringify({ step: p.step, eval_return_mean: p.mean, eval_return_std: 0 }) + '\n').join(''));
        fs.mkdirSync(path.join(folder, 'checkpoint'), { recursive: true });
        fs.writeFileSync(path.join(folder, 'checkpoint', 'meta.json'), JSON.stringify({
          format: CHECKPOINT_FORMAT, version: CHECKPOINT_VERSION, streams: {}, optimizers: {},
          algorithm: job.algorithm, envId: job.envId, config: job.config, training: { step: stop },
        }));
        if (stop >= job.steps) {
          fs.writeFileSync(path.join(folder, 'result.json'), JSON.stringify({
            id: job.id, algorithm: job.algorithm, envId: job.envId, seed: job.seed, evalSeed: job.evalSeed, steps: stop,
            finalEval: points.at(-1), evalCurve: points, episodes: 1, updates: 1,
          }));
        }
      }
      return { failed: [], interrupted: false };
    },
  };
}

/** runTune in this process with `backend`, its output captured. */
function tuneWith(cwd: string, text: string, backend: TuneBackend): Promise<{ status: number; stdout: string; stderr: string }> {
  return captureOutput(() => runTune('t.yaml', parseSweepText(text, 'yaml', 't.yaml'), { cwd, backend, quiet: true }));
}

/** PPO with 3 envs stepped together, rungs at 100 and 300 steps, evaluated every 100 steps. */
const PPO_TUNE_YAML = `name: ppo-tune
algorithm: ppo
env: Pendulum-v1
steps: 300
envPreset: false
config: { numEnvs: 3, rolloutSteps: 10, batchSize: 30 }
search:
  learningRate: { loguniform: [0.0001, 0.01] }
evaluation: { every: 100, episodes: 1 }
tune: { trials: 3, reductionFactor: 2, rungs: [0.34, 1], top: 1, evaluationSeeds: 2 }
`;

describe('varl tune: scoring and promotion', () => {
  it('refuses an evaluation period longer than the budget, before anything is trained', () => {
    const spec = parseSweepText(TUNE_YAML.replace('every: 200', 'every: 500'), 'yaml', 't.yaml');
    assert.throws(() => rungBudgets(spec, 't.yaml'), (e: Error) => e instanceof UsageError &&
      /t\.yaml: evaluation\.every: 500 is more than steps \(400\), so no trial would ever be evaluated/.test(e.message));
  });

  it('scores an on-policy trial by the evaluation it logged on reaching the rung, past the budget by less than one vector step', async () => {
    // Three envs step together: the evaluation due at 100 steps is logged at step 102, where the job stops for the rung.
    const job = expandTuning(parseSweepText(PPO_TUNE_YAML, 'yaml', 't.yaml'), 't.yaml')[0];
    assert.equal(rungStopStep(job, 100), 102);
    assert.equal(rungStopStep({ ...job, config: { ...job.config, numEnvs: 1 } }, 100), 100);
    const cwd = tempDir();
    const run = await tuneWith(cwd, PPO_TUNE_YAML, fakeBackend((trial, _seed, step) => 10 * trial + step / 100));
    assert.equal(run.status, 0, run.stderr);
    const state = JSON.parse(fs.readFileSync(path.join(cwd, 'sweeps', 'ppo-tune', 'tune.json'), 'utf8')) as TuneState;
    assert.deepEqual(state.rungs[0].scores, [{ trial: 0, score: 1.02 }, { trial: 1, score: 11.02 }, { trial: 2, score: 21.02 }]);
    assert.deepEqual(state.rungs[0].promoted, [2, 1]);
    assert.deepEqual(state.rungs[1].scores, [{ trial: 2, score: 23 }, { trial: 1, score: 13 }]);
    assert.equal(state.best[0].trial, 2);
  });

  it('does not score a rung while one of its jobs neither failed nor reached the budget, and decides it alike once it has', async () => {
    const curve = (trial: number, seed: number, step: number): number => (trial === 0 ? 100 : trial) + seed + step / 1000;
    const whole = tempDir();
    const complete = await tuneWith(whole, TUNE_YAML, fakeBackend(curve));
    assert.equal(complete.status, 0, complete.stderr);

    // The best trial's job is trained by another process (a SLURM task of an earlier run): no curve of it yet.
    const cwd = tempDir();
    const elsewhere = await tuneWith(cwd, TUNE_YAML, fakeBackend(curve, (id) => id.startsWith('t000-')));
    assert.equal(elsewhere.status, 1);
    assert.match(elsewhere.stderr, /tune tiny-tune: rung 1: 1 job\(s\) neither failed nor reached 200 steps \(run by another process\?\): t000-sac-Pendulum-v1-s0; run varl tune again once they have ended; the rung is not scored/);
    assert.equal(fs.existsSync(path.join(cwd, 'sweeps', 'tiny-tune', 'tune.json')), false, 'the rung was scored');

    const later = await tuneWith(cwd, TUNE_YAML, fakeBackend(curve));
    assert.equal(later.status, 0, later.stderr);
    const tuneJson = (dir: string): string => fs.readFileSync(path.join(dir, 'sweeps', 'tiny-tune', 'tune.json'), 'utf8');
    assert.equal(tuneJson(cwd), tuneJson(whole));
    assert.equal(later.stdout, complete.stdout);
  });
});
