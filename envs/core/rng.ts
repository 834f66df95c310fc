/**
 * A small, fast, seedable generator: xoshiro128** 1.0 (Blackman & Vigna, 2018), seeded through
 * SplitMix32. Its whole state is four uint32 words, so it can be saved with `getState()` and restored
 * with `setState()` to checkpoint an environment mid-episode.
 *
 * It is not NumPy's PCG64, so a given seed yields different initial states than Gymnasium does;
 * what carries over is the contract: same seed, same stream.
 */

/** The four uint32 words of the xoshiro128** state. */
export type RngState = [number, number, number, number];

const TWO_POW_26 = 67108864;
const TWO_POW_53 = 9007199254740992;
const TWO_POW_32 = 4294967296;

/** SplitMix32 finaliser (a bijection on uint32). */
function mix32(x: number): number {
  x = Math.imul(x ^ (x >>> 16), 0x21f0aaad);
  x = Math.imul(x ^ (x >>> 15), 0x735a2d97);
  return (x ^ (x >>> 15)) >>> 0;
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

/** Throws unless `seed` is an integer in [0, 2^53), like Gymnasium's `np_random(seed)` which requires an int ≥ 0. */
export function assertValidSeed(seed: number, owner = 'Rng'): void {
  if (!Number.isSafeInteger(seed) || seed < 0) {
    throw new RangeError(`${owner}: seed must be an integer in [0, 2^53), got ${String(seed)}`);
  }
}

export class Rng {
  private s0 = 0;
  private s1 = 0;
  private s2 = 0;
  private s3 = 0;

  /** @param seed integer in [0, 2^53). */
  constructor(seed: number) {
    this.reseed(seed);
  }

  /** A generator seeded from `Math.random()`, for unseeded first resets (Gymnasium seeds from OS entropy). */
  static fromEntropy(): Rng {
    return new Rng(Math.floor(Math.random() * TWO_POW_32) * 2097152 + Math.floor(Math.random() * 2097152));
  }

  /** Restart the stream from `seed`; equal seeds give equal streams. */
  reseed(seed: number): void {
    assertValidSeed(seed);
    const low = seed >>> 0;
    const high = Math.floor(seed / TWO_POW_32) >>> 0;
    // SplitMix32 sequence over the low word; the high word is folded into two of the state words.
    let x = low;
    x = (x + 0x9e3779b9) | 0;
    this.s0 = mix32(x);
    x = (x + 0x9e3779b9) | 0;
    this.s1 = (mix32(x) ^ mix32(high ^ 0x5bd1e995)) >>> 0;
    x = (x + 0x9e3779b9) | 0;
    this.s2 = mix32(x);
    x = (x + 0x9e3779b9) | 0;
    this.s3 = (mix32(x) ^ mix32(high + 0x27d4eb2f)) >>> 0;
    if ((this.s0 | this.s1 | this.s2 | this.s3) === 0) this.s0 = 1; // the all-zero state is a fixed point
  }

  /** Next raw output, a uint32. */
  nextUint32(): number {
    const result = Math.imul(rotl(Math.imul(this.s1, 5), 7), 9);
    const t = this.s1 << 9;
    this.s2 ^= this.s0;
    this.s3 ^= this.s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = rotl(this.s3, 11);
    return result >>> 0;
  }

  /** Uniform double in [low, high), with 53 random bits. */
  uniform(low = 0, high = 1): number {
    const a = this.nextUint32() >>> 5;
    const b = this.nextUint32() >>> 6;
    const unit = (a * TWO_POW_26 + b) / TWO_POW_53;
    return low + (high - low) * unit;
  }

  /** Normal(mean, std²) by the Box–Muller transform (two uniforms per draw, no cached spare, so the state stays four words). */
  normal(mean = 0, std = 1): number {
    const u1 = 1 - this.uniform(); // (0, 1], keeps log finite
    const u2 = this.uniform();
    return mean + std * Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
  }

  /** Exponential(1), used by `Box.sample` for half-bounded coordinates. */
  exponential(): number {
    return -Math.log(1 - this.uniform());
  }

  getState(): RngState {
    return [this.s0 >>> 0, this.s1 >>> 0, this.s2 >>> 0, this.s3 >>> 0];
  }

  setState(state: readonly number[]): void {
    const valid =
      state.length === 4 && state.every((w) => Number.isInteger(w) && w >= 0 && w < TWO_POW_32) && state.some((w) => w !== 0);
    if (!valid) {
      throw new RangeError(`Rng.setState: expected four uint32 words, not all zero, got [${state.join(', ')}]`);
    }
    [this.s0, this.s1, this.s2, this.s3] = state as RngState;
  }
}
