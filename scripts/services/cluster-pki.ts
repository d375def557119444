// Certificates for the local control plane, made with openssl: a CA, the apiserver's serving
// certificate, an admin client (system:masters) and the service-account signing key.
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";

export interface ClusterPki {
  dir: string;
  caCert: string;
  caKey: string;
  serverCert: string;
  serverKey: string;
  adminCert: string;
  adminKey: string;
  serviceAccountKey: string;
  serviceAccountPub: string;
}

function openssl(args: string[], cwd: string): void {
  execFileSync("openssl", args, { cwd, stdio: ["ignore", "ignore", "pipe"] });
}

/** Creates (once) the certificates in `dir`; the same folder is reused by later starts. */
export function ensurePki(dir: string, advertiseAddress: string): ClusterPki {
  mkdirSync(dir, { recursive: true });
  const pki: ClusterPki = {
    dir,
    caCert: join(dir, "ca.crt"),
    caKey: join(dir, "ca.key"),
    serverCert: join(dir, "apiserver.crt"),
    serverKey: join(dir, "apiserver.key"),
    adminCert: join(dir, "admin.crt"),
    adminKey: join(dir, "admin.key"),
    serviceAccountKey: join(dir, "sa.key"),
    serviceAccountPub: join(dir, "sa.pub"),
  };
  if (existsSync(pki.adminCert) && existsSync(join(dir, `san-${advertiseAddress}`))) return pki;

  openssl(["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "3650", "-subj", "/CN=lsp-local-ca", "-keyout", pki.caKey, "-out", pki.caCert], dir);
  const sans = `subjectAltName=DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local,IP:127.0.0.1,IP:10.96.0.1,IP:${advertiseAddress}`;
  writeFileSync(join(dir, "server.ext"), `${sans}\nextendedKeyUsage=serverAuth\n`);
  openssl(["req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=kube-apiserver", "-keyout", pki.serverKey, "-out", join(dir, "apiserver.csr")], dir);
  openssl(["x509", "-req", "-in", join(dir, "apiserver.csr"), "-CA", pki.caCert, "-CAkey", pki.caKey, "-CAcreateserial", "-days", "3650", "-extfile", join(dir, "server.ext"), "-out", pki.serverCert], dir);
  writeFileSync(join(dir, "client.ext"), "extendedKeyUsage=clientAuth\n");
  openssl(["req", "-newkey", "rsa:2048", "-nodes", "-subj", "/O=system:masters/CN=admin", "-keyout", pki.adminKey, "-out", join(dir, "admin.csr")], dir);
  openssl(["x509", "-req", "-in", join(dir, "admin.csr"), "-CA", pki.caCert, "-CAkey", pki.caKey, "-CAcreateserial", "-days", "3650", "-extfile", join(dir, "client.ext"), "-out", pki.adminCert], dir);
  openssl(["genrsa", "-out", pki.serviceAccountKey, "2048"], dir);
  openssl(["rsa", "-in", pki.serviceAccountKey, "-pubout", "-out", pki.serviceAccountPub], dir);
  writeFileSync(join(dir, `san-${advertiseAddress}`), "");
  return pki;
}
