import { Link } from "react-router";
import { EmptyState } from "../components/States";

export default function NotFound() {
  return (
    <EmptyState title="No such page">
      <p>
        This console address does not exist. Go back to the <Link to="/">overview</Link>.
      </p>
    </EmptyState>
  );
}
