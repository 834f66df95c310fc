import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  buildReport, expandSweep, jobDir, meanInterval, parseSweepText, studentTCdf, studentTQuantile, writeReport, writeSweep, type JobResult,
} from '../../algorithms/sweep/index.ts';
import { tempDir, tinySweepYaml, varlInProcess } from './helpers.ts';

const close = (actual: number, expected: number, tolerance: number): void =>
  assert.ok(Math.abs(actual - expected) <= tolerance, `${actual} is not within ${tolerance} of ${expected}`);

describe('Student-t quantiles', () => {
  it('match the published table (two-sided 95%: t₀.₉₇₅,ν) to its printed digits', () => {
    const table: [number, number][] = [[1, 12.706], [2, 4.303], [3, 3.182], [4, 2.776], [5, 2.571], [9, 2.262], [10, 2.228], [20, 2.086], [30, 2.042], [120, 1.980]];
    for (const [df, t] of table) close(studentTQuantile(0.975, df), t, 5e-4);
    close(studentTQuantile(0.995, 5), 4.032, 5e-4);
    close(studentTQuantile(0.9, 3), 1.638, 5e-4);
    close(studentTQuantile(0.975, 1e6), 1.95996, 1e-4); // → the normal quantile
  });

  it('invert the CDF, which is exact for 1, 2 and 3 degrees of freedom', () => {
    const cdf3 = (t: number): number => 0.5 + (t / (Math.sqrt(3) * (1 + (t * t) / 3)) + Math.atan(t / Math.sqrt(3))) / Math.PI;
    for (const t of [-3, -0.5, 0.2, 1, 4.5]) {
      close(studentTCdf(t, 1), 0.5 + Math.atan(t) / Math.PI, 1e-12); // Cauchy
      close(studentTCdf(t, 2), 0.5 + t / (2 * Math.sqrt(2 + t * t)), 1e-12);
      close(studentTCdf(t, 3), cdf3(t), 1e-12);
    }
    close(cdf3(studentTQuantile(1 - 0.025 / 3, 3)), 1 - 0.025 / 3, 1e-12);
    for (const [p, df] of [[0.975, 4], [0.6, 7], [0.999, 3], [0.025, 9]]) close(studentTCdf(studentTQuantile(p, df), df), p, 1e-12);
    assert.equal(studentTQuantile(0.025, 9), -studentTQuantile(0.975, 9));
  });

  it('give mean ± t·sd/√n over seeds, as computed by hand', () => {
    // [1, 2, 3, 4, 5]: mean 3, sd √2.5 = 1.58114, half-width 2.776445 · 1.58114 / √5 = 1.96324.
    const s = meanInterval([1, 2, 3, 4, 5]);
    assert.equal(s.mean, 3);
    close(s.sd, Math.sqrt(2.5), 1e-12);
    close(s.halfWidth, 1.96324, 1e-5);
    // [-150, -170]: mean -160, sd 14.1421, half-width 12.7062 · 14.1421 / √2 = 127.062.
    close(meanInterval([-150, -170]).halfWidth, 127.062, 1e-3);
    assert.ok(Number.isNaN(meanInterval([4]).halfWidth));
  });
});

/** A sweep folder with hand-made result.json files: final return and a two-point curve per job. */
function fakeSweep(finals: Record<string, number[]>, { name = 'fake', steps = 400 } = {}): string {
  const dir = tempDir();
  const values = Object.keys(finals);
  const spec = parseSweepText(tinySweepYaml(name, { seeds: '5', steps, grid: `  learningRate: [${values.join(', ')}]` }), 'yaml', `${name}.yaml`);
  const jobs = expandSweep(spec, `${name}.yaml`);
  writeSweep(dir, { name, file: `${name}.yaml`, spec, jobs });
  for (const job of jobs) {
    const final = finals[String(job.overrides.learningRate)][job.seed];
    if (Number.isNaN(final)) continue; // an unfinished job
    const result: JobResult = {
      id: job.id, algorithm: job.algorithm, envId: job.envId, seed: job.seed, evalSeed: job.evalSeed, steps: job.steps,
      finalEval: { step: 400, mean: final, std: 1 }, evalCurve: [{ step: 200, mean: final - 10, std: 1 }, { step: 400, mean: final, std: 1 }],
      episodes: 2, updates: 301,
    };
    fs.mkdirSync(jobDir(dir, job), { recursive: true });
    fs.writeFileSync(path.join(jobDir(dir, job), 'result.json'), JSON.stringify(result));
  }
  return dir;
}

describe('sweep report', () => {
  it('aggregates variants and paired differences into the hand-computed intervals', () => {
    const dir = fakeSweep({ '0.001': [1, 2, 3, 4, 5], '0.0003': [2, 4, 6, 8, 10] });
    const report = buildReport(dir);
    assert.equal(report.finished, 10);
    const [a, b] = report.variants;
    assert.deepEqual(a.seeds, [0, 1, 2, 3, 4]);
    assert.equal(a.final.mean, 3);
    close(a.final.halfWidth, 1.96324, 1e-5);
    close(b.final.halfWidth, 2 * 1.96324, 1e-5);
    assert.deepEqual(a.curve.map((p) => [p.step, p.mean]), [[200, -7], [400, 3]]);
    // Paired by seed: b − a = [1, 2, 3, 4, 5], the same interval as a's own.
    assert.equal(report.comparisons.length, 1);
    const [c] = report.comparisons;
    assert.deepEqual(c.differences, [1, 2, 3, 4, 5]);
    close(c.difference.low, 3 - 1.96324, 1e-5);
    close(c.adjusted.halfWidth, c.difference.halfWidth, 1e-12); // one comparison: no adjustment
    assert.equal(report.caveat, null);

    const { files } = writeReport(dir);
    const markdown = fs.readFileSync(path.join(dir, 'report.md'), 'utf8');
    assert.match(markdown, /\| sac-Pendulum-v1-learningRate=0\.001 \| SAC \| learningRate=0\.001 \| 5\/5 \| 3\.00 ± 1\.96 \| \[1\.04, 4\.96\] \|/);
    assert.match(markdown, /\| 5 \| 3\.00 ± 1\.96 \| \[1\.04, 4\.96\] \| \[1\.04, 4\.96\] \|/);
    assert.doesNotMatch(markdown, /Multiple comparisons/);
    const json = JSON.parse(fs.readFileSync(path.join(dir, 'report.json'), 'utf8')) as { variants: { final: { halfWidth: number } }[] };
    close(json.variants[0].final.halfWidth, 1.96324, 1e-5);
    const svg = fs.readFileSync(path.join(dir, 'report-Pendulum-v1.svg'), 'utf8');
    assert.match(svg, /^<svg/);
    assert.equal(files.length, 3);
  });

  it('pairs only shared seeds, and states the multiple-comparison caveat with Bonferroni intervals', () => {
    const dir = fakeSweep({ '0.001': [1, 2, 3, 4, 5], '0.0003': [2, 4, 6, 8, 10], '0.0001': [0, 0, 1, NaN, 1] });
    const report = buildReport(dir);
    assert.equal(report.finished, 14);
    assert.deepEqual(report.variants[2].seeds, [0, 1, 2, 4]);
    assert.equal(report.comparisons.length, 3);
    const third = report.comparisons[1]; // 0.0001 − 0.001 over seeds 0, 1, 2, 4: [−1, −2, −2, −4]
    assert.deepEqual(third.seeds, [0, 1, 2, 4]);
    assert.deepEqual(third.differences, [-1, -2, -2, -4]);
    // mean −2.25, sd 1.258306, t₀.₉₇₅,₃ = 3.182446: half-width 3.182446 · 1.258306 / 2 = 2.002245; Bonferroni t(1 − 0.025/3, 3) = 4.8567 (the exact CDF for 3 degrees of freedom, above).
    close(third.difference.halfWidth, 2.002245, 1e-5);
    close(third.adjusted.halfWidth, (studentTQuantile(1 - 0.025 / 3, 3) * 1.258306) / 2, 1e-5);
    close(studentTQuantile(0.99, 3), 4.541, 5e-4);
    close(studentTQuantile(0.995, 3), 5.841, 5e-4);
    close(studentTQuantile(1 - 0.025 / 3, 3), 4.8567, 1e-4);
    assert.match(report.caveat ?? '', /^3 paired comparisons are made: at 95% each, about 0\.15 of their intervals would exclude 0 by chance/);
    writeReport(dir, path.join(dir, 'custom.md'));
    assert.match(fs.readFileSync(path.join(dir, 'custom.md'), 'utf8'), /\*\*Multiple comparisons\.\*\* 3 paired comparisons/);
    assert.ok(fs.existsSync(path.join(dir, 'custom.json')) && fs.existsSync(path.join(dir, 'custom-Pendulum-v1.svg')));
  });

  it('reports several folders: later variants are described against and paired with the first folder\'s reference runs', async () => {
    const main = fakeSweep({ '0.001': [1, 2, 3, 4, 5] }, { name: 'main' });
    const ablation = fakeSweep({ '0.0003': [2, 4, 6, 8, 10], '0.0001': [0, 1, 2, 3, 4] }, { name: 'ablation' });
    const report = buildReport([main, ablation]);
    assert.deepEqual([report.name, report.folders, report.jobs, report.finished], ['main + ablation', 2, 15, 15]);
    assert.deepEqual(report.variants.map((v) => [v.variant, v.sweep, v.overrides]), [
      ['main/sac-Pendulum-v1-learningRate=0.001', 'main', { learningRate: 0.001 }],
      ['ablation/sac-Pendulum-v1-learningRate=0.0003', 'ablation', { learningRate: 0.0003 }], // how its config differs from main's
      ['ablation/sac-Pendulum-v1-learningRate=0.0001', 'ablation', { learningRate: 0.0001 }],
    ]);
    // Within ablation: 0.0001 − 0.0003; across: each ablation variant − main's.
    assert.deepEqual(report.comparisons.map((c) => [c.variant, c.baseline, c.differences]), [
      ['ablation/sac-Pendulum-v1-learningRate=0.0001', 'ablation/sac-Pendulum-v1-learningRate=0.0003', [-2, -3, -4, -5, -6]],
      ['ablation/sac-Pendulum-v1-learningRate=0.0003', 'main/sac-Pendulum-v1-learningRate=0.001', [1, 2, 3, 4, 5]],
      ['ablation/sac-Pendulum-v1-learningRate=0.0001', 'main/sac-Pendulum-v1-learningRate=0.001', [-1, -1, -1, -1, -1]],
    ]);
    // A reference folder planned before an option existed (its configs lack the key, here `tau`, at its default):
    // the variants are described as before.
    const older = fakeSweep({ '0.001': [1, 2, 3, 4, 5] }, { name: 'older' });
    const plan = JSON.parse(fs.readFileSync(path.join(older, 'sweep.json'), 'utf8')) as { jobs: { config: Record<string, unknown> }[] };
    for (const job of plan.jobs) delete job.config.tau;
    fs.writeFileSync(path.join(older, 'sweep.json'), JSON.stringify(plan));
    assert.deepEqual(buildReport([older, ablation]).variants.slice(1).map((v) => v.overrides), [{ learningRate: 0.0003 }, { learningRate: 0.0001 }]);
    close(report.comparisons[1].difference.halfWidth, 1.96324, 1e-5);
    close(report.comparisons[1].adjusted.halfWidth, (studentTQuantile(1 - 0.025 / 3, 4) * Math.sqrt(2.5)) / Math.sqrt(5), 1e-9);
    assert.deepEqual(report.notes, []);

    const out = path.join(tempDir(), 'study.md');
    writeReport([main, ablation], out);
    const markdown = fs.readFileSync(out, 'utf8');
    assert.match(markdown, /^# Sweeps main \+ ablation\n/);
    assert.match(markdown, /compared with the variant of the same algorithm and env in main \(the reference runs\)/);
    assert.match(markdown, /\| ablation\/sac-Pendulum-v1-learningRate=0\.0003 − main\/sac-Pendulum-v1-learningRate=0\.001 \| 5 \| 3\.00 ± 1\.96 \|/);

    // Seeds evaluated at another budget are not paired across folders, and the report says so.
    const longer = fakeSweep({ '0.0003': [2, 4, 6, 8, 10] }, { name: 'longer', steps: 600 });
    const mixed = buildReport([main, longer]);
    assert.equal(mixed.comparisons.length, 0);
    assert.match(mixed.notes.join('\n'), /^longer\/sac-Pendulum-v1-learningRate=0\.0003 is not compared with main\/sac-Pendulum-v1-learningRate=0\.001: fewer than 2 of their shared seeds were evaluated alike/);

    assert.throws(() => buildReport([main, main]), /both hold sweep 'main'; give each sweep once/);
    const cwd = tempDir();
    const noOut = await varlInProcess(['sweep', 'report', main, ablation], cwd);
    assert.equal(noOut.status, 2);
    assert.match(noOut.stderr, /sweep report: name the Markdown file with --out when reporting several folders/);
    const cli = await varlInProcess(['sweep', 'report', main, ablation, '--out', 'both.md'], cwd);
    assert.equal(cli.status, 0, cli.stderr);
    assert.match(cli.stdout, /^15\/15 jobs reported: .*both\.md/);
    const misplaced = await varlInProcess(['sweep', 'report', main, '--out', 'x.md', ablation], cwd);
    assert.equal(misplaced.status, 2);
    assert.match(misplaced.stderr, /sweep report: Unexpected argument/);
  });
});
