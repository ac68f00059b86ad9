import { describe, expect, it } from 'vitest';
import { idKey, looksLikeTcgaBarcode } from '../src/index.js';

describe('idKey', () => {
  it('keeps ids as they are for exact matching', () => {
    expect(idKey('TCGA-A2-A0T2-01A', 'exact')).toEqual({ key: 'TCGA-A2-A0T2-01A' });
    expect(idKey('TCGA.A2.A0T2.01', 'exact')).toEqual({ key: 'TCGA.A2.A0T2.01' });
  });

  it('truncates to the sample level without the vial letter', () => {
    expect(idKey('TCGA-A2-A0T2-01A', 'sample')).toEqual({ key: 'TCGA-A2-A0T2-01', sampleType: '01' });
    expect(idKey('TCGA-A2-A0T2-01A-11R-A084-07', 'sample')).toEqual(
      { key: 'TCGA-A2-A0T2-01', sampleType: '01' },
    );
    expect(idKey('TCGA-A2-A0T2-01', 'sample')).toEqual({ key: 'TCGA-A2-A0T2-01', sampleType: '01' });
  });

  it('accepts dots as separators', () => {
    expect(idKey('TCGA.BH.A1EO.01', 'sample')).toEqual({ key: 'TCGA-BH-A1EO-01', sampleType: '01' });
    expect(idKey('TCGA.BH.A1EO.11A', 'patient')).toEqual({ key: 'TCGA-BH-A1EO', sampleType: '11' });
  });

  it('truncates to the patient level and keeps the sample type', () => {
    expect(idKey('TCGA-Z1-A001-06A', 'patient')).toEqual({ key: 'TCGA-Z1-A001', sampleType: '06' });
    expect(idKey('TCGA-Z1-A001', 'patient')).toEqual({ key: 'TCGA-Z1-A001' });
  });

  it('keeps ids with fewer than three parts', () => {
    expect(idKey('s01', 'patient')).toEqual({ key: 's01' });
    expect(idKey('A1-A0SF', 'sample')).toEqual({ key: 'A1-A0SF' });
  });

  it('recognises TCGA barcodes', () => {
    expect(looksLikeTcgaBarcode('TCGA-Z1-A001')).toBe(true);
    expect(looksLikeTcgaBarcode('tcga.z1.a001.01')).toBe(true);
    expect(looksLikeTcgaBarcode('s01')).toBe(false);
  });
});
