import { useQuery } from "@tanstack/react-query";
import { useMemo } from "react";
import { ok } from "../api/client";
import { useApi } from "../session";
import { QueryView } from "./States";
import { TimeSeries } from "./TimeSeries";

/** A campaign's conversions (and sends, suppressions) per day over the last 30 days, control apart. */
export function CampaignOverTime({ id }: { id: string }) {
  const api = useApi();
  const daily = useQuery({
    queryKey: ["campaign-daily", id],
    queryFn: () => ok(api.GET("/admin/campaigns/{id}/stats/daily", { params: { path: { id }, query: {} } })),
  });
  const chart = useMemo(
    () =>
      daily.data && {
        days: daily.data.days.map((d) => d.day),
        series: [
          { label: "sent", color: "#2563eb", values: daily.data.days.map((d) => d.sent) },
          { label: "converted", color: "#16a34a", values: daily.data.days.map((d) => d.converted) },
          { label: "control converted", color: "#9333ea", values: daily.data.days.map((d) => d.controlConverted) },
          { label: "suppressed", color: "#d97706", values: daily.data.days.map((d) => d.suppressed) },
        ],
      },
    [daily.data],
  );
  return (
    <QueryView query={daily} what="campaign over time">
      {() =>
        chart && (
          <TimeSeries
            title="Sends, conversions and suppressions per day (30 days)"
            days={chart.days}
            series={chart.series}
          />
        )
      }
    </QueryView>
  );
}
