/**
 * An error the CLI reports as one line on stderr, with an exit code: 2 for a usage
 * problem (bad arguments), 1 for a failed operation.
 *
 * @example
 * throw new CliError("--url is required", 2);
 */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: 1 | 2 = 2,
  ) {
    super(message);
    this.name = "CliError";
  }
}
