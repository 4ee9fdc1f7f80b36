/**
 * The `praxis.*` settings as the language server takes them: in `initializationOptions` at
 * start, and under a `praxis` key in `workspace/didChangeConfiguration` after.
 *
 * Kept free of the `vscode` module so that the tests run it under plain Node.
 */

/** The raw values of the settings the server reads, as the configuration holds them. */
export interface PraxisConfiguration {
    practices: unknown;
    server: unknown;
    space: unknown;
    stats: unknown;
    scope: unknown;
}

/** Which findings the server shows: all, or those on lines changed against Git `HEAD`. */
export type Scope = 'all' | 'changed';

/** The settings object the server starts with; a key left out means "not set". */
export interface ServerSettings {
    practices?: string[];
    server?: string;
    space?: string;
    stats: boolean;
    scope: Scope;
}

/** The settings object sent on a change: every key, a cleared one as `[]` or `null`. */
export interface SettingsUpdate {
    practices: string[];
    server: string | null;
    space: string | null;
    stats: boolean;
    scope: Scope;
}

/**
 * The `initializationOptions`: empty strings and lists are left out, so the project's own
 * `.praxis/config.toml` and the login decide what they name. Values of the wrong type (a
 * hand-edited `settings.json`) count as unset rather than reaching the server.
 */
export function serverSettings(configuration: PraxisConfiguration): ServerSettings {
    const update = settingsUpdate(configuration);
    const settings: ServerSettings = { stats: update.stats, scope: update.scope };
    if (update.practices.length > 0) {
        settings.practices = update.practices;
    }
    if (update.server !== null) {
        settings.server = update.server;
    }
    if (update.space !== null) {
        settings.space = update.space;
    }
    return settings;
}

/**
 * The settings for `workspace/didChangeConfiguration`. The server keeps any key a change does
 * not name (clients send unrelated sections there), so a setting the user cleared is sent as
 * `[]` or `null`, which the server takes as "unset"; left out, the old value would stay.
 */
export function settingsUpdate(configuration: PraxisConfiguration): SettingsUpdate {
    return {
        practices: stringList(configuration.practices),
        server: nonBlank(configuration.server),
        space: nonBlank(configuration.space),
        stats: typeof configuration.stats === 'boolean' ? configuration.stats : true,
        scope: configuration.scope === 'changed' ? 'changed' : 'all',
    };
}

function nonBlank(value: unknown): string | null {
    return typeof value === 'string' && value.trim() !== '' ? value.trim() : null;
}

function stringList(value: unknown): string[] {
    if (!Array.isArray(value)) {
        return [];
    }
    return value.map(nonBlank).filter((item): item is string => item !== null);
}
