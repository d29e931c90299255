import protobuf from 'protobufjs';
import { ModelLoadError } from '../../core/index.ts';
import { ATTRIBUTE_TYPE, onnxModelType } from './onnx-proto.ts';
import {
  DataType,
  tensorBytes,
  type OnnxAttribute,
  type OnnxGraph,
  type OnnxModel,
  type OnnxNode,
  type OnnxTensor,
  type OnnxValueInfo,
} from './onnx-model.ts';

// Plain objects in the shape protobufjs expects (field names as in onnx.proto) and returns.
type Msg = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

// ---------------------------------------------------------------- writing

function tensorMessage(t: OnnxTensor): Msg {
  return { dims: t.dims, data_type: t.dataType, name: t.name, raw_data: tensorBytes(t) };
}

function attributeMessage(a: OnnxAttribute): Msg {
  switch (a.type) {
    case 'int':
      return { name: a.name, type: ATTRIBUTE_TYPE.INT, i: a.value };
    case 'float':
      return { name: a.name, type: ATTRIBUTE_TYPE.FLOAT, f: a.value };
    case 'string':
      return { name: a.name, type: ATTRIBUTE_TYPE.STRING, s: new TextEncoder().encode(a.value) };
    case 'ints':
      return { name: a.name, type: ATTRIBUTE_TYPE.INTS, ints: a.value };
    case 'floats':
      return { name: a.name, type: ATTRIBUTE_TYPE.FLOATS, floats: a.value };
    case 'strings':
      return { name: a.name, type: ATTRIBUTE_TYPE.STRINGS, strings: a.value.map((s) => new TextEncoder().encode(s)) };
    case 'tensor':
      return { name: a.name, type: ATTRIBUTE_TYPE.TENSOR, t: tensorMessage(a.value) };
    case 'other':
      throw new Error(`Cannot write attribute ${a.name}: its type is not supported by the writer.`);
  }
}

function valueInfoMessage(v: OnnxValueInfo): Msg {
  const tensorType: Msg = { elem_type: v.elemType };
  if (v.shape) {
    tensorType.shape = {
      dim: v.shape.map((d) => (typeof d === 'number' ? { dim_value: d } : d === null ? {} : { dim_param: d })),
    };
  }
  return { name: v.name, type: { tensor_type: tensorType } };
}

function nodeMessage(n: OnnxNode): Msg {
  const m: Msg = { input: n.inputs, output: n.outputs, name: n.name, op_type: n.opType, attribute: n.attributes.map(attributeMessage) };
  if (n.domain) m.domain = n.domain;
  return m;
}

function graphMessage(g: OnnxGraph): Msg {
  return {
    node: g.nodes.map(nodeMessage),
    name: g.name,
    initializer: g.initializers.map(tensorMessage),
    input: g.inputs.map(valueInfoMessage),
    output: g.outputs.map(valueInfoMessage),
  };
}

/** Serializes a model to ONNX protobuf bytes (tensors as little-endian `raw_data`). */
export function encodeOnnx(model: OnnxModel): Uint8Array {
  const type = onnxModelType();
  const message: Msg = {
    ir_version: model.irVersion,
    opset_import: [{ domain: '', version: model.opset }],
    producer_name: model.producerName,
    producer_version: model.producerVersion,
    doc_string: model.docString,
    graph: graphMessage(model.graph),
    metadata_props: Object.entries(model.metadata).map(([key, value]) => ({ key, value })),
  };
  return type.encode(type.fromObject(message)).finish();
}

// ---------------------------------------------------------------- reading

const num = (v: unknown): number => (typeof v === 'number' ? v : v == null ? 0 : Number((v as protobuf.Long).toString()));
// Decoded messages carry defaults on their prototype; a oneof member is set only when it is an own property.
const has = (m: Msg, field: string): boolean => Object.prototype.hasOwnProperty.call(m, field);
const text = (v: unknown): string => (v instanceof Uint8Array ? new TextDecoder().decode(v) : String(v ?? ''));

function readTensor(m: Msg): OnnxTensor {
  const t: OnnxTensor = { name: m.name ?? '', dataType: m.data_type ?? 0, dims: (m.dims ?? []).map(num) };
  if (m.data_location === 1 || (m.external_data ?? []).length > 0) {
    throw new ModelLoadError(`Tensor ${t.name} stores its data in an external file; only self-contained ONNX files are supported.`);
  }
  if (m.raw_data && m.raw_data.length > 0) {
    t.raw = m.raw_data as Uint8Array;
    if (t.dataType === DataType.INT64 || t.dataType === DataType.INT32) {
      const view = new DataView(t.raw.buffer, t.raw.byteOffset, t.raw.byteLength);
      const size = t.dataType === DataType.INT64 ? 8 : 4;
      t.ints = [];
      for (let o = 0; o + size <= t.raw.byteLength; o += size) {
        t.ints.push(size === 8 ? Number(view.getBigInt64(o, true)) : view.getInt32(o, true));
      }
    }
  } else if ((m.float_data ?? []).length > 0) {
    t.floats = Float32Array.from(m.float_data as number[]);
  } else if ((m.int64_data ?? []).length > 0) {
    t.ints = (m.int64_data as unknown[]).map(num);
  } else if ((m.int32_data ?? []).length > 0) {
    t.ints = (m.int32_data as number[]).slice();
  } else if ((m.double_data ?? []).length > 0) {
    t.floats = Float32Array.from(m.double_data as number[]);
  } else if (t.dataType === DataType.FLOAT) {
    t.floats = new Float32Array(0);
  } else {
    t.ints = [];
  }
  return t;
}

function readAttribute(m: Msg): OnnxAttribute {
  const name: string = m.name ?? '';
  switch (m.type) {
    case ATTRIBUTE_TYPE.INT:
      return { name, type: 'int', value: num(m.i) };
    case ATTRIBUTE_TYPE.FLOAT:
      return { name, type: 'float', value: m.f ?? 0 };
    case ATTRIBUTE_TYPE.STRING:
      return { name, type: 'string', value: text(m.s) };
    case ATTRIBUTE_TYPE.INTS:
      return { name, type: 'ints', value: (m.ints ?? []).map(num) };
    case ATTRIBUTE_TYPE.FLOATS:
      return { name, type: 'floats', value: (m.floats ?? []).slice() };
    case ATTRIBUTE_TYPE.STRINGS:
      return { name, type: 'strings', value: (m.strings ?? []).map(text) };
    case ATTRIBUTE_TYPE.TENSOR:
      return { name, type: 'tensor', value: readTensor(m.t ?? {}) };
    default:
      return { name, type: 'other', value: null };
  }
}

function readValueInfo(m: Msg): OnnxValueInfo {
  const tensorType = m.type?.tensor_type;
  const dims: Msg[] | undefined = tensorType?.shape?.dim;
  return {
    name: m.name ?? '',
    elemType: tensorType?.elem_type ?? 0,
    shape: tensorType?.shape
      ? (dims ?? []).map((d) => (has(d, 'dim_value') ? num(d.dim_value) : has(d, 'dim_param') ? String(d.dim_param) : null))
      : null,
  };
}

/**
 * Parses ONNX protobuf bytes. Float tensors keep their stored bytes (`raw`, not copied); integer tensors are
 * decoded. Throws `ModelLoadError` for bytes that are not an ONNX model.
 */
export function decodeOnnx(bytes: Uint8Array, source = '(bytes)'): OnnxModel {
  let m: Msg;
  try {
    m = onnxModelType().decode(bytes) as unknown as Msg;
  } catch (cause) {
    throw new ModelLoadError(`${source} is not a readable ONNX model: ${(cause as Error).message}.`, { cause });
  }
  const g: Msg | undefined = m.graph;
  if (!g) throw new ModelLoadError(`${source} is not an ONNX model: it has no graph.`);
  const opsets: Msg[] = m.opset_import ?? [];
  const initializers = (g.initializer ?? []).map(readTensor);
  const initialized = new Set(initializers.map((t: OnnxTensor) => t.name));
  return {
    irVersion: num(m.ir_version),
    opset: num(opsets.find((o) => !o.domain || o.domain === 'ai.onnx')?.version),
    producerName: m.producer_name ?? '',
    producerVersion: m.producer_version ?? '',
    docString: m.doc_string ?? '',
    metadata: Object.fromEntries((m.metadata_props ?? []).map((p: Msg) => [p.key ?? '', p.value ?? ''])),
    graph: {
      name: g.name ?? '',
      nodes: (g.node ?? []).map(
        (n: Msg): OnnxNode => ({
          opType: n.op_type ?? '',
          name: n.name ?? '',
          ...(n.domain ? { domain: n.domain } : {}),
          inputs: (n.input ?? []).slice(),
          outputs: (n.output ?? []).slice(),
          attributes: (n.attribute ?? []).map(readAttribute),
        }),
      ),
      initializers,
      // Older IRs list initializers among the inputs too; the model's real inputs are the others.
      inputs: (g.input ?? []).map(readValueInfo).filter((v: OnnxValueInfo) => !initialized.has(v.name)),
      outputs: (g.output ?? []).map(readValueInfo),
    },
  };
}
