// "Ask": the assistant beside every office page. A side panel on a wide screen, a
// full-screen sheet on a phone. The conversation lives in the shell (see Shell.tsx), so it
// stays while the user moves between pages; this component only shows it.
import { useEffect, useRef } from "react";
import { msg, t } from "../i18n";
import { useLocation } from "../router";
import { Icon } from "../components/Icon";
import { Examples, QuestionBox, Turns } from "./Conversation";
import type { Conversation } from "./useConversation";
import "./assistant.css";

// The assistant's grammar is English, so the examples are English questions in every
// language (the German catalog keeps them as they are and the panel says so).
const EXAMPLES = [
  msg("What is the OEE today?"),
  msg("What were the biggest downtime causes yesterday?"),
  msg("How many good units were made this week?"),
];

/** Phones show the panel over the whole page: following a link must reveal the page. */
const PHONE = "(max-width: 640px)";

export function AssistantPanel({ convo, onClose }: { convo: Conversation; onClose: () => void }) {
  const { path } = useLocation();
  const input = useRef<HTMLInputElement>(null);
  useEffect(() => input.current?.focus(), []);
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.key === "Escape") onClose();
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, [onClose]);

  // On an order's page, the first example is about that order.
  const order = /^\/orders\/([^/]+)$/.exec(path)?.[1];
  const examples = [
    ...(order && !/^\d+$/.test(order) ? [t("Which stage is order {order} in?", { order: decodeURIComponent(order) })] : []),
    ...EXAMPLES.map((q) => t(q)),
  ];
  const followLink = () => {
    if (window.matchMedia?.(PHONE).matches) onClose();
  };

  return (
    <section id="assistant-panel" className="assistant-panel" role="dialog" aria-modal="false" aria-labelledby="assistant-title"
      data-testid="assistant-panel">
      <header className="assistant-head">
        <h2 id="assistant-title">{t("Ask Linewise")}</h2>
        {convo.turns.length > 0 && (
          <button type="button" className="btn-link" onClick={convo.reset}>{t("New conversation")}</button>
        )}
        <button type="button" className="btn-icon assistant-close" onClick={onClose} aria-label={t("Close")}
          title={t("Close")}>
          <Icon name="close" />
        </button>
      </header>
      <div className="assistant-body">
        {convo.turns.length === 0 ? (
          <div className="assistant-empty">
            <p>{t("Ask in words about orders, KPIs and downtime. Answers come from the data only, with the page that explains them; where the data cannot tell, the assistant says so.")}</p>
            <p className="muted">{t("Questions and answers are in English.")}</p>
            <Examples convo={convo} questions={examples} />
          </div>
        ) : (
          <Turns convo={convo} onFollowLink={followLink} />
        )}
      </div>
      <QuestionBox convo={convo} inputRef={input} />
    </section>
  );
}
