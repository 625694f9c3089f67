/**
 * Typed errors. Each says what was expected and what was found, so a user can fix the input
 * without reading our source.
 */
export class HrnetError extends Error {
  constructor(message: string) {
    super(capMessage(message));
    this.name = new.target.name;
  }
}

/** Longest message an error carries: names from a hostile file (a 1 MB key) must not make 1 MB messages. */
export const MAX_MESSAGE_LENGTH = 4000;

/** Cut the middle out of an over-long message, keeping its start (what failed) and its end (what to do). */
export function capMessage(message: string): string {
  const m = typeof message === 'string' ? message : 'error';
  if (m.length <= MAX_MESSAGE_LENGTH) return m;
  const head = MAX_MESSAGE_LENGTH - 1000;
  return `${m.slice(0, head)} … (${m.length - head - 800} characters left out) … ${m.slice(m.length - 800)}`;
}

/**
 * Any failure as a typed error of this library: ours pass through; anything else (a RangeError from an
 * allocation, a TypeError from malformed input, a file system error) becomes `make(message)` naming it, with
 * its message cut short. Used at the boundary of every reader, so callers need one `catch` for one type.
 */
export function typedError(e: unknown, context: string, make: (message: string) => HrnetError = (m) => new CheckpointError(m)): HrnetError {
  if (e instanceof HrnetError) return e;
  let name = 'Error';
  let message = '';
  try {
    name = e instanceof Error ? e.name : typeof e;
    message = e instanceof Error ? String(e.message) : typeof e === 'string' ? e : '';
  } catch {
    // an exotic thrown value: keep the generic words
  }
  const oom = e instanceof RangeError && /allocation|memory|Invalid (typed )?array length/i.test(message);
  const err = make(`${context}: ${oom ? 'out of memory' : name}${message ? ` (${message.slice(0, 300)})` : ''}`);
  (err as { cause?: unknown }).cause = e;
  return err;
}

/** A checkpoint file could not be read: unknown or corrupt format, forbidden pickle global, bad tensor. */
export class CheckpointError extends HrnetError {}

/** A state dict does not fit a model: missing or unexpected keys, wrong shapes. */
export class StateDictError extends HrnetError {
  constructor(
    message: string,
    readonly missing: string[] = [],
    readonly unexpected: string[] = [],
    readonly mismatched: { key: string; expected: number[]; found: number[] }[] = [],
  ) {
    super(message);
  }
}

/** A model config (preset name, YAML text or object) is unknown or malformed. */
export class ConfigError extends HrnetError {}

/** A tensor or image has the wrong rank, shape or channel count. */
export class ShapeError extends HrnetError {}

/** No requested tfjs backend could be initialised. */
export class BackendError extends HrnetError {}

/** Bad user input other than shapes: NaN values, empty or out-of-image boxes, wrong option values. */
export class InputError extends HrnetError {}

/** An object was used after `dispose()`: create a new one. */
export class DisposedError extends HrnetError {}

/** An inference engine is unknown, not installed, or was given bad options. */
export class EngineError extends HrnetError {}
