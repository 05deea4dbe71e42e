// createTapAdapter, deleteTapAdapter and setTapAdapterEnabled on the Windows build: SetupAPI as
// OpenVPN's tapctl uses it (native/src/tap/tap_setupapi_windows.cc), against Wine's SetupAPI and
// registry.
//
// Wine has no TAP-Windows driver, so making an adapter must fail at the SetupAPI call that looks
// for one, with that call's name and its Win32/SetupAPI code: not ERROR_NOT_SUPPORTED (the
// controls exist on Windows now), not a crash, and with no device left behind. Removing and
// enabling compare each network device's NetCfgInstanceId and ComponentId: an unknown GUID, and
// the GUID of a device that is not TAP's (the stand-in wintun.dll registers one per adapter,
// ComponentId "wintun"), give ERROR_NOT_FOUND and change nothing. With a stand-in INF for
// root\tap0901 the device is selected, registered and installed, and the bounded wait for its
// NetCfgInstanceId (which only Windows' network setup writes) ends the call. Not testable here: a
// NetCfgInstanceId, the netsh rename, a device found by GUID, DIF_REMOVE and DIF_PROPERTYCHANGE
// themselves (Wine 8's SetupDiSetClassInstallParamsW is a stub).
import assert from "node:assert/strict";
import { rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import {
  createTapAdapter,
  deleteTapAdapter,
  listTapAdapters,
  setTapAdapterEnabled,
  TapError,
  TapErrorCode,
} from "@magma/tap-legacy";
import { listNetworkAdapters, WinTunAdapter } from "@magma/wintun-native";

// A driver package for root\tap0901 with nothing in it: SetupAPI finds it in %WINDIR%\inf and
// selects it, so the device gets registered and installed; no network setup ever gives it a
// NetCfgInstanceId under Wine.
const STAND_IN_INF = `[Version]
Signature="$Windows NT$"
Class=Net
ClassGUID={4d36e972-e325-11ce-bfc1-08002be10318}
Provider=%Provider%
DriverVer=01/01/2024,9.27.0.0

[Manufacturer]
%Provider%=Magma,NTamd64

[Magma.NTamd64]
%Description%=tap0901.ndi,root\\tap0901

[tap0901.ndi]
Characteristics=0x1

[tap0901.ndi.Services]
AddService=,2

[Strings]
Provider="Magma wine-test"
Description="TAP-Windows stand-in without a driver"
`;

const UNKNOWN_GUID = "{5A1E0C3B-7D2F-4B9A-8E61-2C4D6F8A0B13}";

function tapDevices() {
  return listNetworkAdapters().filter((record) =>
    record.hardwareIds.some((id) => /^(root\\)?tap0901$/i.test(id)),
  );
}

describe("TAP adapters through SetupAPI under Wine (no TAP driver)", () => {
  it("createTapAdapter fails at a named SetupAPI call with its code and leaves no device", async () => {
    assert.deepEqual(tapDevices(), [], "no TAP device before");
    const error = await createTapAdapter("wine-tap-1").then(
      () => assert.fail("made a TAP adapter without a driver"),
      (caught) => caught,
    );
    assert.ok(error instanceof TapError, `${error}`);
    // What Windows without tap-windows6 answers too: no driver matches root\tap0901.
    assert.equal(error.code, TapErrorCode.NO_COMPAT_DRIVERS);
    assert.equal(error.symbol, "ERROR_NO_COMPAT_DRIVERS");
    assert.equal(error.call, "SetupDiSelectBestCompatDrv");
    assert.match(error.message, /^SetupDiSelectBestCompatDrv failed with ERROR_NO_COMPAT_DRIVERS/);
    assert.match(error.hint ?? "", /tap-windows6/);
    assert.deepEqual(tapDevices(), [], "the half-made device is gone");
    assert.deepEqual(listTapAdapters(), []);
  });

  it("deleteTapAdapter of a GUID no device has gives NOT_FOUND", async () => {
    await assert.rejects(deleteTapAdapter(UNKNOWN_GUID), (error) => {
      assert.ok(error instanceof TapError, `${error}`);
      assert.equal(error.code, TapErrorCode.NOT_FOUND);
      assert.equal(error.symbol, "ERROR_NOT_FOUND");
      assert.equal(error.call, "SetupDiEnumDeviceInfo");
      assert.match(error.detail ?? "", /5A1E0C3B-7D2F-4B9A-8E61-2C4D6F8A0B13/);
      return true;
    });
  });

  it("setTapAdapterEnabled of a GUID no device has gives NOT_FOUND, either way", async () => {
    for (const enabled of [false, true]) {
      await assert.rejects(setTapAdapterEnabled(UNKNOWN_GUID, enabled), (error) => {
        assert.ok(error instanceof TapError, `${error}`);
        assert.equal(error.code, TapErrorCode.NOT_FOUND);
        assert.equal(error.call, "SetupDiEnumDeviceInfo");
        return true;
      });
    }
  });

  it("deleteTapAdapter leaves a network device that is not TAP's alone, even given its GUID", async () => {
    const adapter = await WinTunAdapter.create({ name: "wine-tap-other", tunnelType: "Magma" });
    try {
      const [device] = listNetworkAdapters().filter(
        (record) => record.wintunName === "wine-tap-other",
      );
      assert.ok(device?.netCfgInstanceId, "the stand-in registered its device with a GUID");
      await assert.rejects(deleteTapAdapter(device.netCfgInstanceId), (error) => {
        assert.ok(error instanceof TapError, `${error}`);
        assert.equal(error.code, TapErrorCode.NOT_FOUND);
        return true;
      });
      await assert.rejects(setTapAdapterEnabled(device.netCfgInstanceId, false), (error) => {
        assert.equal(error.code, TapErrorCode.NOT_FOUND);
        return true;
      });
      const after = listNetworkAdapters().filter(
        (record) => record.wintunName === "wine-tap-other",
      );
      assert.equal(after.length, 1, "the wintun device is still there");
    } finally {
      adapter.close();
    }
  });

  it("reports a device installed without a NetCfgInstanceId at the bounded wait, and its removal", async () => {
    const inf = join(process.env.WINDIR ?? "C:\\windows", "inf", "magma-tap-stand-in.inf");
    writeFileSync(inf, STAND_IN_INF.replaceAll("\n", "\r\n"));
    try {
      const started = Date.now();
      const error = await createTapAdapter("wine-tap-2").then(
        () => assert.fail("made a TAP adapter that has no NetCfgInstanceId"),
        (caught) => caught,
      );
      const waited = Date.now() - started;
      assert.ok(error instanceof TapError, `${error}`);
      // Selected, registered and installed: only the network setup's part is missing.
      assert.equal(error.call, "RegGetValueW(NetCfgInstanceId)");
      assert.equal(error.code, TapErrorCode.FILE_NOT_FOUND);
      assert.match(error.detail ?? "", /no NetCfgInstanceId within 30 s/);
      assert.equal(error.hint, undefined, "not the phantom-device hint of CreateFileW");
      assert.ok(
        waited >= 29_000 && waited < 45_000,
        `waited ${waited} ms (tapctl's bound is 30 s)`,
      );
      // The half-made device goes again (DIF_REMOVE), or the error says why it could not: Wine's
      // SetupDiSetClassInstallParamsW is a stub that fails, so under Wine it stays and is named.
      const left = tapDevices();
      if (left.length > 0) {
        assert.match(
          error.detail ?? "",
          /removing the new device failed too: SetupDiSetClassInstallParamsW/,
        );
        assert.deepEqual(
          left.map((device) => device.hardwareIds),
          [["root\\tap0901"]],
        );
      }
    } finally {
      rmSync(inf);
    }
  });
});
