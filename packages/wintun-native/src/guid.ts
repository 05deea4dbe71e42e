const GUID_PATTERN =
  /^\{?([0-9a-f]{8})-([0-9a-f]{4})-([0-9a-f]{4})-([0-9a-f]{4})-([0-9a-f]{12})\}?$/i;

/**
 * A GUID string ("deadbabe-cafe-beef-0123-456789abcdef", braces optional) in Windows' in-memory
 * GUID layout: Data1, Data2 and Data3 little-endian, Data4 as written.
 */
export function guidBytes(text: string): Uint8Array {
  const match = GUID_PATTERN.exec(text);
  if (match === null) throw new TypeError(`not a GUID: ${JSON.stringify(text)}`);
  const [, data1 = "", data2 = "", data3 = "", data4a = "", data4b = ""] = match;
  const bytes = new Uint8Array(16);
  const view = new DataView(bytes.buffer);
  view.setUint32(0, Number.parseInt(data1, 16), true);
  view.setUint16(4, Number.parseInt(data2, 16), true);
  view.setUint16(6, Number.parseInt(data3, 16), true);
  const tail = data4a + data4b;
  for (let i = 0; i < 8; i++) bytes[8 + i] = Number.parseInt(tail.slice(2 * i, 2 * i + 2), 16);
  return bytes;
}
