import { type ReactNode, useEffect } from "react";
import { FlatList, Image, Pressable, StyleSheet, Text, View } from "react-native";
import type { Card } from "../../core/cards";
import { useContentCards } from "./hooks";

/**
 * The person's content cards as a list: pinned first, unread marked, each with its link,
 * a pin toggle and a dismiss button (labelled with the card's title for screen readers).
 * Each card is reported as viewed once; opening its link counts a click and marks it read.
 */
export function ContentCardsFeed(props: { emptyText?: string; onUnread?: (n: number) => void }): ReactNode {
  const { cards, unread, act } = useContentCards();
  useEffect(() => props.onUnread?.(unread), [unread]);
  useEffect(() => {
    for (const c of cards) void act(c.id, "view");
  }, [cards]);
  if (cards.length === 0) return <Text style={styles.empty}>{props.emptyText ?? "No messages yet."}</Text>;
  return (
    <FlatList
      data={cards}
      keyExtractor={(c) => c.id}
      renderItem={({ item }) => <CardView card={item} act={act} />}
      accessibilityLabel="Messages"
    />
  );
}

function CardView(props: { card: Card; act: ReturnType<typeof useContentCards>["act"] }): ReactNode {
  const { card, act } = props;
  return (
    <View style={[styles.card, !card.read && styles.unread]} testID={`beckon-card-${card.id}`}>
      {card.imageUrl ? (
        <Image
          source={{ uri: card.imageUrl }}
          style={styles.image}
          accessible={!!card.imageAlt}
          {...(card.imageAlt ? { accessibilityLabel: card.imageAlt, accessibilityRole: "image" as const } : {})}
          accessibilityIgnoresInvertColors
        />
      ) : null}
      <Text style={styles.title} accessibilityRole="header">
        {card.title}
        {card.pinned ? " 📌" : ""}
        {card.read ? "" : " · new"}
      </Text>
      {card.body ? <Text style={styles.body}>{card.body}</Text> : null}
      <View style={styles.actions}>
        {card.deepLink ? (
          <Action
            label={card.linkLabel ?? "Open"}
            a11y={`${card.linkLabel ?? "Open"}: ${card.title}`}
            role="link"
            primary
            onPress={() => act(card.id, "click")}
          />
        ) : !card.read ? (
          <Action label="Mark as read" a11y={`Mark ${card.title} as read`} onPress={() => act(card.id, "read")} />
        ) : null}
        <Action
          label={card.pinned ? "Unpin" : "Pin"}
          a11y={`${card.pinned ? "Unpin" : "Pin"} ${card.title}`}
          selected={card.pinned}
          onPress={() => act(card.id, card.pinned ? "unpin" : "pin")}
        />
        <Action label="Dismiss" a11y={`Dismiss ${card.title}`} onPress={() => act(card.id, "dismiss")} />
      </View>
    </View>
  );
}

function Action(props: {
  label: string;
  a11y: string;
  role?: "button" | "link";
  primary?: boolean;
  selected?: boolean;
  onPress(): void;
}): ReactNode {
  return (
    <Pressable
      onPress={props.onPress}
      accessibilityRole={props.role ?? "button"}
      accessibilityLabel={props.a11y}
      accessibilityState={props.selected !== undefined ? { selected: props.selected } : undefined}
      style={[styles.action, props.primary && styles.primary]}
    >
      <Text style={props.primary ? styles.primaryText : undefined}>{props.label}</Text>
    </Pressable>
  );
}

const styles = StyleSheet.create({
  empty: { padding: 24, textAlign: "center", color: "#666" },
  card: {
    backgroundColor: "#fff",
    borderRadius: 12,
    padding: 16,
    marginHorizontal: 12,
    marginVertical: 6,
    borderWidth: 1,
    borderColor: "#e3e3e3",
  },
  unread: { borderLeftWidth: 4, borderLeftColor: "#2b59c3" },
  image: { width: "100%", aspectRatio: 16 / 9, borderRadius: 8, marginBottom: 10 },
  title: { fontSize: 17, fontWeight: "700", color: "#111" },
  body: { fontSize: 15, color: "#333", marginTop: 4 },
  actions: { flexDirection: "row", flexWrap: "wrap", gap: 8, marginTop: 10 },
  action: {
    paddingVertical: 8,
    paddingHorizontal: 14,
    borderRadius: 8,
    borderWidth: 1,
    borderColor: "#ccc",
    minHeight: 44,
    justifyContent: "center",
  },
  primary: { backgroundColor: "#2b59c3", borderColor: "#2b59c3" },
  primaryText: { color: "#fff", fontWeight: "600" },
});
