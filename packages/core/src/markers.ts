/**
 * Name of the file that marks a folder as unfinished: a run directory while
 * the run works or after it failed, or a cohort folder still being
 * downloaded. Readers treat a folder that contains it as unusable.
 */
export const INCOMPLETE_MARKER = 'INCOMPLETE';
