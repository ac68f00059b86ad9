/** One line of download progress: `stage` is `download`, `read`, `write` or `verify`. */
export interface FetchProgressEvent {
  /** Step the line belongs to. */
  stage: string;
  /** One short human-readable line. */
  message: string;
}

/** Receives download progress; the `bml fetch` command prints it. */
export type FetchProgressHandler = (event: FetchProgressEvent) => void;
