/** A condition that bml handled by a documented rule and reports to the user. */
export interface BmlWarning {
  /** Stable machine-readable code, for example `CONSTANT_FEATURES_DROPPED`. */
  code: string;
  /** One plain sentence: what happened, to what, and what was done. */
  message: string;
  /** Sample ids, feature names or omics names involved, when there are any. */
  ids?: string[];
}

/** Shortens a list of ids for a message: the first `max` then a count of the rest. */
export function summarizeIds(ids: readonly string[], max = 5): string {
  if (ids.length <= max) return ids.join(', ');
  return `${ids.slice(0, max).join(', ')} and ${ids.length - max} more`;
}
