import { ModelLoadError } from '../../core/index.ts';
import type { MxnetArray } from './mxnet-params.ts';
import type { ParamUse } from './mxnet-shapes.ts';

/** Where the converter gets parameter values from: a `.params` file, or generated (synthetic) weights. */
export interface WeightSource {
  /** The values of a parameter, checked against the shape its op needs. */
  get(use: ParamUse): Float32Array;
  /** Problems worth telling the user that do not stop the conversion. */
  warnings(usedNames: ReadonlySet<string>): string[];
}

/**
 * The release quirk: BatchNorm statistics are `*_moving_mean/var` in the symbol (what MXNet ≥ 1.0 calls them)
 * but may be stored as `*_running_mean/var` (the name older Gluon exports used), or the other way round.
 */
function alternativeNames(name: string): string[] {
  const m = /^(.*)_(moving|running)_(mean|var)$/.exec(name);
  if (!m) return [];
  return [`${m[1]}_${m[2] === 'moving' ? 'running' : 'moving'}_${m[3]}`];
}

const shapeText = (s: readonly number[]) => `[${s.join(',')}]`;

/** Parameters from an MXNet `.params` file, looked up by the symbol's variable names. */
export class ParamsWeights implements WeightSource {
  private readonly byName = new Map<string, MxnetArray>();

  constructor(
    private readonly arrays: readonly MxnetArray[],
    private readonly source: string,
  ) {
    // `arg:`/`aux:` prefixes first, then bare names; the first entry with a name wins.
    for (const a of arrays) if (!this.byName.has(a.name)) this.byName.set(a.name, a);
  }

  private find(name: string): MxnetArray | undefined {
    return this.byName.get(name) ?? alternativeNames(name).map((n) => this.byName.get(n)).find(Boolean);
  }

  get(use: ParamUse): Float32Array {
    const { variable, consumer, role, shape } = use;
    const array = this.find(variable.name);
    const needs = `the ${role} of ${consumer.op} ${consumer.name}, shape ${shapeText(shape)}`;
    if (!array) {
      throw new ModelLoadError(
        `${this.source} has no array "${variable.name}" (${needs}): the params and the symbol file do not belong to the same model.`,
      );
    }
    if (array.shape.join(',') !== shape.join(',')) {
      throw new ModelLoadError(
        `"${array.key}" in ${this.source} is ${shapeText(array.shape)}, but ${needs.replace(', shape', ' needs')}: ` +
          'the params and the symbol file do not belong to the same model.',
      );
    }
    if (!array.data) throw new ModelLoadError(`"${array.key}" in ${this.source} is ${array.dtype}; parameters must be floating point.`);
    let bad = 0;
    for (const v of array.data) if (!Number.isFinite(v)) bad++;
    if (bad > 0) throw new ModelLoadError(`"${array.key}" in ${this.source} holds ${bad} value(s) that are NaN or infinite: a corrupt file?`);
    return array.data;
  }

  warnings(usedNames: ReadonlySet<string>): string[] {
    const used = new Set<string>();
    for (const n of usedNames) for (const alt of [n, ...alternativeNames(n)]) used.add(alt);
    const unused = this.arrays.filter((a) => !used.has(a.name));
    if (unused.length === 0) return [];
    const names = unused.slice(0, 5).map((a) => a.key).join(', ');
    return [`${unused.length} array(s) in ${this.source} are not used by the symbol: ${names}${unused.length > 5 ? ', …' : ''}.`];
  }
}

/** Precomputed parameters by variable name (synthetic weights). */
export class MapWeights implements WeightSource {
  constructor(private readonly values: ReadonlyMap<string, Float32Array>) {}

  get(use: ParamUse): Float32Array {
    const v = this.values.get(use.variable.name);
    if (!v) throw new Error(`No generated values for ${use.variable.name}.`);
    return v;
  }

  warnings(): string[] {
    return [];
  }
}
