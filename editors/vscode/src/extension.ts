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

import {
  languageIds,
  MANIFEST_PATTERN,
  resolveServer,
  REVIEW_COMMAND,
  ServerState,
  serverSettings,
  statusText,
  summariseCheck,
  whichOnPath,
} from "./server";

const FIX_ALL = "source.fixAll.backend-architect";
const SECTION = "backendArchitect";

let client: LanguageClient | undefined;
let output: vscode.LogOutputChannel;
let status: vscode.StatusBarItem;
let serverPath: string | undefined;

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

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  output = vscode.window.createOutputChannel("backend-architect", { log: true });
  status = vscode.window.createStatusBarItem(vscode.StatusBarAlignment.Right, 100);
  status.command = "backendArchitect.showOutput";
  context.subscriptions.push(output, status);

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
    vscode.workspace.onWillSaveTextDocument((event) => {
      if (!client || !vscode.workspace.getConfiguration(SECTION, event.document).get<boolean>("fixOnSave")) return;
      event.waitUntil(fixAll(event.document));
    }),
    vscode.workspace.onDidChangeConfiguration(async (event) => {
      if (!event.affectsConfiguration(SECTION)) return;
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
