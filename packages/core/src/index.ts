// Public API of @dyrep/core: the hook and plugin contract between the trainer and its plugins.
export { BRANCH_KINDS } from './mutation';
export type { BranchKind, GrowOp, CutOp, MutationPlan, MutationResult } from './mutation';
export { HOOK_EVENTS, DEFAULT_PRIORITY } from './hooks';
export type {
  Logs, BackwardInfo, BatchInfo, CheckpointInfo, TrainerContext, HookHandlers, HookEvent, PluginState, Plugin,
} from './hooks';
export { orderPlugins } from './order-plugins';
