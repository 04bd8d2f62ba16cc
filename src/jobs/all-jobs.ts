/** Imports every module that registers a scheduled job (side effects: registerScheduledJob). */
export {};
import "../segments/nightly-job";
import "../campaigns/broadcast-job";
