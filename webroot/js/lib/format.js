// Numbers, money, times and statuses as a person reads them. Pure functions.

export function money(usd, { precise = false } = {}) {
  const v = Number(usd) || 0;
  if (v === 0) return '$0.00';
  if (!precise && Math.abs(v) >= 0.01) return `$${v.toFixed(2)}`;
  if (Math.abs(v) >= 0.0001) return `$${v.toFixed(4)}`;
  return `$${v.toPrecision(2)}`;
}

export function count(n) {
  return new Intl.NumberFormat('en').format(Number(n) || 0);
}

/** 1234567 → "1.2M", for token counts in tight spaces. */
export function compact(n) {
  return new Intl.NumberFormat('en', { notation: 'compact', maximumFractionDigits: 1 }).format(Number(n) || 0);
}

export function percent(part, whole) {
  if (!whole) return 0;
  return Math.max(0, Math.min(100, (part / whole) * 100));
}

/** A Unix timestamp in seconds as a local date and time. */
export function dateTime(ts) {
  if (ts == null) return '—';
  return new Date(ts * 1000).toLocaleString('en', { dateStyle: 'medium', timeStyle: 'short' });
}

/** "just now", "5 min ago", "3 h ago", "2 days ago", else a date. */
export function ago(ts, now = Date.now()) {
  if (ts == null) return '—';
  const s = Math.round(now / 1000 - ts);
  if (s < 45) return 'just now';
  if (s < 3600) return `${Math.round(s / 60)} min ago`;
  if (s < 86_400) return `${Math.round(s / 3600)} h ago`;
  if (s < 7 * 86_400) return `${Math.round(s / 86_400)} days ago`;
  return new Date(ts * 1000).toLocaleDateString('en', { dateStyle: 'medium' });
}

export function duration(seconds) {
  if (seconds == null || seconds < 0) return '—';
  if (seconds < 1) return `${Math.round(seconds * 1000)} ms`;
  if (seconds < 60) return `${seconds.toFixed(seconds < 10 ? 1 : 0)} s`;
  const m = Math.floor(seconds / 60);
  if (m < 60) return `${m} min ${Math.round(seconds % 60)} s`;
  return `${Math.floor(m / 60)} h ${m % 60} min`;
}

/** "needs_review" → "Needs review". */
export function label(value) {
  if (!value) return '';
  const s = String(value).replace(/_/g, ' ');
  return s.charAt(0).toUpperCase() + s.slice(1);
}

/** Status → tone used for colours: ok, run, wait, warn, bad, muted. */
export function tone(status) {
  switch (status) {
    case 'completed': case 'passed': case 'online': case 'approved': case 'loaded': return 'ok';
    case 'running': case 'executing': case 'queued': case 'planning': case 'checking': return 'run';
    case 'needs_review': case 'paused': case 'gaps_found': case 'human_needed': case 'degraded':
    case 'draft': case 'ready': return 'warn';
    case 'failed': case 'offline': case 'error': return 'bad';
    case 'pending': case 'blocked': return 'wait';
    default: return 'muted';
  }
}
