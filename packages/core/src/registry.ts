/** Why a registry refused a call: a malformed name, a name taken already, or a name it does not know. */
export type RegistryErrorCode = 'invalid-name' | 'duplicate' | 'unknown';

/** Options of {@link createRegistry}. */
export interface RegistryOptions<T> {
  /** Process-unique id of the registry (`@dyrep/models:model`): the key of its entry store. */
  id: string;
  /** What an entry is, for messages (`model`, `policy`, `saliency metric`, `dataset`). */
  kind: string;
  /** Entries the package ships, consulted by every lookup (nothing registers on import). */
  builtins?: Iterable<readonly [string, T]>;
  /** What an entry is in plural, for messages (default `kind` + `s`). */
  plural?: string;
  /** Names {@link Registry.register} accepts, and how to say it (default lower-case words joined by `_` or `-`). */
  names?: { pattern: RegExp; rule: string };
  /** Makes the error thrown for a refused call (default a plain `Error` with the message). */
  error?: (code: RegistryErrorCode, message: string) => Error;
}

/** Options of {@link Registry.register}. */
export interface RegisterOptions {
  /** Replace an entry of the same name (a built-in one included) instead of throwing. */
  override?: boolean;
}

/**
 * A name → entry table with the semantics every `@dyrep/*` registry shares: a taken name (built-in
 * or registered) throws unless `override` is set; `register` returns a function that removes the
 * registration again, restoring what it replaced; `list` is sorted; an unknown name throws listing
 * the known ones.
 */
export interface Registry<T> {
  /** Adds `entry` under `name`; returns the function that undoes exactly this registration. */
  register(name: string, entry: T, options?: RegisterOptions): () => void;
  /** The entry called `name`, or undefined. */
  get(name: string): T | undefined;
  /** The entry called `name`; an unknown name throws listing the known ones. */
  require(name: string): T;
  /** True when `name` is known. */
  has(name: string): boolean;
  /** True when `name` is a built-in entry that has not been overridden. */
  isBuiltin(name: string): boolean;
  /** Every known name, sorted. */
  list(): string[];
}

const DEFAULT_NAMES = { pattern: /^[a-z][a-z0-9]*(?:[_-][a-z0-9]+)*$/, rule: 'lower-case words joined by _ or -' };

/** Registrations of one name, latest last; the last one is in effect. */
type Registrations<T> = { entry: T }[];

/**
 * The registrations of the registry `id`, one Map per process: it is kept on `globalThis` under a
 * `Symbol.for` key, so the ESM and the CommonJS build of a package (or two installed copies of it)
 * see the same registrations whichever module format loaded them. The single place that decides
 * where registry state lives.
 */
function registrationStore<T>(id: string): Map<string, Registrations<T>> {
  const slots = globalThis as unknown as Record<symbol, Map<string, Registrations<T>> | undefined>;
  const key = Symbol.for(`@dyrep/registry:${id}`);
  let store = slots[key];
  if (!store) {
    store = new Map<string, Registrations<T>>();
    slots[key] = store;
  }
  return store;
}

/** Creates a registry (see {@link Registry} for the shared semantics). */
export function createRegistry<T>(options: RegistryOptions<T>): Registry<T> {
  const { kind } = options;
  const builtins: ReadonlyMap<string, T> = new Map(options.builtins ?? []);
  const store = registrationStore<T>(options.id);
  const names = options.names ?? DEFAULT_NAMES;
  const plural = options.plural ?? `${kind}s`;
  const fail = (code: RegistryErrorCode, message: string): Error => (options.error ?? ((_c, m) => new Error(m)))(code, message);
  const has = (name: string): boolean => store.has(name) || builtins.has(name);
  const get = (name: string): T | undefined => {
    const regs = store.get(name);
    return regs ? regs[regs.length - 1].entry : builtins.get(name);
  };
  const list = (): string[] => [...new Set([...builtins.keys(), ...store.keys()])].sort();
  return {
    register(name, entry, registerOptions = {}) {
      if (typeof name !== 'string' || !names.pattern.test(name)) throw fail('invalid-name', `cannot register ${kind} ${JSON.stringify(name)}: names are ${names.rule}`);
      if (has(name) && !registerOptions.override) throw fail('duplicate', `${kind} '${name}' is registered already (pass override: true to replace it)`);
      const registration = { entry };
      store.set(name, [...(store.get(name) ?? []), registration]);
      return () => {
        const rest = (store.get(name) ?? []).filter((r) => r !== registration);
        if (rest.length) store.set(name, rest);
        else store.delete(name);
      };
    },
    get,
    require(name) {
      if (!has(name)) throw fail('unknown', `unknown ${kind} '${name}'; known ${plural}: ${list().join(', ')}`);
      return get(name) as T;
    },
    has,
    isBuiltin: (name) => builtins.has(name) && !store.has(name),
    list,
  };
}
