import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { buildReport, expandSweep, jobDir, pairedDifferences, parseSweepText, studentTQuantile, writeSweep, type JobResult } from '../../algorithms/sweep/index.ts';
import { tempDir, tinySweepYaml } from './helpers.ts';

const close = (actual: number, expected: number, tolerance: number): void =>
  assert.ok(Math.abs(actual - expected) <= tolerance, `${actual} is not within ${tolerance} of ${expected}`);

describe('paired differences by seed', () => {
  it('pair the values of one seed, whatever the maps\' order, and drop a seed missing on either side', () => {
    const a = new Map([[3, 10], [0, 1], [1, 2]]);
    const b = new Map([[0, 5], [2, 7], [3, 40]]);
    assert.deepEqual(pairedDifferences(a, b), { seeds: [0, 3], differences: [4, 30] });
  });
});

describe('Bonferroni-adjusted Student-t quantiles', () => {
  it('match the closed forms for 1, 2 and 4 degrees of freedom at 1 − 0.05/(2 · 8)', () => {
    const p = 1 - 0.05 / 16;
    close(studentTQuantile(p, 1), Math.tan(Math.PI * (p - 0.5)), 1e-9); // Cauchy: 101.85589
    close(studentTQuantile(p, 2), (2 * p - 1) / Math.sqrt(2 * p * (1 - p)), 1e-9); // 12.58974
    // 4 degrees of freedom: t = 2√(q − 1), q = cos(arccos(√α)/3)/√α with α = 4p(1 − p) (the closed form for 4 degrees of freedom, W. Shaw 2006, J. Comput. Finance 9(4)): 5.261058.
    const alpha = 4 * p * (1 - p);
    close(studentTQuantile(p, 4), 2 * Math.sqrt(Math.cos(Math.acos(Math.sqrt(alpha)) / 3) / Math.sqrt(alpha) - 1), 1e-9);
  });
});

/** A sweep folder with hand-made result.json files; null marks an unfinished job. */
function fakeSweep(finals: Record<string, (number | null)[]>): string {
  const dir = tempDir();
  const spec = parseSweepText(tinySweepYaml('pairs', { seeds: '5', grid: `  learningRate: [${Object.keys(finals).join(', ')}]` }), 'yaml', 'pairs.yaml');
  const jobs = expandSweep(spec, 'pairs.yaml');
  writeSweep(dir, { name: 'pairs', file: 'pairs.yaml', spec, jobs });
  for (const job of jobs) {
    const final = finals[String(job.overrides.learningRate)][job.seed];
    if (final === null) continue;
    const result: JobResult = {
      id: job.id, algorithm: job.algorithm, envId: job.envId, seed: job.seed, evalSeed: job.evalSeed, steps: job.steps,
      finalEval: { step: 400, mean: final, std: 1 }, evalCurve: [{ step: 400, mean: final, std: 1 }], episodes: 2, updates: 301,
    };
    fs.mkdirSync(jobDir(dir, job), { recursive: true });
    fs.writeFileSync(path.join(jobDir(dir, job), 'result.json'), JSON.stringify(result));
  }
  return dir;
}

describe('sweep report comparisons', () => {
  it('leave out a pair of variants sharing one finished seed, and count only the others in the Bonferroni family', () => {
    // 0.0003 finished only seed 0: it is compared with neither other variant, so one comparison remains and nothing is adjusted.
    const report = buildReport(fakeSweep({ '0.001': [1, 2, 3, 4, 5], '0.0003': [9, null, null, null, null], '0.0001': [2, 4, 6, 8, 10] }));
    assert.equal(report.comparisons.length, 1);
    const [c] = report.comparisons;
    assert.deepEqual(c.differences, [1, 2, 3, 4, 5]);
    assert.equal(c.adjusted.level, 0.95);
    close(c.adjusted.halfWidth, 1.96324, 1e-5); // t(0.975, 4) = 2.776445 · √2.5 / √5
    assert.equal(report.caveat, null);
  });
});
