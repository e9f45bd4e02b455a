// Types and calls of alerting's routes (/alerts, /alert-rules).
import { get, post, put } from "../api";
import type { components } from "../api.gen";

type Schemas = components["schemas"];

export type Alert = Schemas["AlertOut"];
export type AlertState = Schemas["AlertState"];
export type Rule = Schemas["RuleOut"];
export type RuleIn = Schemas["RuleIn"];

/** Dispatched on window when the live hub reports an alert that fired or changed. */
export const ALERT_EVENT = "linewise:alert";

export const listAlerts = (state: AlertState) => get<Alert[]>("/alerts", { state });
export const openCount = () => get<Schemas["OpenCountOut"]>("/alerts/open-count");
export const acknowledgeAlert = (id: number, comment: string) => post<Alert>(`/alerts/${id}/acknowledge`, { comment });
export const resolveAlert = (id: number) => post<Alert>(`/alerts/${id}/resolve`, {});
export const listRules = () => get<Rule[]>("/alert-rules");
export const createRule = (body: RuleIn) => post<Rule>("/alert-rules", body);
export const updateRule = (id: number, body: RuleIn) => put<Rule>(`/alert-rules/${id}`, body);

export type Silence = Schemas["SilenceOut"];
export type SilenceIn = Schemas["SilenceIn"];
export type Step = Schemas["StepOut"];
export type ChainIn = Schemas["ChainIn"];
export type Webhook = Schemas["WebhookOut"];
export type WebhookIn = Schemas["WebhookIn"];
export type Preference = Schemas["PreferenceOut"];
export type PreferenceIn = Schemas["PreferenceIn"];
export type Figures = Schemas["AlarmFiguresOut"];

export const shelveAlert = (id: number, minutes: number, comment: string) => post<Alert>(`/alerts/${id}/shelve`, { minutes, comment });
export const unshelveAlert = (id: number) => post<Alert>(`/alerts/${id}/unshelve`, {});
export const listSilences = () => get<Silence[]>("/alert-silences");
export const createSilence = (body: SilenceIn) => post<Silence>("/alert-silences", body);
export const expireSilence = (id: number) => post<Silence>(`/alert-silences/${id}/expire`, {});
export const listSteps = () => get<Step[]>("/alert-escalations");
export const setChain = (body: ChainIn) => put<Step[]>("/alert-escalations", body);
export const listWebhooks = () => get<Webhook[]>("/alert-webhooks");
export const createWebhook = (body: WebhookIn) => post<Webhook>("/alert-webhooks", body);
export const myPreferences = () => get<Preference>("/alert-preferences/me");
export const saveMyPreferences = (body: PreferenceIn) => put<Preference>("/alert-preferences/me", body);
export const alertFigures = (hours: number, operators: number) => get<Figures>("/alerts/figures", { hours, operators });
