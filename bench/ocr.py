"""OCR benchmark: speed and character error rate of scanned pages, and the assistant over scans.

Usage::

    .venv/bin/python bench/ocr.py [--data ../shared/data] [--dpi 150 200 300] [--threads 1]

Method
------
The two vi-dev PDFs (``<data>/vi-dev``; 5 pages) are rendered with pdfium as scans at each resolution,
two ways: *clean* (grey, as a flatbed scanner at its best) and *scanned* (turned 0.6 degrees, 0.05 % of
the pixels speckled black or white, as tests/support/scans.py makes them). Each page goes through
``documents.ocr.ocr_page`` — the server's path: render, Tesseract ``vie+eng`` with its TSV, text rebuilt
and normalised — timed per page (wall clock, one page at a time, ``--threads`` OpenMP threads).

Character error rate: Levenshtein distance between the page's extracted text (the PDF's own text layer)
and what OCR read, both NFC with whitespace folded to one space, divided by the length of the source.

Ceiling, measured in this same run on the same pages: raw ``pytesseract.image_to_string`` on the
already-rendered clean image (no rendering, no TSV, no normalising). The ratio is ours / ceiling.

Then the 16 vi-dev questions are asked over the *scanned* 200-dpi OCR text (the product's retriever and
extractive answerer, dense weight 0.1 with the bundled MiniLM): an answer counts when it is found, holds
the expected text, and cites the page that holds it. Acceptance: CER under 2 % at 200 dpi; at least
14 of 16 answered with the right citation.

It always exits 0: it prints PASS/FAIL per target instead.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import tempfile
import time
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pypdfium2 as pdfium  # type: ignore[import-untyped]
import pytesseract  # type: ignore[import-untyped]
from PIL import Image

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from assistant.answer import answer  # noqa: E402
from assistant.chunk import Page, chunk_pages  # noqa: E402
from assistant.embed import SentenceTransformerEmbedder  # noqa: E402
from assistant.retriever import DEFAULT_DENSE_WEIGHT, Retriever  # noqa: E402
from documents.extract import extract_pages  # noqa: E402
from documents.ocr import DEFAULT_LANGUAGES, ocr_page  # noqa: E402

CER_TARGET = 0.02
ANSWERS_TARGET = 14


@dataclass
class Read:
    file: str
    page: int
    text: str
    seconds: float


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=REPO.parent / "shared" / "data")
    parser.add_argument("--dpi", type=int, nargs="+", default=[150, 200, 300])
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    folder = args.data / "vi-dev"
    spec = json.loads((folder / "questions.json").read_text(encoding="utf-8"))
    files = sorted({question["document"] for question in spec["questions"]})
    source = {(name, page.page): page.text for name in files for page in extract_pages(folder / name)}
    print(f"vi-dev: {len(files)} PDFs, {len(source)} pages; Tesseract {pytesseract.get_tesseract_version()}")
    print(f"languages {DEFAULT_LANGUAGES}, {args.threads} thread(s), {os.cpu_count()} cores")

    rows = []
    verdicts = []
    scanned_200: list[Read] = []
    with tempfile.TemporaryDirectory() as work:
        for dpi in args.dpi:
            for style in ("clean", "scanned"):
                reads = [read(folder / name, name, page, dpi, style, Path(work), args.threads) for name, page in source]
                cer = error_rate([source[(r.file, r.page)] for r in reads], [r.text for r in reads])
                ours = statistics.mean(r.seconds for r in reads)
                ceiling = raw_seconds(folder, source, dpi, args.threads) if style == "clean" else None
                rows.append(
                    (
                        f"{dpi} dpi {style}",
                        f"{ours:.2f}",
                        f"{1 / ours:.2f}",
                        f"{ceiling:.2f}" if ceiling else "-",
                        f"{ours / ceiling:.2f}" if ceiling else "-",
                        f"{100 * cer:.2f} %",
                    )
                )
                if dpi == 200:
                    verdicts.append((f"CER at 200 dpi {style} < 2 %", cer < CER_TARGET, f"{100 * cer:.2f} %"))
                    if style == "scanned":
                        scanned_200 = reads
    table(
        "OCR per page (ours: render + Tesseract TSV + text; ceiling: raw image_to_string on the clean image)",
        ("pages", "ours s/page", "pages/s", "ceiling s/page", "ratio", "CER"),
        rows,
    )
    if scanned_200:
        right, details = questions(spec["questions"], files, source, scanned_200)
        table("vi-dev questions over the scanned 200-dpi OCR text", ("question", "expect", "page", "cited"), details)
        verdicts.append(
            (f"questions answered with the right page >= {ANSWERS_TARGET}", right >= ANSWERS_TARGET, f"{right}/16")
        )
    print()
    for label, passed, figure in verdicts:
        print(f"{'PASS' if passed else 'FAIL'}  {label}: {figure}")
    return 0


def scan(path: Path, page: int, dpi: int, style: str) -> Image.Image:
    document = pdfium.PdfDocument(path)
    try:
        image: Image.Image = document[page - 1].render(scale=dpi / 72, grayscale=True).to_pil().convert("L")
    finally:
        document.close()
    if style == "scanned":
        image = image.rotate(0.6, resample=Image.Resampling.BICUBIC, fillcolor=255)
        pixels = image.load()
        assert pixels is not None
        rng = random.Random(page)
        for _ in range(int(image.width * image.height * 0.0005)):
            pixels[rng.randrange(image.width), rng.randrange(image.height)] = rng.choice((0, 255))
    return image


def read(path: Path, name: str, page: int, dpi: int, style: str, work: Path, threads: int) -> Read:
    """OCR one page of a one-page image-only PDF made from `page` of `path`, the way the server does."""
    pdf = work / f"{path.stem}-{page}-{dpi}-{style}.pdf"
    scan(path, page, dpi, style).save(pdf, format="PDF", resolution=dpi)
    started = time.perf_counter()
    result = ocr_page(pdf, 1, dpi=dpi, threads=threads)
    return Read(name, page, result.text, time.perf_counter() - started)


def raw_seconds(folder: Path, source: dict[tuple[str, int], str], dpi: int, threads: int) -> float:
    os.environ["OMP_THREAD_LIMIT"] = str(threads)
    times = []
    for name, page in source:
        image = scan(folder / name, page, dpi, "clean")
        started = time.perf_counter()
        pytesseract.image_to_string(image, lang=DEFAULT_LANGUAGES)
        times.append(time.perf_counter() - started)
    return statistics.mean(times)


def folded(text: str) -> str:
    return " ".join(unicodedata.normalize("NFC", text).split())


def error_rate(references: list[str], readings: list[str]) -> float:
    """Characters wrong (Levenshtein) over characters expected, all pages together."""
    errors = sum(levenshtein(folded(ref), folded(hyp)) for ref, hyp in zip(references, readings, strict=True))
    return errors / max(1, sum(len(folded(ref)) for ref in references))


def levenshtein(a: str, b: str) -> int:
    """Edit distance, one numpy row per character of `a`."""
    if not a or not b:
        return max(len(a), len(b))
    codes = np.frombuffer(b.encode("utf-32-le"), dtype=np.uint32)
    index = np.arange(len(b) + 1)
    row = index.copy()
    for i, char in enumerate(a, start=1):
        cost = (codes != ord(char)).astype(np.int64)
        best = np.empty_like(row)
        best[0] = i
        best[1:] = np.minimum(row[1:] + 1, row[:-1] + cost)
        # insertions run along the row: new[j] = min over k <= j of best[k] + (j - k)
        row = np.minimum.accumulate(best - index) + index
    return int(row[-1])


def normalise(text: str) -> str:
    return " ".join(unicodedata.normalize("NFC", text).lower().split())


def questions(
    spec: list[dict[str, str]], files: list[str], source: dict[tuple[str, int], str], reads: list[Read]
) -> tuple[int, list[tuple[str, str, int, str]]]:
    embedder = SentenceTransformerEmbedder(threads=1)
    pages = [Page(doc_id=files.index(r.file), version=1, page=r.page, text=r.text) for r in reads]
    retriever = Retriever.build(chunk_pages(pages, embedder.count_tokens), embedder, dense_weight=DEFAULT_DENSE_WEIGHT)
    right = 0
    details = []
    for question in spec:
        doc_id = files.index(question["document"])
        page = next(
            number
            for (name, number), text in source.items()
            if name == question["document"] and normalise(question["expect"]) in normalise(text)
        )
        hits = retriever.search(question["q"], k=5)
        reply = answer(question["q"], hits)
        holds = reply.found and any(
            normalise(question["expect"]) in normalise(text)
            for text in [reply.text, *(c.snippet for c in reply.citations)]
        )
        cited = any((c.doc_id, c.page) == (doc_id, page) for c in reply.citations)
        right += holds and cited
        details.append((question["q"][:60], question["expect"], page, "yes" if holds and cited else "NO"))
    return right, details


def table(title: str, header: tuple[str, ...], rows: list[tuple[object, ...]]) -> None:
    cells = [[str(cell) for cell in row] for row in [header, *rows]]
    widths = [max(len(row[i]) for row in cells) for i in range(len(header))]
    print(f"\n{title}")
    for index, row in enumerate(cells):
        print(
            "  ".join(
                cell.ljust(w) if i == 0 else cell.rjust(w) for i, (cell, w) in enumerate(zip(row, widths, strict=True))
            )
        )
        if index == 0:
            print("  ".join("-" * w for w in widths))


if __name__ == "__main__":
    raise SystemExit(main())
