/**
 * What `varl analyze` prints and draws (algorithms/iapo/cli.ts): Markdown tables of the results
 * (what a terminal shows; `--format json` gives the raw objects), one row per checkpoint, or per
 * iteration / mode where that is the natural unit; and the `--svg` figures. The per-iteration
 * figure is a learning curve, the modes figure the estimates in the action square (both drawn by
 * algorithms/plots).
 */
import * as path from 'node:path';
import { actionPanelsSvg } from '../plots/action-panels.ts';
import { learningCurveSvg } from '../plots/learning-curve.ts';
import type { Summary } from './analysis.ts';

type Result = Record<string, unknown>;
type Mode = { action: number[]; count: number; objective?: number };

const num = (v: number, digits: number): string => (Number.isFinite(v) ? v.toFixed(digits) : String(v));
const meanStd = (s: Summary | null | undefined, digits = 3): string => (s ? `${num(s.mean, digits)} ± ${num(s.std, digits)}` : '–');
const vector = (v: readonly number[]): string => `(${v.map((x) => num(x, 2)).join(', ')})`;
/** "iterative run-folder": the variant and the checkpoint's folder name. */
const name = (r: Result): string => `${r.inference} ${path.basename(path.resolve(String(r.checkpoint)))}`;

function table(header: string[], rows: string[][]): string {
  return [`| ${header.join(' | ')} |`, `|${header.map(() => '---').join('|')}|`, ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n');
}

/** The results of one analysis over one or more checkpoints as a Markdown table (mean ± std over states). */
export function analysisTable(analysis: string, results: readonly Result[]): string {
  switch (analysis) {
    case 'gap':
      return table(
        ['checkpoint', 'env', 'states', 'J(λ) amortized', 'J* (gradient ascent)', 'gap J* − J(λ)', 'ascent steps'],
        results.map((r) => {
          const gap = r.gap as Summary;
          return [name(r), String(r.env), String(gap.n), meanStd(r.initial as Summary), meanStd(r.optimized as Summary), meanStd(gap), String(r.steps)];
        }),
      );
    case 'iterations': {
      const depth = Math.max(...results.map((r) => (r.objective as number[]).length));
      const rows: string[][] = [];
      for (let k = 0; k < depth; k++) {
        const trained = results.some((r) => r.trainedIterations === k);
        rows.push([trained ? `${k} (trained K)` : String(k), ...results.flatMap((r) => {
          const j = (r.objective as number[])[k];
          const increment = k > 0 ? (r.increments as number[])[k - 1] : undefined;
          return j === undefined ? ['', ''] : [num(j, 4), increment === undefined ? '' : num(increment, 4)];
        })]);
      }
      return table(['k', ...results.flatMap((r) => [`J(λ_k) ${name(r)}`, 'Δ'])], rows);
    }
    case 'modes':
      return results.map((r) => {
        const modes = (r.modes as Mode[]).map((m, i) => [`${i + 1}`, vector(m.action), String(m.count), m.objective === undefined ? '' : num(m.objective, 3)]);
        const ascent = (r.ascentModes as Mode[] | undefined) ?? [];
        const rows = [...modes, ...ascent.map((m, i) => [`ascent ${i + 1}`, vector(m.action), String(m.count), num(m.objective ?? NaN, 3)])];
        return `${name(r)} at state ${vector(r.state as number[])}\n\n${table(['mode', 'action tanh(μ)', 'estimates', 'J'], rows)}`;
      }).join('\n\n');
    case 'new-objective':
      return table(
        ['checkpoint', 'env', 'J_new of the amortized λ', 'J_new after iterative inference', 'J_new after gradient ascent', 'ascent steps'],
        results.map((r) => [
          name(r), String(r.env), meanStd(r.amortized as Summary), meanStd(r.iterative as Summary | null),
          meanStd(r.gradientAscent as Summary), String(r.gradientSteps),
        ]),
      );
    default:
      throw new Error(`analysisTable: unknown analysis '${analysis}'`);
  }
}

/**
 * The `--svg` figure of an analysis: J(λ_k) against k for `iterations` (one line per checkpoint),
 * the estimates in the action square for `modes` (one panel per checkpoint).
 */
export function analysisFigure(analysis: string, results: readonly Result[]): string {
  if (analysis === 'modes') {
    return actionPanelsSvg(results.map((r) => ({
      title: name(r),
      trajectories: (r.trajectories as number[][][] | undefined) ?? [],
      modes: r.modes as { action: number[]; count: number }[],
      direct: r.directAction as number[] | undefined,
    })), 'Estimates from several initial λ₀', 'grey: tanh(μ_k) trajectories; coloured: distinct modes; star: direct policy');
  }
  if (analysis === 'iterations') {
    return learningCurveSvg(results.map((r) => ({
      label: name(r),
      points: (r.objective as number[]).map((mean, k) => ({ step: k, mean })),
    })), { title: 'Objective over inference iterations', xLabel: 'inference iteration k', yLabel: 'J(s; λ_k)' });
  }
  throw new Error(`analyze: no figure for '${analysis}'`);
}
