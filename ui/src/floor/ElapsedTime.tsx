import { fmtElapsed, useNow } from "./useNow";
import { fmtDateTime } from "../format";
import { t } from "../i18n";

/** Time since `since`, ticking every second; `skewMs` corrects for the client's clock. */
export function ElapsedTime({ since, skewMs }: { since: string | null; skewMs: number }) {
  const now = useNow();
  if (!since) return <span className="elapsed">—</span>;
  const started = Date.parse(since);
  return (
    <time className="elapsed" dateTime={since} title={t("Since {time}", { time: fmtDateTime(since) })}>
      {fmtElapsed(now + skewMs - started)}
    </time>
  );
}
