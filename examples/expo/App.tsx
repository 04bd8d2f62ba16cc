import { StatusBar } from "expo-status-bar";
import { useState } from "react";
import { Button, SafeAreaView, StyleSheet, Text, TextInput, View } from "react-native";
import { BeckonProvider, ContentCardsFeed, useBeckon, useContentCards } from "@beckon/react-native";
import { beckonOptions, turnOnLocation, turnOnPush, userTokenFor } from "./beckon";

/**
 * A small shop: sign in (identify with a user token), add to cart (an event a campaign
 * can react to with an in-app message), the inbox of content cards with an unread badge,
 * and the opt-ins for push and location. `<BeckonProvider>` draws in-app messages on top.
 */
export default function App() {
  return (
    <BeckonProvider options={beckonOptions}>
      <SafeAreaView style={styles.screen}>
        <StatusBar style="dark" />
        <Shop />
      </SafeAreaView>
    </BeckonProvider>
  );
}

function Shop() {
  const { ready, identify, track, reset, user } = useBeckon();
  const { unread } = useContentCards();
  const [userId, setUserId] = useState("");
  const [tab, setTab] = useState<"shop" | "inbox">("shop");
  const signedIn = user()?.userId ?? null;

  const signIn = async () => {
    if (!userId) return;
    identify(userId, { plan: "free" }, { userToken: (await userTokenFor(userId)) ?? undefined });
  };

  return (
    <View style={styles.screen}>
      <View style={styles.tabs}>
        <Button title="Shop" onPress={() => setTab("shop")} />
        <Button
          title={`Inbox${unread ? ` (${unread})` : ""}`}
          accessibilityLabel={`Inbox, ${unread} unread`}
          onPress={() => setTab("inbox")}
        />
      </View>
      {tab === "inbox" ? (
        <ContentCardsFeed emptyText="No messages yet." />
      ) : (
        <View style={styles.body}>
          <Text accessibilityRole="header" style={styles.title}>
            Beckon Shop {ready ? "" : "(starting…)"}
          </Text>
          {signedIn ? (
            <>
              <Text>Signed in as {signedIn}</Text>
              <Button title="Sign out" onPress={reset} />
            </>
          ) : (
            <>
              <TextInput
                style={styles.input}
                placeholder="User id"
                accessibilityLabel="User id"
                value={userId}
                onChangeText={setUserId}
                autoCapitalize="none"
              />
              <Button title="Sign in" onPress={() => void signIn()} />
            </>
          )}
          <Button title="Add to cart" onPress={() => track("Product Added", { sku: "TEE-1", price: 25 })} />
          <Button title="Turn on notifications" onPress={() => void turnOnPush()} />
          <Button title="Offers near me" onPress={() => void turnOnLocation()} />
        </View>
      )}
    </View>
  );
}

const styles = StyleSheet.create({
  screen: { flex: 1, backgroundColor: "#f6f6f8" },
  tabs: { flexDirection: "row", justifyContent: "space-around", paddingVertical: 8 },
  body: { padding: 20, gap: 12 },
  title: { fontSize: 24, fontWeight: "700" },
  input: { borderWidth: 1, borderColor: "#ccc", borderRadius: 8, padding: 10, backgroundColor: "#fff" },
});
