import { NavLink, Navigate, Route, Routes } from "react-router";
import { FunnelReport } from "./FunnelReport";
import { Funnels } from "./Funnels";
import { Kpis } from "./Kpis";
import { LifecycleFlow } from "./LifecycleFlow";
import { Retention } from "./Retention";

const TABS: [to: string, label: string][] = [
  ["funnels", "Funnels"],
  ["retention", "Retention"],
  ["lifecycle", "Lifecycle flow"],
  ["kpis", "KPIs"],
];

/** /console/analytics/…: product analytics (docs/analytics.md). Every choice is in the URL, so a report is bookmarkable. */
export default function Analytics() {
  return (
    <>
      <nav aria-label="Analytics" className="subnav">
        <ul>
          {TABS.map(([to, label]) => (
            <li key={to}>
              <NavLink to={`/analytics/${to}`}>{label}</NavLink>
            </li>
          ))}
        </ul>
      </nav>
      <Routes>
        <Route index element={<Navigate to="funnels" replace />} />
        <Route path="funnels" element={<Funnels />} />
        <Route path="funnels/:funnelId" element={<FunnelReport />} />
        <Route path="retention" element={<Retention />} />
        <Route path="lifecycle" element={<LifecycleFlow />} />
        <Route path="kpis" element={<Kpis />} />
      </Routes>
    </>
  );
}
