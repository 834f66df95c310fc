/**
 * Interop with scijs `ndarray`: `fromNdarray` reads any view (strides, offset, negative steps)
 * into a dense tensor; `toNdarray` wraps a tensor's values without copying.
 */
import ndarray, { type NdArray } from 'ndarray';
import { ValueError } from './errors.ts';
import { kernels } from './kernels/index.ts';
import type { DType, FloatArray } from './kernels/types.ts';
import { sizeOf } from './shape.ts';
import { Tensor } from './tensor.ts';

/** A dense tensor holding the values of an ndarray view (float32 unless the data is Float64Array or dtype says otherwise). */
export function fromNdarray(nd: NdArray<FloatArray | number[] | Int32Array | Uint8Array | Int16Array | Uint16Array | Uint32Array | Int8Array>, dtype?: DType): Tensor {
  const source = nd.data as ArrayLike<number>;
  const type = dtype ?? (source instanceof Float64Array ? 'float64' : 'float32');
  const shape = [...nd.shape];
  const out = kernels().allocate(type, sizeOf(shape));
  const index = new Array<number>(shape.length).fill(0);
  for (let i = 0; i < out.length; i++) {
    let offset = nd.offset;
    for (let d = 0; d < shape.length; d++) offset += index[d] * nd.stride[d];
    const v = source[offset];
    if (typeof v !== 'number') throw new ValueError(`fromNdarray: element at [${index.join(', ')}] is not a number`);
    out[i] = v;
    for (let d = shape.length - 1; d >= 0 && ++index[d] === shape[d]; d--) index[d] = 0;
  }
  return new Tensor(out, shape);
}

/** An ndarray over the tensor's values (shared, row-major); treat it as read-only. */
export function toNdarray(t: Tensor): NdArray<FloatArray> {
  return ndarray(t.data, [...t.shape]);
}
