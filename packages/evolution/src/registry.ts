import type { Plugin } from '@dyrep/core';
import type { SaliencyCollector } from '@dyrep/saliency';
import type { CutRuleOptions } from '@dyrep/rep-blocks';
import { dyrepPolicy } from './dyrep-policy';
import { nonePolicy, staticPolicy, type StaticVariant } from './static-policy';

/** Everything a policy factory may use; each policy reads what it needs. */
export interface PolicyOptions {
  /** Required by policies that rank convs (`dyrep`). */
  saliency?: SaliencyCollector;
  adjustInterval?: number;
  maxAdjustEpochs?: number;
  topK?: number;
  recalBnBatches?: number;
  cut?: CutRuleOptions;
  /** `dyrep`: how a cut keeps the function (`fold`, default, or the authors' `reset`). */
  cutMode?: 'fold' | 'reset';
  /** `dbb`: this project's function-preserving baseline (`preserving`, default) or the authors' (`authors`). */
  dbbVariant?: StaticVariant;
}

/** Builds a policy plugin from options. */
export type PolicyFactory = (options: PolicyOptions) => Plugin;

const builtin: Readonly<Record<string, PolicyFactory>> = {
  none: () => nonePolicy(),
  dyrep: (o) => {
    if (!o.saliency) throw new Error("the 'dyrep' policy needs a saliency collector (options.saliency)");
    return dyrepPolicy({ ...o, saliency: o.saliency });
  },
  dbb: (o) => staticPolicy({ preset: 'dbb', variant: o.dbbVariant }),
  repvgg: () => staticPolicy({ preset: 'repvgg' }),
  acb: () => staticPolicy({ preset: 'acb' }),
};
const registered = new Map<string, PolicyFactory>();

/** Registers a policy under `name` so `createPolicy(name)` finds it; built-in names are reserved. */
export function registerPolicy(name: string, factory: PolicyFactory): void {
  if (!/^[a-z][a-z0-9_-]*$/.test(name)) throw new Error(`policy names are lower-case identifiers, got '${name}'`);
  if (name in builtin) throw new Error(`'${name}' is a built-in policy; register yours under another name`);
  registered.set(name, factory);
}

/** Names of the built-in (`none`, `dyrep`, `dbb`, `repvgg`, `acb`) and registered policies. */
export function listPolicies(): string[] {
  return [...Object.keys(builtin), ...registered.keys()];
}

/** Creates the policy called `name`; an unknown name lists the known ones. */
export function createPolicy(name: string, options: PolicyOptions = {}): Plugin {
  const factory = builtin[name] ?? registered.get(name);
  if (!factory) throw new Error(`unknown policy '${name}' (known: ${listPolicies().join(', ')})`);
  return factory(options);
}
