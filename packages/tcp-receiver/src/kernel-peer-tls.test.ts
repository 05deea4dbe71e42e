import { createHash, randomBytes, X509Certificate } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import * as https from "node:https";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as tls from "node:tls";
import { afterAll, beforeAll, expect, it } from "vitest";
import { transferHandler } from "./test-support/http-transfer.js";
import {
  curl,
  describeKernelPeer,
  type KernelPeerLink,
  openKernelPeerLink,
  waitFor,
} from "./test-support/kernel-peer.js";
import { type OpensslServer, startOpensslServer } from "./test-support/openssl-server.js";
import {
  type CertificateFiles,
  makeCertificateAuthority,
  makeServerCertificate,
} from "./test-support/test-certificates.js";

const BLOB_SIZE = 8 << 20;
const blob = randomBytes(BLOB_SIZE);
const blobSha = sha256(blob);
const REVERSE_PORT = 4433;
const FILE_PORT = 4434;

function sha256(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}

/** Collects what `stream` delivers until it ends (or fails). */
function readToEnd(stream: NodeJS.ReadableStream): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    stream.on("data", (chunk: Buffer) => chunks.push(chunk));
    stream.on("end", () => resolve(Buffer.concat(chunks)));
    stream.on("error", reject);
  });
}

/** Lines of random hex (s_server -rev answers line by line, up to 16 KiB per line). */
function hexLines(count: number, length: number): string[] {
  const lines: string[] = [];
  for (let i = 0; i < count; i++) lines.push(randomBytes(length / 2).toString("hex"));
  return lines;
}

describeKernelPeer("TLS over the receiver, with the kernel's openssl and curl as peers", () => {
  let link: KernelPeerLink;
  let folder: string;
  let slotsAtRest: number;
  let authority: CertificateFiles;
  let strangerAuthority: CertificateFiles;
  let kernelCertificate: CertificateFiles;
  let reverser: OpensslServer | undefined;
  let fileServer: OpensslServer | undefined;
  let httpsListener: { close(): void } | undefined;

  beforeAll(async () => {
    folder = mkdtempSync(join(tmpdir(), "magma-tls-"));
    writeFileSync(join(folder, "blob.bin"), blob);
    link = await openKernelPeerLink({
      adapterName: "mgt-tls",
      subnet: 85,
      tcp: { timeWaitMs: 200 },
    });
    slotsAtRest = link.port.transmitter.pool.stats.inUse;
    authority = makeCertificateAuthority(folder, "Magma Test CA");
    strangerAuthority = makeCertificateAuthority(folder, "Stranger CA");
    kernelCertificate = makeServerCertificate(folder, "kernel", link.kernelAddress, authority);
    const ourCertificate = makeServerCertificate(folder, "receiver", link.address, authority);
    const server = https.createServer(
      { key: ourCertificate.key, cert: ourCertificate.cert },
      transferHandler(blob),
    );
    httpsListener = link.receiver.listen(443, server);
    const common = {
      address: link.kernelAddress,
      certFile: kernelCertificate.certFile,
      keyFile: kernelCertificate.keyFile,
      cwd: folder,
    };
    reverser = await startOpensslServer({ ...common, port: REVERSE_PORT, modeArgs: ["-rev"] });
    fileServer = await startOpensslServer({
      ...common,
      port: FILE_PORT,
      modeArgs: ["-WWW", "-http_server_binmode"],
    });
  });

  afterAll(async () => {
    reverser?.stop();
    fileServer?.stop();
    httpsListener?.close();
    await link?.close();
    rmSync(folder, { recursive: true, force: true });
  });

  /** tls.connect over a connection our receiver opens to the kernel at `port`. */
  function connectTls(port: number, ca: string): Promise<tls.TLSSocket> {
    return new Promise((resolve, reject) => {
      const socket = tls.connect(
        {
          socket: link.receiver.connect({ host: link.kernelAddress, port }),
          host: link.kernelAddress,
          ca,
        },
        () => resolve(socket),
      );
      socket.once("error", reject);
    });
  }

  it("talks to openssl s_server -rev through tls.connect, verifying its certificate", async () => {
    const socket = await connectTls(REVERSE_PORT, authority.cert);
    expect(socket.authorized).toBe(true);
    expect(socket.getProtocol()).toBe("TLSv1.3");
    const peer = socket.getPeerCertificate();
    expect(peer.subject.CN).toBe(link.kernelAddress);
    expect(peer.issuer.CN).toBe("Magma Test CA");
    expect(peer.fingerprint256).toBe(new X509Certificate(kernelCertificate.cert).fingerprint256);

    const received = readToEnd(socket);
    const closed = new Promise<void>((resolve) => socket.once("close", () => resolve()));
    // 512 lines of 8 KiB each way (4 MiB), each answered reversed; CLOSE ends the session.
    const lines = ["hello magma", ...hexLines(512, 8192)];
    socket.write(`${lines.join("\n")}\nCLOSE\n`);
    const answer = await received;
    await closed;
    const expected = Buffer.from(
      lines.map((line) => `${[...line].reverse().join("")}\n`).join(""),
      "latin1",
    );
    expect(answer.subarray(0, 12).toString()).toBe("amgam olleh\n");
    expect(answer.length).toBe(expected.length);
    expect(sha256(answer)).toBe(sha256(expected));
  });

  it("fails the handshake when the certificate is not signed by a CA it trusts", async () => {
    const error = await connectTls(REVERSE_PORT, strangerAuthority.cert).then(
      (socket) => {
        socket.destroy();
        return undefined;
      },
      (e: NodeJS.ErrnoException) => e,
    );
    expect(error?.code).toBe("UNABLE_TO_VERIFY_LEAF_SIGNATURE");
  });

  it("downloads 8 MiB intact through TLS from openssl s_server -WWW", async () => {
    const socket = await connectTls(FILE_PORT, authority.cert);
    const received = readToEnd(socket);
    socket.write("GET /blob.bin HTTP/1.0\r\n\r\n");
    const answer = await received;
    const headerEnd = answer.indexOf("\r\n\r\n");
    expect(answer.subarray(0, headerEnd).toString()).toMatch(/^HTTP\/1\.0 200 ok\r\n/);
    const body = answer.subarray(headerEnd + 4);
    expect(body.length).toBe(BLOB_SIZE);
    expect(sha256(body)).toBe(blobSha);
  });

  it("serves curl --cacert from an https.Server: 8 MiB down and up intact", async () => {
    const target = join(folder, "download.bin");
    const url = `https://${link.address}/`;
    const down = await curl(
      [
        "--cacert",
        authority.certFile,
        "-o",
        target,
        "-w",
        "%{http_code} %{ssl_verify_result}",
        url,
      ],
      60,
    );
    expect(down).toEqual({ code: 0, out: "200 0" });
    expect(sha256(readFileSync(target))).toBe(blobSha);
    const up = await curl(
      ["--cacert", authority.certFile, "--data-binary", `@${join(folder, "blob.bin")}`, url],
      60,
    );
    expect(up).toEqual({ code: 0, out: `${BLOB_SIZE} ${blobSha}` });
    // Without our CA curl refuses the certificate (60: peer certificate cannot be authenticated).
    expect((await curl([url], 10)).code).toBe(60);
  });

  it("ends with no connection, timer or pool slot left", async () => {
    const receiver = link.receiver;
    expect(await waitFor(() => receiver.connectionCount === 0, 5000)).toBe(true);
    expect(receiver.timers.size).toBe(0);
    expect(receiver.stats.activeConnections).toBe(0);
    expect(link.port.transmitter.pool.stats.inUse).toBe(slotsAtRest);
  });
});
