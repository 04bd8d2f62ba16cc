import { useQuery } from "@tanstack/react-query";
import type { ReactNode } from "react";
import { NavLink } from "react-router";
import { ok } from "../api/client";
import { RoleBadge } from "../roles/RoleBadge";
import { useApi, useSession } from "../session";

const NAV: [to: string, label: string][] = [
  ["/", "Overview"],
  ["/campaigns", "Campaigns"],
  ["/segments", "Segments"],
  ["/people", "People"],
  ["/analytics", "Analytics"],
  ["/locations", "Locations"],
  ["/delivery", "Delivery"],
  ["/settings", "Settings"],
  // Roles and approvals (console-a)
  ["/approvals", "Approvals"],
];

export function useAppInfo() {
  const api = useApi();
  return useQuery({ queryKey: ["app"], queryFn: () => ok(api.GET("/admin/app")) });
}

export function Shell({ children }: { children: ReactNode }) {
  const { signOut } = useSession();
  const app = useAppInfo();
  return (
    <div className="shell">
      <a className="skip" href="#main">
        Skip to content
      </a>
      <header className="topbar">
        <span className="brand">Beckon</span>
        <span className="app-name" aria-label="App">
          {app.data ? `${app.data.name} (${app.data.appId})` : "…"}
        </span>
        <RoleBadge />
        <button type="button" className="link" onClick={signOut}>
          Sign out
        </button>
      </header>
      <nav aria-label="Console" className="sidenav">
        <ul>
          {NAV.map(([to, label]) => (
            <li key={to}>
              <NavLink to={to} end={to === "/"}>
                {label}
              </NavLink>
            </li>
          ))}
        </ul>
      </nav>
      <main id="main" tabIndex={-1}>
        {children}
      </main>
    </div>
  );
}
