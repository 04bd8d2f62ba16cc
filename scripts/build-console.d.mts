export const OUTPUT: string;
export const INITIAL_GZIP_BUDGET: number;
export function buildConsole(opts?: { force?: boolean }): Promise<{ built: boolean }>;
export function consoleSizes(): {
  initialGzip: number;
  totalGzip: number;
  totalRaw: number;
  files: number;
  budget: number;
};
