import { dirname, join, resolve } from 'node:path';
import { DataError } from './data-error';
import { idxFileCandidates, idxFileStems } from './idx';
import { firstFile } from './internal/read-file';
import { moduleDir } from './internal/module-dir';

/** Environment variable naming a root directory that holds datasets (`$DYREP_DATA_DIR/<name>`). */
export const DATA_DIR_ENV = 'DYREP_DATA_DIR';

/** Where Debian's `dataset-*` packages install data sets. */
export const SYSTEM_DATASETS_DIR = '/usr/share/datasets';

/** Which candidate a data directory was found in. */
export type DataDirSource = 'argument' | 'env' | 'system' | 'repository';

/** Result of a data-directory lookup. */
export interface ResolvedDataDir {
  /** Absolute directory that holds the dataset files. */
  dir: string;
  /** Which candidate matched. */
  source: DataDirSource;
  /** Every directory examined, in order, up to and including the match. */
  tried: string[];
}

/** Options of {@link resolveDatasetDir} (the overrides exist for tests and embedding). */
export interface ResolveDataDirOptions {
  /** Directory named by the user; when given it must hold the data (no silent fallback). */
  dataDir?: string;
  /** Environment to read {@link DATA_DIR_ENV} from; defaults to `process.env`. */
  env?: Record<string, string | undefined>;
  /** System datasets root; defaults to {@link SYSTEM_DATASETS_DIR}. */
  systemDir?: string;
  /** Directories to walk upwards from looking for `data/<name>`; defaults to this module's directory and the cwd. */
  searchFrom?: string[];
}

/** How to recognise a dataset's directory. */
export interface DatasetDirSpec {
  /** Dataset name, also the sub-directory name looked for (`data/<name>`, `$DYREP_DATA_DIR/<name>`). */
  name: string;
  /** Extra sub-directory names to try inside each candidate (e.g. `cifar-10-batches-bin`). */
  subdirs?: readonly string[];
  /** Whether a directory holds the dataset. */
  holdsData: (dir: string) => Promise<boolean>;
  /** Words for error messages: what was looked for in each directory. */
  lookingFor: string;
}

function ancestors(start: string): string[] {
  const out: string[] = [];
  let d = resolve(start);
  for (;;) {
    out.push(d);
    const p = dirname(d);
    if (p === d) return out;
    d = p;
  }
}

/**
 * Finds a dataset's directory: the directory the user names (or its `<name>` sub-directory), else
 * `$DYREP_DATA_DIR/<name>` or `$DYREP_DATA_DIR`, else `/usr/share/datasets/<name>`, else a
 * `data/<name>` folder found walking up from this package (the copy carried in the repository).
 * Reports the candidate used; throws a `not-found` {@link DataError} naming every path tried.
 */
export async function resolveDatasetDir(spec: DatasetDirSpec, options: ResolveDataDirOptions = {}): Promise<ResolvedDataDir> {
  const tried: string[] = [];
  const expand = (dir: string): string[] => {
    const base = resolve(dir);
    return [base, join(base, spec.name), ...(spec.subdirs ?? []).map((s) => join(base, s))];
  };
  const check = async (dirs: string[], source: DataDirSource): Promise<ResolvedDataDir | null> => {
    for (const d of dirs) {
      if (tried.includes(d)) continue;
      tried.push(d);
      if (await spec.holdsData(d)) return { dir: d, source, tried: [...tried] };
    }
    return null;
  };

  if (options.dataDir !== undefined && options.dataDir !== '') {
    const hit = await check(expand(options.dataDir), 'argument');
    if (hit) return hit;
    throw new DataError('not-found', `${spec.name}: the directory given (${options.dataDir}) does not hold the data set; looked for ${spec.lookingFor} in:\n  ${tried.join('\n  ')}`, {
      path: resolve(options.dataDir),
    });
  }
  const env = options.env ?? process.env;
  const envDir = env[DATA_DIR_ENV];
  if (envDir) {
    const base = resolve(envDir);
    const hit = await check([join(base, spec.name), ...(spec.subdirs ?? []).map((s) => join(base, s)), base], 'env');
    if (hit) return hit;
  }
  const systemBase = options.systemDir ?? SYSTEM_DATASETS_DIR;
  const sys = await check([join(systemBase, spec.name)], 'system');
  if (sys) return sys;
  const starts = options.searchFrom ?? [moduleDir(), process.cwd()];
  for (const start of starts) {
    const hit = await check(
      ancestors(start).map((a) => join(a, 'data', spec.name)),
      'repository',
    );
    if (hit) return hit;
  }
  throw new DataError(
    'not-found',
    `${spec.name}: data set not found; looked for ${spec.lookingFor} in ${DATA_DIR_ENV}${envDir ? '' : ' (unset)'}, ${systemBase} and the repository copy:\n  ${tried.join('\n  ')}\nPass a directory explicitly or set ${DATA_DIR_ENV}.`,
  );
}

function idxDirSpec(name: string): DatasetDirSpec {
  const names = idxFileCandidates(idxFileStems('train').images);
  return {
    name,
    holdsData: async (dir) => (await firstFile(dir, names, join)) !== null,
    lookingFor: names.join(' or '),
  };
}

/**
 * Resolves the Fashion-MNIST directory (argument, `DYREP_DATA_DIR`, `/usr/share/datasets/fashion-mnist`,
 * repository copy `data/fashion-mnist`) and reports which candidate was used.
 */
export function resolveFashionMnistDir(dataDir?: string, options: Omit<ResolveDataDirOptions, 'dataDir'> = {}): Promise<ResolvedDataDir> {
  return resolveDatasetDir(idxDirSpec('fashion-mnist'), { ...options, dataDir });
}

/** Resolves the MNIST directory with the same rules as {@link resolveFashionMnistDir} (name `mnist`). */
export function resolveMnistDir(dataDir?: string, options: Omit<ResolveDataDirOptions, 'dataDir'> = {}): Promise<ResolvedDataDir> {
  return resolveDatasetDir(idxDirSpec('mnist'), { ...options, dataDir });
}
