import { expect } from 'chai';
import { createRegistry } from '@dyrep/core';

class CodedError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

describe('createRegistry', () => {
  const make = (id: string) =>
    createRegistry<number>({
      id: `test:${id}`,
      kind: 'thing',
      builtins: [
        ['one', 1],
        ['two', 2],
      ],
    });

  it('lists built-in and registered names sorted, and finds entries', () => {
    const r = make('list');
    const off = r.register('alpha', 10);
    expect(r.list()).to.deep.equal(['alpha', 'one', 'two']);
    expect([r.get('alpha'), r.require('one'), r.get('zzz')]).to.deep.equal([10, 1, undefined]);
    expect([r.has('two'), r.has('zzz'), r.isBuiltin('two'), r.isBuiltin('alpha')]).to.deep.equal([true, false, true, false]);
    off();
    expect(r.list()).to.deep.equal(['one', 'two']);
  });

  it('refuses a taken name unless override, and unregistering restores what was overridden, in any order', () => {
    const r = make('override');
    expect(() => r.register('one', 5)).to.throw("thing 'one' is registered already (pass override: true to replace it)");
    const a = r.register('x', 1);
    expect(() => r.register('x', 2)).to.throw(/'x' is registered already/);
    const overOne = r.register('one', 100, { override: true });
    expect([r.require('one'), r.isBuiltin('one')]).to.deep.equal([100, false]);
    const b = r.register('x', 2, { override: true });
    const c = r.register('x', 3, { override: true });
    expect(r.get('x')).to.equal(3);
    b();
    expect(r.get('x'), 'removing a middle registration keeps the latest').to.equal(3);
    c();
    expect(r.get('x'), 'then the first one is back').to.equal(1);
    c();
    a();
    expect(r.has('x')).to.equal(false);
    overOne();
    expect([r.require('one'), r.isBuiltin('one')]).to.deep.equal([1, true]);
  });

  it('rejects malformed names and unknown lookups with one-line messages, through a custom error', () => {
    const r = createRegistry<number>({
      id: 'test:coded',
      kind: 'gadget',
      plural: 'gadgetry',
      builtins: [
        ['b', 1],
        ['a', 2],
      ],
      error: (code, m) => new CodedError(code, m),
    });
    expect(() => r.register('Bad Name', 1)).to.throw(CodedError, 'cannot register gadget "Bad Name": names are lower-case words joined by _ or -');
    expect(() => r.require('c')).to.throw("unknown gadget 'c'; known gadgetry: a, b");
    try {
      r.require('c');
    } catch (e) {
      expect((e as CodedError).code).to.equal('unknown');
    }
    const snake = createRegistry<number>({ id: 'test:snake', kind: 'model', names: { pattern: /^[a-z][a-z0-9_]*$/, rule: 'snake_case' } });
    expect(() => snake.register('my-net', 1)).to.throw('cannot register model "my-net": names are snake_case');
    expect(() => snake.register('my_net', 1)).to.not.throw();
  });

  it('shares registrations with a second copy of the module (ESM and CommonJS builds, two installs): one store per process', async () => {
    // A query string makes Node load the module again: a second createRegistry with its own code.
    const copy = (await import(`../src/registry.ts?copy=${Date.now()}`)) as typeof import('../src/registry');
    expect(copy.createRegistry, 'a second module instance').to.not.equal(createRegistry);
    const here = make('shared');
    const there = copy.createRegistry<number>({ id: 'test:shared', kind: 'thing' });
    const off = there.register('from_copy', 7);
    expect([here.get('from_copy'), here.list()]).to.deep.equal([7, ['from_copy', 'one', 'two']]);
    const offHere = here.register('from_here', 8);
    expect(there.require('from_here')).to.equal(8);
    off();
    offHere();
    expect([here.has('from_copy'), there.has('from_here')]).to.deep.equal([false, false]);
  });

  it('keeps registries of different ids separate', () => {
    const a = make('a');
    const b = make('b');
    const off = a.register('only_a', 1);
    expect([a.has('only_a'), b.has('only_a')]).to.deep.equal([true, false]);
    off();
  });
});
