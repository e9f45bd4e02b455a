// Types and calls of labour's routes (/labour/*) and the allocation board (/allocation/*).
import { del, get, post, put } from "../api";
import type { components } from "../api.gen";

type Schemas = components["schemas"];

export type Board = Schemas["BoardOut"];
export type Station = Schemas["StationOut"];
export type BoardOperator = Schemas["BoardOperatorOut"];
export type Assignment = Schemas["BoardAssignmentOut"];
export type Version = Schemas["VersionOut"];
export type Conflict = Schemas["ConflictOut"];
export type ChangeIn = Schemas["ChangeIn"];
export type ShiftLabour = Schemas["ShiftLabourOut"];
export type Skill = Schemas["SkillOut"];
export type Me = Schemas["LabourMeOut"];
export type Absence = Schemas["AbsenceOut"];
export type Which = Schemas["Which"];

export const getBoard = (which: Which) => get<Board>("/allocation/board", { which });
export const checkChange = (body: ChangeIn) => post<Schemas["CheckOut"]>("/allocation/check", body);
export const saveChange = (body: ChangeIn) => post<Board>("/allocation/changes", body);
export const rollbackTo = (siteId: number, shiftKey: string, baseVersion: number, toVersion: number, reason: string) =>
  post<Board>("/allocation/rollback", { site_id: siteId, shift_key: shiftKey, base_version: baseVersion, to_version: toVersion, reason });
export const getHistory = (shiftKey: string) => get<Version[]>("/allocation/history", { shift_key: shiftKey });
export const getShiftLabour = (which: Which) => get<ShiftLabour>("/labour/shift", { which });
export const setSkill = (body: Schemas["SkillIn"]) => put<Skill>("/labour/skills", body);
export const getMe = () => get<Me>("/labour/me");
export const clock = (action: "in" | "out", operatorId?: number) =>
  post<Schemas["ClockState"]>("/labour/clock", operatorId === undefined ? { action } : { action, operator_id: operatorId });
export const getWorkIntervals = () => get<Schemas["WorkIntervalOut"][]>("/labour/work-intervals", { which: "current" });
export const listAbsences = () => get<Absence[]>("/labour/absences");
export const addAbsence = (body: Schemas["AbsenceIn"]) => post<Absence>("/labour/absences", body);
export const deleteAbsence = (id: number) => del(`/labour/absences/${id}`);

/** Dispatched on window when the live hub reports a saved board version. */
export const ALLOCATION_EVENT = "linewise:allocation";
