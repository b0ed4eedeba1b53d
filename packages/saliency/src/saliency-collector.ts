import * as tf from '@tensorflow/tfjs-core';
import type { Plugin } from '@dyrep/core';
import { Rng, type Module } from '@dyrep/nn';
import { createMetric, type SaliencyMetric } from './metrics';
import { listGrowableConvs } from '@dyrep/rep-blocks';

/** Options of {@link saliencyCollector}. */
export interface SaliencyCollectorOptions {
  /** A registered metric name or a metric function (default `synflow`). */
  metric?: string | SaliencyMetric;
  /** Convs with this many rep-blocks above them are not eligible (default 2; see `listGrowableConvs`). */
  maxDepth?: number;
  /** Seed of the `random` metric's source (default 0). */
  seed?: number;
  /** Plugin id (default `saliency`). */
  id?: string;
  /** Plugin priority (default 30: before policies, which depend on it anyway). */
  priority?: number;
}

/** A conv's mean score since the last structure change. */
export interface SaliencyScore {
  path: string;
  score: number;
  count: number;
}

/** The collector plugin plus the ranking it maintains. */
export interface SaliencyCollector extends Plugin {
  /** Eligible convs present now, by mean score descending (ties keep model order). */
  ranking(model: Module): SaliencyScore[];
  /** Forgets every record. */
  reset(): void;
}

/**
 * A plugin that, on every `onAfterBackward`, scores each eligible conv from its weight and
 * gradient and keeps a running mean per conv path; it resets after each structure change and
 * saves/restores its records with checkpoints.
 */
export function saliencyCollector(options: SaliencyCollectorOptions = {}): SaliencyCollector {
  const metric = typeof options.metric === 'function' ? options.metric : createMetric(options.metric ?? 'synflow');
  const maxDepth = options.maxDepth ?? 2;
  const rng = new Rng(options.seed ?? 0);
  const sums = new Map<string, { sum: number; count: number }>();
  let convs: { path: string; weightPath: string }[] | null = null;

  return {
    id: options.id ?? 'saliency',
    priority: options.priority ?? 30,
    hooks: {
      onTrainBegin() {
        convs = null;
      },
      onAfterBackward(ctx, _step, { grads }) {
        convs ??= listGrowableConvs(ctx.model, { maxDepth }).map((c) => ({ path: c.path, weightPath: `${c.path}.weight` }));
        const weights = new Map(ctx.model.namedParameters());
        const present = convs.filter((c) => grads.has(c.weightPath) && weights.has(c.weightPath));
        if (!present.length) return;
        const scores = tf.tidy(() => tf.stack(present.map((c) => metric(weights.get(c.weightPath)!, grads.get(c.weightPath)!, rng))));
        const values = scores.dataSync();
        scores.dispose();
        present.forEach((c, i) => {
          const r = sums.get(c.path) ?? { sum: 0, count: 0 };
          r.sum += values[i];
          r.count++;
          sums.set(c.path, r);
        });
      },
      onAfterMutate() {
        sums.clear();
        convs = null;
      },
    },
    state: {
      save: () => ({ records: Object.fromEntries(sums), rng: rng.getState() }),
      load: (s) => {
        const state = s as { records: Record<string, { sum: number; count: number }>; rng: ReturnType<Rng['getState']> };
        sums.clear();
        for (const [k, v] of Object.entries(state.records)) sums.set(k, { ...v });
        rng.setState(state.rng);
      },
    },
    ranking(model) {
      return listGrowableConvs(model, { maxDepth })
        .filter((c) => sums.has(c.path))
        .map((c) => {
          const r = sums.get(c.path)!;
          return { path: c.path, score: r.sum / r.count, count: r.count };
        })
        .sort((a, b) => b.score - a.score);
    },
    reset() {
      sums.clear();
    },
  };
}
