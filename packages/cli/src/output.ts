/** Where a command writes: stdout and stderr, or a test's buffers. */
export interface CommandIo {
  stdout(text: string): void;
  stderr(text: string): void;
}

export const processIo: CommandIo = {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
};

/** JSON for scripts: bigints (LUIDs) as decimal strings, which JSON numbers cannot hold exactly. */
export function toJson(value: unknown, layout: "indented" | "one line" = "indented"): string {
  const replacer = (_key: string, field: unknown) =>
    typeof field === "bigint" ? field.toString() : field;
  return `${JSON.stringify(value, replacer, layout === "indented" ? 2 : undefined)}\n`;
}
