// createFeatureExtractor: named intermediate outputs of a model, as
// torchvision.models.feature_extraction.create_feature_extractor returns them
// for module nodes, taken with forward hooks instead of an FX graph.

import { describe, type Tensor } from '../tensor.js';
import { type AnyModule, Module, type RemovableHandle } from './module.js';

/** Thrown by the last hook to stop the forward pass once every requested output is in. */
class Done extends Error {}

interface Node {
  module: AnyModule;
  /** Which call of the module (0 = first): FX names the k-th call of a reused module `name_k`. */
  call: number;
  output: string;
}

/**
 * A model that returns the outputs of the named submodules (torchvision's
 * node names for module calls: 'layer3', 'layer1.0.relu', and 'layer1.0.relu_2'
 * for the third call of a module used several times) as an object. The
 * forward stops once every requested output has been computed, as
 * torchvision's truncated graph does. Shares the model's modules (same
 * stateDict() keys).
 */
export class FeatureExtractor extends Module<[Tensor], Record<string, Tensor>> {
  readonly #nodes: Node[];

  constructor(model: AnyModule, returnNodes: Record<string, string> | readonly string[]) {
    super();
    if (!(model instanceof Module)) throw new TypeError(`createFeatureExtractor: expected Module for model but received ${describe(model)}`);
    if (returnNodes === null || typeof returnNodes !== 'object') {
      throw new TypeError(`createFeatureExtractor: expected an object (node -> output name) or an array of node names but received ${describe(returnNodes)}`);
    }
    const pairs: [string, string][] = Array.isArray(returnNodes) ? returnNodes.map((n) => [n, n]) : Object.entries(returnNodes);
    if (pairs.length === 0) throw new RangeError('createFeatureExtractor: returnNodes is empty');
    const modules = new Map(model.namedModules());
    this.#nodes = pairs.map(([node, output]) => {
      const direct = modules.get(node);
      if (direct !== undefined && node !== '') return { module: direct, call: 0, output };
      const m = /^(.*)_(\d+)$/.exec(node);
      const reused = m ? modules.get(m[1]) : undefined;
      if (m && reused !== undefined && m[1] !== '') return { module: reused, call: Number(m[2]), output };
      const known = [...modules.keys()].filter((k) => k !== '');
      throw new RangeError(
        `createFeatureExtractor: node '${node}' is not a submodule of ${model.constructor.name} ` +
          `(known: ${known.slice(0, 12).join(', ')}${known.length > 12 ? ', ...' : ''}; the k-th call of a reused module is 'name_k')`,
      );
    });
    this.#model = model;
    // The model's children, under their own names: stateDict() keys are the model's.
    for (const [name, child] of model.namedChildren()) this.registerModule(name, child);
  }

  readonly #model: AnyModule;

  forward(input: Tensor): Record<string, Tensor> {
    const outputs: Record<string, Tensor> = {};
    const calls = new Map<AnyModule, number>();
    const handles: RemovableHandle[] = [];
    let remaining = this.#nodes.length;
    for (const m of new Set(this.#nodes.map((n) => n.module))) {
      const wanted = this.#nodes.filter((n) => n.module === m);
      handles.push(
        m.registerForwardHook((mod, _inputs, output) => {
          const k = calls.get(mod) ?? 0;
          calls.set(mod, k + 1);
          for (const n of wanted) {
            if (n.call === k) {
              outputs[n.output] = output as Tensor;
              remaining -= 1;
            }
          }
          if (remaining === 0) throw new Done();
        }),
      );
    }
    try {
      (this.#model as unknown as { forward(x: Tensor): unknown }).forward(input);
    } catch (error) {
      if (!(error instanceof Done)) throw error;
    } finally {
      for (const h of handles) h.remove();
    }
    const missing = this.#nodes.filter((n) => !(n.output in outputs)).map((n) => n.output);
    if (missing.length > 0) throw new Error(`createFeatureExtractor: the forward pass never produced ${missing.join(', ')}`);
    const ordered: Record<string, Tensor> = {};
    for (const n of this.#nodes) ordered[n.output] = outputs[n.output];
    return ordered;
  }
}

/**
 * torchvision's create_feature_extractor for module nodes.
 * @example
 * const body = nn.createFeatureExtractor(resnet50(), { layer2: 'feat2', layer3: 'feat3' });
 * const { feat2, feat3 } = body.forward(x);
 */
export function createFeatureExtractor(model: AnyModule, returnNodes: Record<string, string> | readonly string[]): FeatureExtractor {
  return new FeatureExtractor(model, returnNodes);
}
