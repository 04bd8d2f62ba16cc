import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { type ReactNode, useId, useState } from "react";
import { Link, useNavigate, useParams, useSearchParams } from "react-router";
import { ok } from "../api/client";
import { StatusBadge, When } from "../components/Format";
import { PageHeader, QueryView } from "../components/States";
import { describe, type Entry, TimelineEntry } from "../components/TimelineEntry";
import { useGate } from "../roles/permissions";
import { useApi } from "../session";

interface ProfileView {
  profile: {
    userId: string;
    anonymous: boolean;
    anonymousIds: string[];
    traits: Record<string, unknown>;
    email: string | null;
    phone: string | null;
    timezone: string | null;
    locale: string | null;
    consent: Record<string, { status: string; at?: number; source?: string } | null>;
    counters: Record<string, number | null>;
    firstSeen: number;
    lastSeen: number;
    lifecycle: { state: string; loyal: boolean; since: number; reason: string };
    [k: string]: unknown;
  };
  devices: { platform?: string; provider?: string; token?: string; status?: string; [k: string]: unknown }[];
  features: Record<string, unknown>;
  [k: string]: unknown;
}

function Facts({ rows }: { rows: [string, ReactNode][] }) {
  return (
    <dl className="facts">
      {rows.map(([k, v]) => (
        <div key={k}>
          <dt>{k}</dt>
          <dd>{v ?? "–"}</dd>
        </div>
      ))}
    </dl>
  );
}

function Profile({ view }: { view: ProfileView }) {
  const p = view.profile;
  const scoring = (view.features.scoring ?? {}) as {
    rfm?: { segment: string | null; reason?: string };
    churn?: { band: string | null; reason?: string; pAlive?: number; expectedPurchases30?: number };
  };
  const extra = Object.entries(p).filter(
    ([k, v]) =>
      ![
        "appId",
        "userId",
        "anonymous",
        "anonymousIds",
        "traits",
        "email",
        "phone",
        "timezone",
        "locale",
        "consent",
        "counters",
        "firstSeen",
        "lastSeen",
        "lifecycle",
        "hadPushToken",
      ].includes(k) && v != null,
  );
  return (
    <div className="profile">
      <Facts
        rows={[
          ["Lifecycle", `${p.lifecycle.state}${p.lifecycle.loyal ? ", loyal" : ""} (${p.lifecycle.reason})`],
          ["First seen", <When at={p.firstSeen} />],
          ["Last seen", <When at={p.lastSeen} />],
          ["Email", p.email],
          ["Phone", p.phone],
          ["Timezone", p.timezone ?? "app default"],
          ["Locale", p.locale],
          ["Purchases", `${p.counters.purchases ?? 0} · revenue ${p.counters.revenue ?? 0}`],
          ["Sessions", String(p.counters.sessions ?? 0)],
          ["RFM group", scoring.rfm?.segment ?? scoring.rfm?.reason],
          [
            "Churn risk",
            scoring.churn?.band
              ? `${scoring.churn.band}${scoring.churn.pAlive != null ? ` (P(alive) ${scoring.churn.pAlive})` : ""}`
              : scoring.churn?.reason,
          ],
          ["Anonymous ids", p.anonymousIds.join(", ") || "–"],
        ]}
      />
      <h3>Consent</h3>
      <Facts rows={["push", "email", "sms", "whatsapp"].map((ch) => [ch, p.consent[ch]?.status ?? "unknown"])} />
      <h3>Devices</h3>
      {view.devices.length === 0 ? (
        <p className="muted">No push devices.</p>
      ) : (
        <ul>
          {view.devices.map((d, i) => (
            <li key={i}>
              {d.platform ?? "device"} via {d.provider ?? "?"} {d.status ? `(${d.status})` : ""}
            </li>
          ))}
        </ul>
      )}
      <details open>
        <summary>Traits</summary>
        <pre>{JSON.stringify(p.traits, null, 2)}</pre>
      </details>
      {extra.length > 0 && (
        <details>
          <summary>Context and more</summary>
          <pre>{JSON.stringify(Object.fromEntries(extra), null, 2)}</pre>
        </details>
      )}
      <details>
        <summary>Features (journeys, scores, geofences, in-app)</summary>
        <pre>{JSON.stringify(view.features, null, 2)}</pre>
      </details>
    </div>
  );
}

function useCampaignNames() {
  const api = useApi();
  const list = useQuery({
    queryKey: ["campaigns", undefined],
    queryFn: () => ok(api.GET("/admin/campaigns", { params: { query: {} } })),
  });
  const names = new Map((list.data?.campaigns ?? []).map((c) => [c.id, c.name]));
  return (id: string) => names.get(id) ?? id;
}

/** Every decision about the person, newest first, filterable by campaign or kind ("why didn't Ada get it?"). */
function Timeline({ userId, anonymous }: { userId: string; anonymous: boolean }) {
  const api = useApi();
  const [filter, setFilter] = useState("");
  const [pages, setPages] = useState<string[]>([]);
  const filterId = useId();
  const cursor = pages.at(-1);
  const query = {
    ...(anonymous ? { anonymous: "true" as const } : {}),
    ...(cursor ? { before: cursor } : {}),
    limit: 50,
  };
  const campaignName = useCampaignNames();
  const timeline = useQuery({
    queryKey: ["timeline", userId, anonymous, cursor],
    queryFn: async () =>
      (await ok(api.GET("/admin/users/{userId}/timeline", { params: { path: { userId }, query } }))) as unknown as {
        entries: Entry[];
        next: string | null;
      },
  });
  const needle = filter.trim().toLowerCase();
  return (
    <section className="card" aria-labelledby="timeline-h">
      <h2 id="timeline-h">Timeline</h2>
      <label htmlFor={filterId}>Filter (campaign, kind or reason)</label>
      <input
        id={filterId}
        type="search"
        value={filter}
        onChange={(e) => setFilter(e.target.value)}
        placeholder="cart, suppressed, quiet hours…"
      />
      <QueryView query={timeline} what="timeline">
        {(t) => {
          const entries = needle
            ? t.entries.filter((e) =>
                `${JSON.stringify(e)} ${campaignName(String(e.detail.campaignId ?? ""))} ${describe(e)}`
                  .toLowerCase()
                  .includes(needle),
              )
            : t.entries;
          return (
            <>
              <ol className="timeline">
                {entries.map((e) => (
                  <TimelineEntry key={e.seq + ":" + e.at} entry={e} campaignName={campaignName} />
                ))}
              </ol>
              {entries.length === 0 && (
                <p className="muted">{needle ? "Nothing on this page matches the filter." : "Nothing recorded yet."}</p>
              )}
              <div className="actions">
                {pages.length > 0 && (
                  <button type="button" onClick={() => setPages(pages.slice(0, -1))}>
                    Newer
                  </button>
                )}
                {t.next && (
                  <button type="button" onClick={() => setPages([...pages, t.next!])}>
                    Older
                  </button>
                )}
              </div>
            </>
          );
        }}
      </QueryView>
    </section>
  );
}

function Sends({ userId }: { userId: string }) {
  const api = useApi();
  const sends = useQuery({
    queryKey: ["sends", { userId }],
    queryFn: () => ok(api.GET("/admin/sends", { params: { query: { userId, limit: 50 } } })),
  });
  return (
    <section className="card" aria-labelledby="sends-h">
      <h2 id="sends-h">Sends</h2>
      <QueryView query={sends} what="sends">
        {({ sends: list }) =>
          list.length === 0 ? (
            <p className="muted">No messages sent to this person.</p>
          ) : (
            <table className="table">
              <caption className="visually-hidden">Sends to {userId}</caption>
              <thead>
                <tr>
                  <th scope="col">When</th>
                  <th scope="col">Campaign</th>
                  <th scope="col">Channel</th>
                  <th scope="col">Provider</th>
                  <th scope="col">Status</th>
                </tr>
              </thead>
              <tbody>
                {list.map((s) => (
                  <tr key={s.idempotencyKey}>
                    <td>
                      <When at={s.createdAt} />
                    </td>
                    <td>
                      <Link to={`/campaigns/${encodeURIComponent(s.campaignId)}`}>{s.campaignId}</Link>
                    </td>
                    <td>{s.channel}</td>
                    <td>{s.provider}</td>
                    <td>
                      <StatusBadge status={s.status} />
                      {s.error && <span className="muted"> {s.error}</span>}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )
        }
      </QueryView>
    </section>
  );
}

export default function Person() {
  const { userId = "" } = useParams();
  const [params] = useSearchParams();
  const anonymous = params.get("anonymous") === "true";
  const api = useApi();
  const eraseGate = useGate("eraseUsers");
  const exportGate = useGate("exportUsers");
  const navigate = useNavigate();
  const queries = useQueryClient();
  const query = anonymous ? { anonymous: "true" as const } : {};
  const profile = useQuery({
    queryKey: ["person", userId, anonymous],
    queryFn: () => ok(api.GET("/admin/users/{userId}", { params: { path: { userId }, query } })),
  });
  const exportData = useMutation({
    mutationFn: () => ok(api.GET("/admin/users/{userId}/export", { params: { path: { userId }, query } })),
    onSuccess: (data) => {
      const url = URL.createObjectURL(new Blob([JSON.stringify(data, null, 2)], { type: "application/json" }));
      const a = Object.assign(document.createElement("a"), { href: url, download: `beckon-export-${userId}.json` });
      a.click();
      URL.revokeObjectURL(url);
    },
  });
  const erase = useMutation({
    mutationFn: () => ok(api.DELETE("/admin/users/{userId}", { params: { path: { userId }, query } })),
    onSuccess: async () => {
      await queries.invalidateQueries({ queryKey: ["people"] });
      navigate("/people");
    },
  });
  return (
    <>
      <PageHeader title={userId}>
        <button
          type="button"
          onClick={() => exportData.mutate()}
          disabled={exportData.isPending || exportGate.disabled}
          title={exportGate.title}
        >
          Export (JSON)
        </button>
        <button
          type="button"
          className="danger"
          disabled={erase.isPending || eraseGate.disabled}
          title={eraseGate.title}
          onClick={() =>
            window.prompt(
              `Erasing deletes everything Beckon stores about ${userId}, for good. Type the user id to confirm.`,
            ) === userId && erase.mutate()
          }
        >
          Erase…
        </button>
      </PageHeader>
      {[exportData.error, erase.error].filter(Boolean).map((e) => (
        <p key={(e as Error).message} className="error" role="alert">
          {(e as Error).message}
        </p>
      ))}
      <section className="card" aria-labelledby="profile-h">
        <h2 id="profile-h">Profile</h2>
        <QueryView query={profile} what="profile">
          {(p) => <Profile view={p as unknown as ProfileView} />}
        </QueryView>
      </section>
      <Timeline userId={userId} anonymous={anonymous} />
      <Sends userId={userId} />
    </>
  );
}
