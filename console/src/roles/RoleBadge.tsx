import { useMe } from "./permissions";

/** The signed-in key's role in the top bar (and the Access email when there is one). */
export function RoleBadge() {
  const me = useMe();
  if (!me.data) return null;
  const { role, approver, email, key } = me.data;
  return (
    <span className="role-badge" aria-label="Role">
      {email ?? key.label ?? key.prefix}: <strong>{role}</strong>
      {approver && role !== "owner" ? " + approver" : ""}
    </span>
  );
}
