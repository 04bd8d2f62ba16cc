/** From/to UTC days of a report, as date inputs. */
export function DateRange({
  from,
  to,
  onFrom,
  onTo,
}: {
  from: string;
  to: string;
  onFrom(v: string): void;
  onTo(v: string): void;
}) {
  return (
    <>
      <label>
        From <input type="date" value={from} onChange={(e) => onFrom(e.target.value)} />
      </label>
      <label>
        To <input type="date" value={to} onChange={(e) => onTo(e.target.value)} />
      </label>
    </>
  );
}
