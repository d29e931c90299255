import type { ChannelOrder } from '../../core/index.ts';
import { UnsupportedModelError } from '../../core/index.ts';
import { DataType, floatTensor, int64Tensor, intsAttr, type OnnxModel, type OnnxNode, type OnnxTensor } from '../onnx/onnx-model.ts';
import { nameSource } from './graph-edit.ts';

/** The name of the input that `addRgbaInput` gives the model. */
export const RGBA_INPUT = 'rgba';

/**
 * Makes the model take a frame's bytes as they are: input `rgba`, uint8 [1,H,W,4] (RGBA, row-major, as in
 * ImageData or VideoFrame.copyTo with format RGBA), instead of float32 [1,3,H,W]. At the head of the graph:
 * Transpose to [1,4,H,W] (one byte a value), Slice of the channels the model takes in its order (2,1,0 with step
 * −1 for a BGR model, 0,1,2 for RGB; alpha dropped), DequantizeLinear with scale 1 and zero point 0 to float32
 * (x − 0) · 1 = x, exactly; onnxruntime's Cast does the same several times slower, and its Gather is slower
 * than Slice). These are the values a JS packer writes for a model without mean or scaling (raw 0..255), so the
 * model computes what it computed before, bit for bit. H and W are what the old input took (a dynamic model: any
 * size, multiples of 32 in practice); padding is the caller's: pixels whose R, G, B bytes are 0 (alpha is
 * ignored) give the zero padding of the float input. Only for models that take raw pixel values; mean or std
 * would need more ops. Edits the model in place.
 */
export function addRgbaInput(model: OnnxModel, channelOrder: ChannelOrder): void {
  const graph = model.graph;
  if (graph.inputs.length !== 1) throw new UnsupportedModelError(`The model has ${graph.inputs.length} inputs; an RGBA input needs exactly one.`);
  const input = graph.inputs[0];
  const shape = input.shape;
  if (input.elemType !== DataType.FLOAT || !shape || shape.length !== 4 || shape[1] !== 3 || (typeof shape[0] === 'number' && shape[0] !== 1)) {
    throw new UnsupportedModelError(`Input ${input.name} is not float32 [1,3,H,W]; an RGBA input replaces only that.`);
  }
  const fresh = nameSource(graph);
  const name = graph.inputs.some((i) => i.name === RGBA_INPUT) ? fresh(RGBA_INPUT) : RGBA_INPUT;
  const planar = fresh(`${name}_planar`);
  const order = channelOrder.toLowerCase();
  const picked = fresh(`${name}_${order}`);
  const bgr = channelOrder === 'BGR';
  // Slice: starts, ends, axes, steps. Going down from 2, an end of −5 (clamped to −1) stops after channel 0.
  const slice = [
    int64Tensor(fresh(`${picked}_starts`), [bgr ? 2 : 0]),
    int64Tensor(fresh(`${picked}_ends`), [bgr ? -5 : 3]),
    int64Tensor(fresh(`${picked}_axes`), [1]),
    int64Tensor(fresh(`${picked}_steps`), [bgr ? -1 : 1]),
  ];
  const scale = floatTensor(fresh(`${name}_scale`), [], Float32Array.of(1));
  const zeroPoint: OnnxTensor = { name: fresh(`${name}_zero_point`), dataType: DataType.UINT8, dims: [], raw: Uint8Array.of(0) };
  const head: OnnxNode[] = [
    { opType: 'Transpose', name: planar, inputs: [name], outputs: [planar], attributes: [intsAttr('perm', [0, 3, 1, 2])] },
    { opType: 'Slice', name: picked, inputs: [planar, ...slice.map((t) => t.name)], outputs: [picked], attributes: [] },
    { opType: 'DequantizeLinear', name: input.name, inputs: [picked, scale.name, zeroPoint.name], outputs: [input.name], attributes: [] },
  ];
  graph.nodes.unshift(...head);
  graph.initializers.push(...slice, scale, zeroPoint);
  graph.inputs = [{ name, elemType: DataType.UINT8, shape: [1, shape[2], shape[3], 4] }];
}
