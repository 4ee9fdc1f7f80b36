/**
 * The Praxis language server's life in this window: finding `praxis`, starting `praxis lsp`
 * through vscode-languageclient, restarting it, and passing settings and status along.
 */

import * as os from 'node:os';
import * as vscode from 'vscode';
import {
    DidChangeConfigurationNotification,
    LanguageClient,
    State,
    TransportKind,
    type LanguageClientOptions,
    type ServerOptions,
} from 'vscode-languageclient/node';

import { checkDescription, needsDescription, withDescription } from './draft';
import { EXTENSION_ID, NOT_FOUND_MESSAGE, locatePraxis } from './executable';
import { serverSettings, settingsUpdate, type PraxisConfiguration } from './settings';
import { parseStatus, startingView, statusView, stoppedView, type PraxisStatus } from './status';
import type { StatusBar } from './statusBar';

/** The settings whose change is sent to the running server; `praxis.path` restarts it instead. */
const SERVER_SETTINGS = ['praxis.practices', 'praxis.server', 'praxis.space', 'praxis.stats', 'praxis.scope'];

export class PraxisServer {
    private client: LanguageClient | undefined;
    /** Listeners tied to the current client, dropped before it is stopped on purpose. */
    private clientListeners: vscode.Disposable[] = [];
    /** Starts and stops run one after another, so that a restart never overlaps a start. */
    private queue: Promise<void> = Promise.resolve();

    constructor(
        private readonly output: vscode.OutputChannel,
        private readonly statusBar: StatusBar,
    ) {}

    /** The client, when the server is running; commands that need it say so otherwise. */
    get running(): LanguageClient | undefined {
        return this.client?.isRunning() ? this.client : undefined;
    }

    start(): Promise<void> {
        return this.enqueue(() => this.startNow());
    }

    restart(): Promise<void> {
        return this.enqueue(async () => {
            await this.stopNow();
            await this.startNow();
        });
    }

    stop(): Promise<void> {
        return this.enqueue(() => this.stopNow());
    }

    /** Sends the settings again after the user changed some; a changed path restarts the server. */
    onConfigurationChanged(event: vscode.ConfigurationChangeEvent): void {
        if (event.affectsConfiguration('praxis.path')) {
            void this.restart();
        } else if (SERVER_SETTINGS.some((section) => event.affectsConfiguration(section))) {
            const client = this.running;
            if (client !== undefined) {
                const settings = { praxis: settingsUpdate(readConfiguration()) };
                client.sendNotification(DidChangeConfigurationNotification.type, { settings }).catch((error: unknown) => {
                    this.output.appendLine(`Sending the changed settings failed: ${describe(error)}`);
                });
            }
        }
    }

    /** Shows a status the server answered with (`praxis.sync` returns one). */
    showStatus(status: PraxisStatus): void {
        this.statusBar.show(statusView(status));
    }

    private enqueue(work: () => Promise<void>): Promise<void> {
        this.queue = this.queue.then(work, work);
        return this.queue;
    }

    private async startNow(): Promise<void> {
        const setting = vscode.workspace.getConfiguration('praxis').get<string>('path', '');
        const located = locatePraxis(setting, { env: process.env, platform: process.platform, home: os.homedir() });
        if (located.kind !== 'found') {
            const reason =
                located.kind === 'bad-setting'
                    ? `praxis.path is set to ${located.path}, which is not the absolute path of an executable file.`
                    : NOT_FOUND_MESSAGE;
            this.output.appendLine(reason);
            this.statusBar.show(stoppedView(reason));
            void offerHelp(reason, located.kind === 'bad-setting');
            return;
        }
        this.output.appendLine(`Starting ${located.path} lsp`);
        this.statusBar.show(startingView());
        // vscode-languageclient adds `--stdio` for this transport; `praxis lsp` accepts it.
        const serverOptions: ServerOptions = { command: located.path, args: ['lsp'], transport: TransportKind.stdio };
        const clientOptions: LanguageClientOptions = {
            // Every file: the server knows which languages it checks and ignores the rest, so the
            // list lives in one place (`praxis languages`) and a language it learns needs no
            // release of this extension. Practice files (YAML) are among those it checks.
            documentSelector: [{ scheme: 'file' }, { scheme: 'untitled' }],
            outputChannel: this.output,
            // Read when the server starts, so that a change made meanwhile is not lost.
            initializationOptions: () => serverSettings(readConfiguration()),
            middleware: { executeCommand: draftMiddleware },
        };
        // The id `praxis` is what makes the client honour the `praxis.trace.server` setting.
        const client = new LanguageClient('praxis', 'Praxis', serverOptions, clientOptions);
        this.clientListeners = [
            client.onNotification('praxis/status', (payload: unknown) => {
                const status = parseStatus(payload);
                if (status === undefined) {
                    this.output.appendLine(`Ignoring a praxis/status this version cannot read: ${JSON.stringify(payload)}`);
                } else {
                    this.showStatus(status);
                }
            }),
            // Stopping on purpose drops this listener first: only a server that gave up lands here.
            client.onDidChangeState((change) => {
                if (change.newState === State.Stopped) {
                    this.statusBar.show(stoppedView('the language server stopped; the output says why.'));
                }
            }),
        ];
        this.client = client;
        try {
            await client.start();
        } catch (error) {
            // The client has logged the failure to the output and shown it.
            this.statusBar.show(stoppedView(`the language server did not start: ${describe(error)}`));
        }
    }

    private async stopNow(): Promise<void> {
        const client = this.client;
        this.client = undefined;
        for (const listener of this.clientListeners) {
            listener.dispose();
        }
        this.clientListeners = [];
        // A client that never started, or whose server gave up, has no server left to stop.
        if (client === undefined || !client.isRunning()) {
            return;
        }
        try {
            // Sends `shutdown` and `exit`, and drops the client's commands and providers.
            await client.dispose();
        } catch (error) {
            this.output.appendLine(`Stopping the language server failed: ${describe(error)}`);
        }
    }
}

/**
 * The server's "Draft practice from selection with AI" action runs `praxis.draftPractice`
 * without a description (LSP has no way to ask for text): ask for it here, then run the command
 * with it. Escape cancels the draft. Every other command passes through untouched.
 */
async function draftMiddleware(
    command: string,
    args: unknown[],
    next: (command: string, args: unknown[]) => unknown,
): Promise<unknown> {
    const asking = needsDescription(command, args);
    if (asking === undefined) {
        return next(command, args);
    }
    const description = await vscode.window.showInputBox({
        title: 'Draft Practice from Selection with AI',
        prompt: 'What is wrong with the selected code, and what to do instead? Only this and the selection are sent.',
        placeHolder: 'Do not print in billing code; log through log.info so the output keeps its level',
        ignoreFocusOut: true,
        validateInput: checkDescription,
    });
    if (description === undefined) {
        return undefined;
    }
    return next(command, withDescription(asking, description));
}

/** The settings the server reads, from the window's configuration. */
function readConfiguration(): PraxisConfiguration {
    const configuration = vscode.workspace.getConfiguration('praxis');
    return {
        practices: configuration.get('practices'),
        server: configuration.get('server'),
        space: configuration.get('space'),
        stats: configuration.get('stats'),
        scope: configuration.get('scope'),
    };
}

/** Says that Praxis cannot start, with the way out: the install docs, or the setting at fault. */
async function offerHelp(reason: string, badSetting: boolean): Promise<void> {
    const install = 'Install instructions';
    const settings = 'Open Settings';
    const choice = await vscode.window.showErrorMessage(reason, ...(badSetting ? [settings, install] : [install]));
    if (choice === install) {
        await vscode.commands.executeCommand('extension.open', EXTENSION_ID);
    } else if (choice === settings) {
        await vscode.commands.executeCommand('workbench.action.openSettings', 'praxis.path');
    }
}

/** A thrown value as a sentence for the user. */
export function describe(error: unknown): string {
    return error instanceof Error ? error.message : String(error);
}
