/**
 * `varl sweep adopt`: another folder's runs of the same jobs copied in whole (a finished one counts as done,
 * an unfinished one resumes bit-identically), jobs planned there with another definition named and left,
 * unfinished jobs of a sweep that is being run left to it, and nothing this folder holds touched.
 */
import { strict as assert } from 'node:assert';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { adoptJobs } from '../../algorithms/sweep/adopt.ts';
import { expandSweep, jobDir, jobStatus, parseSweepText, runSweepJob, writeSweep, type SweepJob } from '../../algorithms/sweep/index.ts';
import { tempDir, tinySweepYaml, varlInProcess } from './helpers.ts';

function plan(dir: string, name: string, options: { steps?: number; seeds: string }): SweepJob[] {
  const file = `${name}.yaml`;
  const spec = parseSweepText(tinySweepYaml(name, options), 'yaml', file);
  const jobs = expandSweep(spec, file);
  writeSweep(dir, { name, file, spec, jobs });
  return jobs;
}

const read = (dir: string, job: SweepJob, file: string): Buffer => fs.readFileSync(path.join(jobDir(dir, job), file));

describe('sweep adopt', function () {
  this.timeout(120_000);
  const root = tempDir('varl-adopt-');
  const source = path.join(root, 'old');
  let old: SweepJob[];

  before(async () => {
    old = plan(source, 'old', { steps: 200, seeds: '[0, 1, 2]' });
    for (const job of old.slice(0, 2)) assert.equal(await runSweepJob(source, job, { quiet: true }), 0);
    assert.equal(await runSweepJob(source, old[2], { quiet: true, until: 100 }), 0);
    assert.equal(jobStatus(source, old[2]), 'interrupted');
  });

  it('copies the finished and the resumable runs of the same jobs; a resumed one ends as it would have in its own folder', async () => {
    const dir = path.join(root, 'grown');
    const jobs = plan(dir, 'grown', { steps: 200, seeds: '[0, 1, 2, 3]' });
    const summary = adoptJobs(dir, source);
    assert.deepEqual(summary, {
      finished: [jobs[0].id, jobs[1].id], resumable: [jobs[2].id], otherDefinition: [], leftRunning: [], alreadyHere: 0, notInSource: 1,
    });
    assert.deepEqual(jobs.map((job) => jobStatus(dir, job)), ['done', 'done', 'interrupted', 'pending']);
    for (const i of [0, 1]) assert.ok(read(dir, jobs[i], 'result.json').equals(read(source, old[i], 'result.json')));
    assert.ok(!fs.existsSync(path.join(dir, 'sweep.lock')) && !fs.existsSync(path.join(source, 'sweep.lock')), 'both locks released');
    assert.deepEqual(fs.readdirSync(path.join(dir, 'jobs')).filter((name) => name.includes('.partial-')), []);

    assert.equal(await runSweepJob(dir, jobs[2], { quiet: true }), 0);
    assert.equal(await runSweepJob(source, old[2], { quiet: true }), 0);
    assert.ok(read(dir, jobs[2], 'result.json').equals(read(source, old[2], 'result.json')), 'the adopted checkpoint resumes to the same result');

    const again = adoptJobs(dir, source);
    assert.deepEqual(again, { finished: [], resumable: [], otherDefinition: [], leftRunning: [], alreadyHere: 3, notInSource: 1 });
  });

  it('names the jobs planned there with another definition and copies none of them', () => {
    const dir = path.join(root, 'longer');
    const jobs = plan(dir, 'longer', { steps: 300, seeds: '[0, 1, 2]' });
    const summary = adoptJobs(dir, source);
    assert.deepEqual(summary.otherDefinition, jobs.map((job) => job.id));
    assert.deepEqual([summary.finished, summary.resumable], [[], []]);
    assert.ok(!fs.existsSync(path.join(dir, 'jobs')) || fs.readdirSync(path.join(dir, 'jobs')).length === 0);
  });

  it('adopts only the finished runs of a sweep that is being run, and names the unfinished ones it leaves', async () => {
    const running = path.join(root, 'running');
    const theirs = plan(running, 'running', { steps: 200, seeds: '[0, 1]' });
    assert.equal(await runSweepJob(running, theirs[0], { quiet: true }), 0);
    assert.equal(await runSweepJob(running, theirs[1], { quiet: true, until: 100 }), 0);
    const owner = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)'], { stdio: 'ignore' });
    try {
      fs.writeFileSync(path.join(running, 'sweep.lock'), JSON.stringify({ pid: owner.pid, host: os.hostname() }) + '\n');
      const dir = path.join(root, 'beside');
      const jobs = plan(dir, 'beside', { steps: 200, seeds: '[0, 1]' });
      const summary = adoptJobs(dir, running);
      assert.deepEqual([summary.finished, summary.leftRunning, summary.resumable], [[jobs[0].id], [jobs[1].id], []]);
      assert.equal(JSON.parse(fs.readFileSync(path.join(running, 'sweep.lock'), 'utf8')).pid, owner.pid, 'the running sweep keeps its lock');
    } finally {
      owner.kill();
    }
  });

  it('refuses to adopt from itself, and without --from', async () => {
    assert.throws(() => adoptJobs(source, source), /--from must be another folder than the sweep folder/);
    const cli = await varlInProcess(['sweep', 'adopt', source], root);
    assert.equal(cli.status, 2);
    assert.match(cli.stderr, /^varl sweep adopt: name the sweep folder or archive to adopt runs from with --from/);
    const done = await varlInProcess(['sweep', 'adopt', path.join(root, 'grown'), '--from', source], root);
    assert.equal(done.status, 0);
    assert.match(done.stdout, /^adopted 0 finished and 0 resumable job\(s\) from .* into .*\n3 job\(s\) already in .*; 1 with nothing to adopt in /);
  });
});
