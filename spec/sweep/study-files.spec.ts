import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { warmUpProblem } from '../../algorithms/common/config.ts';
import { expandSweep, readSweepFile } from '../../algorithms/sweep/index.ts';
import type { SweepJob } from '../../algorithms/sweep/expand.ts';
import { evaluationKey } from '../../algorithms/sweep/report.ts';
import { ROOT } from './helpers.ts';

const SWEEPS = path.join(ROOT, 'bench', 'sweeps');
const jobsOf = (file: string): SweepJob[] => expandSweep(readSweepFile(path.join(SWEEPS, file)), file);

/** The files whose runs a study pairs by seed: the first file's jobs of `algorithm` with the second's, per env. */
const PAIRED: readonly (readonly [string, string, string])[] = [
  ['mcmc-baseline-pendulum.yaml', 'mcmc-pendulum.yaml', 'hmc-sac'],
  ['mcmc-baseline-control.yaml', 'mcmc-control.yaml', 'hmc-sac'],
  ['mcmc-baseline-mujoco.yaml', 'mcmc-mujoco.yaml', 'hmc-sac'],
  ['mcmc-control-td3.yaml', 'mcmc-control.yaml', 'sac'],
  ['mcmc-control-entropy.yaml', 'mcmc-control.yaml', 'hmc-sac'],
  ['mcmc-control-floor.yaml', 'mcmc-control.yaml', 'hmc-sac'],
  ...['k', 'gradient', 'beta', 'target', 'entropy'].map((name) => [`mcmc-ablation-${name}.yaml`, 'mcmc-pendulum.yaml', 'hmc-sac'] as const),
];

describe('the study files in bench/sweeps', () => {
  const files = fs.readdirSync(SWEEPS).filter((file) => file.endsWith('.yaml')).sort();

  it('each expands into jobs with unique ids, none of which spends more than half its budget warming up', () => {
    assert.ok(files.length >= 20, `expected the study files, found ${files.length}`);
    for (const file of files) {
      const jobs = jobsOf(file);
      assert.ok(jobs.length > 0, `${file} plans no job`);
      assert.equal(new Set(jobs.map((job) => job.id)).size, jobs.length, `${file} plans a job id twice`);
      for (const job of jobs) {
        const problem = warmUpProblem(job.config, job.steps);
        assert.equal(problem, null, `${file} ${job.id}: ${problem?.reason}`);
      }
    }
  });

  for (const [file, reference, algorithm] of PAIRED) {
    it(`${file} pairs by seed with ${reference}'s ${algorithm}: same envs, seeds, budget and evaluation episodes`, () => {
      const jobs = jobsOf(file);
      const references = jobsOf(reference).filter((job) => job.algorithm === algorithm);
      for (const job of jobs) {
        const partner = references.find((r) => r.envId === job.envId && r.seed === job.seed);
        assert.ok(partner, `${job.id} has no ${algorithm} run of ${job.envId} seed ${job.seed} in ${reference}`);
        assert.equal(evaluationKey(job), evaluationKey(partner), `${job.id} and ${partner.id} are evaluated differently`);
        assert.equal(job.evalEvery, partner.evalEvery, `${job.id} and ${partner.id} evaluate at different steps`);
      }
    });
  }
});
