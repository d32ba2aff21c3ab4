/** An error the CLI reports as one line on stderr, with exit code 2 (bad arguments) or 1 (a failed operation). */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: 1 | 2 = 2,
  ) {
    super(message);
    this.name = "CliError";
  }
}
