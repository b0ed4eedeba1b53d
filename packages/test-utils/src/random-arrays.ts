import { Rng } from '@dyrep/nn';
import type { Arr } from './reference-ops';

/** A flat array of N(0, std²) values with its shape, from a seeded source. */
export function randomArr(rng: Rng, shape: number[], std = 1): Arr {
  return {
    data: rng.normalArray(
      shape.reduce((a, b) => a * b, 1),
      std,
    ),
    shape,
  };
}
