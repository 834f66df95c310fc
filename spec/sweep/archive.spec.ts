/**
 * `varl sweep archive`: finished jobs' records without checkpoints, read by the report as the sweep
 * folder is, resumed from by `sweep run`, grown by archiving again, and never mixing two runs of a job.
 */
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ARCHIVED_FILES, archiveSweep } from '../../algorithms/sweep/archive.ts';
import { buildReport, expandSweep, jobDir, jobStatus, parseSweepText, readSweep, runSweepJob, writeSweep } from '../../algorithms/sweep/index.ts';
import { tempDir, tinySweepYaml, varlInProcess } from './helpers.ts';

/** Every file under `dir`, relative, sorted. */
function tree(dir: string): string[] {
  return (fs.readdirSync(dir, { recursive: true }) as string[]).map(String).sort();
}

describe('sweep archive', function () {
  this.timeout(120_000);
  const root = tempDir('varl-archive-');
  const sweepDir = path.join(root, 'sweep');
  const archive = path.join(root, 'archive');
  const spec = parseSweepText(tinySweepYaml('archived', { steps: 200, seeds: '[0, 1, 2]' }), 'yaml', 'archived.yaml');
  const jobs = expandSweep(spec, 'archived.yaml');

  before(async () => {
    writeSweep(sweepDir, { name: 'archived', file: 'archived.yaml', spec, jobs });
    for (const job of jobs.slice(0, 2)) assert.equal(await runSweepJob(sweepDir, job, { quiet: true }), 0);
    // the third job stops halfway: a checkpoint, no result
    assert.equal(await runSweepJob(sweepDir, jobs[2], { quiet: true, until: 100 }), 0);
    assert.equal(jobStatus(sweepDir, jobs[2]), 'interrupted');
  });

  it('copies the finished jobs\' records, no checkpoint and no unfinished job, and the report reads it as it reads the sweep', () => {
    const summary = archiveSweep(sweepDir, archive);
    assert.deepEqual(summary, { added: [jobs[0].id, jobs[1].id], alreadyArchived: 0, unfinished: 1 });
    assert.deepEqual(readSweep(archive), readSweep(sweepDir));
    assert.ok(!fs.existsSync(jobDir(archive, jobs[2])));
    for (const job of jobs.slice(0, 2)) {
      assert.deepEqual(tree(jobDir(archive, job)), ARCHIVED_FILES.filter((name) => fs.existsSync(path.join(jobDir(sweepDir, job), name))).sort());
      assert.ok(tree(jobDir(archive, job)).includes('result.json') && !tree(jobDir(archive, job)).includes('checkpoint'));
      for (const name of tree(jobDir(archive, job))) {
        assert.ok(fs.readFileSync(path.join(jobDir(archive, job), name)).equals(fs.readFileSync(path.join(jobDir(sweepDir, job), name))), `${job.id}/${name}`);
      }
      assert.equal(jobStatus(archive, job), 'done');
    }
    assert.equal(jobStatus(archive, jobs[2]), 'pending');
    const fromSweep = buildReport(sweepDir);
    const fromArchive = buildReport(archive);
    assert.equal(fromArchive.finished, 2);
    assert.deepEqual(fromArchive.variants, fromSweep.variants);
    assert.deepEqual(fromArchive.comparisons, fromSweep.comparisons);
  });

  it('archiving again adds the jobs finished since and leaves the archived ones as they are', async () => {
    assert.equal(await runSweepJob(sweepDir, jobs[2], { quiet: true }), 0);
    const before = fs.statSync(path.join(jobDir(archive, jobs[0]), 'result.json')).mtimeMs;
    const summary = archiveSweep(sweepDir, archive);
    assert.deepEqual(summary, { added: [jobs[2].id], alreadyArchived: 2, unfinished: 0 });
    assert.equal(fs.statSync(path.join(jobDir(archive, jobs[0]), 'result.json')).mtimeMs, before);
    assert.equal(buildReport(archive).finished, 3);
    assert.deepEqual(fs.readdirSync(path.join(archive, 'jobs')).sort(), jobs.map((job) => job.id).sort(), 'no temporary folder left');
  });

  it('a copy of the archive resumes as a sweep folder: archived jobs are done, the others start afresh', async () => {
    const partial = path.join(root, 'partial-archive');
    fs.cpSync(archive, partial, { recursive: true });
    fs.rmSync(jobDir(partial, jobs[1]), { recursive: true });
    assert.deepEqual(jobs.map((job) => jobStatus(partial, job)), ['done', 'pending', 'done']);
    assert.equal(await runSweepJob(partial, jobs[1], { quiet: true }), 0);
    // the rerun is the archived run, bit for bit
    assert.equal(fs.readFileSync(path.join(jobDir(partial, jobs[1]), 'result.json'), 'utf8'),
      fs.readFileSync(path.join(jobDir(archive, jobs[1]), 'result.json'), 'utf8'));
  });

  it('refuses a different run of an archived job, an unfinished job folder in the archive and another sweep, changing nothing', () => {
    const other = path.join(root, 'other-archive');
    fs.cpSync(archive, other, { recursive: true });
    const resultFile = path.join(jobDir(other, jobs[0]), 'result.json');
    const differing = fs.readFileSync(resultFile, 'utf8').replace('"episodes":', '"episodes": 1e9, "was":');
    fs.writeFileSync(resultFile, differing);
    fs.rmSync(jobDir(other, jobs[2]), { recursive: true });
    const snapshot = tree(other);
    assert.throws(() => archiveSweep(sweepDir, other), new RegExp(`holds job ${jobs[0].id} with another result`));
    assert.deepEqual(tree(other), snapshot, 'the refused archive is unchanged (job 2 not added)');
    assert.equal(fs.readFileSync(resultFile, 'utf8'), differing);

    const unfinished = path.join(root, 'unfinished-archive');
    fs.cpSync(archive, unfinished, { recursive: true });
    fs.rmSync(path.join(jobDir(unfinished, jobs[1]), 'result.json'));
    assert.throws(() => archiveSweep(sweepDir, unfinished), /exists but holds no finished or failed job/);

    const otherSpec = parseSweepText(tinySweepYaml('archived', { steps: 300, seeds: '[0, 1, 2]' }), 'yaml', 'archived.yaml');
    const elsewhere = path.join(root, 'elsewhere');
    writeSweep(elsewhere, { name: 'archived', file: 'archived.yaml', spec: otherSpec, jobs: expandSweep(otherSpec, 'archived.yaml') });
    assert.throws(() => archiveSweep(sweepDir, elsewhere), /with another definition \(.*steps/);
    assert.deepEqual(tree(elsewhere), ['sweep.json']);
  });

  it('the CLI names what is wrong: no --out, --out the sweep itself, a folder that is no sweep', async () => {
    const noOut = await varlInProcess(['sweep', 'archive', sweepDir], root);
    assert.equal(noOut.status, 2);
    assert.match(noOut.stderr, /sweep archive: name the archive folder with --out/);
    const itself = await varlInProcess(['sweep', 'archive', sweepDir, '--out', sweepDir], root);
    assert.equal(itself.status, 2);
    assert.match(itself.stderr, /--out must be another folder than the sweep folder/);
    const notSweep = await varlInProcess(['sweep', 'archive', root, '--out', path.join(root, 'a2')], root);
    assert.equal(notSweep.status, 2);
    assert.match(notSweep.stderr, /is not a sweep folder \(no sweep\.json\)/);
    assert.ok(!fs.existsSync(path.join(root, 'a2')));
    const ok = await varlInProcess(['sweep', 'archive', sweepDir, '--out', archive], root);
    assert.equal(ok.status, 0, ok.stderr);
    assert.match(ok.stdout, /0 job\(s\) archived in .*, 3 already there, 0 unfinished/);
  });

  it('keeps a failed job on record with its output, and replaces that record by a later attempt\'s', async () => {
    const failing = path.join(root, 'failing');
    const [job] = jobs;
    // a config the trainer refuses stands for a run that diverged
    const broken = { ...job, config: { ...job.config, gamma: 5 } };
    writeSweep(failing, { name: 'archived', file: 'archived.yaml', spec, jobs: [broken, ...jobs.slice(1)] });
    assert.notEqual(await runSweepJob(failing, broken, { quiet: true }), 0);
    assert.equal(jobStatus(failing, broken), 'failed');
    fs.writeFileSync(path.join(jobDir(failing, broken), 'log.txt'), "error: 'gamma' must be in [0, 1]\n");
    const failedArchive = path.join(root, 'failed-archive');
    assert.deepEqual(archiveSweep(failing, failedArchive), { added: [broken.id], alreadyArchived: 0, unfinished: 2 });
    assert.equal(jobStatus(failedArchive, broken), 'failed');
    assert.match(fs.readFileSync(path.join(jobDir(failedArchive, broken), 'log.txt'), 'utf8'), /'gamma' must be in \[0, 1\]/);
    assert.ok(!fs.existsSync(path.join(jobDir(failedArchive, broken), 'checkpoint')));
    // a later attempt that failed again replaces the record whole
    fs.writeFileSync(path.join(jobDir(failing, broken), 'log.txt'), 'a later attempt\n');
    assert.deepEqual(archiveSweep(failing, failedArchive).added, [broken.id]);
    assert.equal(fs.readFileSync(path.join(jobDir(failedArchive, broken), 'log.txt'), 'utf8'), 'a later attempt\n');
    assert.deepEqual(fs.readdirSync(path.join(failedArchive, 'jobs')), [broken.id], 'no temporary folder left');
  });
});
