// The three-way line merge of two consoles' minutes edits (kiosk/js/minutes-merge.js).
import assert from "node:assert/strict";
import { test } from "node:test";

import { hasEdits, mergeLines, mergeMinutes } from "../../kiosk/js/minutes-merge.js";

const lines = (...texts) => texts.map((text) => ({ text, style: "paragraph", evidence: [] }));
const texts = (blocks) => blocks.flatMap((block) => (block.lines || []).map((line) => line.text));
const content = (...sections) => ({
  header: { title: "T" },
  sections: sections.map(([key, ...texts]) => ({ key, heading: key, lines: lines(...texts) })),
});

test("edits to different lines are both kept", () => {
  const blocks = mergeLines(lines("a", "b", "c"), lines("A", "b", "c"), lines("a", "b", "C"));
  assert.deepEqual(blocks.length, 1);
  assert.deepEqual(texts(blocks), ["A", "b", "C"]);
});

test("the same change on both sides is taken once", () => {
  assert.deepEqual(texts(mergeLines(lines("a", "b"), lines("a", "B"), lines("a", "B"))), ["a", "B"]);
});

test("different changes to the same line are a conflict with both texts", () => {
  const blocks = mergeLines(lines("a", "b", "c"), lines("a", "mine", "c"), lines("a", "theirs", "c"));
  assert.equal(blocks.length, 3);
  assert.deepEqual(texts([blocks[0]]), ["a"]);
  assert.deepEqual(
    blocks[1].conflict.mine.map((l) => l.text),
    ["mine"],
  );
  assert.deepEqual(
    blocks[1].conflict.theirs.map((l) => l.text),
    ["theirs"],
  );
  assert.deepEqual(
    blocks[1].conflict.base.map((l) => l.text),
    ["b"],
  );
  assert.deepEqual(texts([blocks[2]]), ["c"]);
});

test("lines added and removed on either side survive the merge", () => {
  const merged = mergeLines(lines("a", "b", "c", "d"), lines("a", "new", "b", "c", "d"), lines("a", "b", "d", "end"));
  assert.deepEqual(texts(merged), ["a", "new", "b", "d", "end"]);
});

test("unchanged page takes theirs whole, including their evidence", () => {
  const theirs = [{ text: "x", style: "bullet", evidence: [{ kind: "poll", id: 2 }] }];
  const merged = mergeLines(lines("a"), lines("a"), theirs);
  assert.deepEqual(merged, [{ lines: theirs }]);
});

test("whole contents merge by section key and count conflicts", () => {
  const base = content(["opening", "1", "2"], ["item-1", "x", "y"]);
  const mine = content(["opening", "1 mine", "2"], ["item-1", "x", "y mine"]);
  const theirs = content(["opening", "1", "2 theirs"], ["item-1", "x", "y theirs"], ["item-2", "new"]);
  const { content: merged, conflicts } = mergeMinutes(base, mine, theirs);
  assert.equal(conflicts, 1);
  assert.deepEqual(
    merged.sections.map((s) => s.key),
    ["opening", "item-1", "item-2"],
  );
  assert.deepEqual(
    merged.sections[0].lines.map((l) => l.text),
    ["1 mine", "2 theirs"],
  );
  assert.ok(merged.sections[1].blocks.some((block) => block.conflict));
  assert.deepEqual(
    merged.sections[2].lines.map((l) => l.text),
    ["new"],
  );
});

test("hasEdits tells an untouched page from an edited one", () => {
  const base = content(["opening", "1"]);
  assert.equal(hasEdits(base, content(["opening", "1"])), false);
  assert.equal(hasEdits(base, content(["opening", "2"])), true);
  assert.equal(hasEdits(base, content(["opening", "1", "3"])), true);
});

test("neighbouring lines edited by each side merge line by line", () => {
  const blocks = mergeLines(lines("a", "b", "c"), lines("A", "b", "c"), lines("a", "B", "c"));
  assert.deepEqual(texts(blocks), ["A", "B", "c"]);
  assert.ok(blocks.every((block) => !block.conflict));
});
