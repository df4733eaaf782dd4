// Three-way line merge of minutes content, for two consoles editing the same draft. Pure data in, data out
// (no DOM), so node --test checks it directly (tests/kiosk/minutes-merge.test.mjs).
//
// base   = the version the page loaded,
// theirs = the newer version someone else saved,
// mine   = the page's unsaved text.
// A line changed on one side only takes that side's text; a line changed on both sides the same way is taken
// once; a line changed differently on both sides is a conflict carrying both texts, for the person to choose.

/** Longest common subsequence of two lists of strings, as pairs of indices [[i, j], ...] in order. */
function matches(left, right) {
  const n = left.length;
  const m = right.length;
  const table = Array.from({ length: n + 1 }, () => new Array(m + 1).fill(0));
  for (let i = n - 1; i >= 0; i -= 1) {
    for (let j = m - 1; j >= 0; j -= 1) {
      table[i][j] = left[i] === right[j] ? table[i + 1][j + 1] + 1 : Math.max(table[i + 1][j], table[i][j + 1]);
    }
  }
  const pairs = [];
  let i = 0;
  let j = 0;
  while (i < n && j < m) {
    if (left[i] === right[j]) {
      pairs.push([i, j]);
      i += 1;
      j += 1;
    } else if (table[i + 1][j] >= table[i][j + 1]) i += 1;
    else j += 1;
  }
  return pairs;
}

const sameTexts = (a, b) => a.length === b.length && a.every((line, index) => line.text === b[index].text);

/** The lines a chunk settles to when at most one side changed it (or both alike), else null. */
function resolve(chunk) {
  if (sameTexts(chunk.mine, chunk.base)) return chunk.theirs;
  if (sameTexts(chunk.theirs, chunk.base) || sameTexts(chunk.mine, chunk.theirs)) return chunk.mine;
  return null;
}

/**
 * Merge three lists of lines ({text, ...}); returns a list of blocks, each `{ lines }` (settled) or
 * `{ conflict: { base, mine, theirs } }` (both sides changed the same lines differently).
 */
export function mergeLines(base, mine, theirs) {
  const texts = (lines) => lines.map((line) => line.text);
  const inMine = new Map(matches(texts(base), texts(mine)));
  const inTheirs = new Map(matches(texts(base), texts(theirs)));
  const blocks = [];
  const settle = (lines) => {
    if (!lines.length) return;
    const last = blocks[blocks.length - 1];
    if (last && last.lines) last.lines.push(...lines);
    else blocks.push({ lines: [...lines] });
  };
  let b = 0;
  let m = 0;
  let t = 0;
  while (b <= base.length) {
    // the next base line both sides kept (or the end): everything before it is one chunk
    let next = b;
    while (
      next < base.length &&
      !(inMine.has(next) && inTheirs.has(next) && inMine.get(next) >= m && inTheirs.get(next) >= t)
    )
      next += 1;
    const mEnd = next < base.length ? inMine.get(next) : mine.length;
    const tEnd = next < base.length ? inTheirs.get(next) : theirs.length;
    const chunk = { base: base.slice(b, next), mine: mine.slice(m, mEnd), theirs: theirs.slice(t, tEnd) };
    const settled = resolve(chunk);
    if (settled) settle(settled);
    else if (chunk.base.length === chunk.mine.length && chunk.base.length === chunk.theirs.length) {
      // neighbouring lines rewritten in place: each line on its own, so only the same line conflicts
      chunk.base.forEach((line, index) => {
        const one = { base: [line], mine: [chunk.mine[index]], theirs: [chunk.theirs[index]] };
        const lines = resolve(one);
        if (lines) settle(lines);
        else blocks.push({ conflict: one });
      });
    } else blocks.push({ conflict: chunk });
    if (next >= base.length) break;
    settle([theirs[tEnd]]);
    b = next + 1;
    m = mEnd + 1;
    t = tEnd + 1;
  }
  return blocks;
}

/**
 * Merge whole minutes contents section by section (sections are matched by `key`; their order, headings
 * and header are theirs). Returns `{ content, conflicts }`: `content.sections[i].blocks` holds the merged
 * blocks of each section (see `mergeLines`) and `content.sections[i].lines` its settled lines only;
 * `conflicts` counts the conflicting blocks.
 */
export function mergeMinutes(base, mine, theirs) {
  const linesOf = (content, key) => {
    const section = (content.sections || []).find((candidate) => candidate.key === key);
    return section ? section.lines : null;
  };
  let conflicts = 0;
  const sections = theirs.sections.map((section) => {
    const baseLines = linesOf(base, section.key);
    const mineLines = linesOf(mine, section.key);
    // a section the page did not have (a new draft's item) has nothing of mine to keep
    const blocks =
      baseLines && mineLines ? mergeLines(baseLines, mineLines, section.lines) : [{ lines: [...section.lines] }];
    conflicts += blocks.filter((block) => block.conflict).length;
    return { ...section, blocks, lines: blocks.flatMap((block) => block.lines || []) };
  });
  return { content: { ...theirs, sections }, conflicts };
}

/** Whether `mine` differs from `base` in any line's text (the page has unsaved edits). */
export function hasEdits(base, mine) {
  if (base.sections.length !== mine.sections.length) return true;
  return base.sections.some(
    (section, index) =>
      section.key !== mine.sections[index].key || !sameTexts(section.lines, mine.sections[index].lines),
  );
}
