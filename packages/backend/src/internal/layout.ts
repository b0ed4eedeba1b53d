/** Reorders an NCHW shape to NHWC when `nchw` is set; returns it unchanged (as a 4-tuple) otherwise. */
export function toNHWCShape(shape: number[], nchw: boolean): [number, number, number, number] {
  const [a, b, c, d] = shape;
  return nchw ? [a, c, d, b] : [a, b, c, d];
}
