// The test files' view into an exported .onnx: a protobuf message's raw fields, and the UTF-8 of a bytes field.
// Enough to read node op types, attributes and value_info without a protobuf library in the tests.

/** Fields of a protobuf message: field number → raw values (varints as numbers, length-delimited as bytes). */
export function fields(buf: Uint8Array): Map<number, (number | Uint8Array)[]> {
  const out = new Map<number, (number | Uint8Array)[]>();
  let pos = 0;
  const varint = () => {
    let v = 0;
    let mul = 1;
    for (;;) {
      const b = buf[pos++]!;
      v += (b & 0x7f) * mul;
      mul *= 128;
      if (b < 0x80) return v;
    }
  };
  while (pos < buf.length) {
    const tag = varint();
    const [field, wire] = [Math.floor(tag / 8), tag & 7];
    let value: number | Uint8Array;
    if (wire === 0) value = varint();
    else if (wire === 2) {
      const n = varint();
      value = buf.subarray(pos, pos + n);
      pos += n;
    } else if (wire === 5 || wire === 1) {
      value = 0; // fixed32 / fixed64: not needed here, skipped
      pos += wire === 5 ? 4 : 8;
    } else throw new Error(`wire type ${wire}`);
    out.set(field, [...(out.get(field) ?? []), value]);
  }
  return out;
}

export const text = (b: unknown) => new TextDecoder().decode(b as Uint8Array);
