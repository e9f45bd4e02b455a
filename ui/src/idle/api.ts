// Types and calls of the idle routes (/idle/...).
import { get, post, type Query } from "../api";
import type { components } from "../api.gen";

type Schemas = components["schemas"];

export type IdleReport = Schemas["IdleOut"];
export type MachineIdle = Schemas["MachineIdleOut"];
export type Causes = Schemas["CausesOut"];
export type Cause = keyof Causes;
export type Risks = Schemas["RisksOut"];
export type Risk = Schemas["RiskOut"];
export type Suggestions = Schemas["SuggestionsOut"];

export const getIdle = (siteId: number, query: Query) => get<IdleReport>(`/idle/site/${siteId}`, query);
export const getRisks = () => get<Risks>("/idle/risks");
export const getSuggestions = () => get<Suggestions>("/idle/suggestions");
export type Move = Schemas["MoveOut"];
export type Accepted = Schemas["AcceptOut"];

/** Apply one suggested move to the current shift's allocation board. */
export const acceptSuggestion = (m: Move, boardVersion: number) =>
  post<Accepted>("/idle/suggestions/accept", {
    operator_id: m.operator_id, from_station: m.from_station, to_station: m.to_station,
    base_version: boardVersion, gain_min: m.gain_min,
  });

export type Alternates = Schemas["AlternatesOut"];
export type Alternate = Schemas["AlternateOut"];
export type AlternateAccepted = Schemas["AlternateAcceptedOut"];
export const getAlternates = () => get<Alternates>("/idle/alternates");

/** Publish a copy of the published plan with the operation moved to the idle line (and,
 * for a swap, the line's own next operation in its place). */
export const acceptAlternate = (m: Alternate, planId: number) =>
  post<AlternateAccepted>("/idle/alternates/accept", {
    plan_id: planId, operation_id: m.operation_id, to_line_id: m.to_line_id, gain_min: m.gain_min,
    swap_operation_id: m.swap?.operation_id ?? null,
  });
