/**
 * What the status bar says about the `praxis/status` notification: the practices in force and
 * how following the team's server goes.
 *
 * Kept free of the `vscode` module so that the tests run it under plain Node.
 */

export type SyncState = 'ok' | 'offline' | 'error' | 'syncing' | 'local';

/** One followed space, as the server reports it. */
export interface SpaceStatus {
    state: SyncState;
    server: string | null;
    space: string | null;
    revision: number | null;
    message: string | null;
}

/**
 * The `praxis/status` payload: the worst followed space's fields (or `local` with nulls when
 * none is followed), the number of practices in force and every followed space.
 */
export interface PraxisStatus extends SpaceStatus {
    practices: number;
    spaces: SpaceStatus[];
}

/** The status bar item's face. */
export interface StatusView {
    text: string;
    tooltip: string;
    /** Drawn with the theme's warning or error background. */
    severity?: 'warning' | 'error';
}

const CLICK_HINT = 'Click to show the Praxis output.';

/**
 * Reads a `praxis/status` payload. Another server version may send more fields (ignored) or
 * leave some out (read as unknown); one without a known `state` gives `undefined`.
 */
export function parseStatus(value: unknown): PraxisStatus | undefined {
    if (typeof value !== 'object' || value === null) {
        return undefined;
    }
    const record = value as Record<string, unknown>;
    const spaces = Array.isArray(record.spaces) ? record.spaces.map(parseSpace).filter(isDefined) : [];
    const top = parseSpace(record);
    if (top === undefined) {
        return undefined;
    }
    const practices = typeof record.practices === 'number' ? record.practices : 0;
    return { ...top, practices, spaces };
}

/** Before the server's first status. */
export function startingView(): StatusView {
    return { text: 'Praxis', tooltip: `Praxis: starting the language server\n\n${CLICK_HINT}` };
}

/** The server is not running (not found, or it stopped); `reason` says why. */
export function stoppedView(reason: string): StatusView {
    return { text: '$(error) Praxis', tooltip: `Praxis is not running: ${reason}\n\n${CLICK_HINT}`, severity: 'error' };
}

/** The status bar item for a status the server sent. */
export function statusView(status: PraxisStatus): StatusView {
    const practices = status.practices;
    const following = followedName(status);
    let text: string;
    let headline: string;
    let severity: StatusView['severity'];
    switch (status.state) {
        case 'local':
            text = `$(check) Praxis ${practices}`;
            headline = `Praxis: ${countPractices(practices)} in force; no team server is followed`;
            break;
        case 'ok':
            text = following === undefined ? `$(cloud) Praxis ${practices}` : `$(cloud) Praxis ${practices} · ${following}`;
            headline = `Praxis: ${countPractices(practices)} in force, following the team's server`;
            break;
        case 'syncing':
            text = '$(sync~spin) Praxis';
            headline = `Praxis: syncing with the team's server; ${countPractices(practices)} in force meanwhile`;
            break;
        case 'offline':
            text = '$(warning) Praxis offline';
            headline = `Praxis: the team's server cannot be reached; ${countPractices(practices)} in force from the cache`;
            severity = 'warning';
            break;
        case 'error':
            text = '$(error) Praxis';
            headline = `Praxis: following the team's server failed; ${countPractices(practices)} in force`;
            severity = 'error';
            break;
    }
    const tooltip = [headline, ...spaceLines(status), '', CLICK_HINT].join('\n');
    return severity === undefined ? { text, tooltip } : { text, tooltip, severity };
}

/**
 * A short line for the answer to `praxis.sync`, which is the status when the pull starts: the
 * outcome arrives later as `praxis/status`, in the status bar.
 */
export function syncSummary(status: PraxisStatus): string {
    const spaces = status.spaces.map((space) => space.space).filter(isDefined);
    if (status.state === 'local' || spaces.length === 0) {
        return `Praxis: no team server is followed; ${countPractices(status.practices)} in force`;
    }
    return `Praxis: syncing ${spaces.join(', ')}; ${countPractices(status.practices)} in force now`;
}

/** The space named in the status bar: the one followed, or how many when there are several. */
function followedName(status: PraxisStatus): string | undefined {
    if (status.spaces.length > 1) {
        return `${status.spaces.length} spaces`;
    }
    return status.space ?? undefined;
}

/** The tooltip's lines about the followed spaces: one block for one space, one line each for several. */
function spaceLines(status: PraxisStatus): string[] {
    if (status.spaces.length > 1) {
        return [
            '',
            ...status.spaces.map((space) => {
                const revision = space.revision === null ? '' : `, revision ${space.revision}`;
                const message = space.message === null ? '' : ` (${space.message})`;
                return `${space.space ?? '?'} on ${space.server ?? '?'}: ${space.state}${revision}${message}`;
            }),
        ];
    }
    const lines: string[] = [];
    if (status.server !== null) {
        lines.push(`Server: ${status.server}`);
    }
    if (status.space !== null) {
        lines.push(`Space: ${status.space}`);
    }
    if (status.revision !== null) {
        lines.push(`Revision: ${status.revision}`);
    }
    if (status.message !== null) {
        lines.push(status.message);
    }
    return lines.length === 0 ? [] : ['', ...lines];
}

function countPractices(count: number): string {
    return count === 1 ? '1 practice' : `${count} practices`;
}

const STATES: readonly SyncState[] = ['ok', 'offline', 'error', 'syncing', 'local'];

function isSyncState(value: unknown): value is SyncState {
    return STATES.some((state) => state === value);
}

function parseSpace(value: unknown): SpaceStatus | undefined {
    if (typeof value !== 'object' || value === null) {
        return undefined;
    }
    const record = value as Record<string, unknown>;
    if (!isSyncState(record.state)) {
        return undefined;
    }
    return {
        state: record.state,
        server: typeof record.server === 'string' ? record.server : null,
        space: typeof record.space === 'string' ? record.space : null,
        revision: typeof record.revision === 'number' ? record.revision : null,
        message: typeof record.message === 'string' ? record.message : null,
    };
}

function isDefined<T>(value: T | undefined | null): value is T {
    return value !== undefined && value !== null;
}
