/**
 * Seeded randomness: xoshiro128** (Blackman & Vigna), a 128-bit-state generator on 32-bit integer
 * arithmetic, which JavaScript does exactly and fast. Seeds are expanded with SplitMix32, streams
 * are split with the generator's jump polynomial (2^64 steps apart, so they never overlap in
 * practice), and the whole state (including a cached normal deviate) can be saved and restored.
 * Same seed, same calls → bit-identical numbers on every machine.
 *
 * This is varl's only xoshiro128**: the environments' `Rng` (envs/core/rng.ts) draws from a
 * `Generator` too, seeded with the 'envs' scheme of `seedWords`.
 */
import { ValueError, describeValue, showValue } from './errors.ts';
import type { FloatArray } from './kernels/types.ts';

/** The four uint32 words of a xoshiro128** state. */
export type GeneratorWords = [number, number, number, number];

export interface GeneratorState {
  readonly s: readonly [number, number, number, number];
  /** The second Box–Muller deviate when one is pending, else null. */
  readonly spareNormal: number | null;
}

/**
 * How an integer seed becomes a state. Both run a SplitMix32 sequence (Weyl increment 0x9e3779b9)
 * and differ in the finaliser and in where the seed's high 32 bits go; each is kept because
 * recorded numbers depend on it.
 * - 'engine' (`new Generator(seed)`): the murmur3 finaliser, over seed_lo ^ (seed_hi·0x9e3779b1).
 * - 'envs' (envs/core/rng.ts): the finaliser x ^= x≫16, x·0x21f0aaad, x ^= x≫15, x·0x735a2d97,
 *   x ^= x≫15 over seed_lo; seed_hi, finalised, is xor-ed into words 1 and 3.
 */
export type SeedScheme = 'engine' | 'envs';

const JUMP = [0x8764000b, 0xf542d2d3, 0x6fa035c3, 0x77f2db5b];
const GOLDEN = 0x9e3779b9;

function murmur3Finalise(z: number): number {
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
  return (z ^ (z >>> 16)) >>> 0;
}

function envsFinalise(x: number): number {
  x = Math.imul(x ^ (x >>> 16), 0x21f0aaad);
  x = Math.imul(x ^ (x >>> 15), 0x735a2d97);
  return (x ^ (x >>> 15)) >>> 0;
}

/**
 * The xoshiro128** state for `seed` (a safe integer; both 32-bit halves are used) under `scheme`.
 * Never all zero, the one state xoshiro cannot leave.
 * @example Generator.fromState({ s: seedWords(7, 'envs'), spareNormal: null })
 */
export function seedWords(seed: number, scheme: SeedScheme = 'engine'): GeneratorWords {
  if (!Number.isSafeInteger(seed)) throw new ValueError(`seedWords: seed must be a safe integer, got ${showValue(seed)}`);
  const low = seed >>> 0;
  const high = Math.floor(seed / 2 ** 32) >>> 0;
  const words: GeneratorWords = [0, 0, 0, 0];
  if (scheme === 'engine') {
    let x = (low ^ Math.imul(high, 0x9e3779b1)) >>> 0;
    for (let i = 0; i < 4; i++) {
      x = (x + GOLDEN) >>> 0;
      words[i] = murmur3Finalise(x);
    }
  } else if (scheme === 'envs') {
    let x = low;
    for (let i = 0; i < 4; i++) {
      x = (x + GOLDEN) | 0;
      words[i] = envsFinalise(x);
    }
    words[1] = (words[1] ^ envsFinalise(high ^ 0x5bd1e995)) >>> 0;
    words[3] = (words[3] ^ envsFinalise(high + 0x27d4eb2f)) >>> 0;
  } else {
    throw new ValueError(`seedWords: unknown scheme ${JSON.stringify(scheme)} (expected 'engine' or 'envs')`);
  }
  if ((words[0] | words[1] | words[2] | words[3]) === 0) words[0] = 1;
  return words;
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}

export class Generator {
  private s0 = 0;
  private s1 = 0;
  private s2 = 0;
  private s3 = 0;
  private spare: number | null = null;

  /** A generator seeded with an integer (any safe integer; both 32-bit halves are used). */
  constructor(seed: number) {
    if (!Number.isSafeInteger(seed)) throw new ValueError(`Generator: seed must be a safe integer, got ${showValue(seed)}`);
    [this.s0, this.s1, this.s2, this.s3] = seedWords(seed, 'engine');
  }

  /** The next 32 random bits as an unsigned integer. */
  nextUint32(): number {
    const result = Math.imul(rotl(Math.imul(this.s1, 5) >>> 0, 7), 9) >>> 0;
    const t = (this.s1 << 9) >>> 0;
    this.s2 ^= this.s0;
    this.s3 ^= this.s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 = (this.s2 ^ t) >>> 0;
    this.s3 = rotl(this.s3, 11);
    this.s0 >>>= 0;
    this.s1 >>>= 0;
    return result;
  }

  /** Uniform in [0, 1) with 53 random bits. */
  uniform(): number {
    const high = this.nextUint32() >>> 5; // 27 bits
    const low = this.nextUint32() >>> 6; // 26 bits
    return (high * 67108864 + low) / 9007199254740992;
  }

  /** Uniform in [0, 1) with 24 random bits: exactly representable in float32. */
  uniform24(): number {
    return (this.nextUint32() >>> 8) / 16777216;
  }

  /** Uniform integer in [0, n) without modulo bias. */
  integer(n: number): number {
    if (!Number.isInteger(n) || n <= 0 || n > 2 ** 32) {
      throw new ValueError(`Generator.integer: n must be an integer in [1, 2^32], got ${showValue(n)}`);
    }
    const limit = 2 ** 32 - (2 ** 32 % n);
    let x = this.nextUint32();
    while (x >= limit) x = this.nextUint32();
    return x % n;
  }

  /** Standard normal deviate (Box–Muller; the second deviate of each pair is kept for the next call). */
  normal(): number {
    if (this.spare !== null) {
      const z = this.spare;
      this.spare = null;
      return z;
    }
    const u1 = 1 - this.uniform(); // in (0, 1]: log stays finite
    const u2 = this.uniform();
    const r = Math.sqrt(-2 * Math.log(u1));
    this.spare = r * Math.sin(2 * Math.PI * u2);
    return r * Math.cos(2 * Math.PI * u2);
  }

  /**
   * Fills `out` with uniform numbers in [low, high). Into a Float32Array, low + (high − low)·u rounds to float32
   * and can land on `high` itself for bounds that are not symmetric about 0 (about 2⁻²⁴ per draw, as with
   * torch's uniform_); [−b, b), as weight initialisation draws, stays half-open.
   */
  fillUniform(out: FloatArray, low = 0, high = 1): FloatArray {
    checkFill('Generator.fillUniform', out, 'low', low, 'high', high);
    const width = high - low;
    if (out instanceof Float32Array) {
      for (let i = 0; i < out.length; i++) out[i] = low + width * this.uniform24();
    } else {
      for (let i = 0; i < out.length; i++) out[i] = low + width * this.uniform();
    }
    return out;
  }

  /** Fills `out` with normal numbers of the given mean and standard deviation. */
  fillNormal(out: FloatArray, mean = 0, std = 1): FloatArray {
    checkFill('Generator.fillNormal', out, 'mean', mean, 'std', std);
    for (let i = 0; i < out.length; i++) out[i] = mean + std * this.normal();
    return out;
  }

  /** Advances this generator by 2^64 steps. */
  jump(): void {
    let t0 = 0, t1 = 0, t2 = 0, t3 = 0;
    for (const word of JUMP) {
      for (let b = 0; b < 32; b++) {
        if (word & (1 << b)) {
          t0 ^= this.s0;
          t1 ^= this.s1;
          t2 ^= this.s2;
          t3 ^= this.s3;
        }
        this.nextUint32();
      }
    }
    this.s0 = t0 >>> 0;
    this.s1 = t1 >>> 0;
    this.s2 = t2 >>> 0;
    this.s3 = t3 >>> 0;
    this.spare = null;
  }

  /**
   * Splits off an independent stream: the returned generator continues from this one's current
   * position, and this one jumps 2^64 steps ahead, so the two never overlap.
   */
  split(): Generator {
    const child = Generator.fromState(this.getState());
    child.spare = null;
    this.jump();
    return child;
  }

  getState(): GeneratorState {
    return { s: [this.s0, this.s1, this.s2, this.s3], spareNormal: this.spare };
  }

  setState(state: GeneratorState): void {
    const s: unknown = state?.s;
    const words = Array.isArray(s) ? (s as unknown[]) : [];
    if (words.length !== 4 || words.some((w) => !Number.isInteger(w) || (w as number) < 0 || (w as number) > 0xffffffff) || words.every((w) => w === 0)) {
      throw new ValueError(`Generator.setState: expected four uint32 words, not all zero, got ${showValue(s)}`);
    }
    const spare = state.spareNormal;
    if (spare !== null && !(typeof spare === 'number' && Number.isFinite(spare))) {
      throw new ValueError(`Generator.setState: spareNormal must be a finite number or null, got ${showValue(spare)}`);
    }
    [this.s0, this.s1, this.s2, this.s3] = words as number[];
    this.spare = state.spareNormal;
  }

  static fromState(state: GeneratorState): Generator {
    const g = new Generator(0);
    g.setState(state);
    return g;
  }
}

/** Refuses (ValueError) what a fill cannot write into or compute with; plain arrays would silently take strings. */
function checkFill(op: string, out: unknown, nameA: string, a: unknown, nameB: string, b: unknown): void {
  if (!(out instanceof Float32Array || out instanceof Float64Array)) {
    throw new ValueError(`${op}: out must be a Float32Array or Float64Array, got ${describeValue(out)}`);
  }
  if (typeof a !== 'number') throw new ValueError(`${op}: ${nameA} must be a number, got ${describeValue(a)}`);
  if (typeof b !== 'number') throw new ValueError(`${op}: ${nameB} must be a number, got ${describeValue(b)}`);
}

/**
 * Throws a ValueError naming `op` and the argument (`what`) unless `x` is a seed (a number; the
 * Generator constructor checks that it is a safe integer) or a Generator, as `toGenerator` takes.
 * @example expectGenerator('Normal.rsample', 'generator', generator)
 */
export function expectGenerator(op: string, what: string, x: unknown): asserts x is number | Generator {
  if (typeof x !== 'number' && !(x instanceof Generator)) {
    throw new ValueError(`${op}: ${what} must be a seed (a safe integer) or a Generator, got ${describeValue(x)}`);
  }
}

/** A generator from a seed, or the generator itself. */
export function toGenerator(seedOrGenerator: number | Generator): Generator {
  return typeof seedOrGenerator === 'number' ? new Generator(seedOrGenerator) : seedOrGenerator;
}
