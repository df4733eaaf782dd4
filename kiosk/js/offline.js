// Reading through a network cut: the service worker (kiosk/sw.js) and the
// per-session data cache it shares with the page.
//
// The page keeps the live meeting's latest {seq, state} in the session's cache
// under the snapshot URL, so a tablet reloaded while offline shows the meeting
// as it last knew it and resumes from that seq when the network returns.

const DATA_PREFIX = "icabinet-data-";
const SAVE_DELAY_MS = 400;

export const offlineSupported = () => "serviceWorker" in navigator && "caches" in window && !!window.crypto?.subtle;

/** Register the root-scoped worker; failures only cost the offline copy. */
export function registerServiceWorker() {
  if (!offlineSupported()) return Promise.resolve(null);
  return navigator.serviceWorker.register("/sw.js", { scope: "/" }).catch((error) => {
    console.warn("service worker not registered", error);
    return null;
  });
}

/** The name of the data cache of the session `session` (its id; the same derivation as kiosk/sw.js). */
export async function dataCacheName(session) {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(session));
  const hex = Array.from(new Uint8Array(digest).slice(0, 12), (byte) => byte.toString(16).padStart(2, "0")).join("");
  return `${DATA_PREFIX}${hex}`;
}

/** Forget every user's cached data (sign-out, a refused session). */
export async function clearOfflineData() {
  if (!("caches" in window)) return;
  const names = await caches.keys();
  await Promise.all(names.filter((name) => name.startsWith(DATA_PREFIX)).map((name) => caches.delete(name)));
}

const snapshotUrl = (meetingId) => new URL(`/api/meetings/${meetingId}/snapshot`, location.href).href;

/** The last {seq, state} this session kept for `meetingId`, or null. */
export async function loadSnapshot(session, meetingId) {
  if (!offlineSupported() || !session) return null;
  try {
    const cache = await caches.open(await dataCacheName(session));
    const response = await cache.match(snapshotUrl(meetingId), { ignoreVary: true });
    if (!response) return null;
    const body = await response.json();
    return typeof body.seq === "number" && body.state ? body : null;
  } catch {
    return null;
  }
}

/**
 * Keep `live`'s state in the session's cache as it changes (debounced).
 * Returns a function that stops keeping it.
 */
export function keepSnapshot(live, session) {
  if (!offlineSupported()) return () => {};
  let timer = null;
  const save = async () => {
    timer = null;
    const key = session();
    if (!key || live.state === null || live.seq === null) return;
    try {
      const cache = await caches.open(await dataCacheName(key));
      const body = JSON.stringify({ seq: live.seq, state: live.state });
      await cache.put(
        snapshotUrl(live.meetingId),
        new Response(body, { headers: { "Content-Type": "application/json" } }),
      );
    } catch (error) {
      console.warn("offline copy not saved", error);
    }
  };
  const unsubscribe = live.onChange(() => {
    if (timer === null) timer = setTimeout(save, SAVE_DELAY_MS);
  });
  return () => {
    clearTimeout(timer);
    unsubscribe();
  };
}
