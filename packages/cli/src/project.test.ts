import { describe, expect, it } from 'vitest';
import { parseModelRef } from './project.js';

describe('parseModelRef: one notation for every command', () => {
  it.each([
    ['champion', { name: 'delay', version: null, alias: 'champion' }],
    ['3', { name: 'delay', version: '3', alias: null }],
    ['other@challenger', { name: 'other', version: null, alias: 'challenger' }],
    ['other:12', { name: 'other', version: '12', alias: null }],
    ['other@12', { name: 'other', version: '12', alias: null }],
    ['flight-delay.v2@champion', { name: 'flight-delay.v2', version: null, alias: 'champion' }],
    ['models:/other@champion', { name: 'other', version: null, alias: 'champion' }],
    ['models:/other/4', { name: 'other', version: '4', alias: null }],
  ])('%s', (ref, expected) => {
    expect(parseModelRef(ref, 'delay')).toEqual(expected);
  });

  it.each(['./out/pkg', 'other:champion', 'a b', '@champion', 'models:/x/y', ''])(
    '%s is no reference',
    (ref) => {
      expect(parseModelRef(ref, 'delay')).toBeNull();
    },
  );
});
