// The kiosk's reconnect backoff (kiosk/js/live.js): a room's tablets dropped together come back spread out,
// and no single tablet waits long.
import assert from "node:assert/strict";
import { test } from "node:test";

import {
  RETRY_FIRST_MS,
  RETRY_MAX_MS,
  RETRY_MIN_MS,
  WAKE_SPREAD_MS,
  retryDelay,
  wakeDelay,
} from "../../kiosk/js/live.js";

/** A seeded generator (mulberry32), so a room of tablets draws the same numbers on every run. */
function seeded(seed) {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

test("the first retry comes soon, whatever the draw", () => {
  assert.equal(
    retryDelay(0, () => 0),
    RETRY_MIN_MS,
  );
  assert.equal(
    retryDelay(0, () => 1),
    RETRY_FIRST_MS,
  );
  assert.ok(RETRY_FIRST_MS <= 1500);
});

test("the ceiling doubles per attempt and never passes the longest wait", () => {
  assert.equal(
    retryDelay(1, () => 1),
    Math.min(2 * RETRY_FIRST_MS, RETRY_MAX_MS),
  );
  assert.ok(RETRY_MAX_MS > RETRY_FIRST_MS);
  assert.ok(RETRY_MAX_MS <= 2500, "a room is back within 3 s of a restarted server");
  for (const attempt of [2, 3, 10, 100]) {
    assert.equal(
      retryDelay(attempt, () => 1),
      RETRY_MAX_MS,
    );
    assert.equal(
      retryDelay(attempt, () => 0),
      RETRY_MIN_MS,
    );
  }
});

test("a room of 1,000 tablets dropped together does not retry in one instant", () => {
  const random = seeded(21);
  const delays = Array.from({ length: 1000 }, () => retryDelay(0, random));
  assert.ok(delays.every((delay) => delay >= RETRY_MIN_MS && delay <= RETRY_FIRST_MS));
  // in any 100 ms window, at most a fifth of the room (an even spread over 1.25 s puts 8% in each)
  for (let start = RETRY_MIN_MS; start < RETRY_FIRST_MS; start += 50) {
    const inWindow = delays.filter((delay) => delay >= start && delay < start + 100).length;
    assert.ok(inWindow <= 200, `${inWindow} tablets between ${start} and ${start + 100} ms`);
  }
});

test("the network's return wakes a room spread over a short moment", () => {
  const random = seeded(5);
  const delays = Array.from({ length: 1000 }, () => wakeDelay(random));
  assert.ok(delays.every((delay) => delay >= 0 && delay <= WAKE_SPREAD_MS));
  assert.ok(new Set(delays.map((delay) => Math.floor(delay / 100))).size >= 7, "over every 100 ms of the spread");
});
