// A conversation with the assistant: the turns so far and the context that lets the next
// question follow on from the last answer. Held by whoever must keep it: the office shell
// (so that it survives moving between pages) or the terminal's work screen.
import { useCallback, useRef, useState } from "react";
import { askAssistant, askErrorText, type Answer, type AskContext } from "./api";

export interface Turn {
  id: number;
  question: string;
  answer?: Answer;
  /** The request failed (no answer, not an abstention): why, in words. */
  error?: string;
}

export interface Conversation {
  turns: Turn[];
  pending: boolean;
  ask: (question: string) => void;
  reset: () => void;
}

export function useConversation(): Conversation {
  const [turns, setTurns] = useState<Turn[]>([]);
  const [pending, setPending] = useState(false);
  // The last answer's context (an abstention's too: it carries what was understood).
  // A failed request leaves it as it was, so that asking again still follows on.
  const context = useRef<AskContext | null>(null);
  const nextId = useRef(1);
  // A reset while a question is out: its late answer must not land in the new conversation.
  const generation = useRef(0);

  const ask = useCallback((raw: string) => {
    const question = raw.trim();
    if (!question) return;
    const id = nextId.current++;
    const gen = generation.current;
    setTurns((ts) => [...ts, { id, question }]);
    setPending(true);
    askAssistant(question, context.current).then(
      (answer) => {
        if (gen !== generation.current) return;
        context.current = answer.context;
        setTurns((ts) => ts.map((turn) => (turn.id === id ? { ...turn, answer } : turn)));
      },
      (error: unknown) => {
        if (gen !== generation.current) return;
        setTurns((ts) => ts.map((turn) => (turn.id === id ? { ...turn, error: askErrorText(error) } : turn)));
      },
    ).finally(() => {
      if (gen === generation.current) setPending(false);
    });
  }, []);

  const reset = useCallback(() => {
    generation.current++;
    context.current = null;
    setTurns([]);
    setPending(false);
  }, []);

  return { turns, pending, ask, reset };
}
