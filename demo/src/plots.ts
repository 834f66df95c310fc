/**
 * The page's SVG charts, as strings: the learning curve and the losses (the action landscape of an
 * inspected state is algorithms/plots/landscape.ts, shared with `varl inspect`).
 */
import { axes, esc, extent, fmt, polyline, scale, type Frame } from '../../algorithms/plots/svg-chart.ts';
import type { CurvePoint } from './protocol.ts';

export { landscapeSvg } from '../../algorithms/plots/landscape.ts';

/** Training episode returns (dots) and evaluation returns (line) against env steps. */
export function curveSvg(points: readonly CurvePoint[], totalSteps: number): string {
  const f: Frame = { width: 420, height: 220, left: 48, bottom: 30 };
  const train = points.filter((p) => p.episodeReturn !== undefined);
  const evals = points.filter((p) => p.evalReturn !== undefined);
  const ys = extent([...train.map((p) => p.episodeReturn!), ...evals.map((p) => p.evalReturn!)]);
  const xs: [number, number] = [0, Math.max(1, totalSteps)];
  const x = scale(xs, [f.left, f.width - 8]);
  const y = scale(ys, [f.height - f.bottom, 8]);
  const dots = train.map((p) => `<circle class="train-point" cx="${x(p.step).toFixed(1)}" cy="${y(p.episodeReturn!).toFixed(1)}" r="1.8"/>`).join('');
  const line = polyline(evals.map((p) => [x(p.step), y(p.evalReturn!)]), 'eval-line');
  const marks = evals.map((p) => `<circle class="eval-point" data-step="${p.step}" cx="${x(p.step).toFixed(1)}" cy="${y(p.evalReturn!).toFixed(1)}" r="2.5"/>`).join('');
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${f.width} ${f.height}" data-points="${points.length}" data-evals="${evals.length}">` +
    `${axes(f, xs, ys, 'env steps', 'return')}${dots}${line}${marks}` +
    `<text x="${f.width - 10}" y="20" class="legend" text-anchor="end"><tspan class="eval-text">— evaluation</tspan>  <tspan class="train-text">• training episodes</tspan></text></svg>`;
}

/** One small chart per loss, each on its own scale. */
export function lossesSvg(points: readonly CurvePoint[]): string {
  const names = [...new Set(points.flatMap((p) => Object.keys(p.metrics)))];
  const width = 420;
  const rowHeight = 46;
  const rows = names.map((name, i) => {
    const series = points.filter((p) => Number.isFinite(p.metrics[name])).map((p) => [p.step, p.metrics[name]] as [number, number]);
    const ys = extent(series.map(([, v]) => v));
    const xs = extent(series.map(([s]) => s));
    const top = i * rowHeight;
    const x = scale(xs, [130, width - 8]);
    const y = scale(ys, [top + rowHeight - 8, top + 6]);
    const last = series.length > 0 ? series[series.length - 1][1] : NaN;
    return `<text x="4" y="${top + 20}" class="label">${esc(name)}</text><text x="4" y="${top + 34}" class="tick">${Number.isFinite(last) ? fmt(last) : '–'}</text>` +
      polyline(series.map(([s, v]) => [x(s), y(v)]), 'loss-line');
  });
  const height = Math.max(rowHeight, names.length * rowHeight);
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${width} ${height}">${rows.join('') || '<text x="4" y="20" class="tick">no updates yet</text>'}</svg>`;
}

/** Viridis-like ramp for t in [0, 1]. */
