/**
 * Where a training run keeps its files (checkpoint, metrics, summaries). The trainer writes only
 * through this interface, so a run can live in a directory (`directoryStorage` in
 * `@dyrep/core/node`), in memory (tests, browsers), or anywhere else a caller implements it.
 * Names are `/`-separated relative paths such as `checkpoint/last.ckpt`.
 */
export interface RunStorage {
  /** The stored bytes of `name`, or `undefined` when it does not exist. */
  read(name: string): Promise<Uint8Array | undefined>;
  /** Replaces `name` atomically: after any failure the previous content is still there, whole. */
  write(name: string, bytes: Uint8Array): Promise<void>;
  /** Appends `text` (UTF-8) to `name`, creating it when absent. */
  append(name: string, text: string): Promise<void>;
  /** Removes `name`; nothing happens when it does not exist. */
  remove(name: string): Promise<void>;
  /** Names of every stored entry, sorted. */
  list(): Promise<string[]>;
  /** A human-readable location of `name` for messages (a file path for a directory). */
  locate(name: string): string;
}

/** A {@link RunStorage} held in memory: each read returns a copy, so callers cannot alter what is stored. */
export class MemoryRunStorage implements RunStorage {
  private readonly entries = new Map<string, Uint8Array>();

  /** `label` prefixes {@link MemoryRunStorage.locate} (default `memory`). */
  constructor(private readonly label = 'memory') {}

  async read(name: string): Promise<Uint8Array | undefined> {
    const bytes = this.entries.get(name);
    return bytes && bytes.slice();
  }

  async write(name: string, bytes: Uint8Array): Promise<void> {
    this.entries.set(name, bytes.slice());
  }

  async append(name: string, text: string): Promise<void> {
    const added = new TextEncoder().encode(text);
    const old = this.entries.get(name) ?? new Uint8Array(0);
    const joined = new Uint8Array(old.length + added.length);
    joined.set(old);
    joined.set(added, old.length);
    this.entries.set(name, joined);
  }

  async remove(name: string): Promise<void> {
    this.entries.delete(name);
  }

  async list(): Promise<string[]> {
    return [...this.entries.keys()].sort();
  }

  locate(name: string): string {
    return `${this.label}:${name}`;
  }
}
