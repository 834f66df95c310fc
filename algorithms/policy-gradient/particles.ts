/**
 * Stein variational policy gradient's pieces (Liu et al. 2017, "Stein Variational Policy
 * Gradient"; the update of its reference code, svpg_REINFORCE `vpg_multi_stein.py`): n policy
 * particles, each acting in its own envs, and the SVGD direction that moves them together
 *
 *   φ_j = (1/n) Σ_i [ k(θ_i, θ_j) ∇_{θ_i} J(θ_i) / T + ∇_{θ_i} k(θ_i, θ_j) ],
 *   k(θ_i, θ_j) = exp(−‖θ_i − θ_j‖² / h),  h = med / (2 log(n + 1)),
 *
 * with med the median of all n² squared distances (the mean of the two middle ones) and a flat
 * prior (log q₀ = const).
 */
import { Module, Normal, Tensor, concat, zeros, type Generator, showValue } from '../../engine/index.ts';
import {
  GaussianPolicy, checkPolicyOptions, groupRows, selectRows, type PolicyModel, type PolicyOptions, type PolicyRows,
} from './policies.ts';
import { expectPositiveInteger } from '../common/arguments.ts';

export interface SvgdStep {
  /** φ_j per particle, to ascend. */
  readonly directions: Float64Array[];
  /** h */
  readonly bandwidth: number;
  /** k_ij, row-major n × n. */
  readonly kernel: Float64Array;
}

function median(values: Float64Array): number {
  const sorted = Float64Array.from(values).sort();
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

/** Checks that `vectors` are as many Float64Arrays as `thetas` (at least one), each of the first theta's length. */
function checkVectors(what: string, vectors: unknown, thetas: readonly Float64Array[]): void {
  if (!Array.isArray(vectors) || vectors.length === 0) throw new TypeError(`svgdDirections: ${what} must be a non-empty array of Float64Arrays, got ${showValue(vectors)}`);
  if (vectors.length !== thetas.length) throw new RangeError(`svgdDirections: ${what} has ${vectors.length} entries, thetas ${thetas.length}`);
  vectors.forEach((v: unknown, i) => {
    if (!(v instanceof Float64Array)) throw new TypeError(`svgdDirections: ${what}[${i}] must be a Float64Array, got ${showValue(v)}`);
    if (v.length !== thetas[0].length) throw new RangeError(`svgdDirections: ${what}[${i}] has ${v.length} entries, thetas[0] ${thetas[0].length}`);
  });
}

/**
 * The SVGD direction of every particle from its parameters θ_i and its policy gradient g_i = ∇J(θ_i).
 * A bandwidth of 0 (all particles equal) is replaced by 1, so the kernel is defined.
 */
export function svgdDirections(thetas: readonly Float64Array[], gradients: readonly Float64Array[], temperature: number): SvgdStep {
  checkVectors('thetas', thetas, thetas);
  checkVectors('gradients', gradients, thetas);
  if (typeof temperature !== 'number' || !Number.isFinite(temperature) || temperature <= 0) {
    throw new RangeError(`svgdDirections: temperature must be a finite number > 0, got ${showValue(temperature)}`);
  }
  const n = thetas.length;
  const size = thetas[0].length;
  const squared = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      let d = 0;
      for (let k = 0; k < size; k++) d += (thetas[i][k] - thetas[j][k]) ** 2;
      squared[i * n + j] = squared[j * n + i] = d;
    }
  }
  const med = median(squared);
  const bandwidth = med > 0 ? med / (2 * Math.log(n + 1)) : 1;
  const kernel = squared.map((d) => Math.exp(-d / bandwidth));
  const directions = thetas.map((thetaJ, j) => {
    const phi = new Float64Array(size);
    for (let i = 0; i < n; i++) {
      const k = kernel[i * n + j];
      for (let p = 0; p < size; p++) {
        // driving term k_ij g_i / T, and the repulsive ∇_{θ_i} k_ij = k_ij (2/h)(θ_j − θ_i)
        phi[p] += (k * gradients[i][p]) / temperature + k * (2 / bandwidth) * (thetaJ[p] - thetas[i][p]);
      }
    }
    return phi.map((v) => v / n);
  });
  return { directions, bandwidth, kernel };
}

/** n Gaussian policies; env e acts with particle e mod n. */
export class ParticlePolicy extends Module implements PolicyModel {
  readonly kind = 'point' as const;
  readonly particles: GaussianPolicy[];
  /** Mean reward per step of each particle in the last rollout; the best one acts deterministically. */
  readonly scores: Tensor;

  constructor(options: PolicyOptions, count: number) {
    super();
    checkPolicyOptions('ParticlePolicy', options);
    expectPositiveInteger('ParticlePolicy', 'count', count);
    this.particles = Array.from({ length: count }, (_, i) => this.registerModule(`particle${i}`, new GaussianPolicy(options)));
    this.scores = this.registerBuffer('scores', zeros([count]));
  }

  /** The particle with the highest score (the first on ties). */
  get leader(): number {
    const scores = this.scores.data;
    let best = 0;
    for (let i = 1; i < scores.length; i++) if (scores[i] > scores[best]) best = i;
    return best;
  }

  trainable(): Tensor[] {
    return this.parameters();
  }

  beginRollout(): void {}

  act(observations: Tensor, _t: number, generator: Generator): { actions: Tensor; logProbs: Tensor } {
    const rows = Uint32Array.from({ length: observations.shape[0] }, (_, e) => e);
    const d = this.distribution({ observations, indices: rows });
    const actions = d.sample(generator);
    return { actions, logProbs: d.logProb(actions) };
  }

  distribution(rows: PolicyRows): Normal {
    const { members, inverse } = groupRows(rows.indices, this.particles.length);
    const means: Tensor[] = [];
    const logStds: Tensor[] = [];
    members.forEach((group, i) => {
      if (group.length === 0) return;
      const parts = this.particles[i].forwardParameters(selectRows(rows.observations, group));
      means.push(parts.mean);
      logStds.push(parts.logStd);
    });
    return Normal.fromLogScale(selectRows(concat(means, 0), inverse), selectRows(concat(logStds, 0), inverse));
  }

  /** An action of the leading particle. */
  sample(observations: Tensor, generator: Generator): Tensor {
    return this.particles[this.leader].sample(observations, generator);
  }

  /** The mean action of the leading particle. */
  meanAction(observations: Tensor): Tensor {
    return this.particles[this.leader].meanAction(observations);
  }

  logDetJacobian(): Tensor {
    return new Tensor(new Float32Array(1), []);
  }

  /** Every particle's mean action (`count` is the particle count here). */
  sampledPolicies(observations: Tensor): Tensor[] {
    return this.particles.map((p) => p.meanAction(observations));
  }
}
