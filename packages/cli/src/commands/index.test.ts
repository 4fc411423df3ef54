import { describe, expect, it } from 'vitest';
import { groups } from './index.js';

describe('command groups', () => {
  it('declare exactly the verbs their modules implement', async () => {
    for (const group of groups) {
      const loaded = (await group.load()).map((c) => c.name);
      expect(loaded, group.names.join(', ')).toEqual([...group.names]);
    }
  });
});
