import { z } from "zod";
import { defineEvent } from "./envelope.js";
import { openEnum, type EventFields, type KnownFields, type NamedEventSchema } from "../provider/schema-kit.js";

const programData = {
  id: z.string(),
  name: z.string(),
  // Public pages disagree: one shows `percentage` + `commissionValue`, another
  // `recurring` + `commissionPercent`; the REST API uses one_time / recurring /
  // recurring_limited. Every name is accepted and neither amount field is required.
  commissionType: openEnum(["percentage", "fixed", "one_time", "recurring", "recurring_limited"]),
  commissionValue: z.number().optional(),
  commissionPercent: z.number().optional(),
  /** Cookie lifetime in days. */
  cookieDuration: z.number(),
  status: openEnum(["active", "paused", "archived"]),
};

const programCreated = defineEvent("program.created", "required", programData);

/**
 * The `data` of a `program.created` event.
 * @example const data: ProgramCreatedData = event.data; // data.cookieDuration: 90 (days)
 */
export interface ProgramCreatedData extends KnownFields<z.output<typeof programCreated>["data"]> {}

/**
 * A `program.created` event.
 * @example function record(event: ProgramCreatedEvent) { return event.data.name; }
 */
export interface ProgramCreatedEvent extends EventFields<typeof programCreated, ProgramCreatedData> {}

/** `program.created`: a new affiliate program was created. */
export const programCreatedSchema: NamedEventSchema<typeof programCreated, ProgramCreatedEvent> = programCreated;

const programUpdated = defineEvent("program.updated", "required", { ...programData, updatedFields: z.array(z.string()) });

/**
 * The `data` of a `program.updated` event.
 * @example const data: ProgramUpdatedData = event.data; // data.updatedFields: ["commissionValue"]
 */
export interface ProgramUpdatedData extends KnownFields<z.output<typeof programUpdated>["data"]> {}

/**
 * A `program.updated` event.
 * @example function sync(event: ProgramUpdatedEvent) { return event.data.updatedFields; }
 */
export interface ProgramUpdatedEvent extends EventFields<typeof programUpdated, ProgramUpdatedData> {}

/** `program.updated`: program settings changed; `updatedFields` names what changed. */
export const programUpdatedSchema: NamedEventSchema<typeof programUpdated, ProgramUpdatedEvent> = programUpdated;
