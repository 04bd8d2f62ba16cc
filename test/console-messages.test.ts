import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { admin, createTestApp, sdk, type TestApp } from "./helpers/api";
import { as, keyWithRole } from "./helpers/roles";
import { eventually } from "./helpers/wait";

/** Message previews rendered for a real person, and test sends through the real send path (issue 14). */
async function ada(app: TestApp) {
  expect((await sdk(app, "/v1/identify", { userId: "ada", traits: { first_name: "Ada", plan: "<pro>" } })).status).toBe(
    200,
  );
  expect(
    (
      await sdk(app, "/v1/devices", {
        userId: "ada",
        email: "ada@example.com",
        locale: "fr-FR",
        timezone: "Europe/Paris",
        consent: { email: "opted_in" },
      })
    ).status,
  ).toBeLessThan(300);
}

const CONTENT = {
  push: {
    title: "Hi {{ user.first_name | default: 'there' }}",
    body: "Your cart {{ event.cart_id }} has {{ event.items | size }} items",
  },
  email: { subject: "{{ user.first_name }}, your cart", html: "<p>Plan {{ user.plan }} · {{ campaign.name }}</p>" },
  sms: { body: "Cart {{ event.cart_id }}" },
  in_app: { type: "modal", title: "Bonjour {{ user.first_name }}" },
};
const EVENT = { cart_id: "c-42", items: [{ name: "Lamp" }, { name: "Rug" }] };
type Preview = {
  userId: string;
  locale: string;
  messages: Array<{
    channel: string;
    reachable: boolean;
    reason: string;
    content?: Record<string, unknown>;
    to?: unknown;
    error?: unknown;
  }>;
};
type Err = { error: { code: string; message: string; problems: { field: string; message: string }[] } };

describe("message preview", () => {
  it("renders content for a real person with the send path's Liquid: traits, event, HTML escaping, reachability", async () => {
    const app = await createTestApp();
    await ada(app);
    const res = await admin(app, "/admin/messages/preview", {
      method: "POST",
      json: { userId: "ada", content: CONTENT, event: EVENT },
    });
    expect(res.status).toBe(200);
    const body = (await res.json()) as Preview;
    expect(body).toMatchObject({ userId: "ada", locale: "fr-FR" });
    const by = Object.fromEntries(body.messages.map((m) => [m.channel, m]));
    expect(Object.keys(by)).toEqual(["push", "email", "sms", "in_app"]);
    expect(by.push).toMatchObject({
      reachable: false,
      content: { title: "Hi Ada", body: "Your cart c-42 has 2 items" },
      to: null,
    });
    expect(by.push!.reason).toMatch(/push/);
    expect(by.email).toMatchObject({
      reachable: true,
      content: { subject: "Ada, your cart", html: "<p>Plan &lt;pro&gt; · Preview</p>" },
      to: { kind: "email", email: "ada@example.com" },
    });
    expect(by.sms).toMatchObject({ reachable: false, content: { body: "Cart c-42" } });
    expect(by.in_app).toMatchObject({ reachable: true, content: { type: "modal", title: "Bonjour Ada" } });
  });

  it("picks the locale variant and the A/B arm of a saved campaign step, and a locale override", async () => {
    const app = await createTestApp();
    await ada(app);
    const def = {
      name: "Cart reminder",
      trigger: { type: "event", event: "Cart Abandoned" },
      variants: [
        { id: "A", weight: 1 },
        { id: "B", weight: 1 },
      ],
      steps: [
        {
          type: "message",
          id: "reminder",
          channels: ["email"],
          content: {
            email: { subject: "Your cart, {{ user.first_name }}", text: "{{ campaign.name }} {{ campaign.variant }}" },
          },
          locales: { fr: { email: { subject: "Votre panier, {{ user.first_name }}", text: "fr" } } },
          variants: { B: { email: { subject: "B: your cart, {{ user.first_name }}", text: "B {{ user.locale }}" } } },
        },
      ],
    };
    const { id } = (await (await admin(app, "/admin/campaigns", { method: "POST", json: def })).json()) as {
      id: string;
    };
    const frRes = await admin(app, "/admin/messages/preview", {
      method: "POST",
      json: { userId: "ada", campaignId: id, stepId: "reminder" },
    });
    const fr = (await frRes.json()) as Preview;
    expect(fr, JSON.stringify(fr)).toHaveProperty("messages");
    expect(fr.messages[0]!.content).toEqual({ subject: "Votre panier, Ada", text: "fr" });
    const en = (await (
      await admin(app, "/admin/messages/preview", {
        method: "POST",
        json: { userId: "ada", campaignId: id, stepId: "reminder", locale: "en-GB" },
      })
    ).json()) as Preview;
    expect(en.messages[0]!.content).toEqual({ subject: "Your cart, Ada", text: "Cart reminder A" });
    const b = (await (
      await admin(app, "/admin/messages/preview", {
        method: "POST",
        json: { userId: "ada", campaignId: id, stepId: "reminder", locale: "en", variant: "B" },
      })
    ).json()) as Preview;
    expect(b.messages[0]!.content).toEqual({ subject: "B: your cart, Ada", text: "B en" });
  });

  it("previews the composer's unsaved content in a chosen locale and A/B arm (the step's locales and variants)", async () => {
    const app = await createTestApp();
    await ada(app);
    const source = {
      userId: "ada",
      content: { email: { subject: "Your cart, {{ user.first_name }}", text: "{{ user.locale }}" } },
      locales: { de: { email: { subject: "Dein Warenkorb, {{ user.first_name }}", text: "{{ user.locale }}" } } },
      variants: { B: { email: { subject: "B: {{ user.first_name }}, still there?", text: "B {{ user.locale }}" } } },
    };
    const preview = async (extra: Record<string, unknown>) => {
      const res = await admin(app, "/admin/messages/preview", { method: "POST", json: { ...source, ...extra } });
      const body = (await res.json()) as Preview & { variant: string };
      expect(res.status, JSON.stringify(body)).toBe(200);
      return body;
    };
    // Her own locale (fr-FR) has no variant: the default content, with user.locale hers.
    expect((await preview({})).messages[0]!.content).toEqual({ subject: "Your cart, Ada", text: "fr-FR" });
    const de = await preview({ locale: "de-DE" });
    expect(de.locale).toBe("de-DE");
    expect(de.messages[0]!.content).toEqual({ subject: "Dein Warenkorb, Ada", text: "de-DE" });
    // Arm B's content, with the chosen locale in user.locale.
    const b = await preview({ locale: "de", variant: "B" });
    expect(b.variant).toBe("B");
    expect(b.messages[0]!.content).toEqual({ subject: "B: Ada, still there?", text: "B de" });
    // A template error in a variant names its field; variants beside a saved campaign are refused.
    const bad = await admin(app, "/admin/messages/preview", {
      method: "POST",
      json: { ...source, variants: { B: { email: { subject: "{{ user.first_name ", text: "x" } } } },
    });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as Err).error.problems[0]!.field).toBe("variants.B.email.subject");
    const both = await admin(app, "/admin/messages/preview", {
      method: "POST",
      json: { userId: "ada", campaignId: "cmp_x", stepId: "s", variants: source.variants },
    });
    expect(both.status).toBe(400);
    expect(JSON.stringify(await both.json())).toContain("variants");
  });

  it("answers template errors with a 400 naming the field, line and column, and bad input naming the field", async () => {
    const app = await createTestApp();
    await ada(app);
    const res = await admin(app, "/admin/messages/preview", {
      method: "POST",
      json: { userId: "ada", content: { push: { title: "Hi {{ user.first_name | upcasee }}", body: "x" } } },
    });
    expect(res.status).toBe(400);
    const body = (await res.json()) as Err;
    expect(body.error.code).toBe("invalid_template");
    expect(body.error.problems[0]!.field).toBe("content.push.title");
    expect(body.error.problems[0]!.message).toBe("template error: undefined filter: upcasee (line 1, col 4)");
    const cases: Array<[unknown, string, number]> = [
      [{ userId: "ada" }, "content", 400],
      [{ userId: "ada", content: { push: { title: "no body" } } }, "content.push.body", 400],
      [{ content: CONTENT }, "userId", 400],
      [{ userId: "ada", content: CONTENT, campaignId: "cmp_x", stepId: "s" }, "campaignId", 400],
      [{ userId: "ada", campaignId: "cmp_x" }, "stepId", 400],
      [{ userId: "ada", content: { sms: { body: "x" } }, channel: "push" }, "channel", 400],
      [{ userId: "ada", content: CONTENT, channel: "fax" }, "channel", 400],
      [{ userId: "nobody", content: CONTENT }, "userId", 404],
    ];
    for (const [json, field, status] of cases) {
      const r = await admin(app, "/admin/messages/preview", { method: "POST", json });
      expect(r.status, JSON.stringify(json)).toBe(status);
      expect(((await r.json()) as Err).error.problems[0]!.field, JSON.stringify(json)).toBe(field);
    }
    const { id } = (await (
      await admin(app, "/admin/campaigns", {
        method: "POST",
        json: {
          name: "x",
          trigger: { type: "api" },
          steps: [
            { type: "delay", id: "wait", duration: { hours: 1 } },
            { type: "exit", id: "end" },
          ],
        },
      })
    ).json()) as { id: string };
    const noStep = await admin(app, "/admin/messages/preview", {
      method: "POST",
      json: { userId: "ada", campaignId: id, stepId: "wait" },
    });
    expect(noStep.status).toBe(400);
    expect(((await noStep.json()) as Err).error.problems[0]!.field).toBe("stepId");
  });
});

describe("test send", () => {
  it("sends through the real path to the sandbox, marked as a test everywhere, idempotent, and never counted", async () => {
    // Quiet hours all day long and a cap of one message a day: a test send bypasses both and does not use the cap.
    const app = await createTestApp({
      quietHours: { start: "00:00", end: "23:59" },
      frequencyCaps: [{ windowHours: 24, max: 1 }],
    });
    await ada(app);
    const def = {
      name: "Welcome",
      trigger: { type: "event", event: "Signed Up" },
      steps: [
        {
          type: "message",
          id: "hello",
          channels: ["email"],
          content: { email: { subject: "Welcome {{ user.first_name }}", text: "{{ event.source }}" } },
        },
      ],
    };
    const { id } = (await (await admin(app, "/admin/campaigns", { method: "POST", json: def })).json()) as {
      id: string;
    };
    const send = () =>
      admin(app, "/admin/messages/test-send", {
        method: "POST",
        headers: { "idempotency-key": "req-1" },
        json: { userId: "ada", campaignId: id, stepId: "hello", channel: "email", event: { source: "console" } },
      });
    const first = await send();
    expect(first.status).toBe(200);
    const sent = (await first.json()) as { sent: boolean; key: string; duplicate: boolean };
    expect(sent).toMatchObject({ sent: true, channel: "email", duplicate: false });
    expect(sent.key).toBe(`test:${app.appId}:ada:req-1`);
    expect(await (await send()).json()).toMatchObject({ sent: true, key: sent.key, duplicate: true });

    const row = await eventually(
      async () => {
        const body = (await (await admin(app, `/admin/sends?userId=ada`)).json()) as {
          sends: Array<Record<string, unknown>>;
        };
        return body.sends.length === 1 && body.sends[0]!.status === "sent" ? body.sends[0]! : null;
      },
      8000,
      "the test send",
    );
    expect(row).toMatchObject({
      idempotencyKey: sent.key,
      campaignId: id,
      test: true,
      provider: "sandbox",
      address: "ada@example.com",
      content: { test: true, content: { subject: "Welcome Ada", text: "console" } },
    });
    // Timeline: one decision, marked as a test, saying who sent it and that quiet hours and caps do not apply.
    const timeline = (await (await admin(app, "/admin/users/ada/timeline?limit=100")).json()) as {
      entries: Array<{ kind: string; detail: Record<string, unknown> }>;
    };
    const tests = timeline.entries.filter((e) => e.kind === "decision" && e.detail.test === true);
    expect(tests).toHaveLength(1);
    expect(tests[0]!.detail).toMatchObject({ sent: "email", key: sent.key, campaignId: id, step: "hello" });
    expect(String(tests[0]!.detail.reason)).toMatch(
      /^test send by key:bk_a_.*quiet hours and frequency caps do not apply/,
    );
    // Never counted: no stat row for the campaign, whatever the delivery did.
    await eventually(
      async () =>
        (
          await env.DB.prepare("SELECT status FROM deliveries WHERE idempotency_key = ?")
            .bind(sent.key)
            .first<{ status: string }>()
        )?.status === "sent",
    );
    expect(
      await env.DB.prepare("SELECT count(*) AS n FROM campaign_stats WHERE campaign_id = ?")
        .bind(id)
        .first<{ n: number }>(),
    ).toEqual({ n: 0 });
    // A second test send without a key is a new one.
    const again = (await (
      await admin(app, "/admin/messages/test-send", {
        method: "POST",
        json: { userId: "ada", content: { email: { subject: "Hi", text: "x" } }, channel: "email" },
      })
    ).json()) as { key: string; duplicate: boolean };
    expect(again.duplicate).toBe(false);
    expect(again.key).not.toBe(sent.key);
  });

  it("keeps consent and reachability: a channel the person cannot receive is a 409 recorded on the timeline", async () => {
    const app = await createTestApp();
    await ada(app);
    const res = await admin(app, "/admin/messages/test-send", {
      method: "POST",
      json: { userId: "ada", content: { sms: { body: "Hi" } }, channel: "sms", requestId: "r-sms" },
    });
    expect(res.status).toBe(409);
    const body = (await res.json()) as Err;
    expect(body.error.code).toBe("unreachable");
    expect(body.error.problems[0]!.field).toBe("channel");
    expect(body.error.message).toMatch(/ada cannot receive sms/);
    const timeline = (await (await admin(app, "/admin/users/ada/timeline?limit=100")).json()) as {
      entries: Array<{ kind: string; detail: Record<string, unknown> }>;
    };
    expect(timeline.entries.find((e) => e.detail.test === true)?.detail).toMatchObject({
      suppressed: true,
      key: `test:${app.appId}:ada:r-sms`,
    });
    // Opting out of email afterwards stops email test sends too.
    expect((await sdk(app, "/v1/devices", { userId: "ada", consent: { email: "opted_out" } })).status).toBeLessThan(
      300,
    );
    expect(
      (
        await admin(app, "/admin/messages/test-send", {
          method: "POST",
          json: { userId: "ada", content: { email: { subject: "Hi", text: "x" } }, channel: "email" },
        })
      ).status,
    ).toBe(409);
  });

  it("delivers in-app test messages to the person's inbox, and refuses bad input naming the field", async () => {
    const app = await createTestApp();
    await ada(app);
    const ok = await admin(app, "/admin/messages/test-send", {
      method: "POST",
      json: { userId: "ada", content: CONTENT, channel: "in_app", requestId: "ia-1" },
    });
    expect(ok.status).toBe(200);
    const inbox = (await (await admin(app, "/admin/users/ada/in-app")).json()) as {
      messages?: Array<{ content: { title: string } }>;
    };
    expect(JSON.stringify(inbox)).toContain("Bonjour Ada");
    const cases: Array<[Record<string, string>, unknown, string]> = [
      [{}, { userId: "ada", content: CONTENT }, "channel"],
      [{}, { userId: "ada", content: { sms: { body: "x" } }, channel: "email" }, "channel"],
      [
        { "idempotency-key": "a" },
        { userId: "ada", content: CONTENT, channel: "in_app", requestId: "b" },
        "Idempotency-Key",
      ],
      [
        {},
        { userId: "ada", content: { push: { title: "{% if x %}", body: "b" } }, channel: "push" },
        "content.push.title",
      ],
      [{}, { userId: "ada", content: CONTENT, channel: "in_app", requestId: "" }, "requestId"],
    ];
    for (const [headers, json, field] of cases) {
      const r = await admin(app, "/admin/messages/test-send", { method: "POST", headers, json });
      expect(r.status, JSON.stringify(json)).toBe(400);
      expect(((await r.json()) as Err).error.problems[0]!.field, JSON.stringify(json)).toBe(field);
    }
  });

  it("lets viewers preview but only editors and owners test-send", async () => {
    const app = await createTestApp();
    await ada(app);
    const viewer = await keyWithRole(app, "viewer");
    const editor = await keyWithRole(app, "editor");
    expect(
      (await as(viewer, "/admin/messages/preview", { method: "POST", json: { userId: "ada", content: CONTENT } }))
        .status,
    ).toBe(200);
    const denied = await as(viewer, "/admin/messages/test-send", {
      method: "POST",
      json: { userId: "ada", content: CONTENT, channel: "in_app" },
    });
    expect(denied.status).toBe(403);
    expect(((await denied.json()) as Err).error.message).toContain("needs the editor role");
    expect(
      (
        await as(editor, "/admin/messages/test-send", {
          method: "POST",
          json: { userId: "ada", content: CONTENT, channel: "in_app" },
        })
      ).status,
    ).toBe(200);
  });
});
