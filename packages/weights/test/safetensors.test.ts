import { expect } from 'chai';
import { encodeSafetensors, parseSafetensors, readFloat32, WeightsError, type TensorToWrite } from '@dyrep/weights';
import { CASES, fixture, fixtureBytes } from './fixtures';

function errorOf(fn: () => unknown): WeightsError {
  try {
    fn();
  } catch (e) {
    expect(e).to.be.instanceOf(WeightsError);
    expect((e as Error).message).to.not.contain('\n');
    return e as WeightsError;
  }
  throw new Error('expected a WeightsError');
}

/** A file with the given header object (the data region as given). */
function withHeader(header: unknown, data: Uint8Array): Uint8Array {
  const json = new TextEncoder().encode(JSON.stringify(header));
  const out = new Uint8Array(8 + json.length + data.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
  out.set(json, 8);
  out.set(data, 8 + json.length);
  return out;
}

function headerOf(bytes: Uint8Array): { header: Record<string, { dtype: string; shape: number[]; data_offsets: [number, number] }>; data: Uint8Array } {
  const n = Number(new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(0, true));
  return { header: JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + n))), data: bytes.subarray(8 + n) };
}

describe('safetensors', () => {
  it("reads every file Python's safetensors wrote (F32, F16, BF16, I64 counters) and keeps its metadata", () => {
    for (const file of new Set(CASES.flatMap((c) => [c.weights, c.io]))) {
      const f = fixture(file);
      expect(f.tensors.size, file).to.be.greaterThan(0);
      for (const name of f.tensors.keys()) expect(readFloat32(f, name).every(Number.isFinite), `${file} ${name}`).to.equal(true);
    }
    const f16 = fixture('resnet18-f16.safetensors');
    expect(f16.tensors.get('conv1.weight')!.dtype).to.equal('F16');
    expect(fixture('resnet18-bf16.safetensors').tensors.get('conv1.weight')!.dtype).to.equal('BF16');
    expect(f16.tensors.get('bn1.num_batches_tracked')).to.include({ dtype: 'I64' });
  });

  it('widens F16 and BF16 exactly (they hold the F32 file rounded)', () => {
    const f32 = readFloat32(fixture('resnet18.safetensors'), 'layer1.0.conv1.weight');
    const f16 = readFloat32(fixture('resnet18-f16.safetensors'), 'layer1.0.conv1.weight');
    const bf16 = readFloat32(fixture('resnet18-bf16.safetensors'), 'layer1.0.conv1.weight');
    for (let i = 0; i < f32.length; i++) {
      expect(Math.abs(f16[i] - f32[i])).to.be.at.most(Math.abs(f32[i]) * 2 ** -11 + 2 ** -24);
      expect(Math.abs(bf16[i] - f32[i])).to.be.at.most(Math.abs(f32[i]) * 2 ** -8);
    }
  });

  it('encode → parse round-trips values, shapes, order and metadata; the header is 8-byte aligned', () => {
    const tensors = new Map<string, TensorToWrite>([
      ['a.weight', { dtype: 'F32', shape: [2, 3], values: Float32Array.from([1, -2, 3.5, 1e-30, -0, 7]) }],
      ['a.num_batches_tracked', { dtype: 'I64', shape: [], values: [12345] }],
      ['empty', { dtype: 'F32', shape: [0, 4], values: new Float32Array(0) }],
    ]);
    const bytes = encodeSafetensors(tensors, { format: 'pt' });
    expect(Number(new DataView(bytes.buffer).getBigUint64(0, true)) % 8).to.equal(0);
    const f = parseSafetensors(bytes, 'x.safetensors');
    expect([...f.tensors.keys()]).to.deep.equal(['a.weight', 'a.num_batches_tracked', 'empty']);
    expect(f.metadata).to.deep.equal({ format: 'pt' });
    expect(Array.from(readFloat32(f, 'a.weight'))).to.deep.equal([1, -2, 3.5, Math.fround(1e-30), -0, 7]);
    expect(Array.from(readFloat32(f, 'a.num_batches_tracked'))).to.deep.equal([12345]);
    expect(f.tensors.get('empty')!.shape).to.deep.equal([0, 4]);
  });

  describe('bad files: one line naming the file', () => {
    const good = fixtureBytes('resnet18.safetensors');

    it('too short, truncated header, truncated data', () => {
      expect(errorOf(() => parseSafetensors(good.subarray(0, 5), 'r.safetensors')).message).to.match(/^r\.safetensors: not a safetensors file: 5 bytes/);
      expect(errorOf(() => parseSafetensors(good.subarray(0, 40), 'r.safetensors')).message).to.match(/^r\.safetensors: truncated: the header needs \d+ bytes/);
      expect(errorOf(() => parseSafetensors(good.subarray(0, good.length - 10), 'r.safetensors')).message).to.match(
        /^r\.safetensors: tensor '.*': data_offsets \[\d+, \d+\] reach past the end of the data .*truncated file\?/,
      );
    });

    it('not JSON, not an object, absurd header length', () => {
      const junk = new Uint8Array(32);
      new DataView(junk.buffer).setBigUint64(0, 8n, true);
      junk.set(new TextEncoder().encode('{"a": ]'), 8);
      expect(errorOf(() => parseSafetensors(junk, 'j.bin')).message).to.match(/^j\.bin: not a safetensors file: the header is not UTF-8 JSON/);
      expect(errorOf(() => parseSafetensors(withHeader([1, 2], new Uint8Array(0)), 'j.bin')).message).to.contain('the header is not a JSON object');
      const huge = new Uint8Array(16);
      new DataView(huge.buffer).setBigUint64(0, 2n ** 40n, true);
      expect(errorOf(() => parseSafetensors(huge, 'j.bin')).message).to.contain('over the 100000000-byte limit');
    });

    it('a header that lies about offsets: past the end, wrong size, overlap, a gap, trailing bytes', () => {
      const { header, data } = headerOf(good);
      const names = Object.keys(header).filter((k) => k !== '__metadata__');
      const first = names.find((k) => header[k].data_offsets[0] === 0)!;
      const lie = (edit: (h: typeof header) => void, d = data) => {
        const h = JSON.parse(JSON.stringify(header));
        edit(h);
        return errorOf(() => parseSafetensors(withHeader(h, d), 'lie.safetensors')).message;
      };
      expect(
        lie((h) => {
          h[first].data_offsets = [0, data.length + 4];
        }),
      ).to.match(new RegExp(`^lie\\.safetensors: tensor '${first.replace(/\./g, '\\.')}': data_offsets \\[0, \\d+\\] reach past the end`));
      expect(
        lie((h) => {
          h[first].data_offsets = [0, h[first].data_offsets[1] - 4];
        }),
      ).to.match(/span \d+ bytes, but \w+ \[[\d,]*\] needs \d+/);
      expect(
        lie((h) => {
          h[first].shape = [...h[first].shape, 2];
        }),
      ).to.contain('needs');
      const second = names.find((k) => header[k].data_offsets[0] === header[first].data_offsets[1])!;
      expect(
        lie((h) => {
          const [b, e] = h[second].data_offsets;
          h[second].data_offsets = [b - 4, e - 4];
        }),
      ).to.match(new RegExp(`tensor '${second.replace(/\./g, '\\.')}': data_offsets \\[\\d+, \\d+\\] overlap the previous tensor's data`));
      const last = names.reduce((a, k) => (header[k].data_offsets[1] > header[a].data_offsets[1] ? k : a));
      expect(
        lie(
          (h) => {
            const [b, e] = h[last].data_offsets;
            h[last].data_offsets = [b + 4, e + 4];
          },
          new Uint8Array([...data, 0, 0, 0, 0]),
        ),
      ).to.match(/leave bytes \d+\.\.\d+ unused/);
      expect(lie(() => {}, new Uint8Array([...data, 1, 2, 3, 4]))).to.contain('4 bytes after the last tensor');
      expect(
        lie((h) => {
          h[first].data_offsets = [-1, 3];
        }),
      ).to.contain('is not a pair of non-negative integers');
      expect(
        lie((h) => {
          h[first].shape = [1.5];
        }),
      ).to.contain('is not a list of non-negative integers');
    });

    it('an unsupported dtype names the tensor and the dtype', () => {
      const { header, data } = headerOf(good);
      const name = Object.keys(header).find((k) => k !== '__metadata__')!;
      const h = JSON.parse(JSON.stringify(header));
      h[name].dtype = 'F8_E4M3';
      expect(errorOf(() => parseSafetensors(withHeader(h, data), 'd.safetensors')).message).to.equal(
        `d.safetensors: tensor '${name}' has dtype F8_E4M3, which is not supported (F32, F16, BF16, F64 and integer types are)`,
      );
    });
  });
});
