/**
 * The action landscape of an inspected state (algorithms/inspect.ts) as SVG: Q(s, ·) as a curve (one
 * action dimension) or a heat map (two), the policy's density, the deterministic action, and IAPO's
 * inference iterates λ₀ … λ_K or an MCMC chain's a₀ … a_K. The page draws it; `varl inspect --svg`
 * writes it as a file of its own (`standalone`: with its styles and a white background).
 */
import { showValue } from '../../engine/index.ts';
import type { ActionInspection } from '../inspect.ts';
import { axes, extent, fmt, polyline, scale, type Frame } from './svg-chart.ts';

/** The landscape's styles: in the page's stylesheet's place when the SVG stands alone. */
export const LANDSCAPE_STYLE = [
  '.axis { stroke: #555; stroke-width: 1; }',
  '.tick { font-size: 10px; fill: #555; font-family: sans-serif; }',
  '.label { font-size: 11px; fill: #333; font-family: sans-serif; }',
  '.q-line { fill: none; stroke: #2b8a3e; stroke-width: 2; }',
  '.density { fill: #74c0fc; fill-opacity: 0.45; stroke: #339af0; }',
  '.density-dot { fill: #fff; fill-opacity: 0.75; }',
  '.deterministic { stroke: #e03131; stroke-width: 2.5; fill: none; }',
  '.iterate, .iterate-zoom { fill: #f08c00; stroke: #fff; stroke-width: 1; }',
  '.iterate-path { fill: none; stroke: #f08c00; stroke-width: 1.5; stroke-dasharray: 3 2; }',
  '.iterate-label { font-size: 10px; fill: #d9480f; font-weight: 600; font-family: sans-serif; }',
].join('\n');

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
  const [d] = v.dims;
  const f: Frame = { width: 420, height: 260, left: 56, bottom: 34 };
  const x = scale([-1, 1], [f.left, f.width - 8]);
  const ys = v.values ? extent(v.values) : ([0, 1] as [number, number]);
  const y = scale(ys, [f.height - f.bottom, 8]);
  let body = axes(f, [v.low[d], v.high[d]], ys, v.actionSize === 1 ? 'action (env units)' : `action ${d} (env units; the others at the deterministic action)`, v.values ? 'Q(s, a)' : 'density');
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
    const px = x(it.action[d]);
    const py = y(qAt(it.action[d]));
    body += `<circle class="iterate" cx="${px.toFixed(1)}" cy="${py.toFixed(1)}" r="4"><title>${name}${k}</title></circle>`;
    if (v.iterateKind !== 'chain') {
      body += `<text class="iterate-label" x="${px.toFixed(1)}" y="${Math.max(12, py - 7).toFixed(1)}">${name}${k}</text>`;
    } else if (k === 0 || k === v.iterates.length - 1) {
      // A chain's steps are often small: a₀ is labelled on the left of its dot, a_K on the right.
      const first = k === 0;
      body += `<text class="iterate-label" x="${(px + (first ? -7 : 7)).toFixed(1)}" y="${Math.max(12, py + 4).toFixed(1)}" text-anchor="${first ? 'end' : 'start'}">${name}${k}</text>`;
    }
  });
  const at = x(v.deterministic[d]);
  body += `<line class="deterministic" x1="${at}" y1="8" x2="${at}" y2="${f.height - f.bottom}"/>`;
  const strip = v.iterateKind === 'chain' ? chainStrip(v, f.height + 6, f.left, f.width - 8) : '';
  const height = strip ? f.height + 46 : f.height;
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${f.width} ${height}" class="landscape" data-dims="1">${body}${strip}</svg>`;
}

/**
 * A chain's a₀ … a_K on an axis of their own range, under the landscape: its steps are often far
 * smaller than the action box, and would all sit on one dot there.
 */
function chainStrip(v: ActionInspection, top: number, left: number, right: number): string {
  const points = v.iterates.map((it) => it.actionEnv[v.dims[0]]);
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
  const [d0, d1] = v.dims;
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
    body += polyline(v.iterates.map((it) => [x(it.action[d0]), y(it.action[d1])]), 'iterate-path');
    v.iterates.forEach((it, k) => {
      // Only λ₀ and λ_K are labelled: the middle iterates often sit close together.
      const label = k === 0 || k === v.iterates.length - 1
        ? `<text class="iterate-label" x="${(x(it.action[d0]) + 5).toFixed(1)}" y="${(y(it.action[d1]) - 5).toFixed(1)}">${name}${k}</text>` : '';
      body += `<circle class="iterate" cx="${x(it.action[d0]).toFixed(1)}" cy="${y(it.action[d1]).toFixed(1)}" r="4"><title>${name}${k}</title></circle>${label}`;
    });
  }
  const dx = x(v.deterministic[d0]);
  const dy = y(v.deterministic[d1]);
  body += `<path class="deterministic" d="M${dx - 7},${dy - 7}L${dx + 7},${dy + 7}M${dx - 7},${dy + 7}L${dx + 7},${dy - 7}"/>`;
  const labels = `<text x="${pad}" y="${pad + size + 14}" class="tick">${fmt(v.low[d0])}</text><text x="${pad + size}" y="${pad + size + 14}" class="tick" text-anchor="end">${fmt(v.high[d0])}</text>` +
    `<text x="${pad - 4}" y="${pad + size}" class="tick" text-anchor="end">${fmt(v.low[d1])}</text><text x="${pad - 4}" y="${pad + 8}" class="tick" text-anchor="end">${fmt(v.high[d1])}</text>` +
    `<text x="${pad + size / 2}" y="${pad + size + 30}" class="label" text-anchor="middle">action ${d0}</text>` +
    `<text x="${pad - 30}" y="${pad + size / 2}" class="label" text-anchor="middle" transform="rotate(-90 ${pad - 30} ${pad + size / 2})">action ${d1}</text>` +
    (v.values ? `<text x="${pad}" y="${pad - 10}" class="tick">Q from ${fmt(lo)} (dark) to ${fmt(hi)} (bright)` +
      `${v.actionSize > 2 ? '; the other actions at the deterministic action' : ''}</text>` : '');
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${size + 2 * pad} ${size + 2 * pad}" class="landscape" data-dims="2">${body}${labels}</svg>`;
}

/**
 * Q(s, ·) (curve or heat map), the policy's density, the deterministic action and IAPO's λ₀ … λ_K or a
 * chain's a₀ … a_K; `standalone` adds the styles (LANDSCAPE_STYLE) and a white background, for a file.
 * @example writeFileSync('state.svg', landscapeSvg(inspectActions(agent, obs), { standalone: true }))
 */
export function landscapeSvg(v: ActionInspection, { standalone = false }: { standalone?: boolean } = {}): string {
  const given = v as Partial<ActionInspection> | null | undefined;
  if (typeof given !== 'object' || given === null || !Array.isArray(given.dims) || !(given.dims.length === 1 || given.dims.length === 2)
    || !Array.isArray(given.axis) || !Array.isArray(given.iterates) || !Array.isArray(given.deterministic)) {
    throw new TypeError(`landscapeSvg: expected an inspection (what inspectActions returns), got ${showValue(v)}`);
  }
  const svg = v.dims.length === 1 ? landscape1d(v) : landscape2d(v);
  if (!standalone) return svg;
  // A file gets the viewBox's size as its own, its styles and a white background.
  const [, width, height] = /viewBox="0 0 (\S+) (\S+)"/.exec(svg)!;
  const open = svg.indexOf('>');
  return `${svg.slice(0, open)} width="${width}" height="${height}"><style>${LANDSCAPE_STYLE}</style>` +
    `<rect width="100%" height="100%" fill="#fff"/>${svg.slice(open + 1)}`;
}
