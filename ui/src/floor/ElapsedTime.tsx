import { fmtElapsed, useNow } from "./useNow";

/** Time since `since`, ticking every second; `skewMs` corrects for the client's clock. */
export function ElapsedTime({ since, skewMs }: { since: string | null; skewMs: number }) {
  const now = useNow();
  if (!since) return <span className="elapsed">—</span>;
  const started = Date.parse(since);
  return (
    <time className="elapsed" dateTime={since} title={`Since ${new Date(started).toLocaleString()}`}>
      {fmtElapsed(now + skewMs - started)}
    </time>
  );
}
