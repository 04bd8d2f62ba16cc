/** Milliseconds since the epoch. Domain code never reads the wall clock: the edge passes `now` in. */
export type Millis = number;

export const SECOND = 1000;
export const MINUTE = 60 * SECOND;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;
