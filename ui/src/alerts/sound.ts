// A short beep for critical alerts (the Alerts page and the operator terminal), behind a
// per-user toggle: the server keeps the preference, this device remembers it so the
// terminal beeps without asking the server on every alert.
const KEY = "linewise.alerts.sound";

export const soundEnabled = (): boolean => localStorage.getItem(KEY) === "1";
export const rememberSound = (on: boolean): void => localStorage.setItem(KEY, on ? "1" : "0");

/** Counted for the browser test: WebAudio makes no sound a test could hear. */
export let beeps = 0;

export function beep(): void {
  beeps += 1;
  (window as unknown as { __linewiseBeeps?: number }).__linewiseBeeps = beeps;
  const Ctx = window.AudioContext;
  if (!Ctx) return;
  try {
    const ctx = new Ctx();
    const osc = ctx.createOscillator();
    const gain = ctx.createGain();
    osc.type = "square";
    osc.frequency.value = 880;
    gain.gain.value = 0.15;
    osc.connect(gain).connect(ctx.destination);
    osc.start();
    osc.stop(ctx.currentTime + 0.25);
    osc.onended = () => void ctx.close();
  } catch {
    // no audio device: the alert still shows on screen
  }
}

/** Beep for a live "alert" message when it is a critical one that fired. */
export function beepFor(message: { state?: string; severity?: string }): void {
  if (soundEnabled() && message.state === "firing" && message.severity === "critical") beep();
}
