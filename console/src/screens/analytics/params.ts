import { useSearchParams } from "react-router";

/** A report's choices kept in the URL's query (bookmarkable, and Back undoes a change). */
export function useParam(name: string, fallback: string): [string, (v: string) => void] {
  const [params, setParams] = useSearchParams();
  const value = params.get(name) ?? fallback;
  return [
    value,
    (v: string) =>
      setParams(
        (p) => {
          const next = new URLSearchParams(p);
          if (v === "" || v === fallback) next.delete(name);
          else next.set(name, v);
          return next;
        },
        { replace: false },
      ),
  ];
}

export const utcDay = (ms: number) => new Date(ms).toISOString().slice(0, 10);
export const daysAgo = (n: number) => utcDay(Date.now() - n * 86_400_000);

export function duration(ms: number | null | undefined): string {
  if (ms == null) return "–";
  const s = ms / 1000;
  if (s < 90) return `${Math.round(s)} s`;
  if (s < 5400) return `${Math.round(s / 60)} min`;
  if (s < 129_600) return `${(s / 3600).toFixed(1)} h`;
  return `${(s / 86_400).toFixed(1)} d`;
}
