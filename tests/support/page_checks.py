"""Checks run inside a kiosk page: does everything fit the screen, is the text legible, what is largest,
and what axe-core (the npm package, node_modules/axe-core) finds."""

from __future__ import annotations

import time
from typing import Any

from playwright.sync_api import Page
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from tests.support.server import REPO

AXE = REPO / "node_modules" / "axe-core" / "axe.min.js"


def wait_for_true(page: Page, expression: str, arg: Any = None, timeout_ms: float = 10_000) -> Any:
    """Poll ``page.evaluate(expression, arg)`` until it is truthy, and return it.

    Playwright's ``wait_for_function`` compiles its predicate inside the page, which the kiosk's
    Content-Security-Policy (no 'unsafe-eval') refuses; ``evaluate`` goes through the DevTools protocol,
    which the policy does not govern.
    """
    deadline = time.monotonic() + timeout_ms / 1000
    while not (value := page.evaluate(expression, arg)):
        if time.monotonic() > deadline:
            raise PlaywrightTimeoutError(f"{expression!r} still false after {timeout_ms:.0f} ms")
        page.wait_for_timeout(50)
    return value


# every visible element of `root` that lies outside the window or outside an ancestor that clips it,
# and every clipping box whose content is larger than itself
FIT_JS = """(selector) => {
  const root = document.querySelector(selector);
  const width = innerWidth, height = innerHeight, slack = 1;
  const name = (el) => el.dataset.testid || el.className || el.tagName;
  const problems = [];
  const visible = (el) => {
    const style = getComputedStyle(el);
    const box = el.getBoundingClientRect();
    return style.display !== "none" && style.visibility !== "hidden" && box.width > 0 && box.height > 0;
  };
  const inside = (box, outer) => box.left >= outer.left - slack && box.top >= outer.top - slack
    && box.right <= outer.right + slack && box.bottom <= outer.bottom + slack;
  const screen = { left: 0, top: 0, right: width, bottom: height };
  for (const el of [root, ...root.querySelectorAll("*")]) {
    if (!visible(el)) continue;
    const box = el.getBoundingClientRect();
    if (!inside(box, screen)) problems.push(`${name(el)} off the screen: ${JSON.stringify(box)}`);
    for (let up = el.parentElement; up && up !== document.body; up = up.parentElement) {
      if (getComputedStyle(up).overflow === "visible") continue;
      if (!inside(box, up.getBoundingClientRect())) problems.push(`${name(el)} cut off by ${name(up)}`);
      break;
    }
    const style = getComputedStyle(el);
    const clamped = style.textOverflow === "ellipsis" || style.webkitLineClamp !== "none";
    if (style.overflow !== "visible" && !clamped
        && (el.scrollHeight > el.clientHeight + slack || el.scrollWidth > el.clientWidth + slack)) {
      const inner = `${el.scrollWidth}x${el.scrollHeight}`;
      problems.push(`${name(el)} overflows: ${inner} in ${el.clientWidth}x${el.clientHeight}`);
    }
  }
  const page = document.scrollingElement;
  if (page.scrollHeight > height + slack || page.scrollWidth > width + slack) problems.push("the page scrolls");
  return problems;
}"""

# every visible element of `root` holding text, with its contrast ratio against what is behind it
# (background colours composed from the root down; gradients are checked at the colour set under them)
# and its font size
TEXT_JS = """(selector) => {
  const parse = (value) => {
    const m = value.match(/rgba?\\(([^)]+)\\)/);
    if (!m) return [0, 0, 0, 0];
    const parts = m[1].split(/[ ,\\/]+/).filter(Boolean).map(Number);
    return [parts[0], parts[1], parts[2], parts.length > 3 ? parts[3] : 1];
  };
  const over = (top, bottom) => [0, 1, 2].map((i) => top[i] * top[3] + bottom[i] * (1 - top[3]));
  const luminance = (rgb) => {
    const [r, g, b] = rgb.map((v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; });
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
  };
  const ratio = (a, b) => {
    const [x, y] = [luminance(a), luminance(b)].sort((p, q) => q - p);
    return (x + 0.05) / (y + 0.05);
  };
  const root = document.querySelector(selector);
  const out = [];
  for (const el of [root, ...root.querySelectorAll("*")]) {
    const text = [...el.childNodes].filter((n) => n.nodeType === 3).map((n) => n.textContent).join("").trim();
    if (!text || el.closest("[aria-hidden=true]")) continue;
    const style = getComputedStyle(el);
    const box = el.getBoundingClientRect();
    if (style.display === "none" || style.visibility === "hidden" || box.width === 0) continue;
    const chain = [];
    let opacity = 1;
    for (let up = el; up; up = up.parentElement) {
      chain.unshift(up);
      opacity *= Number(getComputedStyle(up).opacity);
    }
    let background = [255, 255, 255];
    for (const up of chain) background = over(parse(getComputedStyle(up).backgroundColor), background);
    const color = parse(style.color);
    const foreground = over([color[0], color[1], color[2], color[3] * opacity], background);
    out.push({ testid: el.dataset.testid || "", cls: String(el.className), text: text.slice(0, 40),
      ratio: ratio(foreground, background), size: parseFloat(style.fontSize),
      area: box.width * box.height });
  }
  return out;
}"""


def misfits(page: Page, selector: str) -> list[str]:
    problems: list[str] = page.evaluate(FIT_JS, selector)
    return problems


def texts(page: Page, selector: str) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = page.evaluate(TEXT_JS, selector)
    return found


def axe_violations(page: Page, impacts: tuple[str, ...] = ("serious", "critical")) -> list[dict[str, Any]]:
    """axe-core's violations of the given impacts on the page as it is now (rule, impact, help, where)."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE))
    results: dict[str, Any] = page.evaluate("async () => await axe.run(document, { resultTypes: ['violations'] })")
    return [
        {
            "rule": violation["id"],
            "impact": violation["impact"],
            "help": violation["help"],
            "where": [node["target"] for node in violation["nodes"]][:5],
            "why": [node.get("failureSummary", "") for node in violation["nodes"]][:2],
        }
        for violation in results["violations"]
        if violation["impact"] in impacts
    ]
