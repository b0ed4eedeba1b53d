import { expect } from 'chai';
import { heartbeatLine } from '../src/progress';
import { createProgress } from '../src/node/terminal-progress';

/** A non-terminal stream that records what is written. */
function logStream() {
  const lines: string[] = [];
  const stream = { isTTY: false, write: (s: string) => lines.push(...s.split('\n').filter(Boolean)) } as unknown as NodeJS.WriteStream;
  return { stream, lines };
}

describe('progress when the stream is not a terminal', () => {
  it('prints a heartbeat line every intervalSeconds within an epoch, and the epoch line', () => {
    let t = 0;
    const { stream, lines } = logStream();
    const p = createProgress(stream, { intervalSeconds: 10, now: () => t });
    p.start(1, 3, 100);
    for (let b = 1; b <= 100; b++) {
      t += 1000; // one batch per second: a heartbeat at batches 10, 20, ..., 90 (none on the last)
      p.update(b, b * 64, 1 / b);
    }
    p.stop('epoch 2/3 done');
    expect(lines).to.have.length(10);
    expect(lines[0]).to.equal('epoch 2/3 batch 10/100 (10%) loss 0.1000, 64 img/s, elapsed 0m10s, ETA 1m30s');
    expect(lines[8]).to.match(/^epoch 2\/3 batch 90\/100 \(90%\) .* ETA 0m10s$/);
    expect(lines[9]).to.equal('epoch 2/3 done');
  });

  it('counts the interval from the epoch start, and 0 turns heartbeats off', () => {
    let t = 0;
    const { stream, lines } = logStream();
    const p = createProgress(stream, { intervalSeconds: 5, now: () => t });
    p.start(0, 1, 10);
    t = 4999;
    p.update(1, 8, 1);
    expect(lines).to.have.length(0);
    t = 5000;
    p.update(2, 16, 1);
    expect(lines).to.have.length(1);
    const quiet = logStream();
    const q = createProgress(quiet.stream, { intervalSeconds: 0, now: () => t });
    q.start(0, 1, 10);
    t += 1e6;
    q.update(5, 40, 1);
    expect(quiet.lines).to.have.length(0);
    expect(() => createProgress(quiet.stream, { intervalSeconds: -1 })).to.throw(/intervalSeconds/);
  });

  it('formats hours and an unknown ETA', () => {
    expect(heartbeatLine('epoch 1/1', 0, 10, 0, 2, 0)).to.equal('epoch 1/1 batch 0/10 (0%) loss 2.0000, 0 img/s, elapsed 0m00s, ETA ?');
    expect(heartbeatLine('epoch 1/1', 1, 3, 10, 2, 3725)).to.contain('elapsed 1h02m05s, ETA 2h04m10s');
  });
});
