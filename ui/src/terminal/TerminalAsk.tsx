// The assistant at the terminal: the operator asks about their own order or line in
// words (the same route as the office's "Ask"). No links to office pages: the terminal is
// a page of its own, and leaving it mid-shift would lose the operator's place.
import { t } from "../i18n";
import { Examples, QuestionBox, Turns } from "../assistant/Conversation";
import { useConversation } from "../assistant/useConversation";
import "../assistant/assistant.css";

export function TerminalAsk({ order, line }: {
  /** The order running (or next) on the line: the examples are about it. */
  order: string | null;
  /** The line's code, as the assistant knows it. */
  line: string;
}) {
  const convo = useConversation();
  const examples = [
    ...(order ? [
      t("Which stage is order {order} in?", { order }),
      t("Is order {order} late?", { order }),
    ] : []),
    t("How many good units did {line} make today?", { line }),
  ];
  return (
    <section className="term-ask" aria-labelledby="term-ask-title" data-testid="terminal-ask">
      <h2 id="term-ask-title">{t("Ask about your order or line")}</h2>
      {convo.turns.length === 0
        ? <Examples convo={convo} questions={examples} big />
        : <Turns convo={convo} links={false} />}
      <QuestionBox convo={convo} big />
    </section>
  );
}
