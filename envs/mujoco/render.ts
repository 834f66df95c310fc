/**
 * SVG frames of a MuJoCo scene, drawn from MuJoCo's own poses: each geom's world position `geom_xpos` and
 * rotation `geom_xmat` (row-major, as MuJoCo stores it) are turned into gl-matrix `mat3`/`vec3` math, and the
 * geom is projected orthographically onto the side plane (x–z, seen from −y) or the floor plane (x–y, seen
 * from above). Capsules and cylinders become round- or butt-capped strokes between their end points, spheres
 * circles, the floor a ground line with a tick every metre from the side or a one-metre grid from above (so
 * motion shows).
 *
 * Like Gymnasium's renderer, the frame shows the poses MuJoCo computed during the last substep; drawing does
 * not run MuJoCo, so rendering never changes the simulation.
 */
import { mat3, vec3 } from 'gl-matrix';
import { showValue } from '../../engine/errors.ts';
import { circle, line, svgScene } from '../core/svg.ts';
import { GeomType, type MujocoSimulation } from './runtime.ts';

export interface SceneView {
  /** `'xz'`: side view of a planar task; `'xy'`: top view. */
  plane: 'xz' | 'xy';
  /** Body whose position centres the view horizontally (and vertically in the top view); null: fixed at the origin. */
  trackBody: number | null;
  /** Half of the visible width, in metres. */
  halfWidth: number;
  /** Visible vertical extent: world z in the side view, offsets from the tracked body's y in the top view. */
  verticalMin: number;
  verticalMax: number;
  /** Geoms not drawn (e.g. Reacher's arena plane). */
  hiddenGeoms?: readonly number[];
}

const rotation = new Float64Array(9);
const rowMajor = new Float64Array(9);
const halfAxis = new Float64Array(3);
const centre = new Float64Array(3);
const endA = new Float64Array(3);
const endB = new Float64Array(3);

function colour(rgba: Float32Array, geom: number): string {
  const channel = (k: number) => Math.round(255 * Math.min(Math.max(rgba[4 * geom + k]!, 0), 1));
  return `rgb(${channel(0)},${channel(1)},${channel(2)})`;
}

/** The SVG document of the current poses of `sim` under `view`, with `caption` above it. */
export function renderScene(sim: MujocoSimulation, view: SceneView, caption: string): string {
  if (typeof sim !== 'object' || sim === null || typeof sim.views !== 'function') {
    throw new TypeError(`renderScene: sim must be a MujocoSimulation, got ${showValue(sim)}`);
  }
  if (typeof view !== 'object' || view === null || (view.plane !== 'xz' && view.plane !== 'xy')) {
    throw new TypeError(`renderScene: view must be a SceneView { plane: 'xz' or 'xy', trackBody, halfWidth, verticalMin, verticalMax }, got ${showValue(view)}`);
  }
  if (typeof caption !== 'string') throw new TypeError(`renderScene: caption must be a string, got ${showValue(caption)}`);
  const { geom_xpos: geomPos, geom_xmat: geomMat, xpos } = sim.views();
  const { count, type, size, rgba } = sim.geoms;
  const side = view.plane === 'xz';
  const track = view.trackBody;
  const cx = track === null ? 0 : xpos[3 * track]!;
  const cy = track === null || side ? 0 : xpos[3 * track + 1]!;
  const box = { xMin: cx - view.halfWidth, xMax: cx + view.halfWidth, yMin: cy + view.verticalMin, yMax: cy + view.verticalMax, widthPx: 480 };
  // Screen coordinates of a world point: (x, z) from the side, (x, y) from above.
  const u = (p: Float64Array) => p[0]!;
  const v = (p: Float64Array) => (side ? p[2]! : p[1]!);
  // Far geoms first: larger y from the side (the camera looks along +y), lower z from above.
  const depth = (g: number) => (side ? -geomPos[3 * g + 1]! : geomPos[3 * g + 2]!);
  const order = Array.from({ length: count }, (_, g) => g)
    .filter((g) => !(view.hiddenGeoms ?? []).includes(g))
    .sort((a, b) => depth(a) - depth(b));

  const shapes: string[] = [];
  for (const g of order) {
    vec3.set(centre, geomPos[3 * g]!, geomPos[3 * g + 1]!, geomPos[3 * g + 2]!);
    const fill = colour(rgba, g);
    switch (type[g]) {
      case GeomType.plane: {
        if (!side) {
          // From above, the floor is a one-metre grid, so motion shows against it.
          for (let x = Math.ceil(box.xMin); x <= box.xMax; x++) shapes.push(line(x, box.yMin, x, box.yMax, 0.01, '#d5dfd5'));
          for (let y = Math.ceil(box.yMin); y <= box.yMax; y++) shapes.push(line(box.xMin, y, box.xMax, y, 0.01, '#d5dfd5'));
          break;
        }
        const ground = centre[2]!;
        shapes.push(line(box.xMin - 1, ground - 0.02, box.xMax + 1, ground - 0.02, 0.04, '#7f8c7f'));
        for (let x = Math.floor(box.xMin); x <= box.xMax; x++) shapes.push(line(x, ground - 0.05, x, ground, 0.015, '#7f8c7f'));
        break;
      }
      case GeomType.sphere:
        shapes.push(circle(u(centre), v(centre), size[3 * g]!, fill));
        break;
      case GeomType.capsule:
      case GeomType.cylinder: {
        // MuJoCo's capsules and cylinders lie along their local z axis, half-length size[1], radius size[0].
        for (let k = 0; k < 9; k++) rowMajor[k] = geomMat[9 * g + k]!;
        mat3.transpose(rotation, rowMajor); // gl-matrix is column-major
        vec3.transformMat3(halfAxis, vec3.set(halfAxis, 0, 0, size[3 * g + 1]!), rotation);
        vec3.add(endA, centre, halfAxis);
        vec3.subtract(endB, centre, halfAxis);
        const stroke = line(u(endA), v(endA), u(endB), v(endB), 2 * size[3 * g]!, fill);
        shapes.push(type[g] === GeomType.cylinder ? stroke.replace('stroke-linecap="round"', 'stroke-linecap="butt"') : stroke);
        break;
      }
      default:
        // Boxes, ellipsoids and meshes do not occur in these models; mark their centre.
        shapes.push(circle(u(centre), v(centre), Math.max(size[3 * g]!, 0.01), fill));
    }
  }
  return svgScene(box, shapes, caption);
}
