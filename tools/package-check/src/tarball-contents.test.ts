import { describe, expect, it } from "vitest";
import {
  dualBuildPrograms,
  dualPackageDirs,
  packageManifest,
  publishedPackageDirs,
} from "./published-packages.js";
import { forbiddenIn, tarballFiles, tarballManifest, tarballText } from "./tarball-files.js";
import { tarballOf } from "./tarballs.js";

/** What every tarball carries besides its code. */
const requiredInEvery = ["package.json", "README.md", "LICENSE"];

/** The whole of dist/ in a package of the dual build: its entry's two builds and their types. */
const dualBuildDist = [
  "dist/index.cjs",
  "dist/index.cjs.map",
  "dist/index.d.cts",
  "dist/index.d.ts",
  "dist/index.js",
];

describe("forbiddenIn", () => {
  it("names each kind of file a tarball must not carry", () => {
    const found = forbiddenIn([
      "dist/index.test.js",
      "dist/test-support/session-fixture.js",
      "src/index.ts",
      "examples/http-server.mjs",
      "build/Release/obj/addon.o",
      "build/CMakeCache.txt",
      "tsconfig.build.json",
    ]);
    expect(found).toEqual([
      "dist/index.test.js (a test file)",
      "dist/test-support/session-fixture.js (test support)",
      "src/index.ts (TypeScript sources)",
      "examples/http-server.mjs (an example)",
      "build/Release/obj/addon.o (a build tree)",
      "build/CMakeCache.txt (a build tree)",
      "tsconfig.build.json (build configuration)",
    ]);
  });

  it("lets the shipped files through", () => {
    const shipped = [
      ...requiredInEvery,
      ...dualBuildDist,
      "prebuilds/linux-x64/magma_wintun.napi.glibc.node",
      "scripts/install.mjs",
    ];
    expect(forbiddenIn(shipped)).toEqual([]);
  });
});

describe.each(publishedPackageDirs)("the packed %s", (dir) => {
  const tarball = tarballOf(dir);
  const files = tarballFiles(tarball);

  it("carries its README and licence", () => {
    expect(files).toEqual(expect.arrayContaining(requiredInEvery));
  });

  it("carries no tests, sources, examples, build trees or workspace configuration", () => {
    expect(forbiddenIn(files)).toEqual([]);
  });

  it("has CommonJS files that read no import.meta, which CommonJS lacks", () => {
    const commonJs = files.filter((file) => file.endsWith(".cjs"));
    expect(commonJs).toContain("dist/index.cjs");
    for (const file of commonJs) {
      // esbuild turns an import.meta it was not told to replace into an empty import_meta object.
      expect(tarballText(tarball, file), file).not.toMatch(/import\.meta|import_meta/);
    }
  });

  it("asks for the other packages it uses at their current versions, as caret ranges", () => {
    const internalOf = (dependencies: Readonly<Record<string, string>> = {}) =>
      Object.entries(dependencies).filter(([name]) => name.startsWith("@magma/"));
    const expected = Object.fromEntries(
      internalOf(packageManifest(dir).dependencies).map(([name]) => {
        const dependency = publishedPackageDirs.find((d) => packageManifest(d).name === name);
        return [
          name,
          dependency === undefined ? "unpublished" : `^${packageManifest(dependency).version}`,
        ];
      }),
    );
    const packed = Object.fromEntries(internalOf(tarballManifest(tarball).dependencies));
    expect(packed).toEqual(expected);
  });
});

describe.each(dualPackageDirs)("the packed %s, built by the dual build", (dir) => {
  it("carries in dist/ its entry's two builds and their types, its programs, and nothing else", async () => {
    // Another entry (a test's way in, such as wintun-native's native-addon) stays out.
    const dist = tarballFiles(tarballOf(dir)).filter((file) => file.startsWith("dist/"));
    const programs = (await dualBuildPrograms(dir)).flatMap((name) => [
      `dist/${name}.cjs`,
      `dist/${name}.cjs.map`,
    ]);
    expect(dist).toEqual([...dualBuildDist, ...programs].sort());
  });
});

describe("the packed wintun-native", () => {
  const files = tarballFiles(tarballOf("wintun-native"));

  it("carries the prebuilt addons, its install step and what a build from source needs", () => {
    expect(files).toEqual(
      expect.arrayContaining([
        "prebuilds/linux-x64/magma_wintun.napi.glibc.node",
        "prebuilds/linux-arm64/magma_wintun.napi.glibc.node",
        "prebuilds/win32-x64/magma_wintun.napi.node",
        "scripts/install.mjs",
        "CMakeLists.txt",
        "native/include/wintun_api.h",
        "native/src/addon.cc",
      ]),
    );
  });
});
