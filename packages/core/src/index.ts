// Public API of @dyrep/core: the hook and plugin contract between a trainer and its plugins, and the task contract.
export { BRANCH_KINDS } from './mutation';
export type { BranchKind, GrowOp, CutOp, MutationPlan, MutationResult } from './mutation';
export { HOOK_EVENTS, DEFAULT_PRIORITY } from './hooks';
export type {
  Logs,
  BackwardInfo,
  BatchInfo,
  CheckpointInfo,
  TrainerContext,
  HookHandlers,
  HookEvent,
  PluginState,
  Plugin,
} from './hooks';
export { orderPlugins } from './order-plugins';
export type { Task, BatchSource } from './task';
export { MemoryRunStorage } from './run-storage';
export type { RunStorage } from './run-storage';
export { createRegistry } from './registry';
export type { Registry, RegistryOptions, RegisterOptions, RegistryErrorCode } from './registry';
