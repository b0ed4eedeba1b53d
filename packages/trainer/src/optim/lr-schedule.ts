/** Learning rate as a function of the global step (0-based). */
export type LrSchedule = (step: number) => number;

function checkPositive(name: string, v: number): void {
  if (!(Number.isFinite(v) && v > 0)) throw new Error(`${name} must be a positive number, got ${v}`);
}

/** Cosine decay from `base` at step 0 to `floor` at `totalSteps` (constant afterwards). */
export function cosineSchedule(base: number, totalSteps: number, floor = 0): LrSchedule {
  checkPositive('lr', base);
  checkPositive('totalSteps', totalSteps);
  if (!(floor >= 0 && floor <= base)) throw new Error(`cosine floor must be in [0, lr], got ${floor}`);
  return (step) => {
    const t = Math.min(step, totalSteps) / totalSteps;
    return floor + 0.5 * (base - floor) * (1 + Math.cos(Math.PI * t));
  };
}

/** `base · gamma^k` where k is the number of milestones (steps) already passed. */
export function stepSchedule(base: number, milestones: readonly number[], gamma = 0.1): LrSchedule {
  checkPositive('lr', base);
  return (step) => base * gamma ** milestones.filter((m) => step >= m).length;
}

/** Linear warm-up from `start · schedule(warmupSteps)` to the wrapped schedule over `warmupSteps`. */
export function withWarmup(schedule: LrSchedule, warmupSteps: number, start = 0): LrSchedule {
  if (!(Number.isInteger(warmupSteps) && warmupSteps >= 0)) throw new Error(`warmupSteps must be a non-negative integer, got ${warmupSteps}`);
  return (step) => {
    if (step >= warmupSteps) return schedule(step);
    const target = schedule(warmupSteps);
    return target * (start + ((1 - start) * step) / warmupSteps);
  };
}

/**
 * Linear warm-up from 0 to `base` over `warmupSteps`, then cosine decay from `base` to `floor` over
 * the remaining `totalSteps − warmupSteps` steps (constant afterwards). Unlike wrapping
 * {@link cosineSchedule} in {@link withWarmup}, the ramp always ends at `base`, however short the run.
 */
export function warmupCosineSchedule(base: number, totalSteps: number, warmupSteps: number, floor = 0): LrSchedule {
  checkPositive('totalSteps', totalSteps);
  if (!(Number.isInteger(warmupSteps) && warmupSteps >= 0 && warmupSteps <= totalSteps)) {
    throw new Error(`warmupSteps must be an integer in [0, totalSteps = ${totalSteps}], got ${warmupSteps}`);
  }
  const decay = cosineSchedule(base, Math.max(1, totalSteps - warmupSteps), floor);
  return withWarmup((step) => decay(step - warmupSteps), warmupSteps);
}
