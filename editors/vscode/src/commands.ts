/**
 * The extension's commands. Those that need the server run its commands through
 * `workspace/executeCommand` on the running client.
 */

import * as vscode from 'vscode';
import { ExecuteCommandRequest, type LanguageClient } from 'vscode-languageclient/node';

import {
    COMMAND_CHECK_WORKSPACE_NOW,
    COMMAND_CREATE_PRACTICE_FROM_SELECTION,
    COMMAND_RESTART_SERVER,
    COMMAND_SHOW_OUTPUT,
    COMMAND_SYNC_NOW,
    SERVER_CHECK_WORKSPACE,
    SERVER_CREATE_PRACTICE,
    SERVER_SYNC,
} from './commandIds';
import { describe, type PraxisServer } from './server';
import { parseStatus, syncSummary } from './status';

/** How long the answer to Sync Now stays in the status bar. */
const SYNC_MESSAGE_MS = 5000;

export function registerCommands(server: PraxisServer, output: vscode.OutputChannel): vscode.Disposable[] {
    return [
        vscode.commands.registerCommand(COMMAND_CREATE_PRACTICE_FROM_SELECTION, () =>
            createPracticeFromSelection(server, output),
        ),
        vscode.commands.registerCommand(COMMAND_SYNC_NOW, () => syncNow(server, output)),
        vscode.commands.registerCommand(COMMAND_CHECK_WORKSPACE_NOW, () => checkWorkspace(server, output)),
        vscode.commands.registerCommand(COMMAND_SHOW_OUTPUT, () => output.show(true)),
        vscode.commands.registerCommand(COMMAND_RESTART_SERVER, () => server.restart()),
    ];
}

type ExampleKind = 'bad' | 'good';

interface ExamplePick extends vscode.QuickPickItem {
    example: ExampleKind;
}

const EXAMPLE_PICKS: ExamplePick[] = [
    { label: 'Bad example — code the practice flags', example: 'bad' },
    { label: 'Good example — code the practice allows', example: 'good' },
];

/**
 * Asks whether the selection is a bad or a good example and, optionally, the practice's name;
 * the server writes the practice, opens it and reloads.
 */
async function createPracticeFromSelection(server: PraxisServer, output: vscode.OutputChannel): Promise<void> {
    const editor = vscode.window.activeTextEditor;
    if (editor === undefined || editor.selection.isEmpty) {
        void vscode.window.showInformationMessage('Praxis: select the code to make a practice from, then run this again.');
        return;
    }
    // Taken now: the pickers below move the focus away from the editor.
    const { document, selection } = editor;
    const client = runningClient(server, output);
    if (client === undefined) {
        return;
    }
    const title = 'Create Practice from Selection';
    const pick = await vscode.window.showQuickPick(EXAMPLE_PICKS, {
        title,
        placeHolder: 'What is the selected code?',
    });
    if (pick === undefined) {
        return;
    }
    const name = await vscode.window.showInputBox({
        title,
        prompt: 'Name of the practice (optional)',
        placeHolder: 'Leave empty for a name drawn from the code',
        validateInput: (value) =>
            value !== '' && value.trim() === '' ? 'Type a name, or leave it empty for one drawn from the code' : undefined,
    });
    if (name === undefined) {
        return;
    }
    const converter = client.code2ProtocolConverter;
    const args = {
        uri: converter.asUri(document.uri),
        range: converter.asRange(selection),
        kind: pick.example,
        ...(name.trim() === '' ? {} : { name: name.trim() }),
    };
    try {
        const created: unknown = await client.sendRequest(ExecuteCommandRequest.type, {
            command: SERVER_CREATE_PRACTICE,
            arguments: [args],
        });
        const id = typeof created === 'object' && created !== null ? (created as { id?: unknown }).id : undefined;
        void vscode.window.showInformationMessage(
            typeof id === 'string' ? `Praxis: created the practice ${id}.` : 'Praxis: created the practice.',
        );
    } catch (error) {
        void vscode.window.showErrorMessage(`Praxis could not create the practice: ${describe(error)}`);
    }
}

/** Pulls the followed spaces now; the outcome reaches the status bar when the pull ends. */
async function syncNow(server: PraxisServer, output: vscode.OutputChannel): Promise<void> {
    const client = runningClient(server, output);
    if (client === undefined) {
        return;
    }
    try {
        const answer: unknown = await client.sendRequest(ExecuteCommandRequest.type, { command: SERVER_SYNC, arguments: [] });
        const status = parseStatus(answer);
        if (status !== undefined) {
            server.showStatus(status);
            vscode.window.setStatusBarMessage(syncSummary(status), SYNC_MESSAGE_MS);
        }
    } catch (error) {
        void vscode.window.showErrorMessage(`Praxis could not sync: ${describe(error)}`);
    }
}

/** Checks every file of the workspace; the server shows its progress and the findings. */
async function checkWorkspace(server: PraxisServer, output: vscode.OutputChannel): Promise<void> {
    const client = runningClient(server, output);
    if (client === undefined) {
        return;
    }
    try {
        await client.sendRequest(ExecuteCommandRequest.type, { command: SERVER_CHECK_WORKSPACE, arguments: [] });
    } catch (error) {
        void vscode.window.showErrorMessage(`Praxis could not check the workspace: ${describe(error)}`);
    }
}

/** The running client, or `undefined` after telling the user that the server is not running. */
function runningClient(server: PraxisServer, output: vscode.OutputChannel): LanguageClient | undefined {
    const client = server.running;
    if (client === undefined) {
        const showOutput = 'Show Output';
        void vscode.window
            .showWarningMessage('Praxis: the language server is not running.', showOutput, 'Restart Server')
            .then((choice) => {
                if (choice === showOutput) {
                    output.show(true);
                } else if (choice !== undefined) {
                    void server.restart();
                }
            });
    }
    return client;
}
