/**
 * Cell parsing for numeric tables: missing-value tokens and a fast decimal
 * parser that reads straight from the file text without making substrings.
 */

/** Cell texts that mean "missing" (after trimming spaces and tabs); an empty cell is missing too. */
export const MISSING_TOKENS: readonly string[] = ['NA', 'NaN', 'null', '#N/A'];

const MISSING_SET = new Set<string>(['', ...MISSING_TOKENS]);

/** Exact powers of ten up to 1e22, the largest one a double stores exactly. */
const POW10 = new Float64Array(23);
for (let k = 0, p = 1; k <= 22; k++, p *= 10) POW10[k] = p;

/** Strict decimal syntax: optional sign, digits with at most one point, optional exponent. */
const DECIMAL = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

const SPACE = 32;
const TAB = 9;
const LF = 10;
const CR = 13;

/** Returns whether `text` (already trimmed) is one of the missing-value tokens or empty. */
export function isMissingToken(text: string): boolean {
  return MISSING_SET.has(text);
}

/**
 * Parses a trimmed or untrimmed cell text: a finite decimal number, NaN for
 * a missing-value token, or `undefined` when the text is neither.
 */
export function parseCellText(text: string): number | undefined {
  const trimmed = text.trim();
  if (MISSING_SET.has(trimmed)) return Number.NaN;
  if (!DECIMAL.test(trimmed)) return undefined;
  const value = Number(trimmed);
  return Number.isFinite(value) ? value : undefined;
}

/**
 * Parses the unquoted cell that starts at `start` and ends before the next
 * `delimiter` code, line break or the end of `text`. Stores the number (or
 * NaN for a missing-value token) in `out[index]` and returns the offset where
 * the cell ends. A cell that is neither a number nor a missing-value token
 * leaves NaN and returns `-(end + 1)`.
 *
 * Decimals with at most 15 significant digits and a decimal exponent within
 * ±22 are one exact integer times (or divided by) one exact power of ten.
 * That operation rounds once, so it equals `Number()`. Other numbers go
 * through `Number()` after this scan has checked their syntax.
 */
export function parseCellAt(
  text: string,
  start: number,
  delimiter: number,
  out: Float64Array,
  index: number,
): number {
  const length = text.length;
  let i = start;
  let c = i < length ? text.charCodeAt(i) : -1;
  while ((c === SPACE || c === TAB) && c !== delimiter) c = ++i < length ? text.charCodeAt(i) : -1;

  const numberStart = i;
  let negative = false;
  if (c === 45 /* - */ || c === 43 /* + */) {
    negative = c === 45;
    c = ++i < length ? text.charCodeAt(i) : -1;
  }
  let mantissa = 0;
  let significant = 0;
  let digits = 0;
  let fractionDigits = 0;
  let seenPoint = false;
  for (;;) {
    if (c >= 48 && c <= 57) {
      digits++;
      if (seenPoint) fractionDigits++;
      if (significant > 0 || c !== 48) {
        significant++;
        mantissa = mantissa * 10 + (c - 48);
      }
    } else if (c === 46 /* . */ && !seenPoint) {
      seenPoint = true;
    } else {
      break;
    }
    c = ++i < length ? text.charCodeAt(i) : -1;
  }

  let exponent = 0;
  let valid = digits > 0;
  if (valid && (c === 101 /* e */ || c === 69) /* E */) {
    c = ++i < length ? text.charCodeAt(i) : -1;
    let expNegative = false;
    if (c === 45 || c === 43) {
      expNegative = c === 45;
      c = ++i < length ? text.charCodeAt(i) : -1;
    }
    let expDigits = 0;
    while (c >= 48 && c <= 57) {
      if (exponent < 100000) exponent = exponent * 10 + (c - 48);
      expDigits++;
      c = ++i < length ? text.charCodeAt(i) : -1;
    }
    valid = expDigits > 0;
    if (expNegative) exponent = -exponent;
  }

  const numberEnd = i;
  while ((c === SPACE || c === TAB) && c !== delimiter) c = ++i < length ? text.charCodeAt(i) : -1;
  if (!valid || !(c === delimiter || c === LF || c === CR || c === -1)) {
    const end = fieldEnd(text, i, delimiter);
    return parseSlow(text, start, end, out, index) ? end : -(end + 1);
  }

  const power = exponent - fractionDigits;
  let value: number;
  if (mantissa === 0) {
    value = 0;
  } else if (significant <= 15 && power >= 0 && power <= 22) {
    value = mantissa * POW10[power];
  } else if (significant <= 15 && power < 0 && power >= -22) {
    value = mantissa / POW10[-power];
  } else {
    value = Number(text.slice(numberStart, numberEnd));
    out[index] = Number.isFinite(value) ? value : Number.NaN;
    return Number.isFinite(value) ? i : -(i + 1);
  }
  out[index] = negative ? -value : value;
  return i;
}

function fieldEnd(text: string, from: number, delimiter: number): number {
  let i = from;
  while (i < text.length) {
    const c = text.charCodeAt(i);
    if (c === delimiter || c === LF || c === CR) break;
    i++;
  }
  return i;
}

function parseSlow(text: string, start: number, end: number, out: Float64Array, index: number): boolean {
  const value = parseCellText(text.slice(start, end));
  out[index] = value ?? Number.NaN;
  return value !== undefined;
}
