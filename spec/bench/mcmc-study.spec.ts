import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { expandSweep, jobDir, parseSweepText, writeSweep, type JobResult } from '../../algorithms/sweep/index.ts';
import { ROOT, childEnv, tempDir } from '../sweep/helpers.ts';

/** Progress rows at steps 100–400: evaluations at 200 (`early` below the final) and 400; for the PID's methods, D̂ on target per row. */
function progressRows(final: number, early: number, pid: boolean): string {
  const onTarget = [1, 0.5, 0.2, 0];
  return [100, 200, 300, 400].map((step, i) => JSON.stringify({
    step, wall_s: step / 100,
    eval_return_mean: step === 200 ? final - early : step === 400 ? final : null,
    eval_return_std: step % 200 === 0 ? 1 : null,
    ...(pid ? { distance_on_target: onTarget[i], pid_on_target: onTarget[i] } : {}),
  })).join('\n') + '\n';
}

/**
 * A sweep folder named `name` whose finished jobs are those with a final return in `finals[algorithm][seed]`
 * (null: unfinished); every run's evaluation at step 200 is `early[algorithm]` below its final one.
 */
function sweepFolder(root: string, name: string, yaml: string, finals: Record<string, (number | null)[]>, early: Record<string, number>): void {
  const dir = path.join(root, name);
  fs.mkdirSync(dir);
  const spec = parseSweepText(yaml, 'yaml', `${name}.yaml`);
  const jobs = expandSweep(spec, `${name}.yaml`);
  writeSweep(dir, { name, file: `${name}.yaml`, spec, jobs });
  for (const job of jobs) {
    const final = finals[job.algorithm][job.seed];
    if (final === null) continue;
    const result: JobResult = {
      id: job.id, algorithm: job.algorithm, envId: job.envId, seed: job.seed, evalSeed: job.evalSeed, steps: job.steps,
      finalEval: { step: 400, mean: final, std: 1 },
      evalCurve: [{ step: 200, mean: final - early[job.algorithm], std: 1 }, { step: 400, mean: final, std: 1 }],
      episodes: 4, updates: 301,
    };
    fs.mkdirSync(jobDir(dir, job), { recursive: true });
    fs.writeFileSync(path.join(jobDir(dir, job), 'result.json'), JSON.stringify(result));
    fs.writeFileSync(path.join(jobDir(dir, job), 'progress.jsonl'), progressRows(final, early[job.algorithm], job.algorithm === 'hmc-sac'));
  }
}

const claimYaml = ['name: mcmc-pendulum', 'algorithms: [sac, hmc-sac, flow-sac]', 'env: Pendulum-v1', 'seeds: 5', 'steps: 400',
  'evaluation:', '  every: 200', '  episodes: 2', ''].join('\n');
/**
 * The paper's baseline with its evaluation seeds shifted by one training seed: its seed s + 1 is evaluated on the episodes
 * of the claim sweep's seed s, and its seed s on other episodes, so no run of it pairs with a claim run.
 */
const baselineYaml = ['name: mcmc-baseline-pendulum', 'algorithm: sac', 'env: Pendulum-v1', 'seeds: 5', 'steps: 400',
  'config:', '  learnAlpha: false', '  initialAlpha: 0.05', 'evaluation:', '  every: 200', '  episodes: 2', '  seedBase: 999000', ''].join('\n');

/** The row of `markdown`'s table that starts with `start`, split into its cells. */
function row(markdown: string, start: string): string[] {
  const line = markdown.split('\n').find((l) => l.startsWith(start));
  assert.ok(line, `no row starting with ${start}`);
  return line.split('|').slice(1, -1).map((cell) => cell.trim());
}

describe('the MCMC study report (bench/mcmc-study.ts)', function () {
  this.timeout(120_000);
  let study = '';

  before(() => {
    const root = tempDir();
    const results = tempDir();
    // sac misses seed 3 and hmc-sac seed 1: the pairs are the seeds both finished, not the runs' positions.
    sweepFolder(root, 'mcmc-pendulum', claimYaml, {
      sac: [-150, -160, -140, null, -155],
      'hmc-sac': [-170, null, -150, -180, -167],
      'flow-sac': [-145, -150, -150, -140, -150],
    }, { sac: 40, 'hmc-sac': 100, 'flow-sac': 60 });
    sweepFolder(root, 'mcmc-baseline-pendulum', baselineYaml, { sac: [-150, -150, -150, -150, -150] }, { sac: 40 });
    const run = spawnSync(process.execPath, ['--import', 'tsx', 'bench/mcmc-study.ts', '--root', root, '--results', results],
      { cwd: ROOT, env: childEnv(), encoding: 'utf8' });
    assert.equal(run.status, 0, run.stderr);
    study = fs.readFileSync(path.join(results, 'mcmc-study.md'), 'utf8');
  });

  it('pairs runs by seed and evaluation episodes, and takes the reading from the Bonferroni interval over the comparisons with ≥ 2 pairs', () => {
    // hmc-sac − sac over seeds 0, 2, 4: [−20, −10, −12]; mean −14, sd √28 = 5.2915.
    // Unpaired: hmc-sac over seeds 0, 2, 3, 4 −166.75 ± 3.182446 · 12.473 / 2 = 19.85; sac over 0, 1, 2, 4 −151.25 ± 13.59.
    // 95%: t(0.975, 2) = 4.302653 (closed form (2p − 1)/√(2p(1 − p)) for 2 degrees of freedom), half-width 13.145: [−27.14, −0.855].
    // 2 comparisons with ≥ 2 pairs (the paper's baseline pairs with none: no seed of it was trained and evaluated alike), so the
    // all-comparisons interval is at 97.5%: t(1 − 0.05/4, 2) = 6.205347, half-width 18.957: [−32.96, 4.96], which holds 0.
    assert.deepEqual(row(study, '| mcmc-pendulum | Pendulum-v1 | hmc-sac | sac |'), [
      'mcmc-pendulum', 'Pendulum-v1', 'hmc-sac', 'sac', '−166.8 ± 19.85 (4)', '−151.3 ± 13.59 (4)', '−14.00 ± 13.14 (3)',
      '[−27.14, −0.855]', '[−32.96, 4.96]', 'no difference detected',
    ]);
    assert.deepEqual(row(study, '| mcmc-pendulum | Pendulum-v1 | hmc-sac | sac, α 0.05').slice(6), ['– (0)', '–', '–', 'too few pairs']);
    // flow-sac − sac over seeds 0, 1, 2, 4: [5, 10, −10, 5]; mean 2.5, sd 8.6603; t(0.975, 3) = 3.182446 and
    // t(1 − 0.05/4, 3) = 4.176535 (bisection on the closed-form CDF for 3 degrees of freedom).
    assert.deepEqual(row(study, '| mcmc-pendulum | Pendulum-v1 | flow-sac | sac |').slice(6), ['2.50 ± 13.78 (4)', '[−11.28, 16.28]', '[−15.58, 20.58]', 'no difference detected']);
    assert.match(study, /the paired interval at 97\.50% \(Bonferroni over the table's 2 comparisons with ≥ 2 pairs\)/);
  });

  it('compares learning speed by each run\'s mean evaluation return, paired alike', () => {
    // Mean over the run = final − early/2: hmc-sac − sac = final Δ − 30 = [−50, −40, −42], mean −44, sd 5.2915:
    // 97.5% interval [−62.96, −25.04] excludes 0.
    const speed = study.slice(study.indexOf('Learning speed'));
    assert.deepEqual(row(speed, '| mcmc-pendulum | Pendulum-v1 | hmc-sac | sac |').slice(6), ['−44.00 ± 13.14 (3)', '[−57.14, −30.86]', '[−62.96, −25.04]', 'worse']);
    // flow-sac − sac: final Δ − 10 = [−5, 0, −20, −5].
    assert.deepEqual(row(speed, '| mcmc-pendulum | Pendulum-v1 | flow-sac | sac |').slice(6), ['−7.50 ± 13.78 (4)', '[−21.28, 6.28]', '[−25.58, 10.58]', 'no difference detected']);
  });

  it('weights the PID\'s on-target fraction by the env steps each row covers after the warm-up', () => {
    // Warm-up: the first 80 of 400 steps. Rows at 100, 200, 300, 400 cover 20, 100, 100, 100 steps after it:
    // (20 · 1 + 100 · 0.5 + 100 · 0.2 + 100 · 0) / 320 = 0.28125 for every seed.
    const cells = row(study, '| mcmc-pendulum | Pendulum-v1 | hmc-sac |' + ' no grid overrides');
    assert.deepEqual(cells.slice(5, 8), ['0.281 ± 0.000 (4)', '0.281', '0.281 ± 0.000 (4)']);
    assert.equal(cells[8], 's0 0.281, s2 0.281, s3 0.281, s4 0.281');
  });
});
