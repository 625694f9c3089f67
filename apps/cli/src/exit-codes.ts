/** Exit codes of `hrnet` (documented in the README). */
export const EXIT = {
  /** Everything asked for was done. */
  ok: 0,
  /** Nothing (useful) was done: bad arguments, unknown model, unreadable checkpoint, download failed. */
  error: 1,
  /** Bad command line (unknown command or option). */
  usage: 2,
  /** The batch ran to the end but some inputs failed; each is listed with its reason. */
  partial: 3,
  /** Stopped by SIGINT/SIGTERM: what finished is written (results, `<task>_images.jsonl`, summary saying where it stopped). */
  interrupted: 130,
} as const;

/** An error whose message is meant for the person at the terminal (no stack trace). */
export class CliError extends Error {
  constructor(message: string, readonly code: number = EXIT.error) {
    super(message);
    this.name = 'CliError';
  }
}
