// Public API of @dyrep/evolution.
export { dyrepPolicy, fullBranches } from './dyrep-policy';
export type { DyrepPolicyOptions } from './dyrep-policy';
export { staticPolicy, nonePolicy } from './static-policy';
export type { StaticPolicyOptions, StaticVariant } from './static-policy';
export { registerPolicy, listPolicies, createPolicy } from './registry';
export type { PolicyOptions, PolicyFactory } from './registry';
