import { fmtTime } from "../format";
import { useNow } from "./useNow";


/** The time of day, for a wall screen that has no other clock in sight. */
export function WallClock() {
  const now = useNow();
  return <time className="wall-clock" dateTime={new Date(now).toISOString()}>{fmtTime(now)}</time>;
}
