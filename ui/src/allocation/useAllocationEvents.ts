import { useEffect, useRef } from "react";
import { liveUrl } from "../floor/useFloorLive";

const RETRY_MS = 3_000;

export type AllocationMessage = { type: "allocation"; site_id: number; shift_key: string; version: number; actor: string };

/**
 * The board's own socket to the live hub: its "allocation" messages (a version saved by
 * anyone, anywhere) make every open board re-read at once. Floor messages are ignored.
 */
export function useAllocationEvents(onMessage: (m: AllocationMessage) => void): void {
  const handler = useRef(onMessage);
  handler.current = onMessage;
  useEffect(() => {
    let disposed = false;
    let ws: WebSocket | null = null;
    let timer: number | undefined;
    const connect = () => {
      if (disposed) return;
      const socket = new WebSocket(liveUrl());
      ws = socket;
      socket.onmessage = (ev: MessageEvent) => {
        try {
          const m = JSON.parse(String(ev.data)) as { type?: string };
          if (m.type === "allocation") handler.current(m as AllocationMessage);
        } catch {
          // not ours
        }
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
