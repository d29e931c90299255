import { UnsupportedModelError } from '../../core/index.ts';
import type { MxNode, MxSymbol } from './mxnet-symbol.ts';
import { OPS, SUPPORTED_OPS, type OpConverter, type ParamRole, type Shape } from './ops.ts';

/** A variable that holds a parameter, with the op that reads it and the shape that op needs. */
export interface ParamUse {
  variable: MxNode;
  consumer: MxNode;
  role: ParamRole;
  shape: Shape;
}

export interface MxnetShapes {
  /** The variable fed with the image. */
  input: MxNode;
  /** Output shape of every op node and of the input, by node index, at the probe size. */
  shapes: (Shape | undefined)[];
  /** Parameter variables by node index. */
  params: Map<number, ParamUse>;
}

export const isVariable = (node: MxNode): boolean => node.op === 'null';

export const opOf = (node: MxNode): OpConverter => OPS[node.op];

/** Throws one `UnsupportedModelError` naming every operator (and a node using it) the converter lacks. */
export function checkOperators(symbol: MxSymbol): void {
  const unknown = new Map<string, string[]>();
  for (const node of symbol.nodes) {
    if (!isVariable(node) && !OPS[node.op]) unknown.set(node.op, [...(unknown.get(node.op) ?? []), node.name]);
  }
  if (unknown.size > 0) {
    const list = [...unknown].map(([op, names]) => `"${op}" (node ${names[0]}${names.length > 1 ? ` and ${names.length - 1} more` : ''})`);
    throw new UnsupportedModelError(
      `The symbol uses MXNet operator${unknown.size > 1 ? 's' : ''} the converter does not support: ${list.join(', ')}. ` +
        `Supported: ${SUPPORTED_OPS.join(', ')}.`,
    );
  }
}

const dataInputCount = (node: MxNode): number => opOf(node).dataInputs?.(node) ?? node.inputs.length;

/**
 * Infers every tensor's shape for an input of `inputShape` ([1,3,H,W]) and the shape each parameter must
 * have, as MXNet's own shape inference does from the operator attributes.
 */
export function inferMxnetShapes(symbol: MxSymbol, inputShape: Shape): MxnetShapes {
  checkOperators(symbol);
  const { nodes } = symbol;
  const shapes: (Shape | undefined)[] = new Array(nodes.length);
  const params = new Map<number, ParamUse>();
  let input: MxNode | undefined;

  for (const node of nodes) {
    if (isVariable(node)) continue;
    const dataCount = dataInputCount(node);
    const dataShapes = node.inputs.slice(0, dataCount).map((i) => {
      const from = nodes[i];
      if (isVariable(from)) {
        if (params.has(i)) {
          throw new UnsupportedModelError(`Variable ${from.name} is a parameter of ${params.get(i)!.consumer.name} and data of ${node.name}.`);
        }
        if (input && input !== from) {
          throw new UnsupportedModelError(`The graph has more than one input (${input.name}, ${from.name}); the converter handles one image input.`);
        }
        input = from;
        shapes[i] = inputShape;
      }
      return shapes[i]!;
    });
    const result = opOf(node).infer(node, dataShapes);
    shapes[node.index] = result.shape;
    node.inputs.slice(dataCount).forEach((i, k) => {
      const variable = nodes[i];
      const want = result.params?.[k];
      if (!isVariable(variable) || !want) {
        throw new UnsupportedModelError(`Node ${node.name} (${node.op}) takes ${variable.name} as input ${dataCount + k}, where a weight variable is expected.`);
      }
      if (variable === input) throw new UnsupportedModelError(`The input ${variable.name} is also used as a parameter of ${node.name}.`);
      const known = params.get(i);
      if (known && known.shape.join(',') !== want.shape.join(',')) {
        throw new UnsupportedModelError(
          `Parameter ${variable.name} is shared by ${known.consumer.name} and ${node.name} with different shapes ` +
            `[${known.shape.join(',')}] and [${want.shape.join(',')}].`,
        );
      }
      if (!known) params.set(i, { variable, consumer: node, role: want.role, shape: want.shape });
    });
  }
  if (!input) throw new UnsupportedModelError('The symbol has no input variable feeding an operator.');
  return { input, shapes, params };
}
