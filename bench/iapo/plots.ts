/**
 * Grouped bars with 95% intervals for the IAPO study report (bench/iapo/report.ts). Learning curves
 * use algorithms/plots/learning-curve.ts, the action-square panels algorithms/plots/action-panels.ts.
 */

import { PALETTE, esc } from '../../algorithms/plots/svg-chart.ts';

export interface BarGroup {
  readonly label: string;
  readonly bars: readonly { readonly label: string; readonly mean: number; readonly ci95: number }[];
}

/** Grouped bars with 95% interval whiskers (one group per env, one bar per variant). */
export function barsSvg(groups: readonly BarGroup[], title: string, yLabel: string): string {
  const width = 120 + groups.length * 160;
  const height = 320;
  const top = 50;
  const bottom = 260;
  const all = groups.flatMap((g) => g.bars.flatMap((b) => [b.mean + (Number.isFinite(b.ci95) ? b.ci95 : 0), b.mean - (Number.isFinite(b.ci95) ? b.ci95 : 0), 0]));
  const hi = Math.max(...all);
  const lo = Math.min(...all);
  const sy = (v: number): number => bottom - ((v - lo) / (hi - lo || 1)) * (bottom - top);
  const parts: string[] = [];
  parts.push(`<line x1="70" y1="${sy(0)}" x2="${width - 20}" y2="${sy(0)}" stroke="#999"/>`);
  for (const v of [lo, (lo + hi) / 2, hi]) parts.push(`<text x="64" y="${sy(v) + 4}" font-size="10" text-anchor="end">${v.toPrecision(3)}</text>`);
  groups.forEach((group, g) => {
    const gx = 90 + g * 160;
    group.bars.forEach((bar, i) => {
      const x = gx + i * 60;
      const y = Math.min(sy(bar.mean), sy(0));
      const h = Math.abs(sy(bar.mean) - sy(0));
      parts.push(`<rect x="${x}" y="${y.toFixed(1)}" width="44" height="${h.toFixed(1)}" fill="${PALETTE[i % PALETTE.length]}" opacity="0.8"/>`);
      if (Number.isFinite(bar.ci95)) {
        parts.push(`<line x1="${x + 22}" y1="${sy(bar.mean - bar.ci95).toFixed(1)}" x2="${x + 22}" y2="${sy(bar.mean + bar.ci95).toFixed(1)}" stroke="#000"/>`);
      }
      parts.push(`<text x="${x + 22}" y="${bottom + 14}" font-size="10" text-anchor="middle">${esc(bar.label)}</text>`);
    });
    parts.push(`<text x="${gx + 50}" y="${bottom + 32}" font-size="11" text-anchor="middle">${esc(group.label)}</text>`);
  });
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif">` +
    `<rect width="100%" height="100%" fill="white"/><text x="20" y="24" font-size="15" font-weight="bold">${esc(title)}</text>` +
    `<text x="14" y="${(top + bottom) / 2}" font-size="11" transform="rotate(-90 14 ${(top + bottom) / 2})" text-anchor="middle">${esc(yLabel)}</text>` +
    `${parts.join('')}</svg>\n`;
}
