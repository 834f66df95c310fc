/**
 * Interop with scijs `ndarray`: `fromNdarray` reads any view (strides, offset, negative steps)
 * into a dense tensor; `toNdarray` wraps a tensor's values without copying.
 */
import ndarray, { type NdArray } from 'ndarray';
import { ValueError, describeValue, expectObject } from './errors.ts';
import { kernels } from './kernels/index.ts';
import type { DType, FloatArray } from './kernels/types.ts';
import { expectDType } from './arguments.ts';
import { assertValidShape, sizeOf } from './shape.ts';
import { Tensor, expectTensor } from './tensor.ts';

/** A dense tensor holding the values of an ndarray view (float32 unless the data is Float64Array or dtype says otherwise). */
export function fromNdarray(nd: NdArray<FloatArray | number[] | Int32Array | Uint8Array | Int16Array | Uint16Array | Uint32Array | Int8Array>, dtype?: DType): Tensor {
  expectObject('fromNdarray', 'nd', nd);
  const view: Partial<NdArray> = nd;
  if (!((Array.isArray(view.data) || ArrayBuffer.isView(view.data)) && Array.isArray(view.shape) && Array.isArray(view.stride) && typeof view.offset === 'number')) {
    throw new ValueError(`fromNdarray: nd must be an ndarray (data, shape, stride, offset), got ${describeValue(nd)}`);
  }
  if (dtype !== undefined) expectDType('fromNdarray', 'dtype', dtype);
  const source = nd.data as ArrayLike<number>;
  const type = dtype ?? (source instanceof Float64Array ? 'float64' : 'float32');
  const shape = [...nd.shape];
  assertValidShape('fromNdarray', shape);
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
  expectTensor('toNdarray', 'its argument', t);
  return ndarray(t.data, [...t.shape]);
}
