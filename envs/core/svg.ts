/** Minimal SVG helpers for `renderSvg()`: shapes are given in world coordinates with y pointing up. */

/** Rounds to 4 decimals so frames are compact and stable. */
export function num(value: number): string {
  return Number.isFinite(value) ? String(Math.round(value * 1e4) / 1e4) : '0';
}

export interface SvgView {
  xMin: number;
  xMax: number;
  yMin: number;
  yMax: number;
  /** Output width in pixels; the height follows the aspect ratio. */
  widthPx: number;
}

/**
 * Wraps world-space `shapes` in an SVG document, under a caption band in pixel units (so the text
 * stays legible whatever the world's scale).
 * @example svgScene(view, [line(0, 0, 1, 1, 0.02, '#333')], 'Pendulum-v1 θ=0.00')
 */
export function svgScene(view: SvgView, shapes: readonly string[], caption: string): string {
  const width = view.xMax - view.xMin;
  const height = view.yMax - view.yMin;
  const heightPx = Math.round((view.widthPx * height) / width);
  const band = 24;
  const escaped = caption.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${view.widthPx}" height="${heightPx + band}" viewBox="0 0 ${view.widthPx} ${heightPx + band}">`,
    `<rect x="0" y="0" width="${view.widthPx}" height="${heightPx + band}" fill="#ffffff"/>`,
    `<text x="8" y="17" font-family="sans-serif" font-size="14" fill="#333333">${escaped}</text>`,
    `<svg x="0" y="${band}" width="${view.widthPx}" height="${heightPx}" viewBox="${num(view.xMin)} ${num(-view.yMax)} ${num(width)} ${num(height)}">`,
    `<g transform="scale(1,-1)">`,
    ...shapes,
    `</g>`,
    `</svg>`,
    `</svg>`,
  ].join('\n');
}

export function line(x1: number, y1: number, x2: number, y2: number, strokeWidth: number, color: string): string {
  return `<line x1="${num(x1)}" y1="${num(y1)}" x2="${num(x2)}" y2="${num(y2)}" stroke="${color}" stroke-width="${num(strokeWidth)}" stroke-linecap="round"/>`;
}

export function circle(cx: number, cy: number, r: number, fill: string, stroke = 'none', strokeWidth = 0): string {
  return `<circle cx="${num(cx)}" cy="${num(cy)}" r="${num(r)}" fill="${fill}" stroke="${stroke}" stroke-width="${num(strokeWidth)}"/>`;
}

/** Axis-aligned rectangle centred at (cx, cy). */
export function rect(cx: number, cy: number, width: number, height: number, fill: string): string {
  return `<rect x="${num(cx - width / 2)}" y="${num(cy - height / 2)}" width="${num(width)}" height="${num(height)}" fill="${fill}"/>`;
}

export function polyline(points: readonly (readonly [number, number])[], strokeWidth: number, color: string): string {
  const coords = points.map(([x, y]) => `${num(x)},${num(y)}`).join(' ');
  return `<polyline points="${coords}" fill="none" stroke="${color}" stroke-width="${num(strokeWidth)}"/>`;
}
