"""Does a long scan hold up the documents uploaded after it?

Usage::

    .venv/bin/python bench/ocr_queue.py [--data ../shared/data] [--pages 40] [--dpi 150]

Method
------
A real ``icabinet serve`` subprocess (demo meeting, no demo documents). A text PDF (the vi-dev report
``bao-cao-ihanoi.pdf``) is uploaded on the idle server and timed from the upload to ``searchable: true``
(its passages are in the assistant's index): the ceiling. Then a scan of ``--pages`` pages (the first
pages of the real 105-page minutes book rendered in grey at ``--dpi``, an image-only PDF, no text layer)
is uploaded; once it is readable (``ready``, its pages queued for OCR), the same text PDF is uploaded
again under another title and timed the same way, while the scan's OCR runs. The scan's OCR progress
at that moment is printed, and the time until the scan is fully read.

Acceptance (issue 9): the text PDF becomes readable and searchable while the scan is still being read,
in no more than 2x its time on the idle server (PASS/FAIL printed; it always exits 0).
"""

from __future__ import annotations

import argparse
import io
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
import pypdfium2

REPO = Path(__file__).resolve().parents[1]
RATIO_TARGET = 2.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def image_only_pdf(source: Path, pages: int, dpi: int) -> bytes:
    """The first ``pages`` pages of ``source`` as a scanner would hand them over: grey images, no text."""
    document = pypdfium2.PdfDocument(source)
    try:
        images = [
            document[index].render(scale=dpi / 72, grayscale=True).to_pil().convert("L")
            for index in range(min(pages, len(document)))
        ]
    finally:
        document.close()
    out = io.BytesIO()
    images[0].save(out, "PDF", resolution=dpi, save_all=True, append_images=images[1:])
    return out.getvalue()


class Server:
    def __init__(self, data_dir: Path) -> None:
        self.port = free_port()
        env = {k: v for k, v in os.environ.items() if not k.startswith("ICABINET_")}
        env |= {"ICABINET_DATA_DIR": str(data_dir), "ICABINET_LOG_LEVEL": "warning"}
        cli = [sys.executable, "-m", "server.cli"]
        subprocess.run([*cli, "demo", "--no-documents"], env=env, cwd=REPO, check=True, capture_output=True)
        self.process = subprocess.Popen([*cli, "serve", "--port", str(self.port)], env=env, cwd=REPO)
        url = f"http://127.0.0.1:{self.port}"
        for _ in range(600):
            try:
                if httpx.get(f"{url}/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        login = {"username": "thuky", "password": "thuky-demo-1"}
        token = httpx.post(f"{url}/api/auth/login", json=login).raise_for_status().json()["token"]
        self.http = httpx.Client(base_url=url, headers={"Authorization": f"Bearer {token}"}, timeout=120)

    def upload(self, name: str, content: bytes) -> int:
        response = self.http.post(
            "/api/meetings/1/documents",
            files={"file": (name, content, "application/pdf")},
            data={"classification": "public", "title": name},
        )
        return int(response.raise_for_status().json()["id"])

    def document(self, document_id: int) -> dict[str, Any]:
        return dict(self.http.get(f"/api/documents/{document_id}").raise_for_status().json())

    def wait(self, document_id: int, done: str, timeout: float) -> float:
        """Seconds until the document's ``done`` condition holds (polled every 20 ms)."""
        start = time.perf_counter()
        while time.perf_counter() - start < timeout:
            document = self.document(document_id)
            if document["status"] == "failed":
                raise RuntimeError(f"document {document_id} failed: {document}")
            if (done == "searchable" and document["searchable"]) or (done == "ready" and document["status"] == "ready"):
                return time.perf_counter() - start
            finished = document["ocr_done"] + document["ocr_failed"]
            if done == "read" and document["ocr_total"] and finished >= document["ocr_total"]:
                return time.perf_counter() - start
            time.sleep(0.02)
        raise TimeoutError(f"document {document_id} not {done} within {timeout:.0f} s")

    def stop(self) -> None:
        self.http.close()
        self.process.terminate()
        self.process.wait(timeout=20)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, default=REPO.parent / "shared" / "data")
    parser.add_argument("--pages", type=int, default=40)
    parser.add_argument("--dpi", type=int, default=150)
    args = parser.parse_args()
    text_pdf = (args.data / "vi-dev" / "bao-cao-ihanoi.pdf").read_bytes()
    scan = image_only_pdf(args.data / "real-pdfs" / "2010_03_17.pdf", args.pages, args.dpi)
    with tempfile.TemporaryDirectory(prefix="icabinet-ocr-queue-") as tmp:
        server = Server(Path(tmp))
        try:
            started = time.perf_counter()
            server.wait(server.upload("bao-cao-1.pdf", text_pdf), "searchable", 300)
            alone = time.perf_counter() - started
            scan_start = time.perf_counter()
            scan_id = server.upload("scan.pdf", scan)
            server.wait(scan_id, "ready", 300)
            scan_ready = time.perf_counter() - scan_start
            started = time.perf_counter()
            server.wait(server.upload("bao-cao-2.pdf", text_pdf), "searchable", 300)
            behind = time.perf_counter() - started
            progress = server.document(scan_id)
            server.wait(scan_id, "read", 3600)
            scan_total = time.perf_counter() - scan_start
            final = server.document(scan_id)
        finally:
            server.stop()
    print(f"OCR queue, {args.pages}-page scan at {args.dpi} dpi; {time.strftime('%Y-%m-%d')}, {os.cpu_count()} cores")
    print(f"text PDF alone, upload to searchable:           {alone:7.2f} s  (ceiling)")
    print(f"scan readable (page images), upload to ready:   {scan_ready:7.2f} s")
    print(f"text PDF behind the scan, upload to searchable: {behind:7.2f} s  (ratio {behind / alone:.2f})")
    print(f"  the scan at that moment: OCR {progress['ocr_done']}/{progress['ocr_total']} pages")
    pages = max(1, final["ocr_total"])
    print(
        f"scan fully read {scan_total:.1f} s after its upload: {final['ocr_done']} pages read, "
        f"{final['ocr_failed']} failed ({scan_total / pages:.2f} s/page)"
    )
    still_reading = progress["ocr_done"] + progress["ocr_failed"] < progress["ocr_total"]
    ok = still_reading and behind <= RATIO_TARGET * alone
    print(f"{'PASS' if ok else 'FAIL'}  searchable while the scan is still read, within {RATIO_TARGET:.0f}x alone")


if __name__ == "__main__":
    main()
