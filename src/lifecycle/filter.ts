/** The filter step: why an event is acknowledged without being processed, or undefined. */
export type Filter = (raw: Readonly<Record<string, unknown>>) => string | undefined;

const asSet = (value: string | readonly string[] | undefined) =>
  value === undefined ? undefined : new Set(typeof value === "string" ? [value] : value);

/** Builds the filter from the `environment` and `programId` options (envelope fields). */
export function createFilter(options: { environment?: string | readonly string[] | undefined; programId?: string | readonly string[] | undefined }): Filter {
  const environments = asSet(options.environment);
  const programs = asSet(options.programId);
  return (raw) => {
    if (environments && !environments.has(String(raw.environment))) {
      return `environment ${JSON.stringify(raw.environment)} is not in [${[...environments].join(", ")}]`;
    }
    if (programs && !(typeof raw.programId === "string" && programs.has(raw.programId))) {
      return `programId ${JSON.stringify(raw.programId ?? null)} is not in [${[...programs].join(", ")}]`;
    }
    return undefined;
  };
}
