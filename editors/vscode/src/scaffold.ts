// Scaffolding commands: the server's `backend-architect.scaffold.<name>` commands, offered in the
// palette as `backendArchitect.generate.<name>`. Pure logic (no `vscode` import), unit-tested.

export type Scope = "cursor" | "project";

export interface Generator {
  name: string;
  title: string;
  scope: Scope;
}

/** Every server generator; `cursor` ones work on the code under the cursor. */
export const GENERATORS: readonly Generator[] = [
  { name: "healthCheck", title: "Generate: Health Check Endpoint (on the app object)", scope: "cursor" },
  { name: "cors", title: "Generate: CORS From the Environment (on the app object)", scope: "cursor" },
  { name: "securityHeaders", title: "Generate: Security Headers (on the app object)", scope: "cursor" },
  { name: "requestId", title: "Generate: Request-ID and Logging Middleware (on the app object)", scope: "cursor" },
  { name: "errorHandler", title: "Generate: Global Error Handler (on the app object)", scope: "cursor" },
  { name: "metrics", title: "Generate: Prometheus Metrics, /metrics and Alerting Rules (on the app object)", scope: "cursor" },
  { name: "tracing", title: "Generate: OpenTelemetry Tracing From the Environment (on the app object)", scope: "cursor" },
  { name: "loadTest", title: "Generate: Load Test of the App's Routes (on the app object)", scope: "cursor" },
  { name: "websocket", title: "Generate: Authenticated WebSocket Endpoint and Its Test (on the app object)", scope: "cursor" },
  { name: "test", title: "Generate: Test for This Route", scope: "cursor" },
  { name: "auth", title: "Generate: Authentication Its Sibling Routes Use", scope: "cursor" },
  { name: "pagination", title: "Generate: Limit/Offset Pagination for This Route", scope: "cursor" },
  { name: "responseModel", title: "Generate: response_model for This Route", scope: "cursor" },
  { name: "loadTestRoute", title: "Generate: Load Test of This Route", scope: "cursor" },
  { name: "cache", title: "Generate: Redis Cache for This Read Route", scope: "cursor" },
  { name: "crud", title: "Generate: CRUD Router for This Model", scope: "cursor" },
  { name: "schemas", title: "Generate: Pydantic Schemas for This Model", scope: "cursor" },
  { name: "graphqlResolver", title: "Generate: GraphQL Type, Resolvers and Test for This Model", scope: "cursor" },
  { name: "dockerfile", title: "Generate: Dockerfile", scope: "project" },
  { name: "compose", title: "Generate: docker-compose.yml", scope: "project" },
  { name: "kubernetes", title: "Generate: Kubernetes Deployment and Service", scope: "project" },
  { name: "githubActions", title: "Generate: GitHub Actions Workflow", scope: "project" },
  { name: "envExample", title: "Generate: .env.example", scope: "project" },
  { name: "migrations", title: "Generate: Alembic Migrations", scope: "project" },
];

export const SERVER_PREFIX = "backend-architect.scaffold.";
export const EXTENSION_PREFIX = "backendArchitect.generate.";

export interface Cursor {
  uri: string;
  line: number;
  character: number;
}

/** The `workspace/executeCommand` request for a generator, or why it cannot be sent. */
export function executeParams(
  g: Generator,
  cursor: Cursor | undefined,
  folder: string | undefined,
): { command: string; arguments: unknown[] } | { error: string } {
  const command = SERVER_PREFIX + g.name;
  if (g.scope === "cursor") {
    if (!cursor) return { error: `Open the file and put the cursor on the code first (${g.title}).` };
    return { command, arguments: [{ uri: cursor.uri, position: { line: cursor.line, character: cursor.character } }] };
  }
  const uri = folder ?? cursor?.uri;
  if (!uri) return { error: "Open a folder (or a file of the project) first." };
  return { command, arguments: [{ uri }] };
}

export interface CommandResult {
  applied?: boolean;
  files?: string[];
  edited?: string[];
  preview?: string;
}

/** What to tell the user about a command's result. */
export function describeResult(result: CommandResult | null | undefined): { message: string; preview?: string } {
  const files = result?.files ?? [];
  const edited = result?.edited ?? [];
  if (result?.applied) {
    const parts = [];
    if (files.length) parts.push(`created ${files.join(", ")}`);
    if (edited.length) parts.push(`edited ${edited.join(", ")}`);
    return { message: `backend-architect: ${parts.join("; ") || "nothing to change"}` };
  }
  if (result?.preview) {
    return { message: "backend-architect: nothing was written; the generated content is shown instead.", preview: result.preview };
  }
  return { message: "backend-architect: the editor did not apply the change." };
}
