/**
 * @beckon/react-native: the SDK's calls (`init`, `identify`, `track`, …), push, location,
 * and the React layer (`<BeckonProvider>`, `<BeckonInAppHost/>`, `<ContentCardsFeed/>`,
 * `useInAppMessage`, `useContentCards`, `useBeckon`). `./client` alone imports neither
 * React nor React Native.
 */
export * from "./client";
export { BeckonProvider, useBeckon } from "./provider";
export { useContentCards, useInAppMessage, type ContentCardsHandle, type InAppMessageHandle } from "./hooks";
export { BeckonInAppHost } from "./InAppHost";
export { ContentCardsFeed } from "./ContentCardsFeed";
