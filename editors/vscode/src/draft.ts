/**
 * Drafting a practice with AI from the editor: the language server's code action runs
 * `praxis.draftPractice` with `{uri, range, kind}`; the language client's middleware
 * ({@link draftMiddleware} in server.ts) asks for the description first, here is what decides
 * when to ask and what to send. No `vscode` import: unit-tested in test/draft.test.ts.
 */

import { SERVER_DRAFT_PRACTICE } from './commandIds';

/** The longest description sent: the server's bound on description and snippets is 64 KiB. */
export const MAX_DESCRIPTION = 4000;

/** The arguments of `praxis.draftPractice` when they ask for a description: `undefined` otherwise. */
export function needsDescription(command: string, args: readonly unknown[]): Record<string, unknown> | undefined {
    if (command !== SERVER_DRAFT_PRACTICE || args.length !== 1) {
        return undefined;
    }
    const first = args[0];
    if (typeof first !== 'object' || first === null || Array.isArray(first)) {
        return undefined;
    }
    const described = (first as Record<string, unknown>).describe;
    if (typeof described === 'string' && described.trim() !== '') {
        return undefined;
    }
    return first as Record<string, unknown>;
}

/** The arguments with the description the user typed. */
export function withDescription(args: Record<string, unknown>, description: string): unknown[] {
    return [{ ...args, describe: description.trim() }];
}

/** What is wrong with a description as typed, for the input box; `undefined` when it will do. */
export function checkDescription(value: string): string | undefined {
    const text = value.trim();
    if (text === '') {
        return 'Say what is wrong with the selected code, and what to do instead';
    }
    if (text.length > MAX_DESCRIPTION) {
        return `At most ${MAX_DESCRIPTION} characters`;
    }
    return undefined;
}
