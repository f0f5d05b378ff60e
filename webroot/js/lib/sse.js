// A project's live event stream (API.md §6) that survives drops and server restarts.
//
// EventSource cannot send headers, so each connection gets a fresh 60-second SSE token in the query.
// For the same reason the browser's own reconnect (which resends the first URL, with a token that has
// expired by then) is not used: on an error the stream is closed, a new token fetched, and a new
// EventSource opened with the last event id it saw in `last_event_id`, so the server replays what was
// missed and nothing is lost or repeated. Reconnects back off 1 s, 2 s, 4 s ... up to 30 s and stop
// after 5 failures in a row; a connection that opens resets the count.
//
// No DOM here: EventSource, timers and the token source are passed in.

export const EVENT_TYPES = [
  'task_start', 'task_complete', 'task_failed', 'task_retry', 'task_verification_retry', 'task_needs_review',
  'checkpoint', 'tool_call', 'budget_warning', 'wave_checkpoint', 'project_complete', 'project_failed',
  // A CLI agent's output as it runs; and git integration's events where the server has it.
  'agent_output', 'git_commit', 'git_merge', 'git_conflict', 'git_push', 'pr_opened',
  // Tasks waiting for a provider that is down.
  'resource_waiting',
];
export const FINAL_TYPES = new Set(['project_complete', 'project_failed']);

/** The wait before reconnect attempt `failures` (1-based): 1 s doubling, at most 30 s. */
export function backoffMs(failures, baseMs = 1000, maxMs = 30_000) {
  return Math.min(maxMs, baseMs * 2 ** Math.max(0, failures - 1));
}

/** The stream's URL; `lastEventId` asks the server to replay what came after it. */
export function streamUrl(projectId, token, lastEventId) {
  let url = `/api/events/${encodeURIComponent(projectId)}?token=${encodeURIComponent(token)}`;
  if (lastEventId != null && lastEventId !== '') url += `&last_event_id=${encodeURIComponent(lastEventId)}`;
  return url;
}

export class LiveStream {
  /**
   * @param {object} o
   * @param {string} o.projectId
   * @param {() => Promise<string>} o.token fetches a new SSE token
   * @param {typeof EventSource} o.EventSource
   * @param {(event: object) => void} o.onEvent each event's parsed data, with its `id`
   * @param {(state: {status: string, failures: number, retryInMs?: number}) => void} [o.onState]
   *   status is one of connecting, live, reconnecting, offline, ended, stopped
   * @param {string|number|null} [o.lastEventId] where to resume; null means live events only
   * @param {number} [o.maxFailures]
   * @param {typeof setTimeout} [o.setTimeout]
   * @param {typeof clearTimeout} [o.clearTimeout]
   */
  constructor(o) {
    this.o = o;
    this.lastEventId = o.lastEventId ?? null;
    this.maxFailures = o.maxFailures ?? 5;
    this.setTimer = o.setTimeout || globalThis.setTimeout.bind(globalThis);
    this.clearTimer = o.clearTimeout || globalThis.clearTimeout.bind(globalThis);
    this.failures = 0;
    this.source = null;
    this.timer = null;
    this.status = 'idle';
    this.generation = 0;
  }

  start() {
    this.failures = 0;
    this.connect();
  }

  /** Closes for good (the page went away). */
  stop() {
    this.generation++;
    this.close();
    this.state('stopped');
  }

  /** After `ended` or `offline`: connect again from the last event seen. */
  resume() {
    if (this.status === 'live' || this.status === 'connecting') return;
    this.start();
  }

  close() {
    if (this.timer != null) this.clearTimer(this.timer);
    this.timer = null;
    if (this.source) this.source.close();
    this.source = null;
  }

  state(status, extra = {}) {
    this.status = status;
    this.o.onState?.({ status, failures: this.failures, ...extra });
  }

  async connect() {
    this.close();
    const generation = ++this.generation;
    this.state(this.failures ? 'reconnecting' : 'connecting');
    let token;
    try {
      token = await this.o.token();
    } catch {
      if (generation === this.generation) this.failed();
      return;
    }
    if (generation !== this.generation) return;
    const source = new this.o.EventSource(streamUrl(this.o.projectId, token, this.lastEventId));
    this.source = source;
    source.onopen = () => {
      if (this.source !== source) return;
      this.failures = 0;
      this.state('live');
    };
    source.onerror = () => {
      if (this.source !== source) return;
      this.close();
      this.failed();
    };
    for (const type of EVENT_TYPES) {
      source.addEventListener(type, (e) => this.receive(source, type, e));
    }
  }

  receive(source, type, e) {
    if (this.source !== source) return;
    let data;
    try {
      data = JSON.parse(e.data);
    } catch {
      return;
    }
    if (e.lastEventId) this.lastEventId = e.lastEventId;
    if (data.id == null && e.lastEventId) data.id = Number(e.lastEventId);
    if (!data.type) data.type = type;
    this.o.onEvent(data);
    if (FINAL_TYPES.has(type)) {
      // The server ends the stream after the project's final event (§6.2); that close is no failure.
      this.close();
      this.state('ended');
    }
  }

  failed() {
    this.failures++;
    if (this.failures >= this.maxFailures) {
      this.state('offline');
      return;
    }
    const wait = backoffMs(this.failures);
    this.state('reconnecting', { retryInMs: wait });
    const generation = this.generation;
    this.timer = this.setTimer(() => {
      this.timer = null;
      if (generation === this.generation) this.connect();
    }, wait);
  }
}
