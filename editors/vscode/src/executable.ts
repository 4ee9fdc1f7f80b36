/**
 * Finding the `praxis` program: the `praxis.path` setting, else the first `praxis` on `PATH`.
 *
 * Kept free of the `vscode` module so that the tests run it under plain Node, against
 * folders they make.
 */

import * as fs from 'node:fs';
import * as path from 'node:path';

/**
 * The extension's own page (its README, which says how to install Praxis), opened with VS Code's
 * `extension.open` command: it ships with the extension, so it is there offline and always
 * matches this version.
 */
export const EXTENSION_ID = 'praxis.praxis';

/** What to tell a user who has no `praxis`. */
export const NOT_FOUND_MESSAGE =
    'Praxis was not found. Install it with `cargo install --locked --path lsp` from a Praxis checkout, or set praxis.path.';

/** The outcome of looking for `praxis`. */
export type Located =
    | { kind: 'found'; path: string }
    /** `praxis.path` is not an absolute path to an executable file: said as such, not searched past. */
    | { kind: 'bad-setting'; path: string }
    | { kind: 'not-found' };

/** What the search depends on, passed in so that tests can stand in for another machine. */
export interface SearchContext {
    env: NodeJS.ProcessEnv;
    platform: NodeJS.Platform;
    home: string;
}

/**
 * Looks for `praxis`: `setting` (the `praxis.path` setting) when it is not blank, with a
 * leading `~` taken as the home folder; else the first `praxis` on `PATH`.
 */
export function locatePraxis(setting: string, context: SearchContext): Located {
    const configured = setting.trim();
    if (configured !== '') {
        const expanded = expandHome(configured, context.home, context.platform);
        // A relative path would depend on the folder VS Code happened to start in.
        const found = path.isAbsolute(expanded)
            ? firstExecutable(candidates(expanded, context), context.platform)
            : undefined;
        return found === undefined ? { kind: 'bad-setting', path: expanded } : { kind: 'found', path: found };
    }
    const found = findOnPath('praxis', context);
    return found === undefined ? { kind: 'not-found' } : { kind: 'found', path: found };
}

/**
 * The first executable file named `name` in the folders of `PATH`, in order. On Windows the
 * name is tried with each extension of `PATHEXT`, as the shell does.
 */
export function findOnPath(name: string, context: SearchContext): string | undefined {
    const windows = context.platform === 'win32';
    const folders = (envValue(context.env, 'PATH', windows) ?? '')
        .split(windows ? ';' : ':')
        // Windows allows a folder in quotes (it may hold the separator); an empty entry is not
        // the current folder here: a language server is not started from wherever VS Code runs.
        .map((folder) => (windows ? folder.replace(/^"(.*)"$/, '$1') : folder))
        .filter((folder) => folder !== '');
    for (const folder of folders) {
        const found = firstExecutable(candidates(path.join(folder, name), context), context.platform);
        if (found !== undefined) {
            return found;
        }
    }
    return undefined;
}

/** The files `file` may stand for: itself, and on Windows itself with each `PATHEXT` extension. */
function candidates(file: string, context: SearchContext): string[] {
    if (context.platform !== 'win32') {
        return [file];
    }
    const extensions = (envValue(context.env, 'PATHEXT', true) ?? '.COM;.EXE;.BAT;.CMD')
        .split(';')
        .filter((extension) => extension !== '');
    // Windows file names ignore case; the lower-case form also finds `praxis.exe` where they do not.
    const withExtensions = extensions.flatMap((extension) => [file + extension, file + extension.toLowerCase()]);
    return [...new Set([file, ...withExtensions])];
}

function firstExecutable(files: string[], platform: NodeJS.Platform): string | undefined {
    return files.find((file) => isExecutableFile(file, platform));
}

function isExecutableFile(file: string, platform: NodeJS.Platform): boolean {
    try {
        if (!fs.statSync(file).isFile()) {
            return false;
        }
        // Windows has no execute bit: a file found through PATHEXT is a program.
        if (platform !== 'win32') {
            fs.accessSync(file, fs.constants.X_OK);
        }
        return true;
    } catch {
        return false;
    }
}

/** `~` or `~/…` as the home folder; `~user` is left alone, as Node's spawn would. */
function expandHome(file: string, home: string, platform: NodeJS.Platform): string {
    const homePrefix = platform === 'win32' ? /^~(?=$|[\\/])/ : /^~(?=$|\/)/;
    return file.replace(homePrefix, () => home);
}

/** An environment variable; on Windows its name ignores case (`Path` is `PATH`). */
function envValue(env: NodeJS.ProcessEnv, name: string, ignoreCase: boolean): string | undefined {
    if (!ignoreCase) {
        return env[name];
    }
    const key = Object.keys(env).find((key) => key.toUpperCase() === name);
    return key === undefined ? undefined : env[key];
}
