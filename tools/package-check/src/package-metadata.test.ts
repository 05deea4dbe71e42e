// The package.json fields and files npm users and the release flow rely on, checked for every
// published package, before and after `changeset version` (run in a throwaway copy).
import { spawnSync } from "node:child_process";
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type PackageManifest,
  packageManifest,
  publishedPackageDirs,
  readManifest,
  workspaceRoot,
} from "./published-packages.js";

const rootManifest = readManifest(join(workspaceRoot, "package.json"));
const publishedNames = new Set(publishedPackageDirs.map((dir) => packageManifest(dir).name));

/** Dependencies on other workspace packages that npm users install with this one. */
function workspaceDependencies(manifest: PackageManifest): [string, string][] {
  return Object.entries({ ...manifest.dependencies }).filter(([name]) =>
    name.startsWith("@magma/"),
  );
}

function workspacePeers(manifest: PackageManifest): [string, string][] {
  return Object.entries({ ...manifest.peerDependencies }).filter(([name]) =>
    name.startsWith("@magma/"),
  );
}

const PEER_RANGE = /^workspace:>=(\d+)\.(\d+)\.(\d+) <(\d+)\.0\.0$/;

/**
 * A peer of ours is asked for as `workspace:>=X.Y.Z <M.0.0`, a range that admits the peer's next
 * minor release: changesets makes every dependent of a peer whose new version leaves the range a
 * major release (with `onlyUpdatePeerDependentsWhenOutOfRange`, only then), and `^0.1.0` would
 * not admit 0.2.0.
 */
function expectPeerRange(name: string, range: string): void {
  const match = PEER_RANGE.exec(range);
  expect(match, `${name}: ${range}`).not.toBeNull();
  const [, lowMajor, lowMinor, lowPatch, nextMajor] = (match ?? []).map(Number);
  const [major, minor, patch] = packageManifestByName(name).version.split(".").map(Number);
  const atLeastLow =
    major! > lowMajor! ||
    (major === lowMajor && (minor! > lowMinor! || (minor === lowMinor && patch! >= lowPatch!)));
  expect(atLeastLow, `${name} ${major}.${minor}.${patch} is below ${range}`).toBe(true);
  // The next minor release stays inside the range.
  expect(major! < nextMajor!, `${name}'s next minor leaves ${range}`).toBe(true);
}

function packageManifestByName(name: string): PackageManifest {
  const dir = publishedPackageDirs.find((candidate) => packageManifest(candidate).name === name);
  if (dir === undefined) throw new Error(`${name} is not a published package`);
  return packageManifest(dir);
}

describe.each(publishedPackageDirs)("packages/%s/package.json", (dir) => {
  const manifest = packageManifest(dir);
  const packageDir = join(workspaceRoot, "packages", dir);

  it("names a public @magma package with a description, the MIT licence and public access", () => {
    expect(manifest.private).toBeUndefined();
    expect(manifest.name).toBe(`@magma/${dir}`);
    expect(manifest.description?.length ?? 0).toBeGreaterThan(20);
    // MIT, and with it any licence of third-party files shipped unmodified (wintun.dll's).
    expect(manifest.license).toMatch(/^MIT( AND [\w.-]+)*$/);
    expect(manifest).toHaveProperty("publishConfig.access", "public");
  });

  it("ships a README that starts with its name and the licence text", () => {
    expect(manifest.files).toEqual(expect.arrayContaining(["README.md", "LICENSE"]));
    expect(readFileSync(join(packageDir, "README.md"), "utf8")).toMatch(/^# /);
    expect(readFileSync(join(packageDir, "LICENSE"), "utf8")).toMatch(/MIT License/);
  });

  it("asks for the Node.js versions the workspace supports", () => {
    expect(manifest.engines?.node).toBe(rootManifest.engines?.node);
  });

  it("points at its own folder of the repository", () => {
    expect(manifest.repository).toEqual({
      type: "git",
      url: rootManifest.repository?.url,
      directory: `packages/${dir}`,
    });
  });

  it("depends on other workspace packages through workspace:^ (peers through a range their next minor stays in), and only on published ones", () => {
    for (const [name, range] of workspaceDependencies(manifest)) {
      expect(range, name).toBe("workspace:^");
      expect(publishedNames.has(name), name).toBe(true);
    }
    for (const [name, range] of workspacePeers(manifest)) {
      expect(publishedNames.has(name), name).toBe(true);
      expectPeerRange(name, range);
    }
  });
});

describe("the package checks", () => {
  it("depend on every published package, so that turbo builds each before they pack it", () => {
    const own = readManifest(join(workspaceRoot, "tools", "package-check", "package.json"));
    for (const name of publishedNames) {
      expect(own.devDependencies?.[name], name).toBe("workspace:*");
    }
  });
});

describe("changeset version, run in a throwaway copy of the workspace", () => {
  let copy: string;
  let versioned: ReturnType<typeof spawnSync>;

  beforeAll(() => {
    copy = mkdtempSync(join(tmpdir(), "magma-changeset-version-"));
    // What changesets reads and writes: the workspace list, the pending changesets and each
    // package's manifest and changelog.
    for (const file of ["package.json", "pnpm-workspace.yaml", ".changeset"]) {
      cpSync(join(workspaceRoot, file), join(copy, file), { recursive: true });
    }
    for (const group of ["packages", "tools"]) {
      for (const name of readdirSync(join(workspaceRoot, group))) {
        for (const file of ["package.json", "CHANGELOG.md"]) {
          const source = join(workspaceRoot, group, name, file);
          if (!existsSync(source)) continue;
          mkdirSync(join(copy, group, name), { recursive: true });
          cpSync(source, join(copy, group, name, file));
        }
      }
    }
    versioned = spawnSync(
      process.execPath,
      [join(workspaceRoot, "node_modules", "@changesets", "cli", "bin.js"), "version"],
      { cwd: copy, encoding: "utf8" },
    );
  });

  afterAll(() => {
    if (copy !== undefined) rmSync(copy, { recursive: true, force: true });
  });

  it("succeeds and consumes every pending changeset", () => {
    expect(versioned.status, String(versioned.stderr)).toBe(0);
    const left = readdirSync(join(copy, ".changeset")).filter(
      (file) => file.endsWith(".md") && file !== "README.md",
    );
    expect(left).toEqual([]);
  });

  it.each(publishedPackageDirs)("leaves %s with a changelog and workspace:^ ranges", (dir) => {
    const manifest = readManifest(join(copy, "packages", dir, "package.json"));
    expect(manifest.version).toMatch(/^\d+\.\d+\.\d+$/);
    expect(existsSync(join(copy, "packages", dir, "CHANGELOG.md"))).toBe(true);
    for (const [name, range] of workspaceDependencies(manifest)) {
      expect(range, name).toBe("workspace:^");
    }
  });
});

describe("pnpm publish --dry-run of every published package", () => {
  it("packs each as it would publish it, and succeeds", () => {
    // --no-git-checks: a developer's uncommitted work must not fail the check; CI's clone is clean.
    const published = spawnSync(
      "pnpm",
      ["--recursive", "--filter", "./packages/*", "publish", "--dry-run", "--no-git-checks"],
      { cwd: workspaceRoot, encoding: "utf8" },
    );
    const output = `${published.stdout}${published.stderr}`;
    expect(published.status, output).toBe(0);
    for (const dir of publishedPackageDirs) {
      const { name, version } = packageManifest(dir);
      expect(output, name).toContain(`${name}@${version}`);
    }
  });
});
