/**
 * Minimal SVG helpers for `renderSvg()`: shapes are given in world coordinates with y pointing up.
 *
 * Articulated bodies (links, poles) are drawn in their own frames: a frame is a gl-matrix `mat2d`
 * [a, b, c, d, tx, ty] held in a Float64Array (world = [a c; b d]·body + t), built joint by joint
 * with `hingeFrame`, and `bodyLine` / `bodyCircle` / `bodyPoint` map body coordinates to the world.
 */
import { mat2d, vec2, type ReadonlyMat2d } from 'gl-matrix';
import { showValue } from '../../engine/errors.ts';

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

/** A 2-D rigid frame: a gl-matrix `mat2d` in a Float64Array of 6 (float64, whatever gl-matrix's default array type). */
export type Frame = Float64Array;

/** A new frame, the identity (the world frame). */
export function createFrame(): Frame {
  const frame = new Float64Array(6);
  mat2d.identity(frame);
  return frame;
}

const jointOffset = new Float64Array(2);
const bodyScratch = new Float64Array(2);

/**
 * The frame of a body hinged at body point (x, y) of `parent` (null: the world) and turned by `angle`
 * (radians, counter-clockwise) from the parent's axes, written to `out`.
 * @example
 * const upper = hingeFrame(createFrame(), null, 0, 0, q0);     // first link, shoulder at the origin
 * const lower = hingeFrame(createFrame(), upper, 0.1, 0, q1);  // second link, elbow at the first one's end
 * bodyPoint(lower, 0.11, 0);                                   // the fingertip in world coordinates
 */
export function hingeFrame(out: Frame, parent: ReadonlyMat2d | null, x: number, y: number, angle: number): Frame {
  vec2.set(jointOffset, x, y);
  if (parent === null) mat2d.fromTranslation(out, jointOffset);
  else mat2d.translate(out, parent, jointOffset);
  mat2d.rotate(out, out, angle);
  return out;
}

/** World coordinates of body point (x, y) of `frame`. */
export function bodyPoint(frame: ReadonlyMat2d, x: number, y: number): [number, number] {
  vec2.transformMat2d(bodyScratch, vec2.set(bodyScratch, x, y), frame);
  return [bodyScratch[0]!, bodyScratch[1]!];
}

/** `line` between two body points of `frame`, e.g. a link from its hinge (0, 0) to its end (length, 0). */
export function bodyLine(frame: ReadonlyMat2d, x1: number, y1: number, x2: number, y2: number, strokeWidth: number, color: string): string {
  const [wx1, wy1] = bodyPoint(frame, x1, y1);
  const [wx2, wy2] = bodyPoint(frame, x2, y2);
  return line(wx1, wy1, wx2, wy2, strokeWidth, color);
}

/** `circle` centred at body point (x, y) of `frame`. */
export function bodyCircle(frame: ReadonlyMat2d, x: number, y: number, r: number, fill: string, stroke = 'none', strokeWidth = 0): string {
  const [cx, cy] = bodyPoint(frame, x, y);
  return circle(cx, cy, r, fill, stroke, strokeWidth);
}

/**
 * One animated SVG from a sequence of `renderSvg()` frames: each frame is shown for 1/fps seconds in a loop
 * (SMIL `<animate>` on visibility, which browsers and most viewers play).
 * @example
 * const frames = [env.renderSvg()];
 * for (let t = 0; t < 100; t++) { env.step(policy(obs)); frames.push(env.renderSvg()); }
 * writeFileSync('episode.svg', animatedSvg(frames, env.metadata.renderFps));
 */
export function animatedSvg(frames: readonly string[], fps: number): string {
  if (!Array.isArray(frames)) throw new TypeError(`animatedSvg: frames must be an array of SVG strings (from renderSvg()), got ${showValue(frames)}`);
  const odd = frames.findIndex((frame) => typeof frame !== 'string');
  if (odd >= 0) throw new TypeError(`animatedSvg: frames[${odd}] must be an SVG string (from renderSvg()), got ${showValue(frames[odd])}`);
  if (frames.length === 0) throw new RangeError('animatedSvg: needs at least one frame');
  if (typeof fps !== 'number' || !(fps > 0)) throw new RangeError(`animatedSvg: fps must be a number > 0, got ${showValue(fps)}`);
  const size = /<svg[^>]*width="(\d+)"[^>]*height="(\d+)"/.exec(frames[0]!);
  const width = size?.[1] ?? '480';
  const height = size?.[2] ?? '480';
  const duration = frames.length / fps;
  const layers = frames.map((frame, i) => {
    // Visible from i/n to (i+1)/n of the loop: discrete keyTimes with one 'visible' interval.
    const keyTimes = [0, i / frames.length, (i + 1) / frames.length, 1].map((t) => num(t)).join(';');
    const values = i === 0 ? 'visible;visible;hidden;hidden' : 'hidden;visible;hidden;hidden';
    return [
      `<g visibility="${i === 0 ? 'visible' : 'hidden'}">`,
      `<animate attributeName="visibility" calcMode="discrete" dur="${num(duration)}s" repeatCount="indefinite" keyTimes="${keyTimes}" values="${values}"/>`,
      frame,
      `</g>`,
    ].join('\n');
  });
  return [`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">`, ...layers, `</svg>`].join('\n');
}
