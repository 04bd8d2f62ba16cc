import type { components } from "../../../openapi/beckon";

type RfmGrid = components["schemas"]["RfmGrid"];

const money = (n: number | null) => (n == null ? "–" : n.toLocaleString(undefined, { maximumFractionDigits: 2 }));

/**
 * The R×F grid (recency down, frequency across) as a heat map table, then the ten groups. The
 * shading stays light enough for dark text to keep a 4.5:1 contrast in every cell.
 */
export function RfmGridView({ grid }: { grid: RfmGrid }) {
  const max = Math.max(1, ...grid.cells.map((c) => c.users));
  const rows = [5, 4, 3, 2, 1];
  return (
    <div className="rfm">
      <table className="rfm-grid">
        <caption>Purchasers by recency (R) and frequency (F) score, 5 = best</caption>
        <thead>
          <tr>
            <th scope="col">R \ F</th>
            {[1, 2, 3, 4, 5].map((f) => (
              <th key={f} scope="col">
                F{f}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => (
            <tr key={r}>
              <th scope="row">R{r}</th>
              {[1, 2, 3, 4, 5].map((f) => {
                const cell = grid.cells.find((c) => c.r === r && c.f === f);
                const users = cell?.users ?? 0;
                return (
                  <td
                    key={f}
                    style={{ background: `rgba(37, 99, 235, ${0.04 + (0.4 * users) / max})` }}
                    title={cell?.segment}
                  >
                    <span className="cell-users">{users.toLocaleString()}</span>
                    <span className="cell-segment">{cell?.segment}</span>
                  </td>
                );
              })}
            </tr>
          ))}
        </tbody>
      </table>
      <table className="rfm-groups">
        <caption>RFM groups</caption>
        <thead>
          <tr>
            <th scope="col">Group</th>
            <th scope="col">People</th>
            <th scope="col">Average value</th>
          </tr>
        </thead>
        <tbody>
          {Object.entries(grid.segments)
            .sort((a, b) => b[1].users - a[1].users)
            .map(([name, s]) => (
              <tr key={name}>
                <th scope="row">{name}</th>
                <td>{s.users.toLocaleString()}</td>
                <td>{money(s.avgMonetary)}</td>
              </tr>
            ))}
        </tbody>
      </table>
    </div>
  );
}
