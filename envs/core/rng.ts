/**
 * The environments' random stream: xoshiro128** 1.0 (Blackman & Vigna, 2018) — the engine's
 * `Generator` (engine/random.ts), seeded with its 'envs' SplitMix32 scheme. Its whole state is four
 * uint32 words, so it can be saved with `getState()` and restored with `setState()` to checkpoint an
 * environment mid-episode.
 *
 * It is not NumPy's PCG64, so a given seed yields different initial states than Gymnasium does;
 * what carries over is the contract: same seed, same stream.
 */
import { showValue } from '../../engine/errors.ts';
import { Generator, seedWords } from '../../engine/random.ts';

/** The four uint32 words of the xoshiro128** state. */
export type RngState = [number, number, number, number];

const TWO_POW_32 = 4294967296;

/** Throws unless `seed` is an integer in [0, 2^53), like Gymnasium's `np_random(seed)` which requires an int ≥ 0. */
export function assertValidSeed(seed: number, owner = 'Rng'): void {
  if (!Number.isSafeInteger(seed) || seed < 0) {
    throw new RangeError(`${owner}: seed must be an integer in [0, 2^53), got ${showValue(seed)}`);
  }
}

export class Rng {
  private readonly generator: Generator;

  /** @param seed integer in [0, 2^53). */
  constructor(seed: number) {
    assertValidSeed(seed);
    this.generator = Generator.fromState({ s: seedWords(seed, 'envs'), spareNormal: null });
  }

  /** A generator seeded from `Math.random()`, for unseeded first resets (Gymnasium seeds from OS entropy). */
  static fromEntropy(): Rng {
    return new Rng(Math.floor(Math.random() * TWO_POW_32) * 2097152 + Math.floor(Math.random() * 2097152));
  }

  /** Restart the stream from `seed`; equal seeds give equal streams. */
  reseed(seed: number): void {
    assertValidSeed(seed);
    this.generator.setState({ s: seedWords(seed, 'envs'), spareNormal: null });
  }

  /** Next raw output, a uint32. */
  nextUint32(): number {
    return this.generator.nextUint32();
  }

  /** Uniform double in [low, high), with 53 random bits. */
  uniform(low = 0, high = 1): number {
    return low + (high - low) * this.generator.uniform();
  }

  /** Normal(mean, std²) by the Box–Muller transform (two uniforms per draw, no cached spare, so the state stays four words). */
  normal(mean = 0, std = 1): number {
    const u1 = 1 - this.generator.uniform(); // (0, 1], keeps log finite
    const u2 = this.generator.uniform();
    return mean + std * Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
  }

  /** Exponential(1), used by `Box.sample` for half-bounded coordinates. */
  exponential(): number {
    return -Math.log(1 - this.generator.uniform());
  }

  getState(): RngState {
    const [s0, s1, s2, s3] = this.generator.getState().s;
    return [s0, s1, s2, s3];
  }

  setState(state: readonly number[]): void {
    const valid = (Array.isArray(state) || ArrayBuffer.isView(state)) &&
      state.length === 4 && state.every((w) => Number.isInteger(w) && w >= 0 && w < TWO_POW_32) && state.some((w) => w !== 0);
    if (!valid) {
      throw new RangeError(`Rng.setState: expected four uint32 words, not all zero, got ${showValue(state)}`);
    }
    this.generator.setState({ s: [state[0]!, state[1]!, state[2]!, state[3]!], spareNormal: null });
  }
}
