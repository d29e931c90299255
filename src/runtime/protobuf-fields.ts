// The few protobuf wire-format primitives an edit of a serialized ONNX model needs: walk a message's top-level
// fields without decoding them (their bytes are kept as they are), and write new fields. No schema, no library.

/** One top-level field of a serialized message: its number, wire type and the bytes of its value. */
export interface WireField {
  field: number;
  wireType: number;
  /** Where the whole field (tag included) starts and ends in the message. */
  start: number;
  end: number;
  /** A length-delimited field's payload; for other wire types, the value's bytes. */
  value: Uint8Array;
  /** A varint field's value. */
  varint: number;
}

function readVarint(bytes: Uint8Array, at: number): [value: number, next: number] {
  let value = 0;
  let scale = 1;
  for (let i = at; i < bytes.length && i < at + 10; i++) {
    const b = bytes[i];
    value += (b & 0x7f) * scale;
    scale *= 128;
    if (b < 0x80) return [value, i + 1];
  }
  throw new RangeError(`A protobuf varint at byte ${at} runs past the message.`);
}

/** The top-level fields of a serialized message, in order. Throws RangeError on bytes that are not one. */
export function wireFields(bytes: Uint8Array): WireField[] {
  const fields: WireField[] = [];
  let at = 0;
  while (at < bytes.length) {
    const start = at;
    const [tag, afterTag] = readVarint(bytes, at);
    const field = Math.floor(tag / 8);
    const wireType = tag & 7;
    let value: Uint8Array;
    let varint = 0;
    if (wireType === 0) {
      [varint, at] = readVarint(bytes, afterTag);
      value = bytes.subarray(afterTag, at);
    } else if (wireType === 2) {
      const [length, payload] = readVarint(bytes, afterTag);
      at = payload + length;
      value = bytes.subarray(payload, at);
    } else if (wireType === 1 || wireType === 5) {
      at = afterTag + (wireType === 1 ? 8 : 4);
      value = bytes.subarray(afterTag, at);
    } else {
      throw new RangeError(`Unsupported protobuf wire type ${wireType} at byte ${start}.`);
    }
    if (field === 0 || at > bytes.length) throw new RangeError(`A protobuf field at byte ${start} is malformed or runs past the message.`);
    fields.push({ field, wireType, start, end: at, value, varint });
  }
  return fields;
}

const utf8 = new TextDecoder();
const utf8Encoder = new TextEncoder();

/** Bytes read as UTF-8 text. */
export const text = (bytes: Uint8Array): string => utf8.decode(bytes);

/** The first length-delimited field `field` read as UTF-8 text ('' if absent). */
export function textField(fields: readonly WireField[], field: number): string {
  const f = fields.find((x) => x.field === field && x.wireType === 2);
  return f ? text(f.value) : '';
}

function varintBytes(value: number): number[] {
  const out: number[] = [];
  let v = value;
  while (v >= 0x80) {
    out.push((v % 128) | 0x80);
    v = Math.floor(v / 128);
  }
  out.push(v);
  return out;
}

/** Concatenates byte chunks. */
export function concatBytes(chunks: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

/** A varint field (non-negative values). */
export function varintField(field: number, value: number): Uint8Array {
  return Uint8Array.from([...varintBytes(field * 8), ...varintBytes(value)]);
}

/** A length-delimited field: bytes, a UTF-8 string, or an embedded message given as its chunks. */
export function bytesField(field: number, value: Uint8Array | string | readonly Uint8Array[]): Uint8Array {
  const payload = typeof value === 'string' ? utf8Encoder.encode(value) : value instanceof Uint8Array ? value : concatBytes(value);
  return concatBytes([Uint8Array.from([...varintBytes(field * 8 + 2), ...varintBytes(payload.length)]), payload]);
}
