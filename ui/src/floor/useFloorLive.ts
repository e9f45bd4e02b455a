import { useCallback, useEffect, useRef, useState } from "react";
import { currentUser, reportUnauthorized } from "../api";
import { applyDiff, fromSnapshot, type Floor, type LiveMessage } from "./model";

export type LiveStatus = "connecting" | "live" | "reconnecting" | "forbidden";

export interface LiveFloor {
  floor: Floor | null;
  status: LiveStatus;
  /** when the next reconnect attempt starts (epoch ms), while reconnecting */
  retryAt: number | null;
  retryNow: () => void;
}

/** Dispatched on window when the live hub reports an andon call (see terminal/AndonBanner). */
export const ANDON_EVENT = "linewise:andon";
const PING_MS = 20_000;
/** No message (not even a pong) for this long: the connection is dead without knowing it. */
const SILENCE_MS = 2 * PING_MS + 5_000;
const BACKOFF_MS = [1_000, 2_000, 4_000, 8_000, 15_000, 30_000];

export function liveUrl(): string {
  const proto = window.location.protocol === "https:" ? "wss:" : "ws:";
  return `${proto}//${window.location.host}/api/v1/live`;
}

function backoff(attempt: number): number {
  const base = BACKOFF_MS[Math.min(attempt, BACKOFF_MS.length - 1)];
  return Math.round(base * (0.8 + Math.random() * 0.4)); // jitter: screens don't reconnect in lockstep
}

/**
 * The floor over WebSocket /live: a snapshot on every (re)connect, then diffs. When the
 * socket closes it reconnects with exponential back-off; a ping every 20 s keeps proxies
 * from idling the connection out and finds connections that died silently.
 */
export function useFloorLive(): LiveFloor {
  const [floor, setFloor] = useState<Floor | null>(null);
  const [status, setStatus] = useState<LiveStatus>("connecting");
  const [retryAt, setRetryAt] = useState<number | null>(null);
  const retryRef = useRef<() => void>(() => {});

  useEffect(() => {
    let disposed = false;
    let ws: WebSocket | null = null;
    let attempt = 0;
    let retryTimer: number | undefined;
    let pingTimer: number | undefined;
    let lastSeen = 0;

    const onMessage = (ev: MessageEvent) => {
      lastSeen = Date.now();
      let msg: LiveMessage;
      try {
        msg = JSON.parse(String(ev.data)) as LiveMessage;
      } catch {
        return;
      }
      if (msg.type === "snapshot") {
        attempt = 0;
        setFloor(fromSnapshot(msg));
        setStatus("live");
        setRetryAt(null);
      } else if (msg.type === "diff") {
        setFloor((f) => (f ? applyDiff(f, msg) : f));
      } else if (msg.type === "andon") {
        window.dispatchEvent(new CustomEvent(ANDON_EVENT, { detail: msg }));
      }
    };

    const scheduleReconnect = (opened: boolean) => {
      const delay = backoff(attempt++);
      setStatus("reconnecting");
      setRetryAt(Date.now() + delay);
      retryTimer = window.setTimeout(connect, delay);
      if (!opened) {
        // A refused handshake looks like any network failure: is the session still good?
        currentUser().then((user) => !disposed && !user && reportUnauthorized(), () => {});
      }
    };

    const dropSocket = () => {
      window.clearInterval(pingTimer);
      if (!ws) return;
      ws.onopen = ws.onmessage = ws.onclose = ws.onerror = null;
      if (ws.readyState === WebSocket.CONNECTING || ws.readyState === WebSocket.OPEN) ws.close();
      ws = null;
    };

    function connect() {
      window.clearTimeout(retryTimer);
      dropSocket();
      if (disposed) return;
      let opened = false;
      const socket = new WebSocket(liveUrl());
      ws = socket;
      socket.onopen = () => {
        opened = true;
        lastSeen = Date.now();
        pingTimer = window.setInterval(() => {
          if (Date.now() - lastSeen > SILENCE_MS) {
            dropSocket();
            scheduleReconnect(true);
          } else if (socket.readyState === WebSocket.OPEN) {
            socket.send("ping");
          }
        }, PING_MS);
      };
      socket.onmessage = onMessage;
      socket.onclose = (ev) => {
        dropSocket();
        if (disposed) return;
        if (ev.code === 4401) return reportUnauthorized();
        if (ev.code === 4403) return setStatus("forbidden");
        scheduleReconnect(opened);
      };
    }

    const retryNow = () => {
      if (ws && ws.readyState !== WebSocket.CLOSED) return;
      attempt = 0;
      connect();
    };
    retryRef.current = retryNow;
    // Back on the network (a tablet leaving a dead spot): don't wait out the back-off.
    const onOnline = () => retryNow();
    window.addEventListener("online", onOnline);
    connect();
    return () => {
      disposed = true;
      window.removeEventListener("online", onOnline);
      window.clearTimeout(retryTimer);
      dropSocket();
    };
  }, []);

  const retryNow = useCallback(() => retryRef.current(), []);
  return { floor, status, retryAt, retryNow };
}
