import { ModelLoadError, UnsupportedModelError } from '../../core/index.ts';

/**
 * MXNet's symbol JSON (`X-symbol.json`, nnvm graph format): `nodes` in topological order, each
 * `{op, name, attrs|attr|param, inputs: [[node, output, version], ...]}`, with `op: "null"` for variables (the
 * data input and the weights); `heads` lists the outputs as `[node, output, version]`. MXNet ≥ 1.0 writes
 * operator attributes under `attrs`, older versions under `param` (and user attributes under `attr`).
 */

export interface MxNode {
  /** Position in `nodes`. */
  index: number;
  /** `null` for variables. */
  op: string;
  name: string;
  attrs: Record<string, string>;
  /** Indices of the producing nodes (every op here has one output). */
  inputs: number[];
}

export interface MxSymbol {
  nodes: MxNode[];
  /** Output nodes, in order. */
  heads: number[];
  /** `mxnet_version` from the file, e.g. 10300 for 1.3.0, when present. */
  mxnetVersion: number | undefined;
}

interface RawNode {
  op?: unknown;
  name?: unknown;
  attrs?: unknown;
  attr?: unknown;
  param?: unknown;
  inputs?: unknown;
}

function fail(source: string, what: string): never {
  throw new ModelLoadError(`${source} is not a valid MXNet symbol file: ${what}.`);
}

function readAttrs(raw: RawNode): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of [raw.attr, raw.param, raw.attrs]) {
    if (part && typeof part === 'object') {
      for (const [k, v] of Object.entries(part)) out[k] = String(v);
    }
  }
  return out;
}

/** Parses the symbol JSON text; throws `ModelLoadError` when it is not one. */
export function parseMxnetSymbol(text: string, source = 'the symbol file'): MxSymbol {
  let json: { nodes?: unknown; heads?: unknown; attrs?: { mxnet_version?: unknown } };
  try {
    json = JSON.parse(text);
  } catch (cause) {
    const binary = /[\u0000-\u0008]/.test(text.slice(0, 64));
    throw new ModelLoadError(
      binary
        ? `${source} is not JSON but binary data: is this the .params file?`
        : `${source} is not valid JSON (truncated or not a symbol file?): ${(cause as Error).message}.`,
      { cause },
    );
  }
  if (!json || !Array.isArray(json.nodes) || !Array.isArray(json.heads)) fail(source, 'it has no "nodes" and "heads" lists');
  const rawNodes = json.nodes as RawNode[];
  const nodes: MxNode[] = rawNodes.map((raw, index) => {
    if (!raw || typeof raw.op !== 'string' || typeof raw.name !== 'string' || !Array.isArray(raw.inputs)) {
      fail(source, `node #${index} lacks op, name or inputs`);
    }
    const inputs = (raw.inputs as unknown[]).map((entry) => {
      const from = Array.isArray(entry) ? entry[0] : undefined;
      const output = Array.isArray(entry) ? (entry[1] ?? 0) : undefined;
      if (typeof from !== 'number' || from < 0 || from >= index) {
        fail(source, `node #${index} (${raw.name}) has input ${JSON.stringify(entry)}, which is not an earlier node`);
      }
      if (output !== 0) {
        throw new UnsupportedModelError(
          `${source}: node ${raw.name} reads output ${output} of ${rawNodes[from].name}; only single-output ops are supported.`,
        );
      }
      return from;
    });
    return { index, op: raw.op as string, name: raw.name as string, attrs: readAttrs(raw), inputs };
  });
  const heads = (json.heads as unknown[]).map((h) => {
    const i = Array.isArray(h) ? h[0] : undefined;
    if (typeof i !== 'number' || i < 0 || i >= nodes.length) fail(source, `head ${JSON.stringify(h)} names no node`);
    return i;
  });
  const version = json.attrs?.mxnet_version;
  const mxnetVersion = Array.isArray(version) && typeof version[1] === 'number' ? version[1] : undefined;
  return { nodes, heads, mxnetVersion };
}

// ---- attribute values (MXNet writes every attribute as a string: "(3, 3)", "(8L, 3L)", "True", "1e-05") ----

export function attrTuple(node: MxNode, key: string, fallback?: number[]): number[] {
  const text = node.attrs[key];
  if (text === undefined) {
    if (fallback) return fallback;
    throw new UnsupportedModelError(`Node ${node.name} (${node.op}) has no "${key}" attribute.`);
  }
  const inner = text.trim().replace(/^[([]/, '').replace(/[)\]]$/, '');
  if (inner.trim() === '') return [];
  const values = inner.split(',').filter((s) => s.trim() !== '').map((s) => Number(s.trim().replace(/L$/i, '')));
  if (values.some((v) => !Number.isFinite(v))) {
    throw new UnsupportedModelError(`Node ${node.name} (${node.op}): cannot read ${key}="${text}" as a tuple of numbers.`);
  }
  return values;
}

export function attrNumber(node: MxNode, key: string, fallback: number): number {
  const text = node.attrs[key];
  if (text === undefined) return fallback;
  const v = Number(text.trim().replace(/L$/i, ''));
  if (!Number.isFinite(v)) throw new UnsupportedModelError(`Node ${node.name} (${node.op}): cannot read ${key}="${text}" as a number.`);
  return v;
}

export function attrBool(node: MxNode, key: string, fallback: boolean): boolean {
  const text = node.attrs[key];
  if (text === undefined) return fallback;
  const t = text.trim().toLowerCase();
  if (t === 'true' || t === '1') return true;
  if (t === 'false' || t === '0') return false;
  throw new UnsupportedModelError(`Node ${node.name} (${node.op}): cannot read ${key}="${text}" as a boolean.`);
}

export function attrString(node: MxNode, key: string, fallback: string): string {
  return node.attrs[key] ?? fallback;
}
