import { InvalidInputError } from '@bml/core';
import { describe, expect, it } from 'vitest';
import { architecture } from '../src/index.js';

describe('architecture', () => {
  it('uses 512 and 256 above 1,000 features', () => {
    const arch = architecture(20_000);
    expect(arch.encoder).toEqual([20_000, 512, 256, 100]);
    expect(arch.decoder).toEqual([100, 256, 512, 20_000]);
    expect(arch.hidden).toEqual([512, 256]);
    expect(arch.codeSize).toBe(100);
  });

  it('uses the midpoint width up to 1,000 features', () => {
    expect(architecture(1000).encoder).toEqual([1000, 550, 100]);
    expect(architecture(223).encoder).toEqual([223, 161, 100]);
    expect(architecture(101).encoder).toEqual([101, 100, 100]);
  });

  it('switches rule between 1,000 and 1,001 features', () => {
    expect(architecture(1001).hidden).toEqual([512, 256]);
  });

  it('scales the midpoint with codeSize', () => {
    expect(architecture(200, { codeSize: 10 }).encoder).toEqual([200, 105, 10]);
  });

  it('leaves out wide widths not above codeSize', () => {
    expect(architecture(5000, { codeSize: 300 }).hidden).toEqual([512]);
    expect(architecture(5000, { codeSize: 600 }).hidden).toEqual([2800]);
  });

  it('takes hidden from the options', () => {
    const arch = architecture(300, { hidden: [64, 32], codeSize: 8 });
    expect(arch.encoder).toEqual([300, 64, 32, 8]);
    expect(arch.decoder).toEqual([8, 32, 64, 300]);
  });

  it('rejects inputs not wider than codeSize', () => {
    expect(() => architecture(100)).toThrow(InvalidInputError);
    expect(() => architecture(100)).toThrow(/features = 100, codeSize = 100/);
    expect(() => architecture(20, { codeSize: 50 })).toThrow(InvalidInputError);
  });

  it('rejects invalid codeSize and hidden widths', () => {
    expect(() => architecture(500, { codeSize: 0 })).toThrow(/codeSize must be an integer >= 1/);
    expect(() => architecture(500, { codeSize: 2.5 })).toThrow(InvalidInputError);
    expect(() => architecture(500, { hidden: [64, 0] })).toThrow(/hidden width/);
    expect(() => architecture(500, { hidden: [Number.NaN] })).toThrow(InvalidInputError);
  });
});
