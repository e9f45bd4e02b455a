// The terminal's outbox: every tap becomes an action with its own idempotency key,
// stored in localStorage before it is sent, and sent in order until the server has
// answered it. A lost answer (network cut after the server committed) is harmless: the
// action is sent again under the same key and the server returns its first answer
// instead of counting it twice.
//
// Outcomes per action: 2xx → done; network error, 5xx, 429 → kept, tried again later;
// 409 (someone else changed the operation meanwhile) and other 4xx → moved to the
// "not counted" list the operator sees (and a 409 is reported to the supervisor).

const STORE = "linewise.terminal.outbox";
const REFUSED = "linewise.terminal.refused";
const CSRF_COOKIE = "lw_csrf";
const RETRY_MS = 2_000;

export interface Outgoing {
  key: string;
  path: string; // under /api/v1
  body: unknown;
  opId: number | null;
  kind: "start" | "hold" | "resume" | "complete" | "good" | "scrap" | "rework" | "andon" | "clock";
  quantity: number;
  label: string; // what the operator tapped, in their language at that time
  at: number;
}

export interface Refused extends Outgoing {
  status: number;
  detail: string;
  /** The field the server named (a held "lot" or "serial" is refused with it). */
  field?: string;
}

export type SyncState = "idle" | "sending" | "offline" | "signed-out";

type Listener = () => void;
type Answer = (item: Outgoing, body: unknown) => void;

function load<T>(name: string): T[] {
  try {
    const raw = localStorage.getItem(name);
    return raw ? (JSON.parse(raw) as T[]) : [];
  } catch {
    return [];
  }
}

function save(name: string, items: unknown[]): void {
  localStorage.setItem(name, JSON.stringify(items));
}

function newKey(): string {
  if (typeof crypto !== "undefined" && "randomUUID" in crypto) return crypto.randomUUID();
  return `${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}-${Math.random().toString(36).slice(2)}`;
}

function csrf(): string | null {
  const hit = document.cookie.split("; ").find((c) => c.startsWith(`${CSRF_COOKIE}=`));
  return hit ? decodeURIComponent(hit.slice(CSRF_COOKIE.length + 1)) : null;
}

class Outbox {
  items: Outgoing[] = load<Outgoing>(STORE);
  refused: Refused[] = load<Refused>(REFUSED);
  state: SyncState = "idle";
  private listeners = new Set<Listener>();
  private answers = new Set<Answer>();
  private running = false;
  private timer: number | undefined;

  constructor() {
    window.addEventListener("online", () => this.flush());
    // Another tab (or a reload) may have changed the stored outbox.
    window.addEventListener("storage", (e) => {
      if (e.key === STORE || e.key === REFUSED) {
        this.items = load<Outgoing>(STORE);
        this.refused = load<Refused>(REFUSED);
        this.emit();
      }
    });
  }

  subscribe(fn: Listener): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  onAnswer(fn: Answer): () => void {
    this.answers.add(fn);
    return () => this.answers.delete(fn);
  }

  private emit(): void {
    for (const fn of this.listeners) fn();
  }

  add(item: Omit<Outgoing, "key" | "at">): void {
    this.items = [...this.items, { ...item, key: newKey(), at: Date.now() }];
    save(STORE, this.items);
    this.emit();
    this.flush();
  }

  dismiss(key: string): void {
    this.refused = this.refused.filter((r) => r.key !== key);
    save(REFUSED, this.refused);
    this.emit();
  }

  private setState(state: SyncState): void {
    if (this.state !== state) {
      this.state = state;
      this.emit();
    }
  }

  private later(): void {
    window.clearTimeout(this.timer);
    this.timer = window.setTimeout(() => this.flush(), RETRY_MS);
  }

  /** Wait (at most `ms`) until everything is sent or the network is gone: the taps of the
   * operator who is leaving go out under their own session when the network allows. */
  drain(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => this.items.length === 0 || this.state === "offline" || this.state === "signed-out";
      if (done()) return resolve();
      const timer = window.setTimeout(finish, ms);
      const off = this.subscribe(() => done() && finish());
      function finish() {
        window.clearTimeout(timer);
        off();
        resolve();
      }
      void this.flush();
    });
  }

  /** Send what is waiting, oldest first, one at a time (the order matters: start before report). */
  async flush(): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      while (this.items.length > 0) {
        const item = this.items[0];
        this.setState("sending");
        const outcome = await this.send(item);
        if (outcome === "retry") {
          this.later();
          return;
        }
        if (outcome === "signed-out") {
          this.setState("signed-out");
          return;
        }
        // Drop it only now: until here a reload would send it again, under its key.
        this.items = this.items.filter((i) => i.key !== item.key);
        save(STORE, this.items);
        this.emit();
      }
      this.setState("idle");
    } finally {
      this.running = false;
    }
  }

  private async send(item: Outgoing): Promise<"done" | "retry" | "signed-out"> {
    const headers: Record<string, string> = {
      Accept: "application/json",
      "Content-Type": "application/json",
      "Idempotency-Key": item.key,
    };
    const token = csrf();
    if (token) headers["X-CSRF-Token"] = token;
    let res: Response;
    try {
      res = await fetch(`/api/v1${item.path}`, {
        method: "POST",
        headers,
        credentials: "same-origin",
        body: JSON.stringify(item.body),
      });
    } catch {
      this.setState("offline");
      return "retry";
    }
    if (res.status === 401) return "signed-out";
    if (res.status >= 500 || res.status === 429) {
      this.setState("offline");
      return "retry";
    }
    let body: unknown = null;
    try {
      body = await res.json();
    } catch {
      // an empty or non-JSON answer: nothing to show
    }
    if (res.ok) {
      for (const fn of this.answers) fn(item, body);
      return "done";
    }
    const problem = body as { detail?: string; errors?: { field?: string }[] } | null;
    const detail = problem?.detail ?? res.statusText;
    const field = problem?.errors?.[0]?.field;
    this.refused = [...this.refused, { ...item, status: res.status, detail, field }];
    save(REFUSED, this.refused);
    const held = field === "lot" || field === "serial";  // on hold: not a conflict
    if (res.status === 409 && !held && item.kind !== "andon" && item.opId !== null) {
      this.reportConflict(item, detail);
    }
    return "done";
  }

  /** A true conflict (the operation was finished by someone else) goes to the supervisor too. */
  private reportConflict(item: Outgoing, detail: string): void {
    const lineId = (item.body as { line_id?: number }).line_id ?? conflictLine;
    if (lineId == null) return;
    this.items = [
      ...this.items,
      {
        key: newKey(),
        at: Date.now(),
        path: "/andon",
        body: { kind: "conflict", line_id: lineId, operation_id: item.opId, note: `${item.label}: ${detail}`.slice(0, 500) },
        opId: item.opId,
        kind: "andon",
        quantity: 0,
        label: item.label,
      },
    ];
    save(STORE, this.items);
  }
}

// The line the terminal works for: conflicts are reported on it.
let conflictLine: number | null = null;
export function setTerminalLine(lineId: number | null): void {
  conflictLine = lineId;
}

export const outbox = new Outbox();
