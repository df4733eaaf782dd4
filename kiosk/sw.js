// The tablet's service worker: keeps the app shell and what a delegate has read
// so the meeting stays readable through a network cut.
//
// Served by the server at /sw.js (root scope, never cached by HTTP), with the
// build id and the shell's file list written in (server/kiosk_routes.py), so a
// new deploy installs a new worker and drops the old shell.
//
// - The shell (pages, scripts, styles): network first, the cached copy when the
//   network is gone; refreshed on every successful load.
// - Data a signed-in user read (the meeting list, a meeting's snapshot, agenda,
//   documents, page images, text): network first, cached in a cache of that
//   user's session only (its name derives from a hash of the session's id, the
//   X-ICabinet-Session header; the token itself stays in the HttpOnly cookie),
//   so one user never reads another's copy. The page deletes every data cache on
//   sign-out and when the server refuses the session (kiosk/js/offline.js).
// - Never cached: anything without the session header, writes, sign-in, the PDF
//   originals (/file: stamped per reader, downloads only), the assistant, audit.

const BUILD = "__ICABINET_BUILD__";
const SHELL = "__ICABINET_SHELL__";
const SHELL_CACHE = `icabinet-shell-${BUILD}`;
const DATA_PREFIX = "icabinet-data-";

// what a delegate reads during a meeting, by path
const DATA_PATHS = [
  /^\/api\/me$/,
  /^\/api\/meetings$/,
  /^\/api\/meetings\/\d+$/,
  /^\/api\/meetings\/\d+\/(snapshot|agenda|documents|participants)$/,
  /^\/api\/documents\/\d+$/,
  /^\/api\/documents\/\d+\/pages\/\d+$/,
  /^\/api\/documents\/\d+\/text$/,
];

self.addEventListener("install", (event) => {
  event.waitUntil(
    caches
      .open(SHELL_CACHE)
      .then((cache) => cache.addAll(SHELL))
      .then(() => self.skipWaiting()),
  );
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((names) =>
        Promise.all(
          names
            .filter((name) => name.startsWith("icabinet-shell-") && name !== SHELL_CACHE)
            .map((name) => caches.delete(name)),
        ),
      )
      .then(() => self.clients.claim()),
  );
});

/** The data cache of the session `session` (its id; the same derivation as kiosk/js/offline.js). */
async function dataCacheName(session) {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(session));
  const hex = Array.from(new Uint8Array(digest).slice(0, 12), (byte) => byte.toString(16).padStart(2, "0")).join("");
  return `${DATA_PREFIX}${hex}`;
}

function sessionOf(request) {
  return request.headers.get("X-ICabinet-Session") || null;
}

/** Only the tablet's page keeps data (the console and the room screen work online, and sign out elsewhere). */
async function fromTablet(clientId) {
  const client = clientId ? await self.clients.get(clientId) : null;
  return !!client && new URL(client.url).pathname === "/";
}

async function networkFirst(request, cacheName, key) {
  try {
    const response = await fetch(request);
    if (response.ok && response.status === 200) {
      const cache = await caches.open(cacheName);
      await cache.put(key, response.clone());
    }
    return response;
  } catch (error) {
    const cache = await caches.open(cacheName);
    const cached = await cache.match(key, { ignoreVary: true });
    if (cached) return cached;
    throw error;
  }
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;

  if (url.pathname.startsWith("/api/")) {
    if (!DATA_PATHS.some((pattern) => pattern.test(url.pathname))) return;
    const session = sessionOf(request);
    if (!session) return;
    // the key is the URL alone: the cache itself is this session's
    event.respondWith(
      fromTablet(event.clientId).then((tablet) =>
        tablet ? dataCacheName(session).then((name) => networkFirst(request, name, url.href)) : fetch(request),
      ),
    );
    return;
  }

  if (request.mode === "navigate" && url.pathname === "/") {
    // the tablet's page, whatever its #fragment
    event.respondWith(networkFirst(request, SHELL_CACHE, new URL("/", url).href));
    return;
  }
  if (SHELL.includes(url.pathname)) {
    event.respondWith(networkFirst(request, SHELL_CACHE, url.pathname));
  }
});
