/**
 * Reads chosen regular files out of an uncompressed tar archive (ustar, with pax extended headers
 * as npm writes them). Only what taking a few files out of an npm tarball needs: no links, no
 * sparse files, no base-256 sizes; anything else in the archive is skipped.
 */
export function readTarEntries(tar: Uint8Array, wanted: ReadonlySet<string>): Map<string, Buffer> {
  const bytes = Buffer.from(tar.buffer, tar.byteOffset, tar.byteLength);
  const found = new Map<string, Buffer>();
  let paxPath: string | undefined;
  let offset = 0;
  while (offset + 512 <= bytes.length) {
    const header = bytes.subarray(offset, offset + 512);
    if (header.every((byte) => byte === 0)) break; // the end-of-archive blocks
    const size = octalField(header, 124, 12);
    const type = String.fromCharCode(header[156] ?? 0);
    const dataStart = offset + 512;
    const data = bytes.subarray(dataStart, dataStart + size);
    if (data.length !== size) {
      throw new Error(`tar: entry at ${offset} runs past the archive's end`);
    }
    offset = dataStart + Math.ceil(size / 512) * 512;

    if (type === "x") {
      paxPath = paxRecord(data, "path");
      continue;
    }
    if (type === "g") continue;
    const name = paxPath ?? headerName(header);
    paxPath = undefined;
    if ((type === "0" || type === "\0") && wanted.has(name)) found.set(name, Buffer.from(data));
  }
  return found;
}

function textField(header: Buffer, start: number, length: number): string {
  const field = header.subarray(start, start + length);
  const end = field.indexOf(0);
  return field.subarray(0, end === -1 ? length : end).toString("utf8");
}

function octalField(header: Buffer, start: number, length: number): number {
  if (((header[start] ?? 0) & 0x80) !== 0) throw new Error("tar: base-256 sizes are not supported");
  const text = textField(header, start, length).trim();
  const value = text === "" ? 0 : Number.parseInt(text, 8);
  if (!Number.isSafeInteger(value) || value < 0) throw new Error(`tar: bad octal field "${text}"`);
  return value;
}

function headerName(header: Buffer): string {
  const name = textField(header, 0, 100);
  const isUstar = textField(header, 257, 6).startsWith("ustar");
  const prefix = isUstar ? textField(header, 345, 155) : "";
  return prefix === "" ? name : `${prefix}/${name}`;
}

/** One key of a pax extended header: records are "<length> <key>=<value>\n". */
function paxRecord(data: Buffer, key: string): string | undefined {
  let at = 0;
  while (at < data.length) {
    const space = data.indexOf(0x20, at);
    if (space === -1) break;
    const length = Number.parseInt(data.subarray(at, space).toString("ascii"), 10);
    if (!Number.isSafeInteger(length) || length <= 0) break;
    const record = data.subarray(space + 1, at + length - 1).toString("utf8");
    const equals = record.indexOf("=");
    if (equals !== -1 && record.slice(0, equals) === key) return record.slice(equals + 1);
    at += length;
  }
  return undefined;
}
