// Pure logic of the extension (no `vscode` import), unit-tested with node:test.

import * as path from "node:path";

export type Resolution = { path: string; source: "setting" | "bundled" | "PATH" } | { error: string };

export interface Environment {
  platform: NodeJS.Platform;
  arch: string;
  extensionPath: string;
  exists(file: string): boolean;
  /** The absolute path of `name` on PATH, if any. */
  which(name: string): string | undefined;
}

export const BINARY = "backend-architect";

/** `bin/<platform>-<arch>/` inside the extension, as `npm run bundle-server` lays it out. */
export function bundledPath(env: Pick<Environment, "platform" | "arch" | "extensionPath">): string {
  const exe = env.platform === "win32" ? `${BINARY}.exe` : BINARY;
  return path.join(env.extensionPath, "bin", `${env.platform}-${env.arch}`, exe);
}

/** The server binary: the `backendArchitect.path` setting, else the bundled one, else PATH. */
export function resolveServer(configured: string | undefined, env: Environment): Resolution {
  const setting = configured?.trim();
  if (setting) {
    if (env.exists(setting)) {
      return { path: setting, source: "setting" };
    }
    return {
      error:
        `backendArchitect.path is set to "${setting}", but no file is there. ` +
        "Fix the setting, or clear it to use the bundled server or the one on PATH.",
    };
  }
  const bundled = bundledPath(env);
  if (env.exists(bundled)) {
    return { path: bundled, source: "bundled" };
  }
  const onPath = env.which(env.platform === "win32" ? `${BINARY}.exe` : BINARY);
  if (onPath) {
    return { path: onPath, source: "PATH" };
  }
  return {
    error:
      `The ${BINARY} server was not found: no backendArchitect.path setting, no binary bundled for ` +
      `${env.platform}-${env.arch}, and none on PATH. Install it with \`pipx install backend-architect\` ` +
      "(or `npm install -g backend-architect`, or `cargo install --locked --path server/backend-architect` " +
      "from the repository), or set backendArchitect.path.",
  };
}

/** Looks `name` up on a PATH string. */
export function whichOnPath(
  name: string,
  pathVariable: string | undefined,
  exists: (file: string) => boolean,
  delimiter = path.delimiter,
): string | undefined {
  for (const dir of (pathVariable ?? "").split(delimiter)) {
    if (!dir) continue;
    const candidate = path.join(dir, name);
    if (exists(candidate)) return candidate;
  }
  return undefined;
}

/** The subset of VS Code settings the server understands, with its key names. */
export interface ServerSettings {
  select?: string[];
  "extend-select"?: string[];
  ignore?: string[];
  severity?: Record<string, string>;
  exclude?: string[];
  audit?: boolean;
  advisor?: AdvisorSettings;
  dependencies?: DependencySettings;
}

/** `[advisor]`: the opt-in model endpoint for reviews. */
export interface AdvisorSettings {
  enabled?: boolean;
  endpoint?: string;
  model?: string;
  apiKeyEnv?: string;
  timeoutSecs?: number;
}

/** `[dependencies]`: the opt-in OSV check of manifests. */
export interface DependencySettings {
  osv?: boolean;
  osvEndpoint?: string;
  cacheTtlHours?: number;
}

/** The command the server executes for "Review this file/endpoint". */
export const REVIEW_COMMAND = "backend-architect.review";
/** The server's architecture map command (`workspace/executeCommand`). */
export const MAP_COMMAND = "backend-architect.showMap";

/** What `backend-architect.showMap` answers. */
export interface MapResult {
  format: string;
  content: string;
  apps: number;
  routes: number;
}

/** The arguments of `backend-architect.showMap` for the webview: the self-contained page. */
export function mapParams(focus?: string): { command: string; arguments: unknown[] } {
  const trimmed = focus?.trim();
  return { command: MAP_COMMAND, arguments: [trimmed ? { format: "html", focus: trimmed } : { format: "html" }] };
}

/** Manifests the server checks for vulnerable dependencies (when `dependencies.osv` is on). */
export const MANIFEST_PATTERN = "**/{requirements*.txt,pyproject.toml,package.json}";

type Getter = (key: string) => unknown;

function stringList(value: unknown): string[] | undefined {
  if (!Array.isArray(value)) return undefined;
  return value.filter((v): v is string => typeof v === "string" && v.trim() !== "").map((v) => v.trim());
}

/** Maps `backendArchitect.*` settings to the server's options; unset (null) ones are omitted so
 * that the project's backend-architect.toml applies. */
export function serverSettings(get: Getter): ServerSettings {
  const out: ServerSettings = {};
  const select = stringList(get("select"));
  if (select) out.select = select;
  const extend = stringList(get("extendSelect"));
  if (extend) out["extend-select"] = extend;
  const ignore = stringList(get("ignore"));
  if (ignore) out.ignore = ignore;
  const exclude = stringList(get("exclude"));
  if (exclude) out.exclude = exclude;
  const audit = get("audit");
  if (typeof audit === "boolean") out.audit = audit;
  const severity = get("severity");
  if (severity && typeof severity === "object" && !Array.isArray(severity)) {
    const entries = Object.entries(severity as Record<string, unknown>).filter(
      (e): e is [string, string] => typeof e[1] === "string",
    );
    if (entries.length > 0) out.severity = Object.fromEntries(entries);
  }
  const advisor = pick(get, "advisor", { enabled: "boolean", endpoint: "string", model: "string", apiKeyEnv: "string", timeoutSecs: "number" });
  if (advisor) out.advisor = advisor;
  const dependencies = pick(get, "dependencies", { osv: "boolean", osvEndpoint: "string", cacheTtlHours: "number" });
  if (dependencies) out.dependencies = dependencies;
  return out;
}

/** The set keys of a settings group (`advisor.enabled`, …) with the expected types; unset
 * (null), empty and mistyped values are left out so the project's file applies. */
function pick(get: Getter, group: string, keys: Record<string, "boolean" | "string" | "number">): Record<string, never> | undefined {
  const out: Record<string, unknown> = {};
  for (const [key, type] of Object.entries(keys)) {
    const value = get(`${group}.${key}`);
    if (typeof value !== type) continue;
    if (typeof value === "string" && value.trim() === "") continue;
    out[key] = typeof value === "string" ? value.trim() : value;
  }
  return Object.keys(out).length > 0 ? (out as Record<string, never>) : undefined;
}

/** VS Code language ids to analyse, from the `backendArchitect.languages` setting. */
export function languageIds(languages: unknown): string[] {
  const enabled = { python: true, javascript: true, typescript: true, ...(languages as Record<string, boolean>) };
  const ids: string[] = [];
  if (enabled.python) ids.push("python");
  if (enabled.javascript) ids.push("javascript", "javascriptreact");
  if (enabled.typescript) ids.push("typescript", "typescriptreact");
  return ids;
}

/** Whether `backendArchitect.trace.server` asks for a protocol trace ("messages" or "verbose";
 * the object form `{ verbosity }` that vscode-languageclient also reads counts too). */
export function traceRequested(setting: unknown): boolean {
  const value =
    setting && typeof setting === "object" ? (setting as { verbosity?: unknown }).verbosity : setting;
  return value === "messages" || value === "verbose" || value === "compact";
}

export type ServerState = "starting" | "running" | "stopped" | "error";

/** Status bar text and tooltip for a server state. */
export function statusText(state: ServerState, detail?: string): { text: string; tooltip: string } {
  switch (state) {
    case "starting":
      return { text: "$(sync~spin) backend-architect", tooltip: "backend-architect: starting" };
    case "running":
      return { text: "$(shield) backend-architect", tooltip: `backend-architect: running${detail ? ` (${detail})` : ""}` };
    case "stopped":
      return { text: "$(circle-slash) backend-architect", tooltip: "backend-architect: stopped" };
    case "error":
      return { text: "$(error) backend-architect", tooltip: `backend-architect: ${detail ?? "error"}` };
  }
}

export interface CheckFinding {
  code: string;
  message: string;
  path: string;
  start: { line: number; column: number };
}

/** Groups `check --format json` output by file, for the Scan Workspace command. */
export function summariseCheck(json: string): { total: number; byFile: Map<string, CheckFinding[]> } {
  const findings = JSON.parse(json) as CheckFinding[];
  const byFile = new Map<string, CheckFinding[]>();
  for (const f of findings) {
    const list = byFile.get(f.path) ?? [];
    list.push(f);
    byFile.set(f.path, list);
  }
  return { total: findings.length, byFile };
}
