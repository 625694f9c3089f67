/**
 * A short, safe description of any value for an error message: never recursive, never longer than `max`
 * characters, never calling user code (no `toString` of objects), so a hostile or deeply nested value cannot
 * make the message itself throw or grow without bound.
 */
export function describeValue(value: unknown, max = 80): string {
  let s: string;
  if (value === null) s = 'null';
  else if (value === undefined) s = 'undefined';
  else if (typeof value === 'string') s = JSON.stringify(value.length > max ? `${value.slice(0, max)}…` : value);
  else if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') s = String(value);
  else if (typeof value === 'function') s = 'a function';
  else if (typeof value === 'symbol') s = 'a symbol';
  else if (Array.isArray(value)) s = `an array of ${value.length}`;
  else if (ArrayBuffer.isView(value)) s = `a ${Object.getPrototypeOf(value)?.constructor?.name ?? 'typed array'} of ${(value as { length?: number }).length ?? (value as ArrayBufferView).byteLength}`;
  else if (value instanceof ArrayBuffer) s = `an ArrayBuffer of ${value.byteLength} bytes`;
  else {
    const name = Object.getPrototypeOf(value)?.constructor?.name;
    s = name && name !== 'Object' ? `a ${name}` : 'an object';
  }
  return s.length > max + 2 ? `${s.slice(0, max)}…` : s;
}
