import type { AnyProvider } from "../provider/define-provider.js";
import { agentref } from "../providers/agentref.js";
import { CliError } from "./cli-error.js";

/** The providers `--provider NAME` can name, each loaded only when named. */
const providerRegistry: Readonly<Record<string, () => Promise<AnyProvider>>> = {
  agentref: async () => agentref,
  agentsync: async () => (await import("../providers/agentsync.js")).agentsync,
  agiled: async () => (await import("../providers/agiled.js")).agiled,
  agentsend: async () => (await import("../providers/agentsend.js")).agentsend,
};

/** Looks a provider up by name, or fails with the list of known names. */
export async function loadProvider(name: string): Promise<AnyProvider> {
  const load = Object.hasOwn(providerRegistry, name) ? providerRegistry[name] : undefined;
  if (!load) throw new CliError(`--provider: unknown provider ${JSON.stringify(name)} (known: ${Object.keys(providerRegistry).join(", ")}).`);
  return load();
}
