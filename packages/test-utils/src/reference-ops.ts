/**
 * Brute-force loop implementations of the window ops, used as the independent computation that
 * layers and fusion transforms are tested against. Arrays are flat, row-major, NHWC / HWIO.
 */

/** A flat array with its shape. */
export interface Arr {
  data: Float32Array;
  shape: number[];
}

/** Grouped 2-D convolution by loops: x `[N,H,W,C]`, w `[kh,kw,C/g,O]`, explicit padding `[[t,b],[l,r]]`. */
export function refConv2d(x: Arr, w: Arr, b: Float32Array | null, stride: [number, number], pad: [[number, number], [number, number]], dilation: [number, number] = [1, 1], groups = 1): Arr {
  const [n, h, wd, c] = x.shape;
  const [kh, kw, cg, o] = w.shape;
  const og = o / groups;
  const oh = Math.floor((h + pad[0][0] + pad[0][1] - ((kh - 1) * dilation[0] + 1)) / stride[0]) + 1;
  const ow = Math.floor((wd + pad[1][0] + pad[1][1] - ((kw - 1) * dilation[1] + 1)) / stride[1]) + 1;
  const out = new Float32Array(n * oh * ow * o);
  for (let bi = 0; bi < n; bi++)
    for (let i = 0; i < oh; i++)
      for (let j = 0; j < ow; j++)
        for (let oc = 0; oc < o; oc++) {
          const g = Math.floor(oc / og);
          let acc = b ? b[oc] : 0;
          for (let p = 0; p < kh; p++) {
            const y = i * stride[0] - pad[0][0] + p * dilation[0];
            if (y < 0 || y >= h) continue;
            for (let q = 0; q < kw; q++) {
              const xx = j * stride[1] - pad[1][0] + q * dilation[1];
              if (xx < 0 || xx >= wd) continue;
              for (let ci = 0; ci < cg; ci++) {
                acc += x.data[((bi * h + y) * wd + xx) * c + g * cg + ci] * w.data[((p * kw + q) * cg + ci) * o + oc];
              }
            }
          }
          out[((bi * oh + i) * ow + j) * o + oc] = acc;
        }
  return { data: out, shape: [n, oh, ow, o] };
}

/** k×k pooling by loops with symmetric padding `pad` filled with `padValue`; `avg` counts padding. */
export function refPool2d(x: Arr, k: number, stride: number, pad: number, kind: 'max' | 'avg'): Arr {
  const [n, h, w, c] = x.shape;
  const oh = Math.floor((h + 2 * pad - k) / stride) + 1;
  const ow = Math.floor((w + 2 * pad - k) / stride) + 1;
  const out = new Float32Array(n * oh * ow * c);
  for (let bi = 0; bi < n; bi++)
    for (let i = 0; i < oh; i++)
      for (let j = 0; j < ow; j++)
        for (let ch = 0; ch < c; ch++) {
          let acc = kind === 'max' ? -Infinity : 0;
          for (let p = 0; p < k; p++)
            for (let q = 0; q < k; q++) {
              const y = i * stride - pad + p;
              const xx = j * stride - pad + q;
              const v = y < 0 || y >= h || xx < 0 || xx >= w ? (kind === 'max' ? -Infinity : 0) : x.data[((bi * h + y) * w + xx) * c + ch];
              acc = kind === 'max' ? Math.max(acc, v) : acc + v;
            }
          out[((bi * oh + i) * ow + j) * c + ch] = kind === 'max' ? acc : acc / (k * k);
        }
  return { data: out, shape: [n, oh, ow, c] };
}
