// The live stream: fresh tokens, Last-Event-ID resume, backoff, giving up, and the stream's end.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { backoffMs, LiveStream, streamUrl } from '../js/lib/sse.js';

class FakeEventSource {
  static all = [];
  constructor(url) {
    this.url = url;
    this.listeners = {};
    this.closed = false;
    FakeEventSource.all.push(this);
  }
  addEventListener(type, fn) { (this.listeners[type] ||= []).push(fn); }
  close() { this.closed = true; }
  open() { this.onopen?.(); }
  fail() { this.onerror?.(); }
  emit(type, id, data = {}) {
    for (const fn of this.listeners[type] || []) fn({ data: JSON.stringify({ type, message: type, ...data }), lastEventId: String(id) });
  }
}

/** Timers that run only when the test says so. */
function clock() {
  const timers = [];
  return {
    timers,
    setTimeout: (fn, ms) => { timers.push({ fn, ms }); return timers.length; },
    clearTimeout: (id) => { if (timers[id - 1]) timers[id - 1].fn = null; },
    async fire() {
      const t = timers.find((x) => x.fn);
      const fn = t.fn;
      t.fn = null;
      fn();
      await tick();
      return t.ms;
    },
    pending: () => timers.filter((x) => x.fn).map((x) => x.ms),
  };
}

const tick = () => new Promise((r) => setImmediate(r));

function stream(extra = {}) {
  FakeEventSource.all = [];
  const c = clock();
  const states = [];
  const events = [];
  let tokens = 0;
  const s = new LiveStream({
    projectId: 'p1', EventSource: FakeEventSource, setTimeout: c.setTimeout, clearTimeout: c.clearTimeout,
    token: async () => `tok${++tokens}`, onEvent: (e) => events.push(e), onState: (st) => states.push(st), ...extra,
  });
  return { s, c, states, events, sources: FakeEventSource.all, tokens: () => tokens };
}

test('each connection gets a new token; after a drop it resumes after the last event it saw', async () => {
  const { s, c, events, sources } = stream();
  s.start();
  await tick();
  assert.equal(sources[0].url, '/api/events/p1?token=tok1');
  sources[0].open();
  sources[0].emit('task_start', 41, { task_id: 't1' });
  sources[0].emit('task_complete', 42, { task_id: 't1', cost_usd: 0.01 });
  sources[0].fail();
  assert.equal(sources[0].closed, true, 'the browser\'s own retry (with the expired token) is not used');
  assert.deepEqual(c.pending(), [1000]);
  await c.fire();
  assert.equal(sources[1].url, '/api/events/p1?token=tok2&last_event_id=42');
  assert.deepEqual(events.map((e) => [e.type, e.id]), [['task_start', 41], ['task_complete', 42]]);
});

test('reconnects back off 1, 2, 4, 8 s and stop after 5 failures in a row; a connection that opens resets the count', async () => {
  const { s, c, states, sources } = stream();
  s.start();
  await tick();
  const waits = [];
  for (let i = 0; i < 4; i++) {
    sources.at(-1).fail();
    waits.push(await c.fire());
  }
  assert.deepEqual(waits, [1000, 2000, 4000, 8000]);
  sources.at(-1).open();
  assert.equal(states.at(-1).status, 'live');
  for (let i = 0; i < 4; i++) {
    sources.at(-1).fail();
    await c.fire();
  }
  sources.at(-1).fail();
  assert.equal(states.at(-1).status, 'offline');
  assert.deepEqual(c.pending(), [], 'no retry is scheduled after giving up');
  s.resume();
  await tick();
  assert.equal(states.at(-1).status, 'connecting');
  assert.equal(sources.length, 10);
});

test('a token that cannot be fetched counts as a failed attempt', async () => {
  const { s, c, states } = stream({ token: async () => { throw new Error('503'); } });
  s.start();
  await tick();
  assert.equal(states.at(-1).status, 'reconnecting');
  assert.equal(states.at(-1).retryInMs, 1000);
  assert.deepEqual(c.pending(), [1000]);
});

test('the project\'s final event ends the stream without a reconnect; resume continues after it', async () => {
  const { s, c, states, sources } = stream();
  s.start();
  await tick();
  sources[0].open();
  sources[0].emit('project_complete', 7);
  assert.equal(states.at(-1).status, 'ended');
  assert.equal(sources[0].closed, true);
  sources[0].fail();
  assert.deepEqual(c.pending(), []);
  s.resume();
  await tick();
  assert.equal(sources[1].url, '/api/events/p1?token=tok2&last_event_id=7');
});

test('events of a replaced connection are ignored, so none is shown twice', async () => {
  const { s, c, events, sources } = stream({ lastEventId: 0 });
  s.start();
  await tick();
  assert.equal(sources[0].url, '/api/events/p1?token=tok1&last_event_id=0');
  sources[0].fail();
  await c.fire();
  sources[0].emit('task_start', 5);
  assert.deepEqual(events, []);
  s.stop();
  sources[1].emit('task_start', 6);
  assert.deepEqual(events, []);
});

test('the wait is capped at 30 s and the URL escapes what it carries', () => {
  assert.deepEqual([1, 2, 3, 5, 6, 9].map((n) => backoffMs(n)), [1000, 2000, 4000, 16_000, 30_000, 30_000]);
  assert.equal(streamUrl('a/b', 'x+y=', null), '/api/events/a%2Fb?token=x%2By%3D');
});
