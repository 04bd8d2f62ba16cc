import { useQuery } from "@tanstack/react-query";
import type { components } from "../../../openapi/beckon";
import { ok } from "../api/client";
import { useApi } from "../session";

export type Me = components["schemas"]["Me"];
export type Capability = keyof Me["capabilities"];

/** What each capability needs, as src/http/roles.ts enforces it: named in the tooltip of a refused action. */
const NEEDS: Record<Capability, string> = {
  read: "viewer",
  editCampaigns: "editor",
  editSegments: "editor",
  editLocations: "editor",
  testSend: "editor",
  editSettings: "owner",
  manageIdentityKeys: "owner",
  eraseUsers: "owner",
  exportUsers: "owner",
  replayDeadLetters: "owner",
  approve: "approver",
};

/** GET /admin/me: the key's role, approver right and capabilities. */
export function useMe() {
  const api = useApi();
  return useQuery({ queryKey: ["me"], queryFn: () => ok(api.GET("/admin/me")), staleTime: 60_000 });
}

/**
 * Props for a control that needs a capability: disabled, with a tooltip naming the role, when the
 * key lacks it (the server refuses it anyway; this only saves the marketer the round trip).
 * While /admin/me loads, actions stay enabled: the server is the judge.
 */
export function useGate(cap: Capability): { disabled?: true; title?: string; "aria-description"?: string } {
  const me = useMe();
  if (!me.data || me.data.capabilities[cap]) return {};
  const need = NEEDS[cap];
  const title =
    need === "approver" ? "Needs the approver right" : `Needs the ${need} role (this key is ${me.data.role})`;
  return { disabled: true, title, "aria-description": title };
}
