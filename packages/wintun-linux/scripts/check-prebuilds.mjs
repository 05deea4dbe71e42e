// Run before packing: the tarball must hold a library for every architecture the package
// promises (package.json "cpu"), each an ELF shared object for that machine. Building them:
// node scripts/build-prebuild.mjs --arch x64, and --arch arm64.
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const packageDir = join(dirname(fileURLToPath(import.meta.url)), "..");
const machines = { x64: "Advanced Micro Devices X86-64", arm64: "AArch64" };
const { cpu } = JSON.parse(readFileSync(join(packageDir, "package.json"), "utf8"));
const problems = [];
for (const arch of cpu) {
  const library = join(packageDir, "prebuilds", `linux-${arch}`, "libwintun.so");
  if (!existsSync(library)) {
    problems.push(`${library} is missing: node scripts/build-prebuild.mjs --arch ${arch}`);
    continue;
  }
  const header = execFileSync("readelf", ["-h", library], { encoding: "utf8" });
  const machine = /Machine:\s+(.*)/.exec(header)?.[1]?.trim();
  if (machine !== machines[arch]) problems.push(`${library} is for ${machine}, not ${arch}`);
}
if (problems.length > 0) {
  console.error(`check-prebuilds:\n  ${problems.join("\n  ")}`);
  process.exit(1);
}
console.log(`check-prebuilds: ${cpu.map((arch) => `linux-${arch}`).join(", ")} present`);
