/**
 * The Praxis status bar item: shows a {@link StatusView}; a click opens the output.
 */

import * as vscode from 'vscode';

import { COMMAND_SHOW_OUTPUT } from './commandIds';
import { startingView, type StatusView } from './status';

export class StatusBar implements vscode.Disposable {
    private readonly item: vscode.StatusBarItem;

    constructor() {
        this.item = vscode.window.createStatusBarItem('praxis.status', vscode.StatusBarAlignment.Right, 100);
        this.item.name = 'Praxis';
        this.item.command = COMMAND_SHOW_OUTPUT;
        this.show(startingView());
        this.item.show();
    }

    show(view: StatusView): void {
        this.item.text = view.text;
        this.item.tooltip = view.tooltip;
        this.item.backgroundColor =
            view.severity === undefined ? undefined : new vscode.ThemeColor(`statusBarItem.${view.severity}Background`);
    }

    dispose(): void {
        this.item.dispose();
    }
}
