import * as cp from "node:child_process";
import * as fs from "node:fs";
import * as vscode from "vscode";
import {
  LanguageClient,
  LanguageClientOptions,
  ServerOptions,
  State,
  TransportKind,
} from "vscode-languageclient/node";

import { CommandResult, describeResult, executeParams, EXTENSION_PREFIX, Generator, GENERATORS } from "./scaffold";
import {
  languageIds,
  MANIFEST_PATTERN,
  resolveServer,
  REVIEW_COMMAND,
  mapParams,
  MapResult,
  ServerState,
  serverSettings,
  statusText,
  summariseCheck,
  traceRequested,
  whichOnPath,
} from "./server";

const FIX_ALL = "source.fixAll.backend-architect";
const SECTION = "backendArchitect";

let client: LanguageClient | undefined;
let output: vscode.LogOutputChannel;
let traceOutput: TraceChannel;
let status: vscode.StatusBarItem;
let serverPath: string | undefined;

/**
 * The "backend-architect Trace" output channel. vscode-languageclient 9+ traces only while its
 * trace channel's log level is Trace, and a log channel starts at Info, so
 * `backendArchitect.trace.server: "verbose"` alone wrote nothing. This channel reports the level
 * from the setting instead (Trace while it is "messages" or "verbose", Off otherwise), tells the
 * client when the setting changes, and writes the trace as plain lines.
 */
class TraceChannel implements vscode.LogOutputChannel {
  private readonly channel = vscode.window.createOutputChannel("backend-architect Trace");
  private readonly levelChanged = new vscode.EventEmitter<vscode.LogLevel>();
  private level = TraceChannel.fromSettings();
  readonly name = this.channel.name;
  readonly onDidChangeLogLevel = this.levelChanged.event;

  private static fromSettings(): vscode.LogLevel {
    const setting = vscode.workspace.getConfiguration(SECTION).get("trace.server");
    return traceRequested(setting) ? vscode.LogLevel.Trace : vscode.LogLevel.Off;
  }

  get logLevel(): vscode.LogLevel {
    return this.level;
  }

  /** Re-reads `trace.server`; the running client starts or stops tracing on the event. */
  refresh(): void {
    const level = TraceChannel.fromSettings();
    if (level === this.level) return;
    this.level = level;
    this.levelChanged.fire(level);
  }

  private write(level: string, message: string | Error): void {
    const text = message instanceof Error ? (message.stack ?? message.message) : message;
    this.channel.appendLine(`${new Date().toISOString()} [${level}] ${text}`);
  }
  trace(message: string): void {
    this.write("trace", message);
  }
  debug(message: string): void {
    this.write("debug", message);
  }
  info(message: string): void {
    this.write("info", message);
  }
  warn(message: string): void {
    this.write("warning", message);
  }
  error(error: string | Error): void {
    this.write("error", error);
  }
  append(value: string): void {
    this.channel.append(value);
  }
  appendLine(value: string): void {
    this.channel.appendLine(value);
  }
  replace(value: string): void {
    this.channel.replace(value);
  }
  clear(): void {
    this.channel.clear();
  }
  show(columnOrPreserveFocus?: vscode.ViewColumn | boolean, preserveFocus?: boolean): void {
    if (typeof columnOrPreserveFocus === "boolean") this.channel.show(columnOrPreserveFocus);
    else this.channel.show(preserveFocus);
  }
  hide(): void {
    this.channel.hide();
  }
  dispose(): void {
    this.levelChanged.dispose();
    this.channel.dispose();
  }
}

function setStatus(state: ServerState, detail?: string): void {
  const { text, tooltip } = statusText(state, detail);
  status.text = text;
  status.tooltip = tooltip;
  status.show();
}

function settings(): ReturnType<typeof serverSettings> {
  const config = vscode.workspace.getConfiguration(SECTION);
  return serverSettings((key) => config.get(key));
}

async function start(context: vscode.ExtensionContext): Promise<void> {
  const config = vscode.workspace.getConfiguration(SECTION);
  const resolution = resolveServer(config.get<string>("path"), {
    platform: process.platform,
    arch: process.arch,
    extensionPath: context.extensionPath,
    exists: (f) => fs.existsSync(f),
    which: (name) => whichOnPath(name, process.env.PATH, (f) => fs.existsSync(f)),
  });
  if ("error" in resolution) {
    serverPath = undefined;
    setStatus("error", "server not found");
    output.appendLine(resolution.error);
    void vscode.window.showErrorMessage(resolution.error, "Open Settings").then((choice) => {
      if (choice) void vscode.commands.executeCommand("workbench.action.openSettings", `${SECTION}.path`);
    });
    return;
  }
  serverPath = resolution.path;
  output.appendLine(`Using ${resolution.path} (from ${resolution.source})`);
  const serverOptions: ServerOptions = {
    run: { command: resolution.path, args: ["lsp"], transport: TransportKind.stdio },
    debug: {
      command: resolution.path,
      args: ["lsp"],
      transport: TransportKind.stdio,
      options: { env: { ...process.env, BACKEND_ARCHITECT_LOG: "debug" } },
    },
  };
  const clientOptions: LanguageClientOptions = {
    documentSelector: [
      ...languageIds(config.get("languages")).map((language) => ({ language })),
      // Dependency manifests, checked only when `dependencies.osv` is on.
      { scheme: "file", pattern: MANIFEST_PATTERN },
    ],
    outputChannel: output,
    traceOutputChannel: traceOutput,
    initializationOptions: settings(),
    synchronize: {
      fileEvents: vscode.workspace.createFileSystemWatcher("**/{backend-architect.toml,pyproject.toml}"),
    },
    middleware: {
      workspace: {
        // Answer workspace/configuration with the server's key names.
        configuration: (params) => params.items.map((item) => (item.section === SECTION ? settings() : null)),
      },
    },
  };
  client = new LanguageClient("backendArchitect", "backend-architect", serverOptions, clientOptions);
  client.onDidChangeState((e) => {
    if (e.newState === State.Running) setStatus("running", serverPath);
    else if (e.newState === State.Starting) setStatus("starting");
    else setStatus("stopped");
  });
  setStatus("starting");
  try {
    await client.start();
  } catch (err) {
    setStatus("error", String(err));
    output.appendLine(`The server failed to start: ${String(err)}`);
  }
}

async function stop(): Promise<void> {
  const running = client;
  client = undefined;
  if (running) await running.stop();
}

async function fixAll(document: vscode.TextDocument): Promise<vscode.TextEdit[]> {
  const range = new vscode.Range(0, 0, 0, 0);
  const actions =
    (await vscode.commands.executeCommand<vscode.CodeAction[]>(
      "vscode.executeCodeActionProvider",
      document.uri,
      range,
      FIX_ALL,
    )) ?? [];
  const edits: vscode.TextEdit[] = [];
  for (const action of actions) {
    if (action.kind?.value !== FIX_ALL || !action.edit) continue;
    for (const [uri, textEdits] of action.edit.entries()) {
      if (uri.toString() === document.uri.toString()) edits.push(...textEdits);
    }
  }
  return edits;
}

async function scanWorkspace(): Promise<void> {
  const folder = vscode.workspace.workspaceFolders?.[0];
  if (!folder || !serverPath) {
    void vscode.window.showWarningMessage("backend-architect: open a folder and make sure the server is found first.");
    return;
  }
  const bin = serverPath;
  await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: "backend-architect: scanning the workspace" },
    () =>
      new Promise<void>((resolve) => {
        cp.execFile(
          bin,
          ["check", "--format", "json", "--exit-zero", "."],
          { cwd: folder.uri.fsPath, maxBuffer: 64 * 1024 * 1024 },
          (err, stdout, stderr) => {
            if (err) {
              output.appendLine(`check failed: ${stderr || String(err)}`);
              void vscode.window.showErrorMessage("backend-architect: the workspace scan failed; see the output.");
              return resolve();
            }
            const { total, byFile } = summariseCheck(stdout);
            output.appendLine(`Workspace scan: ${total} findings in ${byFile.size} files`);
            for (const [file, findings] of byFile) {
              for (const f of findings) output.appendLine(`${file}:${f.start.line}:${f.start.column}: ${f.code} ${f.message}`);
            }
            if (stderr.trim()) output.appendLine(stderr.trim());
            output.show(true);
            resolve();
          },
        );
      }),
  );
}

async function reviewFile(): Promise<void> {
  const editor = vscode.window.activeTextEditor;
  if (!editor || !client) {
    void vscode.window.showWarningMessage("backend-architect: open a Python or JavaScript file to review it.");
    return;
  }
  // The server reports progress, shows errors and opens the review itself.
  await client.sendRequest("workspace/executeCommand", {
    command: REVIEW_COMMAND,
    arguments: [{ uri: editor.document.uri.toString() }],
  });
}

let mapPanel: vscode.WebviewPanel | undefined;

/** The architecture map in a webview: the server renders the page (the map drawn as an SVG
 * graph, summary, the open files' findings); it loads nothing (its Content Security Policy
 * forbids it). */
async function showMap(focus?: string): Promise<void> {
  if (!client) {
    void vscode.window.showWarningMessage("backend-architect: the server is not running.");
    return;
  }
  let result: MapResult | null;
  try {
    result = await client.sendRequest<MapResult | null>("workspace/executeCommand", mapParams(focus));
  } catch (err) {
    output.appendLine(`map: ${err instanceof Error ? err.message : String(err)}`);
    void vscode.window.showErrorMessage("backend-architect: the map could not be drawn (see the output).");
    return;
  }
  if (!result) return;
  if (!mapPanel) {
    mapPanel = vscode.window.createWebviewPanel("backendArchitect.map", "Architecture Map", vscode.ViewColumn.Beside, {
      enableScripts: true,
      enableFindWidget: true,
    });
    mapPanel.onDidDispose(() => (mapPanel = undefined));
  }
  mapPanel.webview.html = result.content;
  mapPanel.reveal(undefined, true);
}

async function explainRule(): Promise<void> {
  if (!serverPath) return;
  const bin = serverPath;
  const list = await new Promise<{ code: string; name: string; summary: string }[]>((resolve) =>
    cp.execFile(bin, ["rules", "--format", "json"], (err, stdout) => resolve(err ? [] : JSON.parse(stdout))),
  );
  const pick = await vscode.window.showQuickPick(
    list.map((r) => ({ label: r.code, description: r.name, detail: r.summary })),
    { placeHolder: "Rule to explain" },
  );
  if (!pick) return;
  const markdown = await new Promise<string>((resolve) =>
    cp.execFile(bin, ["explain", pick.label], (err, stdout) => resolve(err ? String(err) : stdout)),
  );
  const doc = await vscode.workspace.openTextDocument({ language: "markdown", content: markdown });
  await vscode.commands.executeCommand("markdown.showPreview", doc.uri);
}

/** Runs a server generator with the active editor's cursor or the workspace folder. */
async function generate(g: Generator): Promise<void> {
  if (!client) {
    void vscode.window.showWarningMessage("backend-architect: the server is not running.");
    return;
  }
  const editor = vscode.window.activeTextEditor;
  const cursor = editor && {
    uri: editor.document.uri.toString(),
    line: editor.selection.active.line,
    character: editor.selection.active.character,
  };
  const folder = editor
    ? vscode.workspace.getWorkspaceFolder(editor.document.uri)?.uri.toString()
    : vscode.workspace.workspaceFolders?.[0]?.uri.toString();
  const params = executeParams(g, cursor, g.scope === "project" ? folder : undefined);
  if ("error" in params) {
    void vscode.window.showWarningMessage(`backend-architect: ${params.error}`);
    return;
  }
  try {
    // The server applies the change itself through workspace/applyEdit.
    const result = await client.sendRequest<CommandResult | null>("workspace/executeCommand", params);
    const { message, preview } = describeResult(result);
    if (preview !== undefined) {
      const doc = await vscode.workspace.openTextDocument({ content: preview });
      await vscode.window.showTextDocument(doc, { preview: true });
    }
    void vscode.window.showInformationMessage(message);
  } catch (err) {
    // The server explains what is missing (and shows it too); keep it in the output.
    output.appendLine(`${g.name}: ${err instanceof Error ? err.message : String(err)}`);
  }
}

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  output = vscode.window.createOutputChannel("backend-architect", { log: true });
  traceOutput = new TraceChannel();
  status = vscode.window.createStatusBarItem(vscode.StatusBarAlignment.Right, 100);
  status.command = "backendArchitect.showOutput";
  context.subscriptions.push(output, traceOutput, status);

  context.subscriptions.push(
    vscode.commands.registerCommand("backendArchitect.restart", async () => {
      await stop();
      await start(context);
    }),
    vscode.commands.registerCommand("backendArchitect.showOutput", () => output.show()),
    vscode.commands.registerCommand("backendArchitect.fixAll", async () => {
      const editor = vscode.window.activeTextEditor;
      if (!editor) return;
      const edits = await fixAll(editor.document);
      const edit = new vscode.WorkspaceEdit();
      edit.set(editor.document.uri, edits);
      await vscode.workspace.applyEdit(edit);
    }),
    vscode.commands.registerCommand("backendArchitect.scanWorkspace", scanWorkspace),
    vscode.commands.registerCommand("backendArchitect.explainRule", explainRule),
    vscode.commands.registerCommand("backendArchitect.reviewFile", reviewFile),
    vscode.commands.registerCommand("backendArchitect.showMap", (focus?: string) =>
      showMap(typeof focus === "string" ? focus : undefined),
    ),
    ...GENERATORS.map((g) => vscode.commands.registerCommand(EXTENSION_PREFIX + g.name, () => generate(g))),
    vscode.workspace.onWillSaveTextDocument((event) => {
      if (!client || !vscode.workspace.getConfiguration(SECTION, event.document).get<boolean>("fixOnSave")) return;
      event.waitUntil(fixAll(event.document));
    }),
    vscode.workspace.onDidChangeConfiguration(async (event) => {
      if (!event.affectsConfiguration(SECTION)) return;
      if (event.affectsConfiguration(`${SECTION}.trace.server`)) traceOutput.refresh();
      if (event.affectsConfiguration(`${SECTION}.path`) || event.affectsConfiguration(`${SECTION}.languages`)) {
        await stop();
        await start(context);
      } else if (client) {
        // The server re-reads its settings through workspace/configuration.
        await client.sendNotification("workspace/didChangeConfiguration", { settings: null });
      }
    }),
  );
  await start(context);
}

export async function deactivate(): Promise<void> {
  await stop();
}
