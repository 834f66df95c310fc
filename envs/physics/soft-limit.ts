/**
 * A MuJoCo joint limit for a 2-DOF system, solved in closed form.
 *
 * MuJoCo treats a violated limit as a soft unilateral constraint (docs "Computation › Soft constraints"):
 * reference acceleration a_ref = −b·v − k·d(r)·r with b = 2/(d_max·timeconst), k = 1/(d_max²·timeconst²·dampratio²),
 * impedance d(r) from `solimp`, and regulariser R = (1 − d)/d · invweight0. With a single active scalar
 * constraint the solver's answer is f = max(0, (a_ref − J·qacc₀)/(J M⁻¹ Jᵀ + R)), qacc = qacc₀ + M⁻¹ Jᵀ f.
 * Checked against MuJoCo 3.14 on the cart-pole and reacher models (agreement ~1e-7 after hard hits; the
 * remainder is the iterative solver's tolerance).
 */

export interface JointLimit {
  /** Which of the two coordinates is limited. */
  dof: 0 | 1;
  lower: number;
  upper: number;
  /** `solreflimit` (timeconst, dampratio); MuJoCo's default is (0.02, 1). */
  timeConst: number;
  dampRatio: number;
  /** MuJoCo's `dof_invweight0`: (M⁻¹)_dof,dof at the model's reference configuration. */
  invWeight0: number;
}

/** MuJoCo's default `solimp`: (d0, dwidth, width, midpoint, power) = (0.9, 0.95, 0.001, 0.5, 2). */
const SOLIMP_D0 = 0.9;
const SOLIMP_DWIDTH = 0.95;
const SOLIMP_WIDTH = 0.001;

/**
 * Corrects `qacc` (2 entries, unconstrained accelerations) in place for `limit`.
 * `state` is [q0, q1, q̇0, q̇1]; `inverseMass` holds M⁻¹ as [i00, i01, i11]. Arguments are arrays, not
 * numbers, so a non-inlined call boxes nothing (the step stays allocation-free).
 */
export function applyJointLimit(limit: JointLimit, state: Float64Array, inverseMass: Float64Array, qacc: Float64Array): void {
  const k = limit.dof;
  const position = state[k]!;
  const belowLower = position < limit.lower;
  if (!belowLower && position <= limit.upper) return;
  const velocity = state[2 + k]!;
  // Jacobian sign: +1 for the lower limit (dist = q − lower), −1 for the upper (dist = upper − q).
  const sign = belowLower ? 1 : -1;
  const distance = belowLower ? position - limit.lower : limit.upper - position; // < 0 when violated
  // MuJoCo's getimpedance with the default solimp: x = depth/width, y = x^p / m^(p−1) for x ≤ m, else
  // 1 − (1 − x)^p / (1 − m)^(p−1), with p = 2, m = 0.5; d = d0 + y·(dwidth − d0), saturating at x ≥ 1.
  // Inlined on purpose: a helper returning a number boxes it when V8 does not inline the call.
  const x = -distance / SOLIMP_WIDTH;
  const y = x >= 1 ? 1 : x <= 0.5 ? 2 * x * x : 1 - 2 * (1 - x) * (1 - x);
  const imp = SOLIMP_D0 + y * (SOLIMP_DWIDTH - SOLIMP_D0);
  const damping = 2 / (SOLIMP_DWIDTH * limit.timeConst);
  const stiffness = 1 / (SOLIMP_DWIDTH * SOLIMP_DWIDTH * limit.timeConst * limit.timeConst * limit.dampRatio * limit.dampRatio);
  const referenceAcc = -damping * (sign * velocity) - stiffness * imp * distance;

  const i00 = inverseMass[0]!;
  const i01 = inverseMass[1]!;
  const i11 = inverseMass[2]!;
  const inverseDiag = k === 0 ? i00 : i11;
  const regulariser = ((1 - imp) / imp) * limit.invWeight0;
  const force = Math.max(0, (referenceAcc - sign * qacc[k]!) / (inverseDiag + regulariser));
  // qacc += M⁻¹ Jᵀ f, where Jᵀ f has `sign·force` in coordinate k only.
  qacc[0] = qacc[0]! + (k === 0 ? i00 : i01) * sign * force;
  qacc[1] = qacc[1]! + (k === 0 ? i01 : i11) * sign * force;
}

/**
 * Solves M·q̈ = f for a 2-DOF system with symmetric M, then applies `limit`. On entry `matrix` holds M
 * as [m00, m01, m11] and `qacc` holds f; on return `matrix` holds M⁻¹ (same layout) and `qacc` the
 * constrained accelerations. Arrays in and out keep the RK4 stage allocation-free.
 */
export function solveWithJointLimit(limit: JointLimit, state: Float64Array, matrix: Float64Array, qacc: Float64Array): void {
  const m00 = matrix[0]!;
  const m01 = matrix[1]!;
  const m11 = matrix[2]!;
  const det = m00 * m11 - m01 * m01;
  const i00 = m11 / det;
  const i01 = -m01 / det;
  const i11 = m00 / det;
  matrix[0] = i00;
  matrix[1] = i01;
  matrix[2] = i11;
  const f0 = qacc[0]!;
  const f1 = qacc[1]!;
  qacc[0] = i00 * f0 + i01 * f1;
  qacc[1] = i01 * f0 + i11 * f1;
  applyJointLimit(limit, state, matrix, qacc);
}
