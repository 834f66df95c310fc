/**
 * Estimates in the square [−1, 1]² of normalised actions, one panel per model side by side: the
 * trajectories of iterative inference from several starts, the distinct modes they reach and a direct
 * model's single estimate. `varl analyze modes --svg` and the IAPO study draw it.
 */
import { PALETTE, esc } from './svg-chart.ts';

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
