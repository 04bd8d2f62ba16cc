/**
 * vitest globalSetup (Node): starts the provider fakes and a real Web Push service
 * (web-push-testing) on loopback, and provides their URLs to the workers project
 * (bindings PROVIDER_FAKE_URL, WEB_PUSH_SERVICE_URL and the SendGrid webhook public key), and a
 * Cloudflare Access certificate endpoint serving a fresh RS256 key (ACCESS_CERTS_URL; its private
 * half is provided to tests, which sign Access tokens with it: test/console-access.test.ts).
 */
import { createServer as createHttpServer } from "node:http";
import { createServer } from "node:net";
import type { AddressInfo } from "node:net";
import { exportJWK, generateKeyPair } from "jose";
import { createRequire } from "node:module";
import type { TestProject } from "vitest/node";
import { startProviderFake } from "./provider-fake";

const require = createRequire(import.meta.url);

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

export default async function setup(project: TestProject) {
  const fake = await startProviderFake();
  const { PushApiModel } = require("web-push-testing/src/PushApiModel") as { PushApiModel: new () => unknown };
  const WebPushTestingServer = require("web-push-testing/src/server") as new (
    model: unknown,
    port: number,
  ) => { startServer(): void; _server: { close(cb: () => void): void } };
  const port = await freePort();
  const pushServer = new WebPushTestingServer(new PushApiModel(), port);
  const log = console.log;
  console.log = () => undefined; // the server announces itself on stdout once listening
  pushServer.startServer();
  await new Promise<void>((resolve) =>
    (pushServer._server as unknown as { once(e: string, f: () => void): void }).once("listening", resolve),
  );
  console.log = log;
  const access = await startAccessCerts();
  project.provide("providerFakeUrl", fake.url);
  project.provide("webPushServiceUrl", `http://localhost:${port}`);
  project.provide("sendgridWebhookPublicKey", fake.credentials.sendgridPublicKey);
  project.provide("resendWebhookSecret", fake.credentials.resendWebhookSecret);
  project.provide("accessCertsUrl", access.url);
  project.provide("accessSigningJwk", access.privateJwk);
  return async () => {
    await fake.close();
    await access.close();
    await new Promise<void>((r) => pushServer._server.close(() => r()));
  };
}

/** The team's certificate endpoint as Cloudflare Access serves it (`/cdn-cgi/access/certs`), on loopback. */
async function startAccessCerts() {
  const { publicKey, privateKey } = await generateKeyPair("RS256", { extractable: true });
  const jwk = { ...(await exportJWK(publicKey)), kid: "access-test-1", alg: "RS256", use: "sig" };
  const server = createHttpServer((_req, res) => {
    res.writeHead(200, { "content-type": "application/json" });
    res.end(JSON.stringify({ keys: [jwk] }));
  });
  await new Promise<void>((ok) => server.listen(0, "127.0.0.1", ok));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/cdn-cgi/access/certs`,
    privateJwk: JSON.stringify({ ...(await exportJWK(privateKey)), kid: "access-test-1", alg: "RS256" }),
    close: () => new Promise<void>((ok) => server.close(() => ok())),
  };
}

declare module "vitest" {
  export interface ProvidedContext {
    accessCertsUrl: string;
    accessSigningJwk: string;
    providerFakeUrl: string;
    webPushServiceUrl: string;
    sendgridWebhookPublicKey: string;
    resendWebhookSecret: string;
  }
}
