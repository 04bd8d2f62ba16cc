import type { FieldProblem } from "../../kernel/errors";
import type { SurveyAnswer, SurveyQuestion } from "./model";

/**
 * Checks a survey response against the survey's questions: known question, a choice
 * among the options (one for `single`, several for `multi`), 1–5 for `rating`, text
 * for `text`. Pure; returns the problems (empty when valid).
 */
export function surveyAnswerProblems(
  questions: readonly SurveyQuestion[],
  answers: readonly SurveyAnswer[],
  prefix = "answers",
  checkRequired = true,
): FieldProblem[] {
  const problems: FieldProblem[] = [];
  const byId = new Map(questions.map((q) => [q.id, q]));
  const seen = new Set<string>();
  answers.forEach((a, i) => {
    const field = `${prefix}.${i}.answer`;
    const q = byId.get(a.questionId);
    if (!q)
      return problems.push({
        field: `${prefix}.${i}.questionId`,
        message: `no question ${a.questionId} in this survey`,
      });
    if (seen.has(a.questionId)) return problems.push({ field: `${prefix}.${i}.questionId`, message: "answered twice" });
    seen.add(a.questionId);
    const options = q.options ?? [];
    switch (q.kind) {
      case "single":
        if (typeof a.answer !== "string" || !options.includes(a.answer))
          problems.push({ field, message: `expected one of: ${options.join(", ")}` });
        break;
      case "multi":
        if (
          !Array.isArray(a.answer) ||
          a.answer.length === 0 ||
          a.answer.some((x) => !options.includes(x)) ||
          new Set(a.answer).size !== a.answer.length
        )
          problems.push({ field, message: `expected distinct choices among: ${options.join(", ")}` });
        break;
      case "rating":
        if (typeof a.answer !== "number") problems.push({ field, message: "expected a rating from 1 to 5" });
        break;
      case "text":
        if (typeof a.answer !== "string" || a.answer.trim() === "") problems.push({ field, message: "expected text" });
        break;
    }
    return undefined;
  });
  // Segment `track` calls carry one answer each: required questions are checked only on whole responses.
  if (checkRequired)
    for (const q of questions)
      if (q.required && !seen.has(q.id)) problems.push({ field: prefix, message: `question ${q.id} is required` });
  return problems;
}
