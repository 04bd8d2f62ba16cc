import type { UserFeature } from "../../feature";
import { scoringFeature } from "./scoring-feature";
import { segmentFeature } from "./segment-feature";

/** Segmentation in the UserObject: scoring first, so segments see fresh RFM and churn scores. */
export const segmentationFeatures: readonly UserFeature[] = [scoringFeature, segmentFeature];
