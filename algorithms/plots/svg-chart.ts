/**
 * Small building blocks of varl's SVG charts, as strings: number formatting, escaping, colours, axis
 * frames, scales and polylines. The class names they emit (axis, tick, label) are styled by the page's CSS or,
 * for a standalone file, by the chart's own <style>.
 */
export const fmt = (x: number): string => (Math.abs(x) >= 1000 || (Math.abs(x) < 0.01 && x !== 0) ? x.toExponential(1) : x.toFixed(Math.abs(x) >= 100 ? 0 : 2));
/** Text for an SVG element or attribute value. */
export const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
/** Series colours, in order (matplotlib's tab10). */
export const PALETTE = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f', '#bcbd22', '#17becf'];

export interface Frame {
  readonly width: number;
  readonly height: number;
  readonly left: number;
  readonly bottom: number;
}

export function extent(values: readonly number[]): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of values) if (Number.isFinite(v)) [lo, hi] = [Math.min(lo, v), Math.max(hi, v)];
  if (!Number.isFinite(lo)) return [0, 1];
  return lo === hi ? [lo - 1, hi + 1] : [lo, hi];
}

export function scale([d0, d1]: readonly [number, number], [r0, r1]: readonly [number, number]): (x: number) => number {
  return (x) => r0 + ((x - d0) / (d1 - d0)) * (r1 - r0);
}

export function axes(f: Frame, xs: [number, number], ys: [number, number], xLabel: string, yLabel: string): string {
  const { width: w, height: h, left: l, bottom: b } = f;
  return `<line x1="${l}" y1="${h - b}" x2="${w - 8}" y2="${h - b}" class="axis"/><line x1="${l}" y1="8" x2="${l}" y2="${h - b}" class="axis"/>` +
    `<text x="${l}" y="${h - b + 14}" class="tick">${fmt(xs[0])}</text><text x="${w - 8}" y="${h - b + 14}" class="tick" text-anchor="end">${fmt(xs[1])}</text>` +
    `<text x="${l - 4}" y="${h - b}" class="tick" text-anchor="end">${fmt(ys[0])}</text><text x="${l - 4}" y="16" class="tick" text-anchor="end">${fmt(ys[1])}</text>` +
    `<text x="${(l + w) / 2}" y="${h - 4}" class="label" text-anchor="middle">${esc(xLabel)}</text>` +
    `<text x="12" y="${(h - b) / 2}" class="label" text-anchor="middle" transform="rotate(-90 12 ${(h - b) / 2})">${esc(yLabel)}</text>`;
}

export const polyline = (pts: readonly [number, number][], cls: string): string =>
  pts.length === 0 ? '' : `<polyline class="${cls}" points="${pts.map(([x, y]) => `${x.toFixed(1)},${y.toFixed(1)}`).join(' ')}"/>`;
