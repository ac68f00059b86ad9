import { Rng } from '@bml/core';
import { describe, expect, it } from 'vitest';
import { MISSING_TOKENS, parseCellAt, parseCellText } from '../src/numbers.js';

const COMMA = ','.charCodeAt(0);
const TAB = '\t'.charCodeAt(0);

/** Parses one whole-text cell with parseCellAt; returns [value, valid]. */
function parseAt(text: string, delimiter = COMMA): [number, boolean] {
  const out = new Float64Array(1);
  const end = parseCellAt(text, 0, delimiter, out, 0);
  return [out[0], end >= 0];
}

describe('parseCellText', () => {
  it('reads decimals with trimmed whitespace', () => {
    expect(parseCellText(' 2.0 ')).toBe(2);
    expect(parseCellText('-1.5e-3')).toBe(-0.0015);
    expect(parseCellText('+.5')).toBe(0.5);
  });

  it('reads each missing-value token as NaN', () => {
    for (const token of [...MISSING_TOKENS, '', '  ']) expect(parseCellText(token)).toBeNaN();
  });

  it.each(['inf', 'Infinity', '-Infinity', '1,5', 'abc', '0x10', '1e', '1.2.3', '1e999', 'na', '--1'])(
    'rejects %s',
    (text) => {
      expect(parseCellText(text)).toBeUndefined();
    },
  );
});

describe('parseCellAt', () => {
  it('matches Number() on random decimals of every length', () => {
    const rng = new Rng(7);
    for (let k = 0; k < 5000; k++) {
      const magnitude = 10 ** (rng.int(30) - 15);
      const x = (rng.uniform() - 0.5) * magnitude;
      const digits = 1 + rng.int(17);
      for (const text of [x.toPrecision(digits), x.toExponential(digits - 1), String(x), x.toFixed(rng.int(8))]) {
        const [value, valid] = parseAt(text);
        expect(valid).toBe(true);
        expect(value).toBe(Number(text));
      }
    }
  });

  it('stops at the delimiter and returns the end offset', () => {
    const out = new Float64Array(2);
    const text = '1.25,  -3 ,x';
    const end = parseCellAt(text, 0, COMMA, out, 0);
    expect(end).toBe(4);
    const next = parseCellAt(text, 5, COMMA, out, 1);
    expect(next).toBe(10);
    expect(Array.from(out)).toEqual([1.25, -3]);
  });

  it('stops at line ends', () => {
    const out = new Float64Array(1);
    expect(parseCellAt('7\r\n8', 0, COMMA, out, 0)).toBe(1);
    expect(out[0]).toBe(7);
  });

  it('does not trim tabs in tab-delimited text', () => {
    const out = new Float64Array(1);
    expect(parseCellAt('5\t6', 0, TAB, out, 0)).toBe(1);
    expect(out[0]).toBe(5);
  });

  it('reads missing-value tokens as NaN', () => {
    for (const token of ['NA', 'NaN', 'null', '#N/A', '', ' NA ']) {
      const [value, valid] = parseAt(token);
      expect(valid).toBe(true);
      expect(value).toBeNaN();
    }
  });

  it('keeps the sign of negative zero', () => {
    expect(Object.is(parseAt('-0')[0], -0)).toBe(true);
  });

  it('flags invalid cells with a negative end offset', () => {
    const out = new Float64Array(1);
    const end = parseCellAt('inf,2', 0, COMMA, out, 0);
    expect(end).toBe(-(3 + 1));
    expect(out[0]).toBeNaN();
    for (const text of ['1e400', '1 2', '3x', '.', '-', 'e5']) expect(parseAt(text)[1]).toBe(false);
  });
});
