import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { run } from "./kernel-peer.js";

/** A PEM certificate and key, with the files holding them. */
export interface CertificateFiles {
  readonly certFile: string;
  readonly keyFile: string;
  readonly cert: string;
  readonly key: string;
}

function ecKey(file: string): void {
  run("openssl", [
    "genpkey",
    "-algorithm",
    "EC",
    "-pkeyopt",
    "ec_paramgen_curve:P-256",
    "-out",
    file,
  ]);
}

/** Where `name`'s files go: `<folder>/<name with other than letters and digits as ->.{pem,key}`. */
function base(folder: string, name: string): string {
  return join(folder, name.replace(/[^a-z0-9]+/gi, "-"));
}

function files(folder: string, name: string): CertificateFiles {
  const certFile = `${base(folder, name)}.pem`;
  const keyFile = `${base(folder, name)}.key`;
  return {
    certFile,
    keyFile,
    cert: readFileSync(certFile, "utf8"),
    key: readFileSync(keyFile, "utf8"),
  };
}

/** A self-signed CA named `name` (`openssl req -x509`) in `folder`, valid for a day. */
export function makeCertificateAuthority(folder: string, name: string): CertificateFiles {
  const keyFile = `${base(folder, name)}.key`;
  ecKey(keyFile);
  run("openssl", [
    "req",
    "-x509",
    "-new",
    "-key",
    keyFile,
    "-out",
    `${base(folder, name)}.pem`,
    "-days",
    "1",
    "-subj",
    `/CN=${name}`,
    "-addext",
    "basicConstraints=critical,CA:TRUE",
    "-addext",
    "keyUsage=critical,keyCertSign,cRLSign",
  ]);
  return files(folder, name);
}

/** A server certificate for the IP address `address`, signed by `authority`, valid for a day. */
export function makeServerCertificate(
  folder: string,
  name: string,
  address: string,
  authority: CertificateFiles,
): CertificateFiles {
  const keyFile = `${base(folder, name)}.key`;
  const requestFile = `${base(folder, name)}.csr`;
  const extensionsFile = `${base(folder, name)}.ext`;
  ecKey(keyFile);
  run("openssl", ["req", "-new", "-key", keyFile, "-out", requestFile, "-subj", `/CN=${address}`]);
  writeFileSync(
    extensionsFile,
    `basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\nsubjectAltName=IP:${address}\n`,
  );
  run("openssl", [
    "x509",
    "-req",
    "-in",
    requestFile,
    "-CA",
    authority.certFile,
    "-CAkey",
    authority.keyFile,
    "-CAcreateserial",
    "-out",
    `${base(folder, name)}.pem`,
    "-days",
    "1",
    "-extfile",
    extensionsFile,
  ]);
  return files(folder, name);
}
