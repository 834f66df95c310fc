/**
 * Small standalone SVG figures for the IAPO analyses that are not learning curves (those use
 * common/curve-svg.ts): estimates in a 2-D action square with their inference trajectories, and
 * grouped bars with 95% intervals.
 */

const PALETTE = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b'];

function esc(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
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
