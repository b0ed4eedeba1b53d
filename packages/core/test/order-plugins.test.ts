import { expect } from 'chai';
import { orderPlugins, type Plugin } from '@dyrep/core';

const p = (id: string, priority?: number, dependsOn?: string[]): Plugin => ({ id, priority, dependsOn, hooks: {} });
const ids = (ps: Plugin[]) => ps.map((x) => x.id);

describe('orderPlugins', () => {
  it('orders by priority, then registration order', () => {
    expect(ids(orderPlugins([p('a', 60), p('b', 10), p('c'), p('d', 10)]))).to.deep.equal(['b', 'd', 'c', 'a']);
  });

  it('puts dependencies first even when their priority is higher', () => {
    expect(ids(orderPlugins([p('policy', 10, ['saliency']), p('saliency', 90), p('log', 5)]))).to.deep.equal(['log', 'saliency', 'policy']);
    expect(ids(orderPlugins([p('c', 1, ['b']), p('b', 1, ['a']), p('a', 99), p('z', 50)]))).to.deep.equal(['z', 'a', 'b', 'c']);
  });

  it('rejects duplicates, unknown dependencies, bad priorities and cycles', () => {
    expect(() => orderPlugins([p('a'), p('a')])).to.throw(/duplicate plugin id 'a'/);
    expect(() => orderPlugins([p('a', 50, ['x'])])).to.throw(/depends on 'x', which is not registered/);
    expect(() => orderPlugins([p('a', 101)])).to.throw(/priority must be in 0..100/);
    expect(() => orderPlugins([p('a', 50, ['b']), p('b', 50, ['a']), p('c')])).to.throw(/cycle among: a, b/);
  });
});
