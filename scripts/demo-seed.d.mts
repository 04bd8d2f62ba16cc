export function samplePeople(now?: number): Record<string, unknown>[][];
export function seedDemo(opts: {
  base: string;
  adminKey: string;
  writeKey: string;
  now?: number;
}): Promise<{ seeded: boolean; campaigns?: number; people?: number }>;
