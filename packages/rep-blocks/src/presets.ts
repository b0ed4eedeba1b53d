import { BRANCH_KINDS, checkBranches, normalizeGeometry, validBranches, type BlockGeometryInput, type BranchKind } from './branches';

/** Named branch sets: `dbb` (Diverse Branch Block), `repvgg`, `acb` (asymmetric conv block), `full` (what DyRep grows). */
export type PresetName = 'dbb' | 'repvgg' | 'acb' | 'full';

/** Branches each preset asks for; those invalid for a geometry are dropped by {@link presetBranches}. */
export const PRESETS: Readonly<Record<PresetName, readonly BranchKind[]>> = {
  dbb: ['kxk', '1x1', '1x1_kxk', '1x1_avg'],
  repvgg: ['kxk', '1x1', 'id'],
  acb: ['kxk', '1xk', 'kx1'],
  full: BRANCH_KINDS,
};

/** Names of the presets, for listings and error messages. */
export function listPresets(): PresetName[] {
  return Object.keys(PRESETS) as PresetName[];
}

/** The branches of preset `name` that are valid for `geometry`, in canonical order; unknown names throw. */
export function presetBranches(name: string, geometry: BlockGeometryInput): BranchKind[] {
  if (!Object.hasOwn(PRESETS, name)) {
    throw new Error(`unknown rep-block preset '${name}' (known: ${listPresets().join(', ')})`);
  }
  const valid = new Set(validBranches(normalizeGeometry(geometry)));
  return PRESETS[name as PresetName].filter((k) => valid.has(k));
}

/** A branch set given as a preset name or an explicit set of kinds, resolved and checked for `geometry`. */
export function resolveBranches(branches: PresetName | Iterable<BranchKind>, geometry: BlockGeometryInput): BranchKind[] {
  return typeof branches === 'string' ? presetBranches(branches, geometry) : checkBranches(branches, geometry);
}
