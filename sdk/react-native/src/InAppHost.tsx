import { type ReactNode, useEffect, useRef, useState } from "react";
import {
  AccessibilityInfo,
  Image,
  Modal,
  PanResponder,
  Pressable,
  ScrollView,
  StyleSheet,
  Text,
  TextInput,
  View,
} from "react-native";
import type { InAppButton, InAppContent, SurveyAnswer, SurveyQuestion } from "../../core/inapp";
import { type InAppMessageHandle, useInAppMessage } from "./hooks";

/**
 * Draws the current in-app message with React Native primitives, accessibly:
 * modal, full-screen and survey messages are a `Modal` whose content is
 * `accessibilityViewIsModal` (screen readers stay inside), the Android back button and
 * the screen reader's escape gesture dismiss, and the title is announced on show;
 * a banner sits at the top without taking focus, is announced politely, and is
 * dismissed by swiping it up, its close button or its timer.
 */
export function BeckonInAppHost(): ReactNode {
  const handle = useInAppMessage();
  const { message, content } = handle;
  useEffect(() => {
    if (!content) return;
    // The title (or body) is read out when the message appears, wherever focus is.
    const text = [content.title, content.body].filter(Boolean).join(". ");
    if (text) AccessibilityInfo.announceForAccessibility(text);
  }, [message?.key]);
  if (!message || !content) return null;
  if (content.type === "banner") return <Banner key={message.key} handle={handle} content={content} />;
  return (
    <Modal
      key={message.key}
      visible
      transparent={content.type !== "fullscreen"}
      animationType="fade"
      onRequestClose={handle.dismiss}
      statusBarTranslucent
    >
      <View style={content.type === "fullscreen" ? styles.fullscreen : styles.overlay}>
        <View
          style={[styles.dialog, content.type === "fullscreen" && styles.dialogFull]}
          accessibilityViewIsModal
          onAccessibilityEscape={handle.dismiss}
          testID="beckon-in-app-message"
        >
          <ScrollView contentContainerStyle={styles.content}>
            <MessageBody content={content} handle={handle} />
          </ScrollView>
        </View>
      </View>
    </Modal>
  );
}

function Banner(props: { handle: InAppMessageHandle; content: InAppContent }): ReactNode {
  const { handle, content } = props;
  const dismiss = useRef(handle.dismiss);
  dismiss.current = handle.dismiss;
  useEffect(() => {
    if (!content.autoDismissSeconds) return;
    const t = setTimeout(() => dismiss.current(), content.autoDismissSeconds * 1000);
    return () => clearTimeout(t);
  }, [content.autoDismissSeconds]);
  // Swipe up to dismiss: the gesture people expect of a notification-like banner.
  const pan = useRef(
    PanResponder.create({
      onMoveShouldSetPanResponder: (_e, g) => Math.abs(g.dy) > 8,
      onPanResponderRelease: (_e, g) => {
        if (g.dy < -30) dismiss.current();
      },
    }),
  ).current;
  return (
    <View
      style={styles.banner}
      accessibilityRole="alert"
      accessibilityLiveRegion="polite"
      onAccessibilityEscape={handle.dismiss}
      testID="beckon-in-app-banner"
      {...pan.panHandlers}
    >
      <MessageBody content={content} handle={handle} />
    </View>
  );
}

function MessageBody(props: { content: InAppContent; handle: InAppMessageHandle }): ReactNode {
  const { content, handle } = props;
  return (
    <>
      <Pressable
        onPress={handle.dismiss}
        accessibilityRole="button"
        accessibilityLabel="Close"
        hitSlop={12}
        style={styles.close}
      >
        <Text style={styles.closeText}>×</Text>
      </Pressable>
      {content.imageUrl ? (
        <Image
          source={{ uri: content.imageUrl }}
          style={styles.image}
          accessible={!!content.imageAlt}
          {...(content.imageAlt ? { accessibilityLabel: content.imageAlt, accessibilityRole: "image" as const } : {})}
          accessibilityIgnoresInvertColors
        />
      ) : null}
      {content.title ? (
        <Text style={styles.title} accessibilityRole="header">
          {content.title}
        </Text>
      ) : null}
      {content.body ? <Text style={styles.body}>{content.body}</Text> : null}
      {content.type === "survey" ? <Survey content={content} onSubmit={handle.submit} /> : null}
      {content.buttons?.length ? (
        <View style={styles.buttons}>
          {content.buttons.map((b, i) => (
            <MessageButton key={b.id} button={b} primary={i === 0} onPress={() => handle.click(b)} />
          ))}
        </View>
      ) : null}
    </>
  );
}

function MessageButton(props: { button: InAppButton; primary: boolean; onPress(): void }): ReactNode {
  const { button } = props;
  return (
    <Pressable
      onPress={props.onPress}
      accessibilityRole={button.action === "deeplink" ? "link" : "button"}
      accessibilityLabel={button.label}
      style={[styles.button, props.primary && styles.primary]}
      testID={`beckon-button-${button.id}`}
    >
      <Text style={[styles.buttonText, props.primary && styles.primaryText]}>{button.label}</Text>
    </Pressable>
  );
}

type Answers = Record<string, string | string[] | number>;

function Survey(props: { content: InAppContent; onSubmit(answers: SurveyAnswer[]): void }): ReactNode {
  const questions = props.content.questions ?? [];
  const [answers, setAnswers] = useState<Answers>({});
  const set = (q: SurveyQuestion, value: string | string[] | number) => setAnswers((a) => ({ ...a, [q.id]: value }));
  const given = (q: SurveyQuestion) => {
    const v = answers[q.id];
    return v !== undefined && v !== "" && !(Array.isArray(v) && v.length === 0);
  };
  const complete = questions.every((q) => !q.required || given(q)) && questions.some(given);
  const submit = () => {
    if (!complete) return;
    props.onSubmit(
      questions.filter(given).map((q) => ({
        questionId: q.id,
        answer: typeof answers[q.id] === "string" ? (answers[q.id] as string).trim() : answers[q.id]!,
      })),
    );
  };
  return (
    <View>
      {questions.map((q) => (
        <View
          key={q.id}
          style={styles.question}
          accessibilityRole={q.kind === "single" || q.kind === "rating" ? "radiogroup" : undefined}
          accessibilityLabel={q.kind === "text" ? undefined : q.prompt}
        >
          <Text style={styles.prompt}>
            {q.prompt}
            {q.required ? " *" : ""}
          </Text>
          {q.kind === "text" ? (
            <TextInput
              style={styles.input}
              multiline
              maxLength={1000}
              accessibilityLabel={q.prompt}
              value={typeof answers[q.id] === "string" ? (answers[q.id] as string) : ""}
              onChangeText={(t) => set(q, t)}
              testID={`beckon-question-${q.id}`}
            />
          ) : (
            choices(q).map(([value, label]) => {
              const current = answers[q.id];
              const checked =
                q.kind === "multi" ? Array.isArray(current) && current.includes(value) : String(current) === value;
              const press = () => {
                if (q.kind === "multi") {
                  const list = Array.isArray(current) ? current : [];
                  set(q, checked ? list.filter((v) => v !== value) : [...list, value]);
                } else set(q, q.kind === "rating" ? Number(value) : value);
              };
              return (
                <Pressable
                  key={value}
                  onPress={press}
                  accessibilityRole={q.kind === "multi" ? "checkbox" : "radio"}
                  accessibilityState={{ checked }}
                  accessibilityLabel={label}
                  style={[styles.choice, checked && styles.choiceOn]}
                >
                  <Text>{label}</Text>
                </Pressable>
              );
            })
          )}
        </View>
      ))}
      <Pressable
        onPress={submit}
        accessibilityRole="button"
        accessibilityState={{ disabled: !complete }}
        disabled={!complete}
        style={[styles.button, styles.primary, !complete && styles.disabled]}
        testID="beckon-survey-submit"
      >
        <Text style={[styles.buttonText, styles.primaryText]}>{props.content.submitLabel ?? "Submit"}</Text>
      </Pressable>
    </View>
  );
}

/** A question's choices as [value, label]; a rating is 1–5. */
function choices(q: SurveyQuestion): Array<[string, string]> {
  if (q.kind === "rating") return [1, 2, 3, 4, 5].map((r) => [String(r), `${r} of 5`]);
  return (q.options ?? []).map((o) => [o, o]);
}

const styles = StyleSheet.create({
  overlay: { flex: 1, backgroundColor: "rgba(0,0,0,0.45)", justifyContent: "center", padding: 24 },
  fullscreen: { flex: 1, backgroundColor: "#fff" },
  dialog: { backgroundColor: "#fff", borderRadius: 14, maxHeight: "90%", overflow: "hidden" },
  dialogFull: { flex: 1, borderRadius: 0, maxHeight: "100%" },
  content: { padding: 20, paddingTop: 28 },
  banner: {
    position: "absolute",
    top: 48,
    left: 12,
    right: 12,
    backgroundColor: "#fff",
    borderRadius: 12,
    padding: 16,
    paddingTop: 20,
    elevation: 6,
    shadowColor: "#000",
    shadowOpacity: 0.2,
    shadowRadius: 8,
    shadowOffset: { width: 0, height: 2 },
  },
  close: { position: "absolute", top: 4, right: 8, padding: 6, zIndex: 1 },
  closeText: { fontSize: 24, lineHeight: 24, color: "#555" },
  image: { width: "100%", aspectRatio: 16 / 9, borderRadius: 8, marginBottom: 12 },
  title: { fontSize: 20, fontWeight: "700", marginBottom: 6, color: "#111" },
  body: { fontSize: 16, color: "#333", marginBottom: 12 },
  buttons: { flexDirection: "row", flexWrap: "wrap", gap: 8, marginTop: 8 },
  button: {
    paddingVertical: 12,
    paddingHorizontal: 18,
    borderRadius: 8,
    borderWidth: 1,
    borderColor: "#ccc",
    minHeight: 44,
    justifyContent: "center",
    marginTop: 8,
  },
  primary: { backgroundColor: "#2b59c3", borderColor: "#2b59c3" },
  buttonText: { fontSize: 16, color: "#111", textAlign: "center" },
  primaryText: { color: "#fff", fontWeight: "600" },
  disabled: { opacity: 0.5 },
  question: { marginBottom: 14 },
  prompt: { fontSize: 16, fontWeight: "600", marginBottom: 6 },
  choice: {
    padding: 10,
    borderRadius: 8,
    borderWidth: 1,
    borderColor: "#ccc",
    marginBottom: 6,
    minHeight: 44,
    justifyContent: "center",
  },
  choiceOn: { borderColor: "#2b59c3", backgroundColor: "#e8eefb" },
  input: { borderWidth: 1, borderColor: "#ccc", borderRadius: 8, padding: 10, minHeight: 80, textAlignVertical: "top" },
});
