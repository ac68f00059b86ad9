import { describe, expect, it } from 'vitest';
import { countStates } from '../src/cli/run-command.js';

describe('countStates', () => {
  it('counts states over splits, strongest first', () => {
    expect(countStates(['weak', 'strong', 'strong', 'lowInformation', 'strong'])).toBe('strong 3, weak 1, lowInformation 1');
  });

  it('names the state of a single split', () => {
    expect(countStates(['weak'])).toBe('weak');
  });
});
