import AsyncStorage from "@react-native-async-storage/async-storage";
import * as Application from "expo-application";
import Constants from "expo-constants";
import * as Location from "expo-location";
import * as Notifications from "expo-notifications";
import { AppState, Linking, Platform } from "react-native";
import * as beckon from "@beckon/react-native";

/**
 * Beckon for this app: everything the SDK needs from React Native and Expo is handed in
 * here, once. Push and location start only after the person said yes (see App.tsx).
 */
const extra = (Constants.expoConfig?.extra ?? {}) as { beckonHost?: string; beckonWriteKey?: string };
export const platform = Platform.OS === "ios" ? "ios" : "android";

/** Your backend mints user tokens for the signed-in person (identity verification). */
async function userTokenFor(userId: string): Promise<string | null> {
  const res = await fetch(`https://api.example.com/beckon-token?user=${encodeURIComponent(userId)}`);
  return res.ok ? res.text() : null;
}

export const beckonOptions: beckon.InitOptions = {
  writeKey: extra.beckonWriteKey ?? "wk_replace_me",
  host: extra.beckonHost ?? "https://beckon.example.com",
  storage: AsyncStorage,
  appState: AppState,
  app: { version: Application.nativeApplicationVersion ?? "0.0.0", build: Application.nativeBuildVersion ?? undefined },
  linking: Linking,
  refreshUserToken: userTokenFor,
};

/**
 * The soft pre-prompt (a modal drawn by Beckon's in-app host), then the OS dialog only for a
 * yes, then the device token and push consent registered.
 */
export function turnOnPush(): Promise<boolean> {
  return beckon.askForPush({
    adapter: beckon.expoNotificationsAdapter(Notifications, platform),
    requestPermission: async () => (await Notifications.requestPermissionsAsync()).status === "granted",
    prompt: {
      title: "Know when your order ships?",
      body: "We'll send a notification for shipping updates and offers.",
      allowLabel: "Notify me",
      laterLabel: "Not now",
    },
  });
}

/** Asks for foreground location, then reports fixes for Beckon's server-side geofences. */
export async function turnOnLocation(): Promise<boolean> {
  const { status } = await Location.requestForegroundPermissionsAsync();
  if (status !== "granted") return false;
  beckon.enableLocation(
    beckon.expoLocationSource(Location, { accuracy: Location.Accuracy.Balanced, distanceInterval: 200 }),
  );
  return true;
}

export { userTokenFor };
