"""render_page() and PageCache: images of the requested width, cached atomically."""

from __future__ import annotations

import io
import threading
from pathlib import Path

import pytest
from PIL import Image

import documents.render
from documents.errors import InvalidDocument
from documents.render import PageCache, render_page
from tests.documents.conftest import IHANOI
from tests.support.data import shared_data
from tests.support.pdfs import encrypted_pdf, garbage_pdf, rotated_pdf, tall_page_pdf

SHA = "ab" + "0" * 62


def opened(image: bytes) -> Image.Image:
    picture = Image.open(io.BytesIO(image))
    picture.load()
    return picture


@pytest.mark.parametrize(("fmt", "pil_format"), [("webp", "WEBP"), ("png", "PNG")])
def test_image_has_the_requested_width(fmt: str, pil_format: str) -> None:
    picture = opened(render_page(IHANOI, 1, 600, fmt))
    assert picture.format == pil_format
    assert picture.width == 600
    assert picture.height == pytest.approx(600 * 841.89 / 595.28, abs=2)  # A4 portrait


def test_width_is_clamped() -> None:
    assert opened(render_page(IHANOI, 2, 10, "png")).width == 64
    assert opened(render_page(IHANOI, 2, 10_000, "webp")).width == 3000


def test_rotated_page_is_rendered_as_displayed(tmp_path: Path) -> None:
    picture = opened(render_page(rotated_pdf(IHANOI, tmp_path / "landscape.pdf", 90), 1, 800))
    assert picture.width == 800 and picture.height < 800


def test_page_out_of_range_and_unknown_format_are_value_errors() -> None:
    for page in (0, 3, -1):
        with pytest.raises(ValueError):
            render_page(IHANOI, page, 300)
    with pytest.raises(ValueError):
        render_page(IHANOI, 1, 300, "gif")


def test_unopenable_file_is_damaged(tmp_path: Path) -> None:
    with pytest.raises(InvalidDocument) as caught:
        render_page(garbage_pdf(tmp_path / "garbage.pdf"), 1, 300)
    assert caught.value.code == "damaged"


def test_pdf_with_empty_user_password_renders(tmp_path: Path) -> None:
    assert opened(render_page(encrypted_pdf(IHANOI, tmp_path / "e.pdf", ""), 1, 200)).width == 200


def test_real_book_last_page_renders() -> None:
    assert opened(render_page(shared_data("real-pdfs/2020_01_15.pdf"), 171, 1000)).width == 1000


def test_concurrent_renders_are_safe() -> None:
    results: list[int] = []
    errors: list[BaseException] = []

    def work(page: int) -> None:
        try:
            results.append(opened(render_page(IHANOI, page, 300)).width)
        except BaseException as error:  # collected for the assertion below
            errors.append(error)

    threads = [threading.Thread(target=work, args=(1 + index % 2,)) for index in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == [] and results == [300] * 8


def test_cache_renders_once_then_hits(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cache = PageCache(tmp_path / "pages")
    assert cache.cached(SHA, 1, 400) is None  # looking never renders
    path = cache.get(SHA, IHANOI, 1, 400)
    assert cache.cached(SHA, 1, 400) == path.read_bytes()
    assert cache.cached(SHA, 1, 400, "png") is None
    assert path == tmp_path / "pages" / "ab" / SHA / "1-400.webp"
    assert opened(path.read_bytes()).width == 400
    mtime = path.stat().st_mtime_ns

    def no_render(*args: object) -> bytes:
        raise AssertionError("a cache hit must not render")

    monkeypatch.setattr(documents.render, "render_page", no_render)
    assert cache.get(SHA, IHANOI, 1, 400) == path
    assert path.stat().st_mtime_ns == mtime
    assert [entry.name for entry in path.parent.iterdir()] == ["1-400.webp"]  # no temp files left


def test_cache_keys_on_clamped_width_and_format(tmp_path: Path) -> None:
    cache = PageCache(tmp_path / "pages")
    assert cache.get(SHA, IHANOI, 2, 5, "png").name == "2-64.png"
    assert cache.get(SHA, IHANOI, 2, 64, "png").name == "2-64.png"
    assert cache.get(SHA, IHANOI, 2, 64).name == "2-64.webp"


def test_cache_miss_with_bad_page_writes_nothing(tmp_path: Path) -> None:
    cache = PageCache(tmp_path / "pages")
    with pytest.raises(ValueError):
        cache.get(SHA, IHANOI, 9, 400)
    assert not (tmp_path / "pages" / "ab" / SHA / "9-400.webp").exists()
    with pytest.raises(ValueError):
        cache.get("../escape", IHANOI, 1, 400)


def test_drop_forgets_a_document(tmp_path: Path) -> None:
    cache = PageCache(tmp_path / "pages")
    path = cache.get(SHA, IHANOI, 1, 100)
    cache.drop(SHA)
    assert not path.exists()
    cache.drop(SHA)  # missing is fine


@pytest.mark.parametrize("fmt", ["webp", "png"])
@pytest.mark.parametrize("width", [300, 3000])
def test_a_page_of_odd_shape_stays_within_the_pixel_budget(tmp_path: Path, width: int, fmt: str) -> None:
    strip = tall_page_pdf(tmp_path / "strip.pdf")  # 72 x 14400 pt: 60,000 px tall at 300 px wide
    picture = opened(render_page(strip, 1, width, fmt, max_pixels=2_000_000))
    assert picture.width * picture.height <= 2_000_000
    assert fmt == "png" or max(picture.size) <= 16383  # WebP's limit
    assert picture.height / picture.width == pytest.approx(200, rel=0.05)


def test_a_failed_render_is_remembered_until_the_document_is_dropped(tmp_path: Path) -> None:
    cache = PageCache(tmp_path / "pages")
    pdf = tmp_path / "stored.pdf"
    pdf.write_bytes(garbage_pdf(tmp_path / "garbage.pdf").read_bytes())
    for _ in range(2):
        with pytest.raises(InvalidDocument) as caught:
            cache.get(SHA, pdf, 1, 400)
        assert caught.value.code == "page_unrenderable"
    pdf.write_bytes(IHANOI.read_bytes())  # a good file under the same name is not looked at
    with pytest.raises(InvalidDocument):
        cache.cached(SHA, 1, 400)
    with pytest.raises(InvalidDocument):
        cache.get(SHA, pdf, 1, 800, "png")
    cache.drop(SHA)
    assert opened(cache.get(SHA, pdf, 1, 400).read_bytes()).width == 400


def test_the_cache_keeps_under_its_bound_evicting_the_least_recently_used(tmp_path: Path) -> None:
    one = len(render_page(IHANOI, 1, 500))
    cache = PageCache(tmp_path / "pages", max_bytes=one * 6)
    favourite = cache.get(SHA, IHANOI, 1, 500)
    for width in range(480, 300, -10):
        cache.get(SHA, IHANOI, 2, width)
        assert cache.cached(SHA, 1, 500) is not None  # used after every other: never the least recent
        assert cache.size() <= one * 6
    assert favourite.is_file()
    assert not (cache.directory_for(SHA) / "2-480.webp").exists()  # the first of the others went first
