import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Writable } from 'node:stream';
import { IAPO, type IAPOConfig } from '../../algorithms/iapo.ts';
import { runAnalyze } from '../../algorithms/iapo/cli.ts';
import { SAC } from '../../algorithms/index.ts';
import { make } from '../../envs/index.ts';
import { TINY, tempDir } from '../algorithms/helpers.ts';

const TINY_IAPO: Partial<IAPOConfig> = {
  hiddenSizes: [16], criticHiddenSizes: [16], batchSize: 16, actionSamples: 2, inferenceIterations: 2,
  learningStarts: 100, bufferSize: 2000,
};

type Json = Record<string, unknown>;

async function trainedCheckpoint(envId: string, inference: 'direct' | 'iterative'): Promise<string> {
  const runDir = tempDir();
  await new IAPO(make(envId), { ...TINY_IAPO, inference, seed: 4 }).learn({ totalSteps: 250, runDir, evalEvery: 0 });
  return runDir;
}

/** Runs `varl analyze …` in-process; returns the status and one parsed JSON object per stdout line. */
async function analyzeText(argv: string[]): Promise<{ status: number; text: string }> {
  let text = '';
  const out = new Writable({ write(chunk, _encoding, done) { text += String(chunk); done(); } });
  const status = await runAnalyze(argv, out);
  return { status, text };
}

async function analyze(argv: string[]): Promise<{ status: number; results: Json[] }> {
  const { status, text } = await analyzeText(argv);
  return { status, results: text.trim().split('\n').filter(Boolean).map((line) => JSON.parse(line) as Json) };
}

const mean = (summary: unknown): number => (summary as { mean: number }).mean;

describe('varl analyze (on small trained checkpoints)', function () {
  this.timeout(120_000);
  let direct = '';
  let iterative = '';
  before(async () => {
    direct = await trainedCheckpoint('Reacher2D-v0', 'direct');
    iterative = await trainedCheckpoint('Reacher2D-v0', 'iterative');
  });

  it('gap: one result per checkpoint, a non-negative gap per state (ascent starts at λ and keeps the best)', async () => {
    const file = path.join(tempDir(), 'gap.json');
    const { status, results: printed } = await analyze(['gap', '--checkpoint', direct, '--checkpoint', iterative, '--states', '4', '--max-steps', '40', '--out', file]);
    assert.equal(status, 0);
    assert.deepEqual(printed.map((r) => r.inference), ['direct', 'iterative']);
    assert.ok(printed.every((r) => !('perState' in r)), 'stdout keeps one short line per checkpoint');
    const results = JSON.parse(fs.readFileSync(file, 'utf8')) as Json[];
    for (const r of results) {
      const perState = r.perState as number[];
      assert.equal(perState.length, 4);
      for (const g of perState) assert.ok(g >= -1e-5, `gap ${g} < 0`);
      assert.ok(Math.abs(mean(r.optimized) - mean(r.initial) - mean(r.gap)) < 1e-4, 'gap = J* − J(λ) on the same states');
    }
  });

  it('iterations: J(λ_k) for k = 0..K′ beyond the trained K, increments that sum to the total, and an SVG', async () => {
    const svg = path.join(tempDir(), 'iterations.svg');
    const { status, results } = await analyze(['iterations', '--checkpoint', iterative, '--states', '4', '--iterations', '6', '--svg', svg]);
    assert.equal(status, 0);
    const [r] = results;
    const objective = r.objective as number[];
    const increments = r.increments as number[];
    assert.equal(r.trainedIterations, 2);
    assert.equal(objective.length, 7);
    assert.equal(increments.length, 6);
    const total = increments.reduce((s, d) => s + d, 0);
    assert.ok(Math.abs(total - (objective[6] - objective[0])) < 1e-6 * (1 + Math.abs(objective[0])));
    const figure = fs.readFileSync(svg, 'utf8');
    assert.match(figure, /^<svg[^>]*xmlns="http:\/\/www.w3.org\/2000\/svg"/);
    assert.match(figure, /<\/svg>\s*$/);
  });

  it('--format table prints one Markdown row per iteration, marking the trained K', async () => {
    const { status, text } = await analyzeText(['iterations', '--checkpoint', iterative, '--states', '2', '--iterations', '4', '--format', 'table']);
    assert.equal(status, 0);
    const lines = text.trim().split('\n');
    assert.match(lines[0], /^\| k \| J\(λ_k\) iterative \S+ \| Δ \|$/);
    assert.equal(lines.length, 2 + 5);
    assert.match(lines[4], /^\| 2 \(trained K\) \| -?\d+\.\d{4} \| -?\d+\.\d{4} \|$/);
  });

  it('new-objective: the iterative model re-optimizes without retraining; gradient ascent is the yardstick', async () => {
    const { status, results } = await analyze(['new-objective', '--checkpoint', direct, '--checkpoint', iterative, '--states', '4', '--max-steps', '40']);
    assert.equal(status, 0);
    const [d, it] = results;
    assert.equal(d.iterative, null, 'a direct model cannot see the new objective');
    assert.equal(typeof mean(it.iterative), 'number');
    for (const r of results) assert.ok(mean(r.gradientAscent) >= mean(r.amortized) - 1e-5, 'ascent from λ never ends below λ');
  });

  it('modes on MultiGoal-v0: every initial estimate ends in exactly one reported mode', async () => {
    const multiGoal = await trainedCheckpoint('MultiGoal-v0', 'iterative');
    const svg = path.join(tempDir(), 'modes.svg');
    const { status, results } = await analyze(['modes', '--checkpoint', multiGoal, '--states', '2', '--iterations', '4', '--inits', '4', '--svg', svg]);
    assert.equal(status, 0);
    const modes = results[0].modes as { action: number[]; count: number }[];
    assert.equal(modes.reduce((s, m) => s + m.count, 0), 5, '4 ring estimates plus the origin');
    for (const m of modes) for (const a of m.action) assert.ok(Math.abs(a) <= 1);
    assert.ok((results[0].ascentModes as unknown[]).length >= 1, 'the gradient-ascent control is reported');
    assert.match(fs.readFileSync(svg, 'utf8'), /^<svg/);
  });

  it('usage errors exit with status 2 and name the problem; a SAC checkpoint is refused', async () => {
    const stderr = process.stderr.write;
    let said = '';
    process.stderr.write = ((chunk: string) => { said += chunk; return true; }) as typeof process.stderr.write;
    try {
      assert.equal((await analyze(['bogus', '--checkpoint', iterative])).status, 2);
      assert.match(said, /expected one of gap, iterations, modes, new-objective, got 'bogus'/);
      assert.equal((await analyze(['gap'])).status, 2);
      assert.match(said, /--checkpoint DIR is required/);
      assert.equal((await analyze(['gap', '--checkpoint', iterative, '--states', '0'])).status, 2);
      assert.match(said, /--states must be an integer ≥ 1, got '0'/);
      assert.equal((await analyze(['gap', '--checkpoint', iterative, '--svg', 'x.svg'])).status, 2);
      assert.match(said, /--svg is for 'iterations' and 'modes', not 'gap'/);
      assert.equal((await analyze(['gap', '--checkpoint', iterative, '--format', 'yaml'])).status, 2);
      assert.match(said, /--format must be table or json, got 'yaml'/);
      const sacDir = tempDir();
      new SAC(make('Pendulum-v1'), TINY).save(path.join(sacDir, 'checkpoint'));
      assert.equal((await analyze(['gap', '--checkpoint', sacDir])).status, 2);
      assert.match(said, /is a SAC checkpoint; the analyses need IAPO/);
    } finally {
      process.stderr.write = stderr;
    }
  });
});
