import { Link } from "react-router";
import { When } from "./Format";

export interface Entry {
  seq: number;
  at: number;
  kind: string;
  detail: Record<string, unknown>;
}

const s = (v: unknown) => (typeof v === "string" ? v : v == null ? "" : JSON.stringify(v));

/** One line a marketer can read: what happened, to which campaign, and why. */
export function describe(e: Entry): string {
  const d = e.detail;
  switch (e.kind) {
    case "event":
      return `${s(d.name ?? d.event ?? d.type)}${d.properties && Object.keys(d.properties as object).length ? ` ${JSON.stringify(d.properties)}` : ""}`;
    case "transition":
      return `lifecycle ${s(d.from)} → ${s(d.to)}${d.reason ? ` (${s(d.reason)})` : ""}`;
    case "delivery":
      return `${s(d.channel)} ${s(d.status)}${d.error ? `: ${s(d.error)}` : ""}`;
    case "decision": {
      const what =
        d.entered === true
          ? "entered"
          : d.entered === false
            ? "not entered"
            : d.sent
              ? `sent by ${s(d.sent)}`
              : d.suppressed
                ? "suppressed"
                : d.deferred
                  ? "deferred"
                  : d.cancelled
                    ? "cancelled"
                    : d.abandonmentTimer
                      ? "reminder timer set"
                      : d.step
                        ? `step ${s(d.step)}`
                        : "";
      return [what, d.reason ? s(d.reason) : ""].filter(Boolean).join(": ");
    }
    default:
      return d.reason ? s(d.reason) : "";
  }
}

export function TimelineEntry({ entry, campaignName }: { entry: Entry; campaignName(id: string): string }) {
  const campaignId = typeof entry.detail.campaignId === "string" ? entry.detail.campaignId : undefined;
  return (
    <li className={`tl-${entry.kind}`}>
      <When at={entry.at} /> <span className="badge">{entry.kind}</span>{" "}
      {campaignId && <Link to={`/campaigns/${encodeURIComponent(campaignId)}`}>{campaignName(campaignId)}</Link>}{" "}
      <span>{describe(entry)}</span>
      <details>
        <summary>details</summary>
        <pre>{JSON.stringify(entry.detail, null, 2)}</pre>
      </details>
    </li>
  );
}
