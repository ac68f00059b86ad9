/**
 * RFC 4180 tokenizing of delimited text: quoted fields (with `""` for a
 * quote, delimiters and line breaks inside), LF, CRLF or CR line ends.
 * Blank lines are skipped.
 */
import { InvalidInputError } from '@bml/core';
import type { Delimiter } from './text.js';

const QUOTE = 34;
const LF = 10;
const CR = 13;

/** A position in delimited text, advanced field by field. */
export class Cursor {
  /** Offset of the next unread character. */
  pos = 0;
  /** 1-based line number of the next unread character. */
  line = 1;
  /** Char code of the delimiter. */
  readonly delimiterCode: number;

  constructor(
    readonly text: string,
    delimiter: Delimiter,
    readonly file: string,
  ) {
    this.delimiterCode = delimiter.charCodeAt(0);
  }

  /** Skips empty lines; returns false at the end of the text. */
  skipBlankLines(): boolean {
    const text = this.text;
    while (this.pos < text.length) {
      const c = text.charCodeAt(this.pos);
      if (c === LF) {
        this.pos++;
        this.line++;
      } else if (c === CR) {
        this.pos += text.charCodeAt(this.pos + 1) === LF ? 2 : 1;
        this.line++;
      } else {
        return true;
      }
    }
    return false;
  }

  /** Returns whether the cursor is at a line end or at the end of the text (the record has no more fields). */
  atRecordEnd(): boolean {
    if (this.pos >= this.text.length) return true;
    const c = this.text.charCodeAt(this.pos);
    return c === LF || c === CR;
  }

  /**
   * Moves past the delimiter after a field and returns true, or returns false
   * (without moving) when the record ends there.
   */
  nextField(): boolean {
    if (this.pos < this.text.length && this.text.charCodeAt(this.pos) === this.delimiterCode) {
      this.pos++;
      return true;
    }
    return false;
  }

  /** Moves past the line end that closes the current record. */
  endRecord(): void {
    const text = this.text;
    if (this.pos >= text.length) return;
    const c = text.charCodeAt(this.pos);
    if (c === CR) {
      this.pos += text.charCodeAt(this.pos + 1) === LF ? 2 : 1;
      this.line++;
    } else if (c === LF) {
      this.pos++;
      this.line++;
    }
  }

  /** Offset just past the unquoted field that starts at the cursor. */
  unquotedFieldEnd(): number {
    const text = this.text;
    const delimiter = this.delimiterCode;
    let i = this.pos;
    while (i < text.length) {
      const c = text.charCodeAt(i);
      if (c === delimiter || c === LF || c === CR) break;
      i++;
    }
    return i;
  }

  /** Returns whether the field at the cursor starts with a quote. */
  atQuote(): boolean {
    return this.text.charCodeAt(this.pos) === QUOTE;
  }

  /** Reads the field at the cursor as a string (unquoted and unescaped), leaving the cursor after it. */
  readString(): string {
    if (!this.atQuote()) {
      const end = this.unquotedFieldEnd();
      const value = this.text.slice(this.pos, end);
      this.pos = end;
      return value;
    }
    return this.readQuoted();
  }

  private readQuoted(): string {
    const text = this.text;
    const startLine = this.line;
    let i = this.pos + 1;
    let value = '';
    let chunkStart = i;
    for (;;) {
      if (i >= text.length) {
        throw new InvalidInputError(
          `@bml/data: ${this.file} line ${startLine}: a quoted field is never closed; ` +
            'add the closing quote (")',
          'UNCLOSED_QUOTE',
          { file: this.file, line: startLine },
        );
      }
      const c = text.charCodeAt(i);
      if (c === QUOTE) {
        if (text.charCodeAt(i + 1) === QUOTE) {
          value += text.slice(chunkStart, i + 1);
          i += 2;
          chunkStart = i;
          continue;
        }
        value += text.slice(chunkStart, i);
        i++;
        break;
      }

      if (c === LF || (c === CR && text.charCodeAt(i + 1) !== LF)) this.line++;
      i++;
    }
    // Characters between the closing quote and the delimiter are kept, as most readers do.
    this.pos = i;
    const end = this.unquotedFieldEnd();
    if (end > i) value += text.slice(i, end);
    this.pos = end;
    return value;
  }

  /** Reads the remaining fields of the current record as strings and moves to the next record. */
  readRecord(): string[] {
    const fields = [this.readString()];
    while (this.nextField()) fields.push(this.readString());
    this.endRecord();
    return fields;
  }
}

/** One record of a string table with the line it starts on. */
export interface TextRecord {
  /** 1-based line number in the file. */
  line: number;
  /** Field values, unquoted, not trimmed. */
  fields: string[];
}

/** Splits delimited text into records of string fields (the header is the first record). */
export function parseRecords(text: string, delimiter: Delimiter, file: string): TextRecord[] {
  const cursor = new Cursor(text, delimiter, file);
  const records: TextRecord[] = [];
  while (cursor.skipBlankLines()) {
    const line = cursor.line;
    records.push({ line, fields: cursor.readRecord() });
  }
  return records;
}
