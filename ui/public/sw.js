// The terminal's service worker: keeps the app shell (the page and its hashed assets)
// so that a tablet that lost the network can still open the terminal. Network first:
// a new release is picked up as soon as the server answers. The API is never cached:
// actions go through the terminal's own outbox with idempotency keys.
const CACHE = "linewise-shell-v1";
const SHELL = ["/terminal"];

// The page and the hashed scripts and styles it names (the build writes them into it).
async function cacheShell() {
  const cache = await caches.open(CACHE);
  await cache.addAll(SHELL);
  const page = await (await cache.match("/terminal")).text();
  const assets = [...page.matchAll(/(?:src|href)="(\/assets\/[^"]+)"/g)].map((m) => m[1]);
  await cache.addAll(assets);
}

self.addEventListener("install", (event) => {
  event.waitUntil(cacheShell().then(() => self.skipWaiting()));
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches.keys()
      .then((keys) => Promise.all(keys.filter((k) => k !== CACHE).map((k) => caches.delete(k))))
      .then(() => self.clients.claim()),
  );
});

self.addEventListener("fetch", (event) => {
  const req = event.request;
  const url = new URL(req.url);
  if (req.method !== "GET" || url.origin !== self.location.origin || url.pathname.startsWith("/api/")) return;
  const shellPage = req.mode === "navigate" && url.pathname.startsWith("/terminal");
  if (req.mode === "navigate" && !shellPage) return;
  event.respondWith(
    fetch(req)
      .then((res) => {
        if (res.ok) {
          const copy = res.clone();
          caches.open(CACHE).then((c) => c.put(shellPage ? "/terminal" : req, copy));
        }
        return res;
      })
      .catch(() => caches.match(shellPage ? "/terminal" : req).then((hit) => hit || Response.error())),
  );
});
