import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { admin, createTestApp, sdk } from "./helpers/api";
import { getJson, kinds, modal, postText, sendInApp, statsOf } from "./helpers/inapp";
import { indexFirst } from "./helpers/index-shards";

const survey = {
  type: "survey",
  title: "Quick question",
  questions: [
    { id: "nps", prompt: "How likely are you to recommend us?", kind: "rating" },
    {
      id: "channel",
      prompt: "How did you find us?",
      kind: "single",
      options: ["Friend", "Search", "Ad"],
      required: true,
    },
    { id: "likes", prompt: "What do you like?", kind: "multi", options: ["Price", "Speed", "Design"] },
  ],
};

interface EngageBody {
  success: boolean;
  results: Array<{ key: string; kind: string; outcome: string }>;
  error?: { problems: Array<{ field: string; message: string }> };
}

async function timelineOf(app: Awaited<ReturnType<typeof createTestApp>>, userId: string) {
  const res = await admin(app, `/admin/users/${userId}/timeline?limit=200`);
  return ((await res.json()) as { entries: Array<{ kind: string; detail: Record<string, unknown> }> }).entries;
}

describe("in-app engagement", () => {
  it("counts impression, click and dismiss once each, however often they are reported", async () => {
    const app = await createTestApp();
    await sendInApp(app, "en", modal(), { key: "camp-e:s1:1", campaignId: "camp-e" });
    const events = [
      { kind: "impression", key: "camp-e:s1:1" },
      { kind: "click", key: "camp-e:s1:1", buttonId: "go" },
    ];
    const first = await postText(app, "/v1/in-app/events", { userId: "en", events });
    expect(first.status).toBe(200);
    expect(((await first.json()) as EngageBody).results.map((r) => r.outcome)).toEqual(["recorded", "recorded"]);
    // The SDK retries (lost response); a Segment track call with the same name is not engagement and counts nothing.
    const again = await postText(app, "/v1/in-app/events", { userId: "en", events });
    expect(((await again.json()) as EngageBody).results.map((r) => r.outcome)).toEqual(["duplicate", "duplicate"]);
    await sdk(app, "/v1/track", {
      userId: "en",
      event: "In-App Message Clicked",
      properties: { key: "camp-e:s1:1", buttonId: "go" },
      messageId: "t-click",
    });
    await postText(app, "/v1/in-app/events", { userId: "en", events: [{ kind: "dismiss", key: "camp-e:s1:1" }] });
    await postText(app, "/v1/in-app/events", { userId: "en", events: [{ kind: "dismiss", key: "camp-e:s1:1" }] });

    const rows = await statsOf("camp-e", (r) => r.length >= 3);
    expect(kinds(rows)).toEqual({ impression: 1, clicked: 1, dismissed: 1 });
    expect(rows.every((r) => r.variant === "default")).toBe(true);

    // Shown messages are no longer pending; the timeline records each engagement once.
    const pending = await getJson<{ messages: unknown[] }>(`/v1/in-app?userId=en&writeKey=${app.writeKey}`);
    expect(pending.body.messages).toEqual([]);
    const engagement = (await timelineOf(app, "en")).filter((e) => e.kind === "engagement");
    expect(engagement.map((e) => e.detail.kind).sort()).toEqual(["click", "dismiss", "impression"]);
  });

  it("implies the impression when only a click is reported", async () => {
    const app = await createTestApp();
    await sendInApp(app, "tr", modal(), { key: "camp-t:s1:1", campaignId: "camp-t" });
    const res = await postText(app, "/v1/in-app/events", {
      userId: "tr",
      events: [{ kind: "click", key: "camp-t:s1:1", buttonId: "later" }],
    });
    expect(res.status).toBe(200);
    const rows = await statsOf("camp-t", (r) => r.length >= 2);
    expect(kinds(rows)).toEqual({ impression: 1, clicked: 1 });
  });

  it("rejects unknown messages and buttons with the field named; the valid events still count", async () => {
    const app = await createTestApp();
    await sendInApp(app, "bad", modal(), { key: "camp-b:s1:1", campaignId: "camp-b" });
    const res = await postText(app, "/v1/in-app/events", {
      userId: "bad",
      events: [
        { kind: "click", key: "camp-b:s1:1", buttonId: "nope" },
        { kind: "impression", key: "camp-b:s1:1" },
        { kind: "dismiss", key: "other:key" },
      ],
    });
    expect(res.status).toBe(400);
    const body = (await res.json()) as EngageBody;
    expect(body.results.map((r) => r.outcome)).toEqual(["invalid", "recorded", "unknown_message"]);
    expect(body.error!.problems.map((p) => p.field)).toEqual(["events.0.buttonId", "events.2.key"]);
    const malformed = await postText(app, "/v1/in-app/events", {
      userId: "bad",
      events: [{ kind: "click", key: "camp-b:s1:1" }],
    });
    expect(malformed.status).toBe(400);
    expect(((await malformed.json()) as EngageBody).error!.problems[0]!.field).toBe("events.0.buttonId");
  });

  it("records survey answers once, as events and as segment attributes", async () => {
    const app = await createTestApp();
    await sendInApp(app, "sv", survey, { key: "camp-s:s1:1", campaignId: "camp-s" });
    const answers = [
      { questionId: "nps", answer: 9 },
      { questionId: "channel", answer: "Friend" },
      { questionId: "likes", answer: ["Price", "Design"] },
    ];
    const bad = await postText(app, "/v1/in-app/events", {
      userId: "sv",
      events: [{ kind: "answer", key: "camp-s:s1:1", answers: [{ questionId: "channel", answer: "TV" }] }],
    });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as EngageBody).error!.problems[0]).toMatchObject({ field: "events.0.answers.0.answer" });
    // nps 9 is out of the 1–5 rating scale.
    const outOfScale = await postText(app, "/v1/in-app/events", {
      userId: "sv",
      events: [{ kind: "answer", key: "camp-s:s1:1", answers }],
    });
    expect(outOfScale.status).toBe(400);
    // A whole response must answer the required questions.
    const missing = await postText(app, "/v1/in-app/events", {
      userId: "sv",
      events: [{ kind: "answer", key: "camp-s:s1:1", answers: [{ questionId: "nps", answer: 3 }] }],
    });
    expect(((await missing.json()) as EngageBody).error!.problems[0]).toMatchObject({
      field: "events.0.answers",
      message: "question channel is required",
    });

    answers[0]!.answer = 5;
    const ok = await postText(app, "/v1/in-app/events", {
      userId: "sv",
      events: [{ kind: "answer", key: "camp-s:s1:1", answers }],
    });
    expect(ok.status).toBe(200);
    const dup = await postText(app, "/v1/in-app/events", {
      userId: "sv",
      events: [{ kind: "answer", key: "camp-s:s1:1", answers }],
    });
    expect(((await dup.json()) as EngageBody).results[0]!.outcome).toBe("duplicate");

    const rows = await statsOf("camp-s", (r) => r.length >= 2);
    expect(kinds(rows)).toEqual({ impression: 1, answered: 1 });

    // Each answer is a `Survey Answered` engagement on the timeline…
    const answered = (await timelineOf(app, "sv")).filter((e) => e.kind === "engagement" && e.detail.kind === "answer");
    expect(answered.map((e) => [e.detail.questionId, e.detail.answer]).sort()).toEqual([
      ["channel", "Friend"],
      ["likes", ["Price", "Design"]],
      ["nps", 5],
    ]);
    // …and the latest answers are segment attributes on the users index (attrs.survey).
    const deadline = Date.now() + 10_000;
    let attrs: Record<string, unknown> = {};
    while (Date.now() < deadline) {
      const row = await indexFirst<{ attrs: string }>(
        `SELECT attrs FROM users WHERE app_id = ? AND user_id = ?`,
        app.appId,
        "sv",
      );
      attrs = row ? (JSON.parse(row.attrs) as Record<string, unknown>) : {};
      if (attrs.survey) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(attrs.survey).toEqual({ channel: "Friend", likes: ["Price", "Design"], nps: 5 });
    const profile = (await (await admin(app, "/admin/users/sv")).json()) as {
      features: { inapp: { answers: Record<string, unknown> } };
    };
    expect(profile.features.inapp.answers.nps).toBe(5);
  });

  it("a Segment track call named `Survey Answered` answers nothing: only /v1/in-app/events records answers", async () => {
    const app = await createTestApp();
    await sendInApp(app, "sg", survey, { key: "camp-g:s1:1", campaignId: "camp-g" });
    const res = await sdk(app, "/v1/batch", {
      batch: [
        {
          type: "track",
          userId: "sg",
          event: "Survey Answered",
          properties: { key: "camp-g:s1:1", questionId: "nps", answer: 4 },
          messageId: "a1",
        },
        {
          type: "track",
          userId: "sg",
          event: "Survey Answered",
          properties: { key: "camp-g:s1:1", questionId: "channel", answer: "Search" },
          messageId: "a2",
        },
      ],
    });
    expect(res.status).toBe(200); // stored as events, like any Segment call
    const profile = (await (await admin(app, "/admin/users/sg")).json()) as {
      features: { inapp: { answers: Record<string, unknown>; pending: number } };
    };
    expect(profile.features.inapp.answers).toEqual({});
    expect((await timelineOf(app, "sg")).filter((e) => e.kind === "engagement")).toEqual([]);
    // The message is still pending: nothing marked it shown.
    const pending = await getJson<{ messages: Array<{ key: string }> }>(
      `/v1/in-app?userId=sg&writeKey=${app.writeKey}`,
    );
    expect(pending.body.messages.map((m) => m.key)).toEqual(["camp-g:s1:1"]);
  });
});
