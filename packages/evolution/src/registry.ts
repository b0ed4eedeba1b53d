import { createRegistry, type Plugin, type RegisterOptions } from '@dyrep/core';
import { dyrepPolicy, type DyrepPolicyOptions } from './dyrep-policy';
import { nonePolicy, staticPolicy, type StaticVariant } from './static-policy';

/**
 * Everything a policy factory may use; each policy reads what it needs: the `dyrep` policy's
 * options (its `saliency` collector required by `dyrep`), and the `dbb` variant — this project's
 * function-preserving baseline (`preserving`, default) or the authors' (`authors`).
 */
export type PolicyOptions = Partial<Omit<DyrepPolicyOptions, 'id'>> & { dbbVariant?: StaticVariant };

/** Builds a policy plugin from options. */
export type PolicyFactory = (options: PolicyOptions) => Plugin;

const policies = createRegistry<PolicyFactory>({
  id: '@dyrep/evolution:policy',
  kind: 'policy',
  plural: 'policies',
  builtins: [
    ['none', () => nonePolicy()],
    [
      'dyrep',
      (o) => {
        if (!o.saliency) throw new Error("the 'dyrep' policy needs a saliency collector (options.saliency)");
        return dyrepPolicy({ ...o, saliency: o.saliency });
      },
    ],
    ['dbb', (o) => staticPolicy({ preset: 'dbb', variant: o.dbbVariant })],
    ['repvgg', () => staticPolicy({ preset: 'repvgg' })],
    ['acb', () => staticPolicy({ preset: 'acb' })],
  ],
});

/**
 * Registers a policy under `name` so `createPolicy(name)` (and the CLI's `--policy`) finds it. A
 * taken name (built-in or registered) throws unless `override`; returns a function that removes
 * this registration again.
 */
export function registerPolicy(name: string, factory: PolicyFactory, options: RegisterOptions = {}): () => void {
  return policies.register(name, factory, options);
}

/** Names of the built-in (`acb`, `dbb`, `dyrep`, `none`, `repvgg`) and registered policies, sorted. */
export function listPolicies(): string[] {
  return policies.list();
}

/** Creates the policy called `name`; an unknown name lists the known ones. */
export function createPolicy(name: string, options: PolicyOptions = {}): Plugin {
  return policies.require(name)(options);
}
