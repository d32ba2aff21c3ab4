import type { z } from "zod";
import type { PayloadIssue } from "../errors/index.js";

/** zod issues as `{ path, message, code }`, the shape `WebhookError.issues` carries. */
export function toPayloadIssues(error: z.ZodError): PayloadIssue[] {
  return error.issues.map((issue) => ({
    path: issue.path.map((segment) => (typeof segment === "symbol" ? String(segment) : segment)),
    message: issue.message,
    code: issue.code,
  }));
}

/** `data.amount: Invalid input: expected number, received string (and 2 more)` */
export function describeIssues(issues: PayloadIssue[]): string {
  const [first] = issues;
  if (!first) return "no details";
  const where = first.path.length > 0 ? first.path.join(".") : "(root)";
  const more = issues.length > 1 ? ` (and ${issues.length - 1} more)` : "";
  return `${where}: ${first.message}${more}`;
}
