/**
 * The wasm assembler: encodings, type checks that name the op, label resolution, and modules that
 * validate and run.
 */
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  AssemblerError, ByteWriter, ModuleBuilder, block, br, brIf, f32, f32x4, forRange, get, i32, label, loop, set, v128,
} from '../../engine/kernels/wasm/assembler.ts';
import { buildKernelModule, relaxedSimdProbe, simdProbe } from '../../engine/kernels/wasm/module.ts';
import { defaultGemmOptions } from '../../engine/kernels/wasm/gemm.ts';
import { webAssembly } from '../../engine/kernels/wasm/runtime.ts';
import { simdSupported } from '../../engine/kernels/wasm/index.ts';

function leb(write: (w: ByteWriter) => void): number[] {
  const w = new ByteWriter();
  write(w);
  return Array.from(w.toBytes());
}

describe('wasm assembler', () => {
  describe('LEB128', () => {
    it('encodes the specification examples', () => {
      assert.deepEqual(leb((w) => w.u32(624485)), [0xe5, 0x8e, 0x26]);
      assert.deepEqual(leb((w) => w.s32(-123456)), [0xc0, 0xbb, 0x78]);
      assert.deepEqual(leb((w) => w.s32(63)), [0x3f]);
      assert.deepEqual(leb((w) => w.s32(64)), [0xc0, 0x00]);
      assert.deepEqual(leb((w) => w.s32(-64)), [0x40]);
    });

    it('round-trips every i32 (signed decoding of the bytes gives the value back)', () => {
      fc.assert(fc.property(fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }), (n) => {
        const bytes = leb((w) => w.s32(n));
        let result = 0, shift = 0, byte = 0, i = 0;
        do {
          byte = bytes[i++];
          result |= (byte & 0x7f) << shift;
          shift += 7;
        } while (byte & 0x80);
        if (shift < 32 && byte & 0x40) result |= -1 << shift;
        assert.equal(result, n);
        assert.ok(bytes.length <= 5);
      }));
    });
  });

  describe('type checking', () => {
    it('rejects mismatched operands, naming the op', () => {
      assert.throws(() => f32x4.add(f32.const(1), f32.const(2)), (e: Error) => e instanceof AssemblerError && /f32x4\.add.*f32.*v128/.test(e.message));
      assert.throws(() => v128.load(f32.const(0)), /v128\.load: operand of type f32, expected i32/);
    });

    it('rejects branches to labels that do not enclose them', () => {
      const outside = label();
      const mod = new ModuleBuilder();
      mod.func('bad', [], [], () => [br(outside)]);
      assert.throws(() => mod.build(), /does not enclose it/);
    });
  });

  describe('modules', () => {
    it('resolves branch depths through nested blocks and loops', () => {
      // sum of 0..n−1 with an early exit at 100
      const mod = new ModuleBuilder();
      mod.func('sum', ['i32'], ['i32'], (fn, [n]) => {
        const i = fn.local('i32');
        const acc = fn.local('i32');
        const done = label();
        const again = label();
        return [
          block(done, [
            loop(again, [
              brIf(done, i32.geS(get(i), get(n))),
              brIf(done, i32.geS(get(acc), i32.const(100))),
              set(acc, i32.add(get(acc), get(i))),
              set(i, i32.add(get(i), i32.const(1))),
              br(again),
            ]),
          ]),
          get(acc),
        ];
      });
      const instance = new webAssembly!.Instance(new webAssembly!.Module(mod.build()), {});
      const sum = instance.exports.sum as (n: number) => number;
      assert.equal(sum(5), 10);
      assert.equal(sum(1000), 105);
    });

    it('runs a SIMD loop over imported memory', function () {
      if (!simdSupported()) this.skip();
      const memory = new (globalThis as unknown as { WebAssembly: { Memory: new (d: object) => { buffer: ArrayBuffer } } }).WebAssembly.Memory({ initial: 1, maximum: 1 });
      const mod = new ModuleBuilder().importMemory('env', 'memory', 1, 1);
      mod.func('scale', ['i32', 'i32', 'f32'], [], (fn, [ptr, n, s]) => {
        const i = fn.local('i32');
        return [forRange(i, i32.const(0), get(n), i32.const(16), [
          v128.store(i32.add(get(ptr), get(i)), f32x4.mul(v128.load(i32.add(get(ptr), get(i))), f32x4.splat(get(s)))),
        ])];
      });
      const instance = new webAssembly!.Instance(new webAssembly!.Module(mod.build()), { env: { memory } });
      const data = new Float32Array(memory.buffer, 64, 8);
      data.set([1, 2, 3, 4, 5, 6, 7, 8]);
      (instance.exports.scale as (p: number, n: number, s: number) => void)(64, 32, 0.5);
      assert.deepEqual(Array.from(data), [0.5, 1, 1.5, 2, 2.5, 3, 3.5, 4]);
    });

    it('builds a kernel module that validates (with and without FMA)', function () {
      if (!simdSupported()) this.skip();
      assert.ok(webAssembly!.validate(simdProbe()));
      assert.ok(webAssembly!.validate(buildKernelModule({ ...defaultGemmOptions, pages: 64 })));
      // the FMA module validates exactly when relaxed SIMD does
      assert.equal(webAssembly!.validate(buildKernelModule({ ...defaultGemmOptions, fma: true, pages: 64 })), webAssembly!.validate(relaxedSimdProbe()));
    });
  });
});
