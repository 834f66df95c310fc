/**
 * What `varl analyze` prints and draws (algorithms/iapo/cli.ts): Markdown tables of the results
 * (what a terminal shows; `--format json` gives the raw objects), one row per checkpoint, or per
 * iteration / mode where that is the natural unit; and the `--svg` figures. The per-iteration
 * figure is a learning curve (common/curve-svg.ts); the modes figure draws estimates in the action
 * square. The bench study (bench/iapo/report.ts) reuses `actionPanelsSvg`.
 */
import * as path from 'node:path';
import { learningCurveSvg } from '../common/curve-svg.ts';
import type { Summary } from './analysis.ts';

type Result = Record<string, unknown>;
type Mode = { action: number[]; count: number; objective?: number };

const num = (v: number, digits: number): string => (Number.isFinite(v) ? v.toFixed(digits) : String(v));
const meanStd = (s: Summary | null | undefined, digits = 3): string => (s ? `${num(s.mean, digits)} ± ${num(s.std, digits)}` : '–');
const vector = (v: readonly number[]): string => `(${v.map((x) => num(x, 2)).join(', ')})`;
/** "iterative run-folder": the variant and the checkpoint's folder name. */
const name = (r: Result): string => `${r.inference} ${path.basename(path.resolve(String(r.checkpoint)))}`;

const PALETTE = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b'];

function esc(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

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

export interface ActionPanel {
  readonly title: string;
  /** Trajectories of tanh(μ_k) in the action square, one per initial estimate. */
  readonly trajectories: readonly (readonly (readonly number[])[])[];
  /** Distinct modes found (filled circles, labelled with their count). */
  readonly modes: readonly { readonly action: readonly number[]; readonly count: number }[];
  /** The direct model's single estimate (a star), if any. */
  readonly direct?: readonly number[];
}

/** Panels side by side, each the square [−1, 1]² of normalised actions. */
export function actionPanelsSvg(panels: readonly ActionPanel[], title: string, subtitle = ''): string {
  const size = 260;
  const pad = 30;
  const width = panels.length * (size + pad) + pad;
  const height = size + 2 * pad + 50;
  const parts: string[] = [];
  panels.forEach((panel, p) => {
    const x0 = pad + p * (size + pad);
    const y0 = 60;
    const sx = (v: number): number => x0 + ((v + 1) / 2) * size;
    const sy = (v: number): number => y0 + ((1 - v) / 2) * size;
    parts.push(`<rect x="${x0}" y="${y0}" width="${size}" height="${size}" fill="#fafafa" stroke="#999"/>`);
    parts.push(`<line x1="${sx(0)}" y1="${y0}" x2="${sx(0)}" y2="${y0 + size}" stroke="#ddd"/><line x1="${x0}" y1="${sy(0)}" x2="${x0 + size}" y2="${sy(0)}" stroke="#ddd"/>`);
    parts.push(`<text x="${x0 + size / 2}" y="${y0 - 8}" text-anchor="middle" font-size="12">${esc(panel.title)}</text>`);
    panel.trajectories.forEach((trajectory) => {
      const pts = trajectory.map((a) => `${sx(a[0]).toFixed(1)},${sy(a[1] ?? 0).toFixed(1)}`).join(' ');
      parts.push(`<polyline points="${pts}" fill="none" stroke="#888" stroke-width="1" opacity="0.7"/>`);
      const start = trajectory[0];
      if (start) parts.push(`<circle cx="${sx(start[0]).toFixed(1)}" cy="${sy(start[1] ?? 0).toFixed(1)}" r="3" fill="none" stroke="#888"/>`);
    });
    panel.modes.forEach((mode, i) => {
      const cx = sx(mode.action[0]).toFixed(1);
      const cy = sy(mode.action[1] ?? 0).toFixed(1);
      parts.push(`<circle cx="${cx}" cy="${cy}" r="6" fill="${PALETTE[i % PALETTE.length]}" opacity="0.85"/>`);
      parts.push(`<text x="${Number(cx) + 8}" y="${Number(cy) - 6}" font-size="10">×${mode.count}</text>`);
    });
    if (panel.direct) {
      const cx = sx(panel.direct[0]);
      const cy = sy(panel.direct[1] ?? 0);
      parts.push(`<path d="M${cx} ${cy - 8} L${cx + 3} ${cy - 2} L${cx + 8} ${cy - 2} L${cx + 4} ${cy + 2} L${cx + 6} ${cy + 8} L${cx} ${cy + 4} L${cx - 6} ${cy + 8} L${cx - 4} ${cy + 2} L${cx - 8} ${cy - 2} L${cx - 3} ${cy - 2} Z" fill="#000"/>`);
    }
  });
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif">` +
    `<rect width="100%" height="100%" fill="white"/>` +
    `<text x="${pad}" y="22" font-size="15" font-weight="bold">${esc(title)}</text>` +
    `<text x="${pad}" y="40" font-size="11" fill="#555">${esc(subtitle)}</text>${parts.join('')}</svg>\n`;
}
