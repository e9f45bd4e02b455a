import { useNow } from "./useNow";

const fmt = new Intl.DateTimeFormat(undefined, { hour: "numeric", minute: "2-digit" });

/** The time of day, for a wall screen that has no other clock in sight. */
export function WallClock() {
  const now = useNow();
  return <time className="wall-clock" dateTime={new Date(now).toISOString()}>{fmt.format(now)}</time>;
}
