// Types and calls of the background job queue's routes (/jobs).
import { get, post } from "../api";
import type { components } from "../api.gen";

type Schemas = components["schemas"];

export type Job = Schemas["JobOut"];
export type JobState = Schemas["JobState"];
export type JobStats = Schemas["JobStatsOut"];

export const jobStats = () => get<JobStats>("/jobs/stats");
export const deadJobs = () => get<Schemas["JobPageOut"]>("/jobs", { state: "dead", limit: 100 });
/** Put a dead job back in the queue with fresh attempts. */
export const replayJob = (id: number) => post<Job>(`/jobs/${id}/replay`, {});
