/** The journey engine's public face: `stepJourney` and the types its adapter and tests use. */
export { stepJourney, type JourneyStep } from "./step";
export type { JourneyInput, EntryResult, SendReportResult } from "./input";
export type { JourneyEffect, TimerRequest } from "./effects";
export type { JourneyFacts, JourneyCampaign, CampaignCatalog } from "./facts";
export type { JourneyRecords, JourneyChanges } from "./state";
export * from "./journey";
