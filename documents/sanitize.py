"""What readers download: an uploaded PDF without active content (scripts, launched programs, embedded files).

The original stays in the blob store untouched, for the record; a reader gets `ReaderCopies.path_for`:
the original itself when nothing active is in it (so a clean file, a signed one included, reaches
readers byte for byte), else a rewritten copy with every such thing removed.
"""

from __future__ import annotations

import io
import re
from pathlib import Path

from pypdf import PdfReader, PdfWriter
from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject, NameObject, PdfObject

from documents._pdf import describe, open_reader
from documents.errors import damaged
from documents.files import write_atomically

# Actions that run code, open or send something outside the document, or play embedded media.
ACTIVE_ACTIONS = frozenset(
    {
        "/JavaScript",
        "/Launch",
        "/SubmitForm",
        "/ImportData",
        "/GoToE",
        "/GoToR",
        "/RichMediaExecute",
        "/Rendition",
        "/Movie",
        "/Sound",
    }
)
# Annotations that carry a file or a player rather than a mark on the page.
ACTIVE_ANNOTATIONS = frozenset({"/FileAttachment", "/RichMedia", "/Screen", "/Movie", "/Sound", "/3D"})
# Keys that only ever hold, or point at, active content; dropped wherever they appear:
# /AA (triggers: page open, field keystroke...), /JS (a script), the name trees of document-level
# scripts and of embedded files, /EF (a file specification's embedded file streams), /XFA (form
# scripts), /Collection (a portfolio: the document is a folder of embedded files).
ACTIVE_KEYS = ("/AA", "/JS", "/JavaScript", "/EmbeddedFiles", "/EF", "/XFA", "/Collection", "/RichMediaContent")
# Keys whose value is an action the viewer runs by itself or on a click.
ACTION_KEYS = ("/OpenAction", "/A", "/Next")
# Spelled out in the file, even where the object graph does not reach them (an earlier revision, an
# object no longer referenced): seeing one is reason enough to hand readers a rewritten copy.
RAW_MARKERS = re.compile(rb"/(?:JavaScript|JS|AA|Launch|EmbeddedFiles?|RichMedia|XFA|SubmitForm)\b")


def active_content(path: Path) -> list[str]:
    """What in the PDF at `path` would run or open something in a viewer ("/OpenAction", "/JS", ...).

    Empty for a file readers may have as it is. InvalidDocument when pypdf cannot open it.
    """
    reader = open_reader(path)
    found = _walk(reader.trailer["/Root"], fix=False)
    if not reader.is_encrypted and RAW_MARKERS.search(path.read_bytes()):
        found.append("raw marker")
    return found


def without_active_content(path: Path) -> bytes:
    """A rewrite of the PDF at `path` with its active content removed (pages, text and links kept).

    Removed: document, page, field and annotation actions that run scripts, launch programs, submit or
    import data or open other files; additional-action triggers (/AA); the JavaScript and embedded-files
    name trees, embedded file streams, file-attachment and media annotations, XFA forms and portfolios.
    Objects not reachable from the document catalog (earlier revisions) are not written at all.
    InvalidDocument("damaged") when the file cannot be read or rewritten.
    """
    reader = open_reader(path)
    try:
        writer = PdfWriter(clone_from=reader)
        _walk(writer.root_object, fix=True)
        # a clone keeps every object it copied, referenced or not; cloning the written result again
        # carries over only what the cleaned catalog still reaches
        unreferenced_kept = _written(writer)
        return _written(PdfWriter(clone_from=PdfReader(io.BytesIO(unreferenced_kept), strict=False)))
    except Exception as exc:
        raise damaged(f"rewriting without active content: {describe(exc)}") from exc


def _written(writer: PdfWriter) -> bytes:
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def _walk(root: PdfObject, *, fix: bool) -> list[str]:
    """Visit every object reachable from `root` once; report (and with `fix`, remove) active content."""
    found: list[str] = []
    seen: set[tuple[int, int]] = set()
    stack: list[PdfObject] = [root]
    while stack:
        item = stack.pop()
        if isinstance(item, IndirectObject):
            if (item.idnum, item.generation) in seen:
                continue
            seen.add((item.idnum, item.generation))
            resolved = _resolve(item)
            if resolved is None:  # a dangling reference: nothing there to run
                continue
            item = resolved
        if isinstance(item, DictionaryObject):
            found.extend(_clean_dictionary(item, fix=fix))
            stack.extend(item.values())
        elif isinstance(item, ArrayObject):
            stack.extend(item)
    return found


def _clean_dictionary(dictionary: DictionaryObject, *, fix: bool) -> list[str]:
    found: list[str] = []
    for key in ACTIVE_KEYS:
        if key in dictionary:
            found.append(key)
            if fix:
                del dictionary[key]
    if _is_active_action(dictionary):
        found.append(str(dictionary.get("/S")))
        if fix:
            # reachable some other way than through an action key (a name tree): make it do nothing
            for key in list(dictionary.keys()):
                if key not in ("/Type", "/S"):
                    del dictionary[key]
            dictionary[NameObject("/S")] = NameObject("/Hide")
            dictionary[NameObject("/T")] = ArrayObject()
    for key in ACTION_KEYS:
        if key in dictionary and _runs_anything_active(dictionary[key]):
            found.append(key)
            if fix:
                del dictionary[key]
    if "/Annots" in dictionary:
        annotations = _resolve(dictionary["/Annots"])
        if isinstance(annotations, ArrayObject):
            active = [index for index, annotation in enumerate(annotations) if _is_active_annotation(annotation)]
            found.extend("/Annots" for _ in active)
            if fix:
                for index in reversed(active):
                    del annotations[index]
    return found


def _resolve(item: PdfObject) -> PdfObject | None:
    try:
        return item.get_object()
    except Exception:
        return None


def _is_active_action(item: PdfObject | None) -> bool:
    return isinstance(item, DictionaryObject) and str(item.get("/S", "")) in ACTIVE_ACTIONS


def _runs_anything_active(value: PdfObject) -> bool:
    """An action (or a chain or array of them, through /Next) of which at least one is active."""
    pending: list[PdfObject | None] = [_resolve(value)]
    seen: set[int] = set()
    while pending:
        item = pending.pop()
        if item is None or id(item) in seen:
            continue
        seen.add(id(item))
        if isinstance(item, ArrayObject):
            pending.extend(_resolve(element) for element in item)
        elif isinstance(item, DictionaryObject):
            if _is_active_action(item) or "/JS" in item:
                return True
            if "/Next" in item:
                pending.append(_resolve(item["/Next"]))
    return False


def _is_active_annotation(annotation: PdfObject) -> bool:
    resolved = _resolve(annotation)
    return isinstance(resolved, DictionaryObject) and str(resolved.get("/Subtype", "")) in ACTIVE_ANNOTATIONS


# Part of every name ReaderCopies writes: a change to what counts as active bumps it, so that copies
# and "clean" verdicts made under the old rules are not used.
RULES = "r1"


class ReaderCopies:
    """Copies of stored PDFs fit for readers, made once and kept on disk: root/<sha[:2]>/<sha>.r1.pdf.

    A PDF with nothing active in it gets a marker, root/<sha[:2]>/<sha>.r1.clean, and is served as it is.
    """

    def __init__(self, root: Path) -> None:
        self.root = root
        self.root.mkdir(parents=True, exist_ok=True)

    def path_for(self, sha256: str, original: Path) -> Path:
        """The file a reader may download for the stored PDF `original` (whose hex SHA-256 is `sha256`):
        `original` itself when it holds no active content, else its rewritten copy. InvalidDocument when
        the file cannot be checked or rewritten (it is then not served)."""
        directory = self._directory(sha256)
        copy, clean = directory / f"{sha256}.{RULES}.pdf", directory / f"{sha256}.{RULES}.clean"
        if clean.is_file():
            return original
        if copy.is_file():
            return copy
        directory.mkdir(parents=True, exist_ok=True)
        if not active_content(original):
            write_atomically(clean, b"")
            return original
        write_atomically(copy, without_active_content(original))
        return copy

    def drop(self, sha256: str) -> None:
        """Forget what was made for this stored file (missing is fine)."""
        for made in self._directory(sha256).glob(f"{sha256}.*"):
            made.unlink(missing_ok=True)

    def _directory(self, sha256: str) -> Path:
        if not re.fullmatch(r"[0-9a-f]{64}", sha256):
            raise ValueError(f"not a lower-case hex SHA-256: {sha256!r}")
        return self.root / sha256[:2]
