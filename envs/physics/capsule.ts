/**
 * Inertia of a solid capsule (a cylinder of length `length` capped by two hemispheres of radius `radius`),
 * as MuJoCo computes it for `inertiafromgeom`: uniform density, mass split between the cylinder and the caps.
 */
export interface CapsuleInertia {
  mass: number;
  /** Moment of inertia about the centre of mass, about an axis perpendicular to the capsule's axis. */
  perpendicular: number;
}

/** @example capsuleInertia({ mass: 0.1, radius: 0.045, length: 1 }).perpendicular  // ≈ 0.0094246, dm_control's pole */
export function capsuleInertia({ mass, radius, length }: { mass: number; radius: number; length: number }): CapsuleInertia {
  const sphereVolume = (4 * Math.PI * radius ** 3) / 3;
  const cylinderVolume = Math.PI * radius * radius * length;
  const density = mass / (sphereVolume + cylinderVolume);
  const sphereMass = density * sphereVolume;
  const cylinderMass = density * cylinderVolume;
  const r2 = radius * radius;
  // Cylinder about its centre, plus the two hemispheres (own inertia 83/320·m·r² each, shifted to h/2 + 3r/8).
  const perpendicular =
    (cylinderMass * (3 * r2 + length * length)) / 12 + sphereMass * ((2 * r2) / 5 + (length * length) / 4 + (3 * length * radius) / 8);
  return { mass, perpendicular };
}

/** Mass of a capsule of the given size at `density` (kg/m³); MuJoCo's default density is 1000. */
export function capsuleMass(radius: number, length: number, density = 1000): number {
  return density * ((4 * Math.PI * radius ** 3) / 3 + Math.PI * radius * radius * length);
}
