/** Imports every module that registers a scheduled job (side effects: registerScheduledJob). */
export {};
