/**
 * Command ids: the extension's own, contributed in package.json, and the language server's,
 * run through `workspace/executeCommand`.
 *
 * The server lists its commands in `executeCommandProvider`, and vscode-languageclient registers
 * a VS Code command under each of those ids; so the extension's own ids must never be one of
 * the server's, or registering them fails.
 */

export const COMMAND_CREATE_PRACTICE_FROM_SELECTION = 'praxis.createPracticeFromSelection';
export const COMMAND_SYNC_NOW = 'praxis.syncNow';
export const COMMAND_CHECK_WORKSPACE_NOW = 'praxis.checkWorkspaceNow';
export const COMMAND_SHOW_OUTPUT = 'praxis.showOutput';
export const COMMAND_RESTART_SERVER = 'praxis.restartServer';

/** `{uri, range, kind: "bad" | "good", id?, name?, publish?}` → `{path, id, offered}`. */
export const SERVER_CREATE_PRACTICE = 'praxis.createPractice';
/**
 * `{uri, range, kind: "bad", describe?}` → `{started}`: drafts a practice with AI from the
 * selection. The server's code action runs it without `describe`; the client's middleware asks
 * for one (see draft.ts).
 */
export const SERVER_DRAFT_PRACTICE = 'praxis.draftPractice';
/** Pulls every followed space now; answers the status at that moment. */
export const SERVER_SYNC = 'praxis.sync';
/** Checks every file of the workspace, reporting through `$/progress`. */
export const SERVER_CHECK_WORKSPACE = 'praxis.checkWorkspace';
