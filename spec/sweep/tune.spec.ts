import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { expandTuning, jobStep, parseSweepText, readSweep, rungBudgets } from '../../algorithms/sweep/index.ts';
import { idleTrialsWarning } from '../../algorithms/sweep/tune.ts';
import { sleep, tempDir, tinyTuneYaml, varl, writeFile } from './helpers.ts';

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
