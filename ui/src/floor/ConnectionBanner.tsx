import { useNow } from "./useNow";

/** Shown while the live connection is down: the screen is showing the last known state. */
export function ConnectionBanner({ retryAt, onRetry }: { retryAt: number | null; onRetry: () => void }) {
  const now = useNow();
  const wait = retryAt ? Math.max(0, Math.ceil((retryAt - now) / 1000)) : 0;
  return (
    <div className="connection-banner" role="alert" data-testid="connection-banner">
      <span className="connection-dot" aria-hidden="true" />
      <div className="connection-text">
        <strong>Connection lost — reconnecting</strong>
        <span>{wait > 0 ? `Next try in ${wait} s.` : "Trying now…"} The floor below shows the last known state.</span>
      </div>
      <button type="button" className="btn" onClick={onRetry}>Reconnect now</button>
    </div>
  );
}
