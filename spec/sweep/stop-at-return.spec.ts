import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { planCommand, type TrainPlan } from '../../algorithms/cli.ts';
import { UsageError } from '../../algorithms/node/usage.ts';
import { buildReport, expandSweep, jobDir, jobStatus, parseSweepText, renderMarkdown, writeSweep } from '../../algorithms/sweep/index.ts';
import { tempDir, tinySweepYaml, varl } from './helpers.ts';

/** The tiny SAC sweep (400 steps, evaluations at 200 and 400) with `evaluation.stopAtReturn`. */
function stoppingSweep(name: string, stopAtReturn: string): string {
  return tinySweepYaml(name, { seeds: '[0]' }).replace('  episodes: 2\n', `  episodes: 2\n  stopAtReturn: ${stopAtReturn}\n`);
}

function plan(dir: string, name: string, yaml: string): ReturnType<typeof expandSweep> {
  const spec = parseSweepText(yaml, 'yaml', `${name}.yaml`);
  const jobs = expandSweep(spec, `${name}.yaml`);
  writeSweep(dir, { name, file: `${name}.yaml`, spec, jobs });
  return jobs;
}

describe('stopping at a return (varl train --stop-at-return, evaluation.stopAtReturn)', function () {
  this.timeout(120_000);

  it('stops a job at the first evaluation that reaches the return; the job is done, its result says where, and nothing runs again', async () => {
    const cwd = tempDir();
    const dir = path.join(cwd, 'sweeps', 'reach');
    // Any Pendulum return is above −1e9: the first evaluation (step 200) reaches it.
    const [job] = plan(dir, 'reach', stoppingSweep('reach', '-1.0e9'));
    assert.equal(job.stopAtReturn, -1e9);
    const run = await varl(['sweep', 'job', dir, '--index', '0', '--quiet'], cwd).done;
    assert.equal(run.status, 0, run.stderr);
    assert.equal(jobStatus(dir, job), 'done');
    const resultFile = path.join(jobDir(dir, job), 'result.json');
    const result = JSON.parse(fs.readFileSync(resultFile, 'utf8')) as { steps: number; reachedAt: number | null; evalCurve: { step: number }[] };
    assert.equal(result.steps, 200);
    assert.equal(result.reachedAt, 200);
    assert.deepEqual(result.evalCurve.map((p) => p.step), [200]);
    assert.equal((JSON.parse(fs.readFileSync(path.join(jobDir(dir, job), 'run.json'), 'utf8')) as { stopAtReturn: number }).stopAtReturn, -1e9);

    // Neither the sweep nor `varl train --resume` trains it further.
    const mtime = fs.statSync(resultFile).mtimeMs;
    const again = await varl(['sweep', 'job', dir, '--index', '0'], cwd).done;
    assert.equal(again.status, 0, again.stderr);
    assert.equal(fs.statSync(resultFile).mtimeMs, mtime);
    const resume = await varl(['train', '--resume', '--out', jobDir(dir, job)], cwd).done;
    assert.equal(resume.status, 0, resume.stderr);
    assert.match(resume.stderr, /reached -1000000000 at step 200 \(eval return .*\); nothing to resume/);
    const checkpoint = JSON.parse(fs.readFileSync(path.join(jobDir(dir, job), 'checkpoint', 'meta.json'), 'utf8')) as { training: { step: number } };
    assert.equal(checkpoint.training.step, 200);

    const markdown = renderMarkdown(buildReport(dir), new Map());
    assert.match(markdown, /Jobs stop at the first evaluation whose mean reaches −1000000000\.0/);
    assert.match(markdown, /\| 1\/1 \| .* \| 1\/1, median 200 \(200\) \|/);
  });

  it('trains the full budget when the return is never reached, and says so (reachedAt null, 0/1 in the report)', async () => {
    const cwd = tempDir();
    const dir = path.join(cwd, 'sweeps', 'never');
    const [job] = plan(dir, 'never', stoppingSweep('never', '1.0e9'));
    const run = await varl(['sweep', 'job', dir, '--index', '0', '--quiet'], cwd).done;
    assert.equal(run.status, 0, run.stderr);
    const result = JSON.parse(fs.readFileSync(path.join(jobDir(dir, job), 'result.json'), 'utf8')) as { steps: number; reachedAt: number | null };
    assert.equal(result.steps, 400);
    assert.equal(result.reachedAt, null);
    assert.match(renderMarkdown(buildReport(dir), new Map()), /\| 0\/1 \|\n/);
  });

  it("takes 'threshold' as the env's reward threshold, and refuses what it cannot use, by name", () => {
    const mountainCar = tinySweepYaml('t').replace('env: Pendulum-v1', 'env: MountainCarContinuous-v0').replace('  episodes: 2\n', '  episodes: 2\n  stopAtReturn: threshold\n');
    assert.equal(expandSweep(parseSweepText(mountainCar, 'yaml', 't.yaml'), 't.yaml')[0].stopAtReturn, 90);
    assert.throws(() => expandSweep(parseSweepText(stoppingSweep('p', 'threshold'), 'yaml', 'p.yaml'), 'p.yaml'),
      /p\.yaml: evaluation\.stopAtReturn: Pendulum-v1 has no reward threshold; give a number/);
    assert.throws(() => parseSweepText(stoppingSweep('p', 'high'), 'yaml', 'p.yaml'),
      /p\.yaml: evaluation\.stopAtReturn: expected a finite number or 'threshold' \(the env's reward threshold\), got "high"/);
    assert.throws(() => parseSweepText(stoppingSweep('p', '5').replace('every: 200', 'every: 0'), 'yaml', 'p.yaml'),
      /evaluation\.stopAtReturn: needs evaluations/);
    // Without the key a job has no stopAtReturn field, so folders planned before it existed stay valid.
    assert.ok(!('stopAtReturn' in expandSweep(parseSweepText(tinySweepYaml('t'), 'yaml', 't.yaml'), 't.yaml')[0]));

    const cwd = tempDir();
    const train = (...flags: string[]): TrainPlan => planCommand(['train', '--out', path.join(cwd, 'run'), ...flags], cwd) as TrainPlan;
    assert.equal(train('--algo', 'sac', '--env', 'InvertedPendulum-v5', '--stop-at-return', 'threshold').stopAtReturn, 950);
    assert.equal(train('--algo', 'sac', '--env', 'Pendulum-v1', '--stop-at-return', '-150.5').stopAtReturn, -150.5);
    assert.ok(!('stopAtReturn' in train('--algo', 'sac', '--env', 'Pendulum-v1')));
    for (const [value, message] of [
      ['abc', /train: --stop-at-return expects a finite number or 'threshold', got 'abc'/],
      ['Infinity', /got 'Infinity'/],
      ['threshold', /train: --stop-at-return threshold: Pendulum-v1 has no reward threshold; give a number/],
    ] as const) {
      assert.throws(() => train('--algo', 'sac', '--env', 'Pendulum-v1', '--stop-at-return', value), (error: unknown) => error instanceof UsageError && message.test(error.message));
    }
  });
});
