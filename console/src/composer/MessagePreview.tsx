import { useMutation, useQuery } from "@tanstack/react-query";
import { useEffect, useState } from "react";
import { Link } from "react-router";
import type { components } from "../../../openapi/beckon";
import { ApiError, ok } from "../api/client";
import { useGate } from "../roles/permissions";
import { useApi } from "../session";
import { DevicePreview } from "./DevicePreview";
import { EventProperties, type Properties } from "./EventProperties";
import { PersonPicker } from "./PersonPicker";
import { useDebounced } from "./useDebounced";

type PreviewRequest = components["schemas"]["MessagePreviewRequest"];
type Channel = NonNullable<PreviewRequest["channel"]>;
export interface PreviewProblem {
  field: string;
  message: string;
}

/**
 * The composer's preview: the step's content rendered by the server for a chosen real person
 * (POST /admin/messages/preview), as they would get it, and a test send to them on one channel.
 * Template problems go back to the panel (`onProblems`) to be shown beside their field.
 */
export function MessagePreview({
  content,
  locales,
  variants,
  arms = ["A"],
  channels,
  onProblems,
}: {
  content: Record<string, unknown>;
  locales?: Record<string, unknown> | undefined;
  /** The step's A/B arm overrides, and the campaign's arms (the preview can show each). */
  variants?: Record<string, unknown> | undefined;
  arms?: string[];
  channels: string[];
  onProblems(p: PreviewProblem[]): void;
}) {
  const api = useApi();
  const gate = useGate("testSend");
  const [userId, setUserId] = useState<string | null>(null);
  const [event, setEvent] = useState<Properties>({});
  const [picked, setPicked] = useState<string | null>(null);
  // "" = the person's own locale; else one of the step's locale variants.
  const [locale, setLocale] = useState("");
  const [pickedArm, setArm] = useState<string | null>(null);
  const arm = pickedArm && arms.includes(pickedArm) ? pickedArm : arms[0];
  const localeKeys = Object.keys(locales ?? {});
  const channel = (picked && channels.includes(picked) ? picked : channels[0]) as Channel | undefined;
  const current =
    userId && channel
      ? ({
          userId,
          content,
          ...(locales ? { locales } : {}),
          ...(variants ? { variants } : {}),
          ...(locale && localeKeys.includes(locale) ? { locale } : {}),
          ...(arm ? { variant: arm } : {}),
          event,
          channel,
        } as PreviewRequest)
      : null;
  const request = useDebounced(current, 400);
  const preview = useQuery({
    queryKey: ["message-preview", request],
    queryFn: () => ok(api.POST("/admin/messages/preview", { body: request! })),
    enabled: request !== null,
    retry: false,
    placeholderData: (prev) => prev,
  });
  const problems = preview.error instanceof ApiError ? preview.error.problems : [];
  const problemKey = JSON.stringify(problems);
  // biome-ignore lint/correctness/useExhaustiveDependencies: problemKey stands for problems
  useEffect(() => onProblems(problems), [problemKey]);

  const testSend = useMutation({
    mutationFn: (body: PreviewRequest & { channel: Channel }) =>
      ok(api.POST("/admin/messages/test-send", { body: { ...body, requestId: crypto.randomUUID() } })),
  });
  const message = preview.data?.messages.find((m) => m.channel === channel);

  return (
    <section className="message-preview" aria-label="Message preview">
      <h4>Preview and test send</h4>
      <PersonPicker value={userId} onChange={setUserId} />
      <EventProperties onChange={setEvent} />
      <div className="filters">
        <label>
          Preview locale{" "}
          <select value={locale} onChange={(e) => setLocale(e.target.value)}>
            <option value="">their own{preview.data?.locale && !locale ? ` (${preview.data.locale})` : ""}</option>
            {localeKeys.map((l) => (
              <option key={l} value={l}>
                {l}
              </option>
            ))}
          </select>
        </label>
        {arms.length > 1 && (
          <label>
            A/B arm{" "}
            <select value={arm} onChange={(e) => setArm(e.target.value)}>
              {arms.map((a) => (
                <option key={a} value={a}>
                  {a}
                  {variants?.[a] ? " (its own content)" : ""}
                </option>
              ))}
            </select>
          </label>
        )}
      </div>
      {channels.length > 1 && (
        <div className="filters" role="group" aria-label="Preview channel">
          {channels.map((ch) => (
            <button key={ch} type="button" aria-pressed={ch === channel} onClick={() => setPicked(ch)}>
              {ch}
            </button>
          ))}
        </div>
      )}
      {!userId ? (
        <p className="muted">Choose a person to see the message as they would get it.</p>
      ) : !channel ? (
        <p className="muted">Choose a channel above.</p>
      ) : (
        <div className="device" aria-live="polite" aria-busy={preview.isFetching}>
          {preview.error && (
            <p className="error" role="alert">
              {preview.error.message}
            </p>
          )}
          {message && (
            <>
              <p className={message.reachable ? "muted" : "warning"}>
                {userId} {message.reachable ? "can" : "cannot"} receive {channel} now: {message.reason}. Shown in{" "}
                {preview.data?.locale ?? "the default locale"}, arm {preview.data?.variant}.
              </p>
              {message.content && <DevicePreview channel={channel} content={message.content} to={message.to} />}
            </>
          )}
        </div>
      )}
      <div className="actions">
        <button
          type="button"
          disabled={!current || testSend.isPending || gate.disabled}
          title={gate.title}
          // What is on screen now, not the last debounced preview.
          onClick={() => current && channel && testSend.mutate({ ...current, channel })}
        >
          {testSend.isPending ? "Sending…" : `Test send${channel ? ` (${channel})` : ""}`}
        </button>
        {testSend.data && (
          <span role="status">
            Test {testSend.data.channel} {testSend.data.duplicate ? "already sent" : "queued"} for {userId}.{" "}
            <Link to={`/people/${encodeURIComponent(userId ?? "")}`}>See it on the timeline</Link>
          </span>
        )}
        {testSend.error && (
          <span className="error" role="alert">
            Not sent: {testSend.error.message}{" "}
            {userId && <Link to={`/people/${encodeURIComponent(userId)}`}>timeline</Link>}
          </span>
        )}
      </div>
      <p className="hint">
        Test sends use the real send path and the person's consent; quiet hours and frequency caps do not apply. They
        are marked as tests and never counted in the campaign's stats.
      </p>
    </section>
  );
}
