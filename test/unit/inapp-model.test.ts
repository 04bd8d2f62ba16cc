import { describe, expect, it } from "vitest";
import { displayOrder, expiryOf, notBefore, overflow } from "../../src/domain/inapp/display-policy";
import { ContentCardContent, InAppContent } from "../../src/domain/inapp/model";
import { surveyAnswerProblems } from "../../src/domain/inapp/survey";
import { inAppSettingsOf, publicWebPushKey } from "../../src/domain/inapp/public-config";
import { parseSettings } from "../../src/domain/settings/app-settings";

describe("in-app content model", () => {
  it("defaults priority and buttons, and requires a deep link for deeplink buttons", () => {
    const ok = InAppContent.parse({ type: "banner", body: "Free shipping today" });
    expect(ok).toMatchObject({ priority: 50, buttons: [] });
    const bad = InAppContent.safeParse({
      type: "modal",
      title: "x",
      buttons: [{ id: "b", label: "Go", action: "deeplink" }],
    });
    expect(bad.success).toBe(false);
    expect(bad.error!.issues[0]!.path).toEqual(["buttons", 0, "deepLink"]);
    expect(
      InAppContent.safeParse({
        type: "modal",
        title: "x",
        buttons: [{ id: "b", label: "Go", action: "deeplink", deepLink: "myshop://cart" }],
      }).success,
    ).toBe(true);
    expect(
      InAppContent.safeParse({
        type: "modal",
        title: "x",
        buttons: [{ id: "b", label: "Go", action: "deeplink", deepLink: "javascript:alert(1)" }],
      }).success,
    ).toBe(false);
  });

  it("requires questions for surveys only, unique ids, and some visible content", () => {
    expect(InAppContent.safeParse({ type: "survey", title: "?" }).success).toBe(false);
    expect(
      InAppContent.safeParse({ type: "modal", title: "?", questions: [{ id: "q", prompt: "?", kind: "text" }] })
        .success,
    ).toBe(false);
    expect(InAppContent.safeParse({ type: "modal" }).success).toBe(false);
    expect(
      InAppContent.safeParse({
        type: "modal",
        title: "x",
        buttons: [
          { id: "a", label: "1" },
          { id: "a", label: "2" },
        ],
      }).success,
    ).toBe(false);
    expect(
      InAppContent.safeParse({ type: "survey", title: "x", questions: [{ id: "q", prompt: "Pick", kind: "single" }] })
        .success,
    ).toBe(false);
  });

  it("validates cards", () => {
    expect(ContentCardContent.parse({ title: "Hi" })).toEqual({ title: "Hi", pinned: false });
    expect(ContentCardContent.safeParse({ title: "Hi", imageUrl: "javascript:alert(1)" }).success).toBe(false);
  });

  it("keeps an image's text alternative, bounded", () => {
    const image = { imageUrl: "https://cdn.example.com/shoe.png", imageAlt: "A red trail shoe" };
    expect(ContentCardContent.parse({ title: "Hi", ...image })).toMatchObject(image);
    expect(InAppContent.parse({ type: "modal", ...image })).toMatchObject(image);
    expect(InAppContent.safeParse({ type: "modal", ...image, imageAlt: "x".repeat(301) }).success).toBe(false);
  });
});

describe("display policy", () => {
  const row = (key: string, priority: number, createdAt: number, expiresAt = 1000) => ({
    key,
    priority,
    createdAt,
    expiresAt,
  });

  it("orders by priority, then age, then key, without expired messages", () => {
    expect(
      displayOrder([row("a", 1, 5), row("b", 9, 6), row("c", 1, 4), row("d", 9, 6), row("e", 99, 1, 10)], 100).map(
        (r) => r.key,
      ),
    ).toEqual(["b", "d", "c", "a"]);
  });

  it("drops the lowest priority and oldest beyond the limit", () => {
    expect(overflow([row("a", 1, 5), row("b", 9, 6), row("c", 1, 4)], 2)).toEqual(["c"]);
    expect(overflow([row("a", 1, 5)], 2)).toEqual([]);
  });

  it("paces by the minimum interval and computes expiry", () => {
    expect(notBefore(null, { minIntervalSeconds: 30 })).toBeNull();
    expect(notBefore(1000, { minIntervalSeconds: 30 })).toBe(31_000);
    expect(notBefore(1000, { minIntervalSeconds: 0 })).toBeNull();
    expect(expiryOf(1000, 60, 3600)).toBe(61_000);
    expect(expiryOf(1000, undefined, 3600)).toBe(3_601_000);
  });
});

describe("survey answers", () => {
  const questions = [
    { id: "nps", prompt: "?", kind: "rating" as const, required: true },
    { id: "pick", prompt: "?", kind: "single" as const, options: ["A", "B"], required: false },
    { id: "many", prompt: "?", kind: "multi" as const, options: ["A", "B", "C"], required: false },
    { id: "why", prompt: "?", kind: "text" as const, required: false },
  ];
  it("accepts valid answers", () => {
    expect(
      surveyAnswerProblems(questions, [
        { questionId: "nps", answer: 4 },
        { questionId: "pick", answer: "B" },
        { questionId: "many", answer: ["A", "C"] },
        { questionId: "why", answer: "fast" },
      ]),
    ).toEqual([]);
  });
  it("names each wrong answer", () => {
    const problems = surveyAnswerProblems(questions, [
      { questionId: "pick", answer: "Z" },
      { questionId: "many", answer: ["A", "A"] },
      { questionId: "why", answer: "  " },
      { questionId: "zzz", answer: "x" },
    ]);
    expect(problems.map((p) => p.field)).toEqual([
      "answers.0.answer",
      "answers.1.answer",
      "answers.2.answer",
      "answers.3.questionId",
      "answers",
    ]);
  });
});

describe("public client config", () => {
  it("exposes the VAPID public key only when configured", () => {
    expect(publicWebPushKey({})).toBeNull();
    expect(publicWebPushKey({ VAPID_PUBLIC_KEY: "  " })).toBeNull();
    expect(publicWebPushKey({ VAPID_PUBLIC_KEY: "BPub-key_123" })).toBe("BPub-key_123");
  });
  it("reads settings.inApp with defaults, ignoring invalid values", () => {
    const settings = parseSettings("{}");
    expect(inAppSettingsOf(settings)).toEqual({ minIntervalSeconds: 30, maxPending: 50, maxCards: 100 });
    expect(inAppSettingsOf({ ...settings, inApp: { minIntervalSeconds: 0 } } as never).minIntervalSeconds).toBe(0);
    expect(inAppSettingsOf({ ...settings, inApp: { minIntervalSeconds: -1 } } as never).minIntervalSeconds).toBe(30);
  });
});
