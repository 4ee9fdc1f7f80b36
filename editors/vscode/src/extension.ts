/**
 * The Praxis extension: runs `praxis lsp` for the window, with a status bar item, commands, and
 * the settings passed to the server.
 */

import * as vscode from 'vscode';

import { registerCommands } from './commands';
import { PraxisServer } from './server';
import { StatusBar } from './statusBar';

let server: PraxisServer | undefined;

export async function activate(context: vscode.ExtensionContext): Promise<void> {
    // One channel for the extension, the client and the server's stderr (and the trace).
    const output = vscode.window.createOutputChannel('Praxis');
    const statusBar = new StatusBar();
    server = new PraxisServer(output, statusBar);
    context.subscriptions.push(
        output,
        statusBar,
        ...registerCommands(server, output),
        vscode.workspace.onDidChangeConfiguration((event) => server?.onConfigurationChanged(event)),
        // Trust brings back the workspace's praxis.path and praxis.server, ignored until then.
        vscode.workspace.onDidGrantWorkspaceTrust(() => server?.restart()),
    );
    await server.start();
}

/** Waits for the server to shut down: it sends the usage counts it still holds on the way out. */
export async function deactivate(): Promise<void> {
    await server?.stop();
    server = undefined;
}
