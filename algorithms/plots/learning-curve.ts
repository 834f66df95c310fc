/**
 * Learning curves as standalone SVG (no dependencies): evaluation return against env steps, one
 * line per series with a ±std band, the run's configuration in the title.
 *
 * @example
 * fs.writeFileSync('curve.svg', learningCurveSvg([{ label: 'seed 0', points }], { title: 'SAC Pendulum-v1', subtitle: 'lr 3e-4 …' }));
 */
import { showValue } from '../../engine/index.ts';
import { PALETTE, esc } from './svg-chart.ts';

export interface CurvePoint {
  readonly step: number;
  readonly mean: number;
  /** Half-height of the shaded band (omit or 0 for none). */
  readonly std?: number;
}

export interface CurveSeries {
  readonly label: string;
  readonly points: readonly CurvePoint[];
  /** CSS colour; defaults to a palette by series index. */
  readonly color?: string;
}

export interface CurveOptions {
  readonly title: string;
  /** Wrapped to several lines below the title, e.g. the run's config. */
  readonly subtitle?: string;
  readonly width?: number;
  readonly height?: number;
  readonly xLabel?: string;
  readonly yLabel?: string;
  /** Horizontal dashed reference lines, e.g. a target return. */
  readonly references?: readonly { readonly y: number; readonly label: string }[];
}


/** Splits text into lines of at most `width` characters at spaces. */
function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/).filter(Boolean)) {
    if (line && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else {
      line = line ? `${line} ${word}` : word;
    }
  }
  if (line) lines.push(line);
  return lines;
}

/** About 5 round tick values covering [lo, hi]. */
function ticks(lo: number, hi: number, count = 5): number[] {
  const span = hi - lo || Math.abs(hi) || 1;
  const raw = span / count;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * magnitude).find((s) => s >= raw) ?? raw;
  const out: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) out.push(Number(v.toPrecision(12)));
  return out;
}

function formatTick(v: number): string {
  const a = Math.abs(v);
  if (a >= 1e6) return `${(v / 1e6).toPrecision(3).replace(/\.?0+$/, '')}M`;
  if (a >= 1e4) return `${(v / 1e3).toPrecision(3).replace(/\.?0+$/, '')}k`;
  return String(Number(v.toPrecision(4)));
}

/**
 * The series and options as they can be drawn: a TypeError or RangeError names the first entry that is
 * not. Points whose step or mean is not finite (an evaluation that failed) are left out of the drawing.
 */
function drawable(series: readonly CurveSeries[], options: CurveOptions): CurveSeries[] {
  if (!Array.isArray(series)) throw new TypeError(`learningCurveSvg: series must be an array of { label, points }, got ${showValue(series)}`);
  if (typeof options !== 'object' || options === null) throw new TypeError(`learningCurveSvg: options must be an object with a title, got ${showValue(options)}`);
  if (typeof options.title !== 'string') throw new TypeError(`learningCurveSvg: options.title must be a string, got ${showValue(options.title)}`);
  for (const key of ['width', 'height'] as const) {
    const v = options[key];
    if (v !== undefined && !(typeof v === 'number' && Number.isFinite(v) && v >= 200)) throw new RangeError(`learningCurveSvg: options.${key} must be a number ≥ 200, got ${showValue(v)}`);
  }
  (options.references ?? []).forEach((r, i) => {
    if (typeof r?.y !== 'number' || !Number.isFinite(r.y)) throw new TypeError(`learningCurveSvg: options.references[${i}].y must be a finite number, got ${showValue(r?.y)}`);
  });
  return series.map((s, i) => {
    if (typeof s !== 'object' || s === null || typeof s.label !== 'string' || !Array.isArray(s.points)) {
      throw new TypeError(`learningCurveSvg: series[${i}] must be { label: string, points: array }, got ${showValue(s)}`);
    }
    const given: readonly CurvePoint[] = s.points;
    given.forEach((p, k) => {
      for (const key of ['step', 'mean', 'std'] as const) {
        const v = p?.[key];
        if (typeof v !== 'number' && !(key === 'std' && v === undefined)) {
          throw new TypeError(`learningCurveSvg: series[${i}].points[${k}].${key} must be a number, got ${showValue(v)}`);
        }
      }
    });
    const points = given.filter((p) => Number.isFinite(p.step) && Number.isFinite(p.mean))
      .map((p) => (p.std === undefined || Number.isFinite(p.std) ? p : { step: p.step, mean: p.mean }));
    return { ...s, points };
  });
}

export function learningCurveSvg(given: readonly CurveSeries[], options: CurveOptions): string {
  const series = drawable(given, options);
  const width = options.width ?? 760;
  const height = options.height ?? 460;
  const subtitleLines = options.subtitle ? wrap(options.subtitle, Math.floor(width / 6.6)) : [];
  const top = 34 + subtitleLines.length * 15 + 10;
  const legendWidth = series.length > 1 || series[0]?.label ? 130 : 0;
  const margin = { top, right: 20 + legendWidth, bottom: 48, left: 70 };
  const plotW = width - margin.left - margin.right;
  const plotH = height - margin.top - margin.bottom;

  const all = series.flatMap((s) => s.points);
  const refs = options.references ?? [];
  const xs = all.map((p) => p.step);
  const ys = [...all.flatMap((p) => [p.mean - (p.std ?? 0), p.mean + (p.std ?? 0)]), ...refs.map((r) => r.y)];
  const xMax = Math.max(1, ...xs);
  let yMin = ys.length ? Math.min(...ys) : 0;
  let yMax = ys.length ? Math.max(...ys) : 1;
  if (yMin === yMax) [yMin, yMax] = [yMin - 1, yMax + 1];
  const pad = (yMax - yMin) * 0.05;
  yMin -= pad;
  yMax += pad;
  const x = (v: number): number => margin.left + (v / xMax) * plotW;
  const y = (v: number): number => margin.top + (1 - (v - yMin) / (yMax - yMin)) * plotH;
  const f = (v: number): string => v.toFixed(1);

  const out: string[] = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`);
  out.push(`<rect width="${width}" height="${height}" fill="white"/>`);
  out.push(`<text x="${width / 2}" y="22" text-anchor="middle" font-size="16" font-weight="bold">${esc(options.title)}</text>`);
  subtitleLines.forEach((line, i) => {
    out.push(`<text x="${width / 2}" y="${40 + i * 15}" text-anchor="middle" fill="#444" font-size="11">${esc(line)}</text>`);
  });
  // grid and axes
  for (const t of ticks(0, xMax)) {
    out.push(`<line x1="${f(x(t))}" y1="${margin.top}" x2="${f(x(t))}" y2="${margin.top + plotH}" stroke="#eee"/>`);
    out.push(`<text x="${f(x(t))}" y="${margin.top + plotH + 16}" text-anchor="middle">${formatTick(t)}</text>`);
  }
  for (const t of ticks(yMin, yMax)) {
    out.push(`<line x1="${margin.left}" y1="${f(y(t))}" x2="${margin.left + plotW}" y2="${f(y(t))}" stroke="#eee"/>`);
    out.push(`<text x="${margin.left - 6}" y="${f(y(t) + 4)}" text-anchor="end">${formatTick(t)}</text>`);
  }
  out.push(`<rect x="${margin.left}" y="${margin.top}" width="${plotW}" height="${plotH}" fill="none" stroke="#333"/>`);
  out.push(`<text x="${margin.left + plotW / 2}" y="${height - 10}" text-anchor="middle">${esc(options.xLabel ?? 'env steps')}</text>`);
  out.push(`<text transform="translate(16 ${margin.top + plotH / 2}) rotate(-90)" text-anchor="middle">${esc(options.yLabel ?? 'eval return (mean ± std)')}</text>`);
  for (const ref of refs) {
    out.push(`<line x1="${margin.left}" y1="${f(y(ref.y))}" x2="${margin.left + plotW}" y2="${f(y(ref.y))}" stroke="#555" stroke-dasharray="5 4"/>`);
    out.push(`<text x="${margin.left + 4}" y="${f(y(ref.y) - 4)}" fill="#555" font-size="11">${esc(ref.label)}</text>`);
  }
  // bands, then lines on top
  series.forEach((s, i) => {
    const color = s.color ?? PALETTE[i % PALETTE.length];
    const pts = [...s.points].sort((a, b) => a.step - b.step);
    if (pts.some((p) => (p.std ?? 0) > 0)) {
      const upper = pts.map((p) => `${f(x(p.step))},${f(y(p.mean + (p.std ?? 0)))}`);
      const lower = pts.map((p) => `${f(x(p.step))},${f(y(p.mean - (p.std ?? 0)))}`).reverse();
      out.push(`<polygon points="${[...upper, ...lower].join(' ')}" fill="${color}" fill-opacity="0.12" stroke="none"/>`);
    }
  });
  series.forEach((s, i) => {
    const color = s.color ?? PALETTE[i % PALETTE.length];
    const pts = [...s.points].sort((a, b) => a.step - b.step);
    if (pts.length > 1) {
      out.push(`<polyline points="${pts.map((p) => `${f(x(p.step))},${f(y(p.mean))}`).join(' ')}" fill="none" stroke="${color}" stroke-width="1.8"/>`);
    }
    for (const p of pts) out.push(`<circle cx="${f(x(p.step))}" cy="${f(y(p.mean))}" r="2.2" fill="${color}"/>`);
    if (legendWidth) {
      const ly = margin.top + 10 + i * 18;
      const lx = margin.left + plotW + 12;
      out.push(`<line x1="${lx}" y1="${ly}" x2="${lx + 18}" y2="${ly}" stroke="${color}" stroke-width="2.5"/>`);
      out.push(`<text x="${lx + 24}" y="${ly + 4}">${esc(s.label)}</text>`);
    }
  });
  out.push('</svg>');
  return out.join('\n') + '\n';
}
