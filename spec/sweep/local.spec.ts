import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { processAlive } from '../../algorithms/node/run-dir.ts';
import { planCommand, runTrain, type TrainPlan } from '../../algorithms/cli.ts';
import {
  expandSweep, jobDir, jobStatus, jobStep, parseSweepText, readJobStatusFile, readSweep, runSweepJob, selectJobs, writeSweep, type SweepJob,
} from '../../algorithms/sweep/index.ts';
import { tempDir, tinySweepYaml, until, varl, varlInProcess, writeFile } from './helpers.ts';

/** A folder with two small sweep files, first.yaml and second.yaml, of seeds 0 and 1 each. */
function twoSweeps(): string {
  const cwd = tempDir();
  writeFile(cwd, 'first.yaml', tinySweepYaml('first', { steps: 200, seeds: '[0, 1]' }));
  writeFile(cwd, 'second.yaml', tinySweepYaml('second', { steps: 200, seeds: '[0, 1]', grid: '  tau: [0.01]' }));
  return cwd;
}

/** The finished jobs of twoSweeps()'s sweeps as 'first s0', … in the order they finished. */
function finishingOrder(cwd: string): string[] {
  const finished = ['first', 'second'].flatMap((name) => {
    const dir = path.join(cwd, 'sweeps', name);
    return readSweep(dir).jobs.filter((job) => jobStatus(dir, job) === 'done')
      .map((job) => ({ name: `${name} s${job.seed}`, at: fs.statSync(path.join(jobDir(dir, job), 'result.json')).mtimeMs }));
  });
  return finished.sort((a, b) => a.at - b.at).map((f) => f.name);
}

describe('sweep run: the local backend', function () {
  this.timeout(60_000);

  it('runs every job on parallel processes, marks a failing one with its log without stopping the others, and skips finished jobs on a rerun', async () => {
    const cwd = tempDir();
    const spec = parseSweepText(tinySweepYaml('local'), 'yaml', 'local.yaml');
    const [first, second] = expandSweep(spec, 'local.yaml');
    // A job whose config the trainer refuses (gamma > 1) stands for any failing job.
    const broken: SweepJob = { ...first, id: 'broken-s0', variant: 'broken', index: 2, config: { ...first.config, gamma: 5 } };
    const dir = path.join(cwd, 'sweeps', 'local');
    writeSweep(dir, { name: 'local', file: 'local.yaml', spec, jobs: [first, second, broken] });

    const run = await varl(['sweep', 'run', dir, '--jobs', '2'], cwd).done;
    assert.equal(run.status, 1, run.stderr);
    assert.match(run.stderr, /failed: broken-s0 \(log: .*broken-s0\/log\.txt\)/);
    assert.match(run.stderr, /local: 2\/3 done, 0 running, 1 failed, 0 pending \(100% of steps/);
    const sweep = readSweep(dir);
    assert.deepEqual(sweep.jobs.map((job) => jobStatus(dir, job)), ['done', 'done', 'failed']);
    assert.match(readJobStatusFile(dir, broken)?.message ?? '', /'gamma' must be in \[0, 1\]/);
    assert.match(fs.readFileSync(path.join(jobDir(dir, broken), 'log.txt'), 'utf8'), /'gamma' must be in \[0, 1\]/);
    const result = JSON.parse(fs.readFileSync(path.join(jobDir(dir, first), 'result.json'), 'utf8')) as Record<string, unknown>;
    assert.equal(result.steps, 400);
    assert.equal(result.evalSeed, 1_000_000);
    assert.deepEqual((result.evalCurve as { step: number }[]).map((p) => p.step), [200, 400]);
    const second_ = JSON.parse(fs.readFileSync(path.join(jobDir(dir, second), 'run.json'), 'utf8')) as Record<string, unknown>;
    assert.equal(second_.evalSeed, 1_001_000);

    const status = await varl(['sweep', 'status', dir], cwd).done;
    assert.equal(status.status, 0, status.stderr);
    assert.match(status.stdout, /2 done, 0 running, 1 failed, 0 interrupted, 0 pending/);
    assert.match(status.stdout, / {3}2 {2}failed .*broken-s0 {2}.*'gamma' must be in/);

    // Rerun: the finished jobs are not touched, the failed one is tried again.
    const resultFile = path.join(jobDir(dir, first), 'result.json');
    const logFile = path.join(jobDir(dir, first), 'log.txt');
    const before = { mtime: fs.statSync(resultFile).mtimeMs, log: fs.statSync(logFile).size };
    const again = await varl(['sweep', 'run', dir, '--jobs', '2'], cwd).done;
    assert.equal(again.status, 1);
    assert.match(again.stderr, /local: 2\/3 done, 0 running, 1 failed/);
    assert.deepEqual({ mtime: fs.statSync(resultFile).mtimeMs, log: fs.statSync(logFile).size }, before);
    const job = await varl(['sweep', 'job', dir, '--id', first.id], cwd).done;
    assert.equal(job.status, 0, job.stderr);
    assert.equal(fs.statSync(resultFile).mtimeMs, before.mtime);
  });

  it('expands a sweep file into sweeps/<name> and refuses bad arguments by name', async () => {
    const cwd = tempDir();
    writeFile(cwd, 'plan.yaml', tinySweepYaml('planned', { grid: '  learningRate: [0.001, 0.0003]' }));
    const plan = await varlInProcess(['sweep', 'plan', 'plan.yaml'], cwd);
    assert.equal(plan.status, 0, plan.stderr);
    assert.match(plan.stdout, /^4 jobs in .*sweeps\/planned\/sweep\.json\n {3}0 {2}sac-Pendulum-v1-learningRate=0\.001-s0\n/);
    assert.equal(readSweep(path.join(cwd, 'sweeps', 'planned')).jobs.length, 4);
    writeFile(cwd, 'bad.yaml', tinySweepYaml('bad', { grid: '  learningRate: [0.001, fast]' }));
    const bad = await varlInProcess(['sweep', 'run', 'bad.yaml'], cwd);
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /^varl bad\.yaml: grid\.learningRate\[1\]: expected a number, got "fast"/);
    const index = await varlInProcess(['sweep', 'job', path.join(cwd, 'sweeps', 'planned'), '--index', '9'], cwd);
    assert.match(index.stderr, /sweep job: --index must be in 0…3, got 9/);
    const backend = await varlInProcess(['sweep', 'submit', 'plan.yaml', '--backend', 'pbs'], cwd);
    assert.match(backend.stderr, /sweep submit: --backend must be local or slurm, got 'pbs'/);
  });

  it('--only runs the jobs its globs match, in their order, and names a pattern that matches none', async () => {
    const cwd = tempDir();
    writeFile(cwd, 'only.yaml', tinySweepYaml('only', { steps: 200, seeds: '[0, 1, 2]', grid: '  learningRate: [0.001, 0.0003]' }));
    const dir = path.join(cwd, 'sweeps', 'only');
    const planned = await varlInProcess(['sweep', 'plan', 'only.yaml'], cwd);
    assert.equal(planned.status, 0, planned.stderr);
    const sweep = readSweep(dir);
    // '.' is literal, '*' any run of characters; a job matched twice runs once, at its first place
    assert.deepEqual(selectJobs(sweep, ['*=0.0003-s2', '*0.001-*', '*-s2']).map((job) => job.id), [
      'sac-Pendulum-v1-learningRate=0.0003-s2', 'sac-Pendulum-v1-learningRate=0.001-s0', 'sac-Pendulum-v1-learningRate=0.001-s1',
      'sac-Pendulum-v1-learningRate=0.001-s2',
    ]);
    assert.throws(() => selectJobs(sweep, ['*', 'sac-Pendulum-v1-learningRate=0x001-s0']), /no job of only matches '.*0x001-s0'/, 'the escaped dot');
    const run = await varl(['sweep', 'run', dir, '--jobs', '1', '--only', '*=0.0003-s2, *0.001-s0'], cwd).done;
    assert.equal(run.status, 0, run.stderr);
    assert.deepEqual(sweep.jobs.map((job) => jobStatus(dir, job)), ['done', 'pending', 'pending', 'pending', 'pending', 'done']);
    const finishedAt = (job: SweepJob): number => fs.statSync(path.join(jobDir(dir, job), 'result.json')).mtimeMs;
    assert.ok(finishedAt(sweep.jobs[5]) < finishedAt(sweep.jobs[0]), 'the first pattern\'s job ran first');
    const none = await varlInProcess(['sweep', 'run', dir, '--only', 'td3-*'], cwd);
    assert.equal(none.status, 2);
    assert.match(none.stderr, /sweep: no job of only matches 'td3-\*' \(its 6 ids are like sac-Pendulum-v1-learningRate=0\.001-s0/);
    const empty = await varlInProcess(['sweep', 'run', dir, '--only', 'sac-*,'], cwd);
    assert.equal(empty.status, 2);
    assert.match(empty.stderr, /--only takes job ids or globs separated by commas, got 'sac-\*,'/);
  });

  it('runs several sweeps as one queue in the order given, --only across them; refuses --out with several and a folder given twice', async () => {
    const cwd = twoSweeps();
    const run = await varl(['sweep', 'run', 'first.yaml', 'second.yaml', '--jobs', '1', '--only', '*-s0'], cwd).done;
    assert.equal(run.status, 0, run.stderr);
    assert.match(run.stderr, /sweep first \+ second: 2\/2 done, 0 running, 0 failed, 0 pending \(100% of steps/);
    const [first, second] = ['first', 'second'].map((name) => path.join(cwd, 'sweeps', name));
    const [firstSweep, secondSweep] = [readSweep(first), readSweep(second)];
    assert.deepEqual(firstSweep.jobs.map((job) => jobStatus(first, job)), ['done', 'pending']);
    assert.deepEqual(secondSweep.jobs.map((job) => jobStatus(second, job)), ['done', 'pending']);
    const finishedAt = (dir: string, job: SweepJob): number => fs.statSync(path.join(jobDir(dir, job), 'result.json')).mtimeMs;
    assert.ok(finishedAt(first, firstSweep.jobs[0]) < finishedAt(second, secondSweep.jobs[0]), 'the first sweep\'s job ran first');
    assert.ok(!fs.existsSync(path.join(first, 'sweep.lock')) && !fs.existsSync(path.join(second, 'sweep.lock')), 'both locks released');
    const status = await varlInProcess(['sweep', 'status', first, second], cwd);
    assert.equal(status.status, 0, status.stderr);
    assert.match(status.stdout, /^sweep first \(.*\): 1 done, 0 running, 0 failed, 0 interrupted, 1 pending[^\n]*\n[^]*\n\nsweep second \(.*\): 1 done/);

    const twice = await varlInProcess(['sweep', 'run', first, 'second.yaml', first], cwd);
    assert.equal(twice.status, 2);
    assert.match(twice.stderr, /sweep: .*sweeps\/first is given twice/);
    const out = await varlInProcess(['sweep', 'run', 'first.yaml', 'second.yaml', '--out', 'elsewhere'], cwd);
    assert.equal(out.status, 2);
    assert.match(out.stderr, /sweep run: --out names the folder of one sweep file, and 2 sweeps are given/);
    assert.ok(!fs.existsSync(path.join(cwd, 'elsewhere')));
    const late = await varlInProcess(['sweep', 'run', first, '--jobs', '1', second], cwd);
    assert.equal(late.status, 2);
    assert.match(late.stderr, /sweep run: Unexpected argument '.*second': give the sweep files and folders before the flags/);
    const none = await varlInProcess(['sweep', 'run', first, second, '--only', '*-s1,td3-*'], cwd);
    assert.equal(none.status, 2);
    assert.match(none.stderr, /sweep run: no job of first, second matches 'td3-\*'/);
  });

  it('--order seed runs every sweep\'s seed 0 before any seed 1, so paired comparisons fill up a pair at a time', async () => {
    const cwd = twoSweeps();
    const bad = await varlInProcess(['sweep', 'run', 'first.yaml', '--order', 'random'], cwd);
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /sweep run: --order must be file or seed, got 'random'/);
    const run = await varl(['sweep', 'run', 'first.yaml', 'second.yaml', '--jobs', '1', '--order', 'seed'], cwd).done;
    assert.equal(run.status, 0, run.stderr);
    assert.deepEqual(finishingOrder(cwd), ['first s0', 'second s0', 'first s1', 'second s1']);
  });

  it('--only across sweeps queues the jobs in the order of its globs, not sweep by sweep', async () => {
    const cwd = twoSweeps();
    const run = await varl(['sweep', 'run', 'first.yaml', 'second.yaml', '--jobs', '1', '--only', 'sac-Pendulum-v1-tau=0.01-s1,*-s0'], cwd).done;
    assert.equal(run.status, 0, run.stderr);
    assert.deepEqual(finishingOrder(cwd), ['second s1', 'first s0', 'second s0']);
  });
});

/** A sweep folder of `tinySweepYaml(name, options)`'s jobs in a new temporary folder (the cwd), planned without running any. */
function plannedSweep(name: string, options: Parameters<typeof tinySweepYaml>[1]): { cwd: string; dir: string; jobs: SweepJob[] } {
  const cwd = tempDir();
  const spec = parseSweepText(tinySweepYaml(name, options), 'yaml', `${name}.yaml`);
  const jobs = expandSweep(spec, `${name}.yaml`);
  const dir = path.join(cwd, 'sweeps', name);
  writeSweep(dir, { name, file: `${name}.yaml`, spec, jobs });
  return { cwd, dir, jobs };
}

describe('sweep run: jobs killed by a signal', function () {
  this.timeout(60_000);

  it('counts jobs killed by a second SIGTERM as interrupted (exit 130), and a job killed without a stop request as failed', async () => {
    const { cwd, dir, jobs } = plannedSweep('killed', { steps: 1000 });
    const run = varl(['sweep', 'run', dir, '--jobs', '2'], cwd);
    const pid = (job: SweepJob): number | undefined => readJobStatusFile(dir, job)?.pid;
    const workers: number[] = [];
    try {
      // Training (a checkpoint at step 100), so the jobs hold the trainer's SIGTERM handler; stopped, they can
      // neither checkpoint nor exit before the runner SIGKILLs them at the second SIGTERM.
      await until(() => jobs.every((job) => jobStep(dir, job) >= 100), 40, 'both jobs to checkpoint at step 100');
      for (const job of jobs) workers.push(pid(job) as number);
      for (const worker of workers) process.kill(worker, 'SIGSTOP');
      let stderr = '';
      run.child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      run.child.kill('SIGTERM');
      await until(() => /stopping; 2 running job\(s\)/.test(stderr), 20, 'the sweep to stop');
      run.child.kill('SIGTERM');
      const stopped = await run.done;
      assert.equal(stopped.status, 130, stopped.stderr);
      assert.match(stopped.stderr, /killed: 0\/2 done, 0 running, 0 failed, 2 pending/);
      assert.match(stopped.stderr, /sweep killed: interrupted; run it again to continue/);
      assert.doesNotMatch(stopped.stderr, /failed \(exit/);
    } finally {
      for (const worker of workers) if (processAlive(worker)) process.kill(worker, 'SIGKILL');
    }
    assert.deepEqual(jobs.map((job) => jobStatus(dir, job)), ['interrupted', 'interrupted']);

    // No stop requested: a job killed by a signal (the OOM killer, say) failed.
    const again = varl(['sweep', 'run', dir, '--jobs', '1', '--only', jobs[0].id], cwd);
    await until(() => pid(jobs[0]) !== workers[0] && readJobStatusFile(dir, jobs[0])?.state === 'running', 40, 'the job to start again');
    process.kill(pid(jobs[0]) as number, 'SIGKILL');
    const failed = await again.done;
    assert.equal(failed.status, 1, failed.stderr);
    assert.match(failed.stderr, new RegExp(`killed: ${jobs[0].id} failed \\(exit 137\\)`));
    assert.doesNotMatch(failed.stderr, /interrupted; run it again/);
    assert.equal(jobStatus(dir, jobs[0]), 'failed', 'sweep status says so too');
    assert.equal(readJobStatusFile(dir, jobs[0])?.message, 'killed by SIGKILL');
  });
});

describe('sweep run: a job at its full budget without result.json', function () {
  this.timeout(60_000);

  it('is finished by writing its result.json, not counted as done, and not trained further', async () => {
    const { cwd, dir, jobs: [job] } = plannedSweep('full', { steps: 200, seeds: '[0]' });
    const folder = jobDir(dir, job);
    assert.equal(await runSweepJob(dir, job, { quiet: true, until: 100 }), 0);
    // Going on by hand, as the job's log suggests: the run reaches the full budget, and nothing writes result.json.
    assert.equal(await runTrain(planCommand(['train', '--resume', '--out', folder, '--steps', '200', '--quiet']) as TrainPlan), 0);
    assert.deepEqual([jobStatus(dir, job), jobStep(dir, job)], ['interrupted', 200]);
    const progress = fs.readFileSync(path.join(folder, 'progress.jsonl'), 'utf8');

    const run = await varl(['sweep', 'run', dir, '--jobs', '1'], cwd).done;
    assert.equal(run.status, 0, run.stderr);
    assert.match(run.stderr, /full: 1\/1 done/);
    assert.equal(jobStatus(dir, job), 'done');
    const result = JSON.parse(fs.readFileSync(path.join(folder, 'result.json'), 'utf8')) as { steps: number; evalCurve: { step: number }[] };
    assert.deepEqual([result.steps, result.evalCurve.map((p) => p.step)], [200, [200]]);
    assert.equal(fs.readFileSync(path.join(folder, 'progress.jsonl'), 'utf8'), progress, 'trained further');
  });
});
