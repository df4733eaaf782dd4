"""Vietnamese-aware text: NFC lower case, accent folding, syllable tokens for BM25, sentence spans.

Vietnamese writes one syllable per space-separated token and builds words from two or more syllables
("chuyển đổi số"), so lexical search indexes syllables, their accent-folded forms (so a query typed
without diacritics, "chuyen doi so", still matches) and syllable bigrams (so compounds match as a whole).
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

WORD = re.compile(r"[^\W_]+")
"""A word: a run of letters and digits (no underscore: "_" joins bigrams)."""
BIGRAM_JOIN = "_"


def nfc_lower(text: str) -> str:
    """`text` in Unicode NFC, lower case (Vietnamese letters keep their diacritics)."""
    return unicodedata.normalize("NFC", text).lower()


@lru_cache(maxsize=65536)
def _fold_word(word: str) -> str:
    decomposed = unicodedata.normalize("NFD", word.replace("đ", "d").replace("Đ", "D"))
    return unicodedata.normalize("NFC", "".join(ch for ch in decomposed if not unicodedata.combining(ch)))


def fold(text: str) -> str:
    """`text` lower-cased without diacritics ("Đề án" -> "de an"): what a user types without accents."""
    return _fold_word(nfc_lower(text))


# Tone marks on "oa", "oe" and "uy": the old placement puts the mark on the second vowel ("hoà", "khoẻ",
# "uỷ"), the new on the first ("hòa", "khỏe", "ủy"); both are in everyday use, often in one law. Terms take
# the second-vowel form, which also mends "qúy" (the "u" of "qu" is a consonant) to "quý".
_TONE_SHIFTS = {
    marked + second: plain + unicodedata.normalize("NFC", second + mark)
    for plain, second in (("o", "a"), ("o", "e"), ("u", "y"))
    for mark in ("\u0300", "\u0301", "\u0309", "\u0303", "\u0323")
    for marked in (unicodedata.normalize("NFC", plain + mark),)
}
_TONE_SHIFT = re.compile("|".join(_TONE_SHIFTS))


def unify_tone_marks(text: str) -> str:
    """`text` (NFC, lower case) with one tone-mark placement on "oa", "oe", "uy": "hòa" -> "hoà", "ủy" -> "uỷ"."""
    return _TONE_SHIFT.sub(lambda match: _TONE_SHIFTS[match.group()], text)


def syllables(text: str) -> list[str]:
    """The word tokens of `text`: NFC, lower case, runs of letters and digits, diacritics kept, and one
    tone-mark placement for the spelling variants ("thỏa" and "thoả" are one term)."""
    return WORD.findall(unify_tone_marks(nfc_lower(text)))


def lexical_tokens(text: str, *, folded: bool = True, bigrams: bool = True, fold_prefix: str = "") -> list[str]:
    """The BM25 terms of `text`: syllables, syllable bigrams ("chuyển_đổi") and their accent-folded forms.

    A folded form is added only where it differs from the original ("chuyển" adds "chuyen", "iHanoi"
    adds nothing), in the same namespace as the original terms: an unaccented query ("chuyen doi so")
    then meets the folded terms of accented text, an accented query meets both, and one index serves
    both. Measured on ALQAC (bench/assistant_eval.py) this beats keeping folded terms apart under a
    prefix (`fold_prefix`, which then adds every folded form); the keyword switches exist for those
    measurements.
    """
    words = syllables(text)
    tokens = list(words)
    pairs = list(zip(words, words[1:], strict=False))
    if bigrams:
        tokens.extend(first + BIGRAM_JOIN + second for first, second in pairs)
    if folded:
        plain = [_fold_word(word) for word in words]
        tokens.extend(fold_prefix + new for new, old in zip(plain, words, strict=True) if fold_prefix or new != old)
        if bigrams:
            tokens.extend(
                fold_prefix + first + BIGRAM_JOIN + second
                for (first, second), old in zip(zip(plain, plain[1:], strict=False), pairs, strict=True)
                if fold_prefix or (first, second) != old
            )
    return tokens


# Sentence ends inside a line: . ! ? … (possibly repeated, possibly followed by closing quotes or
# brackets), then whitespace, then something that can start a sentence.
_INLINE_END = re.compile(r"[.!?…]+[\"'”’»)\]]*(?=\s+[\"'“‘«(\[]?[A-ZÀ-ỸĐ0-9])")
# A line ending like this closes its sentence.
_LINE_END = re.compile(r"[.!?…:;][\"'”’»)\]]*\s*$")
# A line starting like this opens a new item: "1.", "2)", "a)", "-", "•", "+", "Điều 5."
_ITEM_START = re.compile(
    r"^\s*(?:\d{1,3}(?:\.\d{1,3})*[.)]\s|[a-zđ][.)]\s|[-–—•●▪+*]\s|(?:Điều|Chương|Mục|Phần)\s+\w+)"
)
_ITEM_NUMBER = re.compile(r"\d{1,3}(?:\.\d{1,3})*")
# Abbreviations whose dot does not end a sentence ("TP. Hà Nội", "TS. Nguyễn").
_ABBREVIATIONS = frozenset(
    {"tp", "q", "p", "ts", "ths", "pgs", "gs", "bs", "ks", "ls", "đ/c", "v.v", "mr", "mrs", "ms", "dr", "st", "vs"}
)
# A line shorter than this share of the longest line of the text, followed by a capitalised line, is a
# heading or the last line of a paragraph: PDF text wraps every line, so a bare newline is no boundary.
_SHORT_LINE = 0.6


def sentences(text: str) -> list[tuple[int, int]]:
    """Sentence spans of `text` as (start, end) character offsets, stripped of surrounding whitespace.

    Boundaries: . ! ? … before a capitalised word or a number; the end of a line that closes with
    punctuation, that is followed by a list item ("1.", "a)", "-", "Điều 3") or that is a short line
    (a heading, a paragraph's last line) before a capitalised one; blank lines. Lines wrapped by the
    PDF inside a sentence stay together.
    """
    cuts = sorted(set(_inline_cuts(text)) | set(_line_cuts(text)))
    spans: list[tuple[int, int]] = []
    start = 0
    for cut in [*cuts, len(text)]:
        span = _strip(text, start, cut)
        if span is not None:
            spans.append(span)
        start = cut
    return spans


def _inline_cuts(text: str) -> list[int]:
    cuts = []
    for match in _INLINE_END.finditer(text):
        word_start = match.start()
        while word_start > 0 and not text[word_start - 1].isspace():
            word_start -= 1
        word = text[word_start : match.start()].lower()
        if match.group().startswith(".") and (
            word in _ABBREVIATIONS or (len(word) == 1 and word.isalpha()) or _is_item_number(text, word_start, word)
        ):
            continue
        cuts.append(match.end())
    return cuts


def _is_item_number(text: str, word_start: int, word: str) -> bool:
    """ "1." or "2.3." opening a line numbers a list item: its dot ends no sentence."""
    line_start = text.rfind("\n", 0, word_start) + 1
    return not text[line_start:word_start].strip() and _ITEM_NUMBER.fullmatch(word) is not None


def _line_cuts(text: str) -> list[int]:
    lines = text.split("\n")
    longest = max((len(line.strip()) for line in lines), default=0)
    cuts = []
    offset = 0
    for index, line in enumerate(lines[:-1]):
        offset += len(line) + 1
        following = lines[index + 1]
        stripped = line.strip()
        if not stripped or not following.strip():
            cuts.append(offset)
            continue
        starts_capital = following.lstrip()[:1].isupper() or following.lstrip()[:1].isdigit()
        short = len(stripped) < _SHORT_LINE * longest
        if _LINE_END.search(line) or _ITEM_START.match(following) or (short and starts_capital):
            cuts.append(offset)
    return cuts


def _strip(text: str, start: int, end: int) -> tuple[int, int] | None:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return (start, end) if start < end else None
