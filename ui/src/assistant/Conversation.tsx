// The parts of a conversation both the office panel and the terminal show: the turns
// (question, answer, its window, page and source) and the question box.
import { useEffect, useRef, useState, type RefObject } from "react";
import { Link } from "../components/Link";
import { t } from "../i18n";
import type { Answer } from "./api";
import type { Conversation, Turn } from "./useConversation";

/** The turns, oldest first; the newest is scrolled into view as it arrives. */
export function Turns({ convo, links = true, onFollowLink }: {
  convo: Conversation;
  /** Links to the page that explains an answer (off at the terminal, which has no office pages). */
  links?: boolean;
  onFollowLink?: () => void;
}) {
  const end = useRef<HTMLDivElement>(null);
  const last = convo.turns[convo.turns.length - 1];
  useEffect(() => {
    end.current?.scrollIntoView?.({ block: "end" });
  }, [convo.turns.length, last?.answer, last?.error]);
  return (
    <div className="assistant-turns" role="log" aria-live="polite" aria-label={t("Conversation")}>
      {convo.turns.map((turn) => <TurnView key={turn.id} turn={turn} links={links} onFollowLink={onFollowLink} />)}
      {convo.pending && (
        <p className="assistant-waiting muted" role="status" data-testid="assistant-waiting">
          <span className="spinner" aria-hidden="true" /> {t("Looking it up…")}
        </p>
      )}
      <div ref={end} />
    </div>
  );
}

function TurnView({ turn, links, onFollowLink }: { turn: Turn; links: boolean; onFollowLink?: () => void }) {
  return (
    <div className="assistant-turn" data-testid="assistant-turn">
      <p className="assistant-question" data-testid="assistant-question">
        <span className="sr-only">{t("You asked:")} </span>{turn.question}
      </p>
      {turn.answer && <AnswerView answer={turn.answer} links={links} onFollowLink={onFollowLink} />}
      {turn.error && (
        <p className="assistant-error" role="alert" data-testid="assistant-error">{turn.error}</p>
      )}
    </div>
  );
}

function AnswerView({ answer, links, onFollowLink }: { answer: Answer; links: boolean; onFollowLink?: () => void }) {
  return (
    <div className={`assistant-answer${answer.abstained ? " assistant-abstained" : ""}`}
      data-testid="assistant-answer" data-abstained={answer.abstained ? "true" : "false"}>
      {answer.abstained && <span className="assistant-tag">{t("Not answered from the data")}</span>}
      <p className="assistant-text" data-testid="assistant-text">{answer.text}</p>
      {(answer.window || (links && answer.link) || answer.source) && (
        <div className="assistant-meta">
          {answer.window && (
            <span data-testid="assistant-window">{t("Window: {window}", { window: answer.window })}</span>
          )}
          {links && answer.link && (
            <Link to={answer.link} data-testid="assistant-link" onClick={onFollowLink}>
              {t("Open the page that explains it")}
            </Link>
          )}
          {answer.source && (
            <small className="assistant-source" data-testid="assistant-source">
              {t("Source: {source}", { source: answer.source })}
            </small>
          )}
        </div>
      )}
    </div>
  );
}

/** The question box: Enter sends; disabled while an answer is on its way. */
export function QuestionBox({ convo, inputRef, big = false }: {
  convo: Conversation;
  inputRef?: RefObject<HTMLInputElement | null>;
  /** The terminal's touch sizes. */
  big?: boolean;
}) {
  const [text, setText] = useState("");
  const own = useRef<HTMLInputElement>(null);
  const ref = inputRef ?? own;
  const wasPending = useRef(false);
  // Back to the box once the answer is in (disabling it took the focus away).
  useEffect(() => {
    if (wasPending.current && !convo.pending) ref.current?.focus();
    wasPending.current = convo.pending;
  }, [convo.pending, ref]);
  return (
    <form className={`assistant-box${big ? " assistant-box-big" : ""}`} onSubmit={(e) => {
      e.preventDefault();
      if (convo.pending || !text.trim()) return;
      convo.ask(text);
      setText("");
    }}>
      <label className="sr-only" htmlFor={big ? "term-question" : "assistant-question"}>{t("Your question")}</label>
      <input ref={ref} id={big ? "term-question" : "assistant-question"} className="input" type="text"
        autoComplete="off" maxLength={500} value={text} disabled={convo.pending}
        placeholder={t("Ask about orders, KPIs or downtime…")}
        onChange={(e) => setText(e.target.value)} />
      <button type="submit" className={big ? "term-btn term-btn-primary" : "btn btn-primary"}
        disabled={convo.pending || !text.trim()}>
        {t("Send")}
      </button>
    </form>
  );
}

/** Example questions as chips; a tap asks one. */
export function Examples({ convo, questions, big = false }: { convo: Conversation; questions: string[]; big?: boolean }) {
  return (
    <div className="assistant-examples" role="group" aria-label={t("Example questions")}>
      {questions.map((q) => (
        <button key={q} type="button" className={big ? "term-btn assistant-example" : "assistant-example"}
          disabled={convo.pending} onClick={() => convo.ask(q)}>
          {q}
        </button>
      ))}
    </div>
  );
}
