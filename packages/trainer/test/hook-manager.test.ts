import { expect } from 'chai';
import { HookManager } from '@dyrep/trainer';

describe('HookManager', () => {
  it('dispatches in dependency, priority and registration order, and unregisters', async () => {
    const calls: string[] = [];
    const hm = new HookManager();
    const rec = (id: string) => ({ onTrainBegin: () => void calls.push(id) });
    hm.use({ id: 'late', priority: 90, hooks: rec('late') });
    hm.use({ id: 'policy', priority: 20, dependsOn: ['saliency'], hooks: rec('policy') });
    hm.use({ id: 'saliency', priority: 60, hooks: rec('saliency') });
    const off = hm.use({ id: 'early', priority: 0, hooks: rec('early') });
    await hm.emit('onTrainBegin', {} as never);
    expect(calls).to.deep.equal(['early', 'saliency', 'policy', 'late']);
    expect(hm.describe()).to.equal('onTrainBegin           early(0) → saliency(60) → policy(20) → late(90)');
    off();
    calls.length = 0;
    await hm.emit('onTrainBegin', {} as never);
    expect(calls).to.deep.equal(['saliency', 'policy', 'late']);
    expect(() => hm.use({ id: 'late', hooks: {} })).to.throw(/duplicate plugin id 'late'/);
  });

  it('names the plugin and event when a handler fails', async () => {
    const hm = new HookManager();
    hm.use({
      id: 'boom',
      hooks: {
        onEpochBegin: () => {
          throw new Error('bad');
        },
      },
    });
    try {
      await hm.emit('onEpochBegin', {} as never, 0);
      expect.fail('should throw');
    } catch (e) {
      expect((e as Error).message).to.equal("plugin 'boom' failed in onEpochBegin: bad");
    }
  });
});
