/**
 * Typed errors. Each says what was expected and what was found, so a user can fix the input
 * without reading our source.
 */
export class HrnetError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
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
