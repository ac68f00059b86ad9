/**
 * Number agreement for messages.
 */

/** Returns `count noun` with the noun in plural unless `count` is 1: `plural(2, 'sample')` is "2 samples". */
export function plural(count: number, noun: string, pluralNoun = `${noun}s`): string {
  return `${count} ${count === 1 ? noun : pluralNoun}`;
}

/** Returns `singular` when `count` is 1, otherwise `pluralForm`: `agree(n, 'was', 'were')`. */
export function agree(count: number, singular: string, pluralForm: string): string {
  return count === 1 ? singular : pluralForm;
}
