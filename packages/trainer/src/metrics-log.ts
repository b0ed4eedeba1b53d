import { appendFileSync, mkdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { dirname } from 'node:path';

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
  params: number;
  flops: number;
  events: StructureEvent[];
  [metric: string]: unknown;
}

/** Appends epoch records to a JSON-lines file; on resume, records after the resumed epoch are dropped. */
export class MetricsLog {
  constructor(readonly file: string) {
    mkdirSync(dirname(file), { recursive: true });
  }

  /** Keeps only records with `epoch < nextEpoch` (used when resuming). */
  truncateTo(nextEpoch: number): void {
    const kept = this.read().filter((r) => r.epoch < nextEpoch);
    writeFileSync(this.file, kept.map((r) => JSON.stringify(r) + '\n').join(''));
  }

  /** Appends one record. */
  append(record: EpochRecord): void {
    appendFileSync(this.file, JSON.stringify(record) + '\n');
  }

  /** All records in the file. */
  read(): EpochRecord[] {
    if (!existsSync(this.file)) return [];
    return readFileSync(this.file, 'utf8')
      .split('\n')
      .filter((l) => l.trim())
      .map((l) => JSON.parse(l) as EpochRecord);
  }
}
