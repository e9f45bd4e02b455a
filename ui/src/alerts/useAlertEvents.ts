import { useEffect } from "react";
import { liveUrl } from "../floor/useFloorLive";
import { ALERT_EVENT } from "./api";
import { beepFor } from "./sound";

const RETRY_MS = 5_000;

/**
 * The in-app notification: one socket to the live hub per signed-in tab, turning its
 * "alert" messages into a window event the badge and the Alerts page re-read on.
 * Machine snapshots and diffs on the same socket are ignored here.
 */
export function useAlertEvents(): void {
  useEffect(() => {
    let disposed = false;
    let ws: WebSocket | null = null;
    let timer: number | undefined;
    const connect = () => {
      if (disposed) return;
      const socket = new WebSocket(liveUrl());
      ws = socket;
      socket.onmessage = (ev: MessageEvent) => {
        let message: { type?: string; state?: string; severity?: string };
        try {
          message = JSON.parse(String(ev.data)) as { type?: string };
        } catch {
          return;
        }
        if (message.type !== "alert") return;
        window.dispatchEvent(new CustomEvent(ALERT_EVENT, { detail: message }));
        beepFor(message);
      };
      socket.onclose = () => {
        if (!disposed) timer = window.setTimeout(connect, RETRY_MS);
      };
    };
    connect();
    return () => {
      disposed = true;
      window.clearTimeout(timer);
      if (ws) {
        ws.onclose = null;
        ws.close();
      }
    };
  }, []);
}
