import { z } from "zod";
import { defineEvent } from "./envelope.js";
import { openEnum, openObject } from "../provider/schema-kit.js";

// Public pages disagree: one shows `percentage` + `commissionValue`, another
// `recurring` + `commissionPercent`; the REST API uses one_time / recurring /
// recurring_limited. Every name is accepted and neither amount field is required.
const commissionType = openEnum(["percentage", "fixed", "one_time", "recurring", "recurring_limited"]);
const programStatus = openEnum(["active", "paused", "archived"]);

const programData = {
  id: z.string(),
  name: z.string(),
  commissionType,
  commissionValue: z.number().optional(),
  commissionPercent: z.number().optional(),
  /** Cookie lifetime in days. */
  cookieDuration: z.number(),
  status: programStatus,
};

/**
 * `program.created`: a new affiliate program was created.
 *
 * @example
 * const event = programCreatedSchema.parse(JSON.parse(body));
 * event.data.commissionType; // "percentage" | "recurring" | …
 */
export const programCreatedSchema = defineEvent("program.created", openObject(programData), "required");

/**
 * `program.updated`: program settings changed; `updatedFields` names what changed.
 *
 * @example
 * const event = programUpdatedSchema.parse(JSON.parse(body));
 * event.data.updatedFields; // ["commissionValue"]
 */
export const programUpdatedSchema = defineEvent(
  "program.updated",
  openObject({ ...programData, updatedFields: z.array(z.string()) }),
  "required",
);
