import type { Problem } from "../components/fields";
import type { Definition } from "./model";

/** What every side panel of the journey editor gets: the definition, the server's problems, and how to change either. */
export interface PanelProps {
  definition: Definition;
  problems: Problem[];
  onChange(d: Definition): void;
  /** Follows a renamed step, so the panel stays on it. */
  onSelect(id: string): void;
}
