import { expect, it } from "vitest";
import { renderTemplate, validateTemplate } from "../src/templates/render";
import { nextLocalTime, localParts } from "../src/campaigns/local-time";
import { quietHours } from "../src/campaigns/policy/quiet-hours";
import { assignArm } from "../src/campaigns/policy/assignment";

it("pure modules work in workerd", () => {
  expect(renderTemplate('Hi {{ user.first_name | default: "there" }} {{ now | date: "%H:%M" }}', { user: {}, event: {}, campaign: { id: "c", name: "n", variant: "A" }, app: { id: "a" }, now: "2026-11-24T09:30:00Z" })).toBe("Hi there 09:30");
  expect(validateTemplate("{{ x | nope }}").ok).toBe(false);
  expect(validateTemplate("{% include 'x' %}").ok).toBe(false);
  const t = Date.parse("2026-03-08T06:00:00Z");
  expect(new Date(nextLocalTime(t, "America/New_York", "02:30")).toISOString()).toBe("2026-03-08T07:30:00.000Z");
  expect(localParts(Date.parse("2026-07-01T12:00:00Z"), "Asia/Kolkata").hour).toBe(17);
  expect(quietHours(Date.parse("2026-11-24T23:00:00Z"), "Europe/Lisbon", { start: "22:00", end: "08:00" })).toEqual({ quiet: true, endsAt: Date.parse("2026-11-25T08:00:00Z") });
  expect(assignArm("c", "u", [{ id: "A", weight: 1 }], 0).arm).toBe("A");
});
