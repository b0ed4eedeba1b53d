import { expect } from 'chai';
import { compareParity, parseVerifyOutput, relativeError, VERIFY_MARKER } from '../src/parity-check';

describe('install: verification report and parity comparison', () => {
  it('finds the report among other output', () => {
    const out = `Hi there\n2024 TF log line\n${VERIFY_MARKER}{"ok":true,"backend":"tensorflow","tfVersion":"2.21.0"}\n`;
    expect(parseVerifyOutput(out)).to.deep.equal({ ok: true, backend: 'tensorflow', tfVersion: '2.21.0' });
    expect(parseVerifyOutput('nothing here')).to.equal(undefined);
    expect(parseVerifyOutput(`${VERIFY_MARKER}{broken`)).to.equal(undefined);
  });

  it('measures error relative to the reference scale', () => {
    expect(relativeError([1, 2, 3], [1, 2, 3])).to.equal(0);
    expect(relativeError([1, 2, 3.5], [1, 2, 4])).to.equal(0.125);
    expect(relativeError([1], [1, 2])).to.equal(Infinity);
    expect(relativeError([NaN], [1])).to.equal(Infinity);
  });

  it('passes matching results and names each mismatch', () => {
    const cpu = { conv: { y: [1, 2], dx0: [0.5, -0.5] }, pool: { y: [3] } };
    const ok = compareParity({ cpu, tensorflow: { conv: { y: [1, 2.00001], dx0: [0.5, -0.5] }, pool: { y: [3] } } }, 'tensorflow');
    expect(ok.failures).to.deep.equal([]);
    expect(ok.rows.map((r) => r.name)).to.deep.equal(['conv.dx0', 'conv.y', 'pool.y']);
    expect(ok.worst).to.be.below(1e-5);
    const bad = compareParity({ cpu, tensorflow: { conv: { y: [1, 3] } } }, 'tensorflow');
    expect(bad.failures.map((f) => f.name)).to.deep.equal(['conv.dx0', 'conv.y', 'pool.y']);
  });

  it('fails when there is nothing to compare', () => {
    expect(compareParity({}, 'tensorflow').failures).to.have.length(1);
  });
});
