import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { expect, it } from "vitest";
import { readPcapng } from "./pcapng-reader.js";

const packageDir = join(dirname(fileURLToPath(import.meta.url)), "..");
const readme = readFileSync(join(packageDir, "README.md"), "utf8");

// The README's example, run as written but for where it imports from and writes to; Wireshark's
// own reader (tshark, installed by tools/setup/install-deps.sh) then reads the file it wrote.
it("the README's example writes a file that tshark and readPcapng read", async () => {
  const example = /```ts\n([\s\S]*?)```/.exec(readme)?.[1];
  expect(example).toContain('from "@magma/pcapng"');
  const directory = mkdtempSync(join(tmpdir(), "magma-pcapng-readme-"));
  try {
    const output = join(directory, "one.pcapng");
    const source = (example as string)
      .replace('"@magma/pcapng"', JSON.stringify(join(packageDir, "src", "index.ts")))
      .replace('"one.pcapng"', JSON.stringify(output));
    const file = join(directory, "example.ts");
    writeFileSync(file, source);
    await import(file);
    const parsed = readPcapng(readFileSync(output));
    expect(parsed.interfaces).toEqual([
      { linkType: 101, snapLength: 65535, name: "tun0", timestampResolution: 9 },
    ]);
    expect(parsed.packets).toHaveLength(1);
    const fields = execFileSync(
      "tshark",
      ["-r", output, "-T", "fields", "-e", "frame.packet_flags_direction", "-e", "ip.dst"],
      { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] },
    );
    expect(fields.trim()).toBe("0x00000001\t198.18.0.2");
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
});
