import type { RunStorage } from '@dyrep/core';

/** A structure change as recorded in metrics and summaries. */
export interface StructureEvent {
  epoch: number;
  type: 'grow' | 'cut';
  path: string;
  branches: string[];
}

/** One line of `metrics.jsonl`: the results of one epoch. */
export interface EpochRecord {
  epoch: number;
  lr: number;
  trainLoss: number;
  trainTop1?: number;
  /** Wall time of the whole epoch (training, validation, structure changes). */
  seconds: number;
  /** Part of the training loop spent waiting for the next batch (the data pipeline's visible cost). */
  dataSeconds: number;
  /** Parameters of the structure after this epoch's structure change (what the next epoch trains). */
  params: number;
  /** Parameters of the structure this epoch trained (before the change at its end). */
  trainParams: number;
  flops: number;
  events: StructureEvent[];
  [metric: string]: unknown;
}

/** Storage name of the metrics log in a run. */
export const METRICS_NAME = 'metrics.jsonl';

/**
 * Epoch records as JSON lines in a {@link RunStorage} (`metrics.jsonl`). Appends are fsynced; on
 * resume the records after the resumed epoch are dropped by an atomic rewrite, so a kill at any
 * moment keeps the history. A torn last line (a kill in the middle of an append) is dropped with a
 * warning naming the file; a corrupt line elsewhere is an error naming the file and the line.
 */
export class MetricsLog {
  constructor(
    readonly storage: RunStorage,
    readonly name = METRICS_NAME,
    private readonly warn: (message: string) => void = () => undefined,
  ) {}

  /** Keeps only records with `epoch < nextEpoch` (used when resuming), rewriting the log atomically. */
  async truncateTo(nextEpoch: number): Promise<void> {
    const kept = (await this.read()).filter((r) => r.epoch < nextEpoch);
    await this.storage.write(this.name, new TextEncoder().encode(kept.map((r) => `${JSON.stringify(r)}\n`).join('')));
  }

  /** Appends one record. */
  async append(record: EpochRecord): Promise<void> {
    await this.storage.append(this.name, `${JSON.stringify(record)}\n`);
  }

  /** All records in the log. */
  async read(): Promise<EpochRecord[]> {
    const bytes = await this.storage.read(this.name);
    if (!bytes) return [];
    const lines = new TextDecoder().decode(bytes).split('\n');
    const records: EpochRecord[] = [];
    lines.forEach((line, i) => {
      if (!line.trim()) return;
      try {
        records.push(JSON.parse(line) as EpochRecord);
      } catch {
        const where = `'${this.storage.locate(this.name)}' line ${i + 1}`;
        if (i !== lines.length - 1) throw new Error(`${where} is not a JSON record; repair or remove that line`);
        this.warn(`${where} is torn (a run was stopped while writing it); it is dropped`);
      }
    });
    return records;
  }
}
