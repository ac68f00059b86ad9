/**
 * Removes user names and passwords from URLs inside `text`
 * (`https://user:secret@host/` becomes `https://host/`), so that a command
 * line or a source list can be written to a file that may be shared.
 */
export function withoutCredentials(text: string): string {
  return text.replace(/\b([a-z][a-z0-9+.-]*:\/\/)[^/?#@\s]*@/gi, '$1');
}
