// The offline assistant's one route: a question in words, an answer from the data.
import { ApiError, post, type Schemas } from "../api";
import { t } from "../i18n";

export type Answer = Schemas["AnswerOut"];
/** What the server hands back for the next question (a follow-up such as "and yesterday?"). */
export type AskContext = Answer["context"];

export const askAssistant = (question: string, context: AskContext | null) =>
  post<Answer>("/assistant/ask", { question, context });

/** A failed question in words: no connection, refused (4xx, with the server's reason), or a server fault. */
export function askErrorText(error: unknown): string {
  if (!(error instanceof ApiError)) return t("The question could not be asked: {detail}", { detail: String(error) });
  if (error.status === 0) return t("Cannot reach the server: the question was not sent. Check the connection and ask again.");
  if (error.status === 403) return t("Not allowed: {detail}", { detail: error.detail });
  if (error.status === 429) return t("Too many questions at once; wait a moment and ask again.");
  if (error.status >= 400 && error.status < 500) {
    return t("The question was refused: {detail}", { detail: error.detail || error.title });
  }
  return t("The server could not answer (error {status}). Try again.", { status: String(error.status) });
}
