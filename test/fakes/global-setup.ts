/**
 * vitest globalSetup (Node): starts the provider fakes and a real Web Push service
 * (web-push-testing) on loopback, and provides their URLs to the workers project
 * (bindings PROVIDER_FAKE_URL, WEB_PUSH_SERVICE_URL and the SendGrid webhook public key).
 */
import { createServer } from "node:net";
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
  project.provide("providerFakeUrl", fake.url);
  project.provide("webPushServiceUrl", `http://localhost:${port}`);
  project.provide("sendgridWebhookPublicKey", fake.credentials.sendgridPublicKey);
  project.provide("resendWebhookSecret", fake.credentials.resendWebhookSecret);
  return async () => {
    await fake.close();
    await new Promise<void>((r) => pushServer._server.close(() => r()));
  };
}

declare module "vitest" {
  export interface ProvidedContext {
    providerFakeUrl: string;
    webPushServiceUrl: string;
    sendgridWebhookPublicKey: string;
    resendWebhookSecret: string;
  }
}
