import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { expandSweep, jobDir, jobStatus, parseSweepText, writeSweep } from '../../algorithms/sweep/index.ts';
import { STALE_AFTER_MS } from '../../algorithms/sweep/folder.ts';
import { tempDir, tinySweepYaml } from './helpers.ts';

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
    // On this host the process decides, whatever the age.
    const here = os.hostname();
    fs.writeFileSync(path.join(jobDir(dir, job), 'status.json'),
      JSON.stringify({ state: 'running', pid: process.pid, host: here, updatedAt: new Date(Date.now() - 10 * STALE_AFTER_MS).toISOString() }) + '\n');
    assert.equal(jobStatus(dir, job), 'running');
    fs.writeFileSync(path.join(jobDir(dir, job), 'status.json'),
      JSON.stringify({ state: 'running', pid: 2 ** 31 - 2, host: here, updatedAt: new Date().toISOString() }) + '\n');
    assert.equal(jobStatus(dir, job), 'pending');
  });
});
