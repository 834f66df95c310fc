/**
 * The page's SVG charts, as strings: the learning curve, the losses, and the action landscape of an
 * inspected state (Q(s, ·) with the policy's density, the deterministic action and IAPO's or an MCMC chain's iterates).
 */
import type { ActionInspection } from '../../algorithms/browser.ts';
import type { CurvePoint } from './protocol.ts';

const fmt = (x: number): string => (Math.abs(x) >= 1000 || (Math.abs(x) < 0.01 && x !== 0) ? x.toExponential(1) : x.toFixed(Math.abs(x) >= 100 ? 0 : 2));
const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;');

interface Frame {
  readonly width: number;
  readonly height: number;
  readonly left: number;
  readonly bottom: number;
}

function extent(values: readonly number[]): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of values) if (Number.isFinite(v)) [lo, hi] = [Math.min(lo, v), Math.max(hi, v)];
  if (!Number.isFinite(lo)) return [0, 1];
  return lo === hi ? [lo - 1, hi + 1] : [lo, hi];
}

function scale([d0, d1]: readonly [number, number], [r0, r1]: readonly [number, number]): (x: number) => number {
  return (x) => r0 + ((x - d0) / (d1 - d0)) * (r1 - r0);
}

function axes(f: Frame, xs: [number, number], ys: [number, number], xLabel: string, yLabel: string): string {
  const { width: w, height: h, left: l, bottom: b } = f;
  return `<line x1="${l}" y1="${h - b}" x2="${w - 8}" y2="${h - b}" class="axis"/><line x1="${l}" y1="8" x2="${l}" y2="${h - b}" class="axis"/>` +
    `<text x="${l}" y="${h - b + 14}" class="tick">${fmt(xs[0])}</text><text x="${w - 8}" y="${h - b + 14}" class="tick" text-anchor="end">${fmt(xs[1])}</text>` +
    `<text x="${l - 4}" y="${h - b}" class="tick" text-anchor="end">${fmt(ys[0])}</text><text x="${l - 4}" y="16" class="tick" text-anchor="end">${fmt(ys[1])}</text>` +
    `<text x="${(l + w) / 2}" y="${h - 4}" class="label" text-anchor="middle">${esc(xLabel)}</text>` +
    `<text x="12" y="${(h - b) / 2}" class="label" text-anchor="middle" transform="rotate(-90 12 ${(h - b) / 2})">${esc(yLabel)}</text>`;
}

const polyline = (pts: readonly [number, number][], cls: string): string =>
  pts.length === 0 ? '' : `<polyline class="${cls}" points="${pts.map(([x, y]) => `${x.toFixed(1)},${y.toFixed(1)}`).join(' ')}"/>`;

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
function color(t: number): string {
  const stops = [[68, 1, 84], [59, 82, 139], [33, 145, 140], [94, 201, 98], [253, 231, 37]];
  const u = Math.min(Math.max(t, 0), 1) * (stops.length - 1);
  const i = Math.min(Math.floor(u), stops.length - 2);
  const w = u - i;
  const c = stops[i].map((v, k) => Math.round(v + w * (stops[i + 1][k] - v)));
  return `rgb(${c[0]},${c[1]},${c[2]})`;
}

/** λ for IAPO's inference iterates, a for an MCMC chain's. */
const iterateName = (v: ActionInspection): string => (v.iterateKind === 'chain' ? 'a' : 'λ');

function landscape1d(v: ActionInspection): string {
  const f: Frame = { width: 420, height: 260, left: 56, bottom: 34 };
  const x = scale([-1, 1], [f.left, f.width - 8]);
  const ys = v.values ? extent(v.values) : ([0, 1] as [number, number]);
  const y = scale(ys, [f.height - f.bottom, 8]);
  let body = axes(f, [v.low[0], v.high[0]], ys, 'action (env units)', v.values ? 'Q(s, a)' : 'density');
  if (v.density) {
    const peak = Math.max(...v.density) || 1;
    const base = f.height - f.bottom;
    const pts = v.axis.map((a, i) => [x(a), base - (v.density![i] / peak) * (base - 20)] as [number, number]);
    body += `<polygon class="density" points="${x(-1)},${base} ${pts.map(([px, py]) => `${px.toFixed(1)},${py.toFixed(1)}`).join(' ')} ${x(1)},${base}"/>`;
  }
  if (v.values) body += polyline(v.axis.map((a, i) => [x(a), y(v.values![i])]), 'q-line');
  const qAt = (a: number): number => (v.values ? v.values[Math.round(((a + 1) / 2) * (v.resolution - 1))] : ys[1]);
  const name = iterateName(v);
  v.iterates.forEach((it, k) => {
    const px = x(it.action[0]);
    const py = y(qAt(it.action[0]));
    body += `<circle class="iterate" cx="${px.toFixed(1)}" cy="${py.toFixed(1)}" r="4"><title>${name}${k}</title></circle>`;
    if (v.iterateKind !== 'chain') {
      body += `<text class="iterate-label" x="${px.toFixed(1)}" y="${Math.max(12, py - 7).toFixed(1)}">${name}${k}</text>`;
    } else if (k === 0 || k === v.iterates.length - 1) {
      // A chain's steps are often small: a₀ is labelled on the left of its dot, a_K on the right.
      const first = k === 0;
      body += `<text class="iterate-label" x="${(px + (first ? -7 : 7)).toFixed(1)}" y="${Math.max(12, py + 4).toFixed(1)}" text-anchor="${first ? 'end' : 'start'}">${name}${k}</text>`;
    }
  });
  const d = x(v.deterministic[0]);
  body += `<line class="deterministic" x1="${d}" y1="8" x2="${d}" y2="${f.height - f.bottom}"/>`;
  const strip = v.iterateKind === 'chain' ? chainStrip(v, f.height + 6, f.left, f.width - 8) : '';
  const height = strip ? f.height + 46 : f.height;
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${f.width} ${height}" class="landscape" data-dims="1">${body}${strip}</svg>`;
}

/**
 * A chain's a₀ … a_K on an axis of their own range, under the landscape: its steps are often far
 * smaller than the action box, and would all sit on one dot there.
 */
function chainStrip(v: ActionInspection, top: number, left: number, right: number): string {
  const points = v.iterates.map((it) => it.actionEnv[0]);
  let [lo, hi] = extent(points);
  const pad = 0.08 * (hi - lo);
  [lo, hi] = [lo - pad, hi + pad];
  const x = scale([lo, hi], [left + 30, right - 30]);
  const y = top + 20;
  const k = points.length - 1;
  return `<text x="${left}" y="${top + 4}" class="tick">chain a₀ … a${k} zoomed to [${lo.toPrecision(3)}, ${hi.toPrecision(3)}] (env units)</text>` +
    `<line class="axis" x1="${left + 30}" y1="${y}" x2="${right - 30}" y2="${y}"/>` +
    polyline(points.map((p) => [x(p), y]), 'iterate-path') +
    points.map((p, i) => `<circle class="iterate-zoom" cx="${x(p).toFixed(1)}" cy="${y}" r="4"><title>a${i} = ${p.toPrecision(6)}</title></circle>` +
      `<text class="iterate-label" x="${x(p).toFixed(1)}" y="${i % 2 === 0 ? y - 7 : y + 15}" text-anchor="middle">a${i}</text>`).join('');
}

function landscape2d(v: ActionInspection): string {
  const size = 300;
  const pad = 40;
  const n = v.resolution;
  const cell = size / n;
  const x = scale([-1, 1], [pad + cell / 2, pad + size - cell / 2]);
  const y = scale([-1, 1], [pad + size - cell / 2, pad + cell / 2]);
  let body = '';
  const [lo, hi] = v.values ? extent(v.values) : [0, 1];
  const peak = v.density ? Math.max(...v.density) || 1 : 1;
  for (let j = 0; j < n; j++) {
    for (let i = 0; i < n; i++) {
      const k = j * n + i;
      const fill = v.values ? color((v.values[k] - lo) / (hi - lo)) : '#333';
      body += `<rect x="${(x(v.axis[i]) - cell / 2).toFixed(1)}" y="${(y(v.axis[j]) - cell / 2).toFixed(1)}" width="${cell.toFixed(2)}" height="${cell.toFixed(2)}" fill="${fill}"/>`;
      if (v.density && v.density[k] / peak > 0.02) {
        body += `<circle class="density-dot" cx="${x(v.axis[i]).toFixed(1)}" cy="${y(v.axis[j]).toFixed(1)}" r="${(0.48 * cell * Math.sqrt(v.density[k] / peak)).toFixed(2)}"/>`;
      }
    }
  }
  const name = iterateName(v);
  if (v.iterates.length > 0) {
    body += polyline(v.iterates.map((it) => [x(it.action[0]), y(it.action[1])]), 'iterate-path');
    v.iterates.forEach((it, k) => {
      // Only λ₀ and λ_K are labelled: the middle iterates often sit close together.
      const label = k === 0 || k === v.iterates.length - 1
        ? `<text class="iterate-label" x="${(x(it.action[0]) + 5).toFixed(1)}" y="${(y(it.action[1]) - 5).toFixed(1)}">${name}${k}</text>` : '';
      body += `<circle class="iterate" cx="${x(it.action[0]).toFixed(1)}" cy="${y(it.action[1]).toFixed(1)}" r="4"><title>${name}${k}</title></circle>${label}`;
    });
  }
  const dx = x(v.deterministic[0]);
  const dy = y(v.deterministic[1]);
  body += `<path class="deterministic" d="M${dx - 7},${dy - 7}L${dx + 7},${dy + 7}M${dx - 7},${dy + 7}L${dx + 7},${dy - 7}"/>`;
  const labels = `<text x="${pad}" y="${pad + size + 14}" class="tick">${fmt(v.low[0])}</text><text x="${pad + size}" y="${pad + size + 14}" class="tick" text-anchor="end">${fmt(v.high[0])}</text>` +
    `<text x="${pad - 4}" y="${pad + size}" class="tick" text-anchor="end">${fmt(v.low[1])}</text><text x="${pad - 4}" y="${pad + 8}" class="tick" text-anchor="end">${fmt(v.high[1])}</text>` +
    `<text x="${pad + size / 2}" y="${pad + size + 30}" class="label" text-anchor="middle">a₀</text><text x="${pad - 26}" y="${pad + size / 2}" class="label">a₁</text>` +
    (v.values ? `<text x="${pad}" y="${pad - 10}" class="tick">Q from ${fmt(lo)} (dark) to ${fmt(hi)} (bright)</text>` : '');
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${size + 2 * pad} ${size + 2 * pad}" class="landscape" data-dims="2">${body}${labels}</svg>`;
}

/** Q(s, ·) (curve or heat map), the policy's density, the deterministic action and IAPO's λ₀ … λ_K or a chain's a₀ … a_K. */
export function landscapeSvg(v: ActionInspection): string {
  return v.actionSize === 1 ? landscape1d(v) : landscape2d(v);
}
