import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { expandSweep, jobDir, jobStatus, parseSweepText, writeSweep } from '../../algorithms/sweep/index.ts';
import { STALE_AFTER_MS, lastLogged, latestReturn, readSweep } from '../../algorithms/sweep/folder.ts';
import { timeLeft } from '../../algorithms/sweep/estimate.ts';
import { tempDir, tinySweepYaml, varlInProcess } from './helpers.ts';

describe('sweep job status across hosts', () => {
  it("counts another host's 'running' job as running while its heartbeat is recent, and as pending once it is stale (a SLURM TIMEOUT, a lost node)", () => {
    const dir = tempDir();
    const spec = parseSweepText(tinySweepYaml('status'), 'yaml', 'status.yaml');
    const [job] = expandSweep(spec, 'status.yaml');
    writeSweep(dir, { name: 'status', file: 'status.yaml', spec, jobs: [job] });
    fs.mkdirSync(jobDir(dir, job), { recursive: true });
    const write = (ageMs: number, host = 'node-elsewhere'): void => fs.writeFileSync(path.join(jobDir(dir, job), 'status.json'),
      JSON.stringify({ state: 'running', pid: 12345, host, updatedAt: new Date(Date.now() - ageMs).toISOString() }) + '\n');
    write(30_000);
    assert.equal(jobStatus(dir, job), 'running');
    write(STALE_AFTER_MS + 60_000);
    assert.equal(jobStatus(dir, job), 'pending');
    // On this host the heartbeat must be recent and the process alive: a stale heartbeat whose pid lives
    // belongs to a job killed before a restart, its pid since reused by another process.
    const here = os.hostname();
    const writeHere = (pid: number, ageMs: number): void => fs.writeFileSync(path.join(jobDir(dir, job), 'status.json'),
      JSON.stringify({ state: 'running', pid, host: here, updatedAt: new Date(Date.now() - ageMs).toISOString() }) + '\n');
    writeHere(process.pid, 30_000);
    assert.equal(jobStatus(dir, job), 'running');
    writeHere(process.pid, STALE_AFTER_MS + 60_000);
    assert.equal(jobStatus(dir, job), 'pending');
    writeHere(2 ** 31 - 2, 0);
    assert.equal(jobStatus(dir, job), 'pending');
  });
});

describe('sweep time left', () => {
  it("a running job's own logged rate once settled, its variant's mean settled rate for an early or pending one, else its algorithm's on its env; done jobs have none left", () => {
    const dir = tempDir();
    const spec = parseSweepText(tinySweepYaml('left', { steps: 400, seeds: '[0, 1, 2, 3]', grid: '  gamma: [0.9, 0.99]' }), 'yaml', 'left.yaml');
    const jobs = expandSweep(spec, 'left.yaml');
    writeSweep(dir, { name: 'left', file: 'left.yaml', spec, jobs });
    const [done, running, early, pending, ...otherVariant] = jobs;
    assert.deepEqual([done, running, early, pending].map((j) => j.variant), Array(4).fill(done.variant));
    assert.ok(otherVariant.every((j) => j.variant !== done.variant));
    const progress = (job: (typeof jobs)[number], rows: { step: number; wall_s: number }[]): void => {
      fs.mkdirSync(jobDir(dir, job), { recursive: true });
      fs.writeFileSync(path.join(jobDir(dir, job), 'progress.jsonl'), rows.map((r) => JSON.stringify({ step: r.step, episode: 1, wall_s: r.wall_s })).join('\n') + '\n');
    };
    progress(done, [{ step: 200, wall_s: 100 }, { step: 400, wall_s: 200 }]); // 0.5 s per step
    fs.writeFileSync(path.join(jobDir(dir, done), 'result.json'), '{}\n');
    progress(running, [{ step: 100, wall_s: 150 }]); // 1.5 s per step, 300 steps to go
    progress(early, [{ step: 40, wall_s: 4 }]); // 0.1 s per step before learning starts: not a rate to go by yet
    for (const job of [running, early]) {
      fs.writeFileSync(path.join(jobDir(dir, job), 'status.json'),
        JSON.stringify({ state: 'running', pid: process.pid, host: os.hostname(), updatedAt: new Date().toISOString() }) + '\n');
    }
    const left = timeLeft(dir, readSweep(dir));
    assert.equal(left.perJob[done.index], 0);
    assert.equal(left.perJob[running.index], 450);
    assert.equal(left.perJob[early.index], 360 * 1.0, 'the mean of the variant\'s settled rates, 0.5 and 1.5 s per step');
    assert.equal(left.perJob[pending.index], 400 * 1.0);
    for (const job of otherVariant) assert.equal(left.perJob[job.index], 400, 'no run of its variant yet: SAC on Pendulum-v1 in this sweep');
    assert.equal(left.totalSeconds, 450 + 360 + 400 + 400 * otherVariant.length);
    assert.equal(left.unknown, 0);
    const fresh = tempDir();
    writeSweep(fresh, { name: 'left', file: 'left.yaml', spec, jobs });
    assert.deepEqual(timeLeft(fresh, readSweep(fresh)), { perJob: jobs.map(() => null), totalSeconds: 0, unknown: jobs.length });
  });

  it('a job\'s rate is over the latter half of its logged steps: cheap warm-up rows do not make an expensive run look fast', () => {
    const dir = tempDir();
    const spec = parseSweepText(tinySweepYaml('rate', { steps: 8000 }), 'yaml', 'rate.yaml');
    const [job] = expandSweep(spec, 'rate.yaml');
    writeSweep(dir, { name: 'rate', file: 'rate.yaml', spec, jobs: [job] });
    fs.mkdirSync(jobDir(dir, job), { recursive: true });
    const write = (rows: [number, number | null][]): void => fs.writeFileSync(path.join(jobDir(dir, job), 'progress.jsonl'),
      rows.map(([step, wall]) => JSON.stringify({ step, episode: 1, ...(wall === null ? {} : { wall_s: wall }) })).join('\n') + '\n');
    // 1000 warm-up steps at 1 ms each, then 50 ms per step.
    write([[1000, 1], [2000, 51], [3000, 101], [4000, 151]]);
    assert.deepEqual(lastLogged(dir, job), { step: 4000, wallSeconds: 151, recentRate: (151 - 51) / 2000 });
    assert.equal(timeLeft(dir, readSweep(dir)).perJob[0], 8000 * 0.05, 'settled (a quarter of the budget logged): its own recent rate, over the whole budget (no checkpoint to resume from)');
    write([[1000, 1]]);
    assert.deepEqual(lastLogged(dir, job), { step: 1000, wallSeconds: 1, recentRate: 0.001 }, 'one row: the rate so far');
    write([[1000, null]]);
    assert.deepEqual(lastLogged(dir, job), { step: 1000, wallSeconds: null, recentRate: null });
    fs.rmSync(path.join(jobDir(dir, job), 'progress.jsonl'));
    assert.deepEqual(lastLogged(dir, job), { step: 0, wallSeconds: null, recentRate: null });
  });

  it('a job\'s latest return: the last evaluation logged while it runs, its final evaluation once done', async () => {
    const dir = tempDir();
    const spec = parseSweepText(tinySweepYaml('latest'), 'yaml', 'latest.yaml');
    const [job] = expandSweep(spec, 'latest.yaml');
    writeSweep(dir, { name: 'latest', file: 'latest.yaml', spec, jobs: [job] });
    assert.equal(latestReturn(dir, job), null, 'no folder');
    fs.mkdirSync(jobDir(dir, job), { recursive: true });
    const rows = [{ step: 100 }, { step: 200, eval_return_mean: -812.5 }, { step: 300, eval_return_mean: null }, { step: 400, eval_return_mean: -3.25e2 }, { step: 500 }];
    fs.writeFileSync(path.join(jobDir(dir, job), 'progress.jsonl'), rows.slice(0, 1).map((row) => JSON.stringify(row)).join('\n') + '\n');
    assert.equal(latestReturn(dir, job), null, 'no evaluation yet');
    fs.writeFileSync(path.join(jobDir(dir, job), 'progress.jsonl'), rows.map((row) => JSON.stringify(row)).join('\n') + '\n');
    assert.equal(latestReturn(dir, job), -325);
    fs.writeFileSync(path.join(jobDir(dir, job), 'result.json'), JSON.stringify({ finalEval: { step: 400, mean: -301.5, std: 2 } }));
    assert.equal(latestReturn(dir, job), -301.5);
    const status = await varlInProcess(['sweep', 'status', dir], dir);
    assert.match(status.stdout, /\n {3}0 {2}done +400\/400 +-301\.5 {2}sac-Pendulum-v1-s0\n/);
  });

  it('a job whose algorithm has run on another env of the sweep only takes that rate, as a rough figure', () => {
    const dir = tempDir();
    const yaml = ['name: envs', 'algorithm: sac', 'envs: [Pendulum-v1, MountainCarContinuous-v0]', 'seeds: [0]', 'steps: 400',
      'evaluation:', '  every: 200', '  episodes: 2'].join('\n') + '\n';
    const spec = parseSweepText(yaml, 'yaml', 'envs.yaml');
    const jobs = expandSweep(spec, 'envs.yaml');
    writeSweep(dir, { name: 'envs', file: 'envs.yaml', spec, jobs });
    const [pendulum, car] = jobs;
    assert.deepEqual([pendulum.envId, car.envId], ['Pendulum-v1', 'MountainCarContinuous-v0']);
    fs.mkdirSync(jobDir(dir, pendulum), { recursive: true });
    fs.writeFileSync(path.join(jobDir(dir, pendulum), 'progress.jsonl'), [[200, 100], [400, 200]].map(([step, wall]) => JSON.stringify({ step, episode: 1, wall_s: wall })).join('\n') + '\n');
    fs.writeFileSync(path.join(jobDir(dir, pendulum), 'result.json'), '{}\n');
    const left = timeLeft(dir, readSweep(dir));
    assert.deepEqual(left.perJob, [0, 400 * 0.5]);
    assert.equal(left.unknown, 0);
  });
});
