from __future__ import annotations

import numpy as np
import pytest

from assistant.lexical import LexicalIndex
from assistant.text import fold, lexical_tokens, nfc_lower, sentences, syllables


def test_fold_strips_diacritics_and_d_stroke() -> None:
    assert fold("Chuyển đổi số") == "chuyen doi so"
    assert fold("Đề án") == "de an"
    assert fold("ỨNG DỤNG iHanoi") == "ung dung ihanoi"


def test_nfc_lower_composes_decomposed_input() -> None:
    decomposed = "Chuye\u0302\u0309n"  # "Chuyển" typed with combining marks
    assert nfc_lower(decomposed) == "chuyển"


def test_syllables_keep_diacritics_and_numbers() -> None:
    assert syllables("Đề án 06: “Chuyển đổi số” (2022)") == ["đề", "án", "06", "chuyển", "đổi", "số", "2022"]
    assert syllables("  ...  ") == []


def test_lexical_tokens_hold_syllables_bigrams_and_folded_forms() -> None:
    tokens = lexical_tokens("Chuyển đổi số")
    assert {"chuyển", "đổi", "số", "chuyển_đổi", "đổi_số"} <= set(tokens)
    assert {"chuyen", "doi", "so", "chuyen_doi", "doi_so"} <= set(tokens)


def test_unaccented_query_shares_terms_with_accented_text() -> None:
    text = set(lexical_tokens("Chuyển đổi số trong cơ quan nhà nước"))
    query = lexical_tokens("chuyen doi so")
    assert set(query) <= text


def test_folded_forms_are_not_repeated_for_plain_words() -> None:
    assert lexical_tokens("iHanoi 2024") == ["ihanoi", "2024", "ihanoi_2024"]


def test_switches_for_measurements() -> None:
    assert lexical_tokens("Đề án", folded=False, bigrams=False) == ["đề", "án"]
    assert lexical_tokens("Đề án", fold_prefix="~") == ["đề", "án", "đề_án", "~de", "~an", "~de_an"]


def _split(text: str) -> list[str]:
    return [text[start:end] for start, end in sentences(text)]


def test_sentences_on_punctuation_before_capitals_and_numbers() -> None:
    text = "Hà Nội đã hoàn thành 25/25 dịch vụ. Tỷ lệ đạt 84,3%! Vì sao? 9/25 dịch vụ được giải quyết."
    assert _split(text) == [
        "Hà Nội đã hoàn thành 25/25 dịch vụ.",
        "Tỷ lệ đạt 84,3%!",
        "Vì sao?",
        "9/25 dịch vụ được giải quyết.",
    ]


def test_sentences_do_not_split_numbers_or_abbreviations() -> None:
    text = "Số người dùng đạt 1.043.724 tại TP. Hà Nội và Q. Hoàn Kiếm."
    assert _split(text) == [text]


def test_wrapped_pdf_lines_stay_one_sentence() -> None:
    text = (
        "Theo báo cáo của Ủy ban nhân dân thành phố Hà Nội, về phát triển các\n"
        "ứng dụng nền tảng thuộc Đề án 06, qua hơn bốn tháng triển khai chính\n"
        "thức ứng dụng iHanoi đã đạt kết quả tốt.\n"
        "Tiếp theo là một câu khác có đủ độ dài để trông như một dòng thường."
    )
    parts = _split(text)
    assert len(parts) == 2
    assert parts[0].endswith("kết quả tốt.")


def test_headings_and_numbered_items_are_sentences() -> None:
    text = (
        "Cần tích cực số hóa dữ liệu\n"
        "Cũng tại cuộc họp này, Thứ trưởng Bộ Công an đã nhấn mạnh việc hoàn thành sớm hạ tầng công nghệ\n"
        "1. Chất ma túy là chất gây nghiện\n"
        "2. Tiền chất là hóa chất không thể thiếu\n"
        "a) điểm thứ nhất\n"
        "- gạch đầu dòng"
    )
    assert _split(text) == [
        "Cần tích cực số hóa dữ liệu",
        "Cũng tại cuộc họp này, Thứ trưởng Bộ Công an đã nhấn mạnh việc hoàn thành sớm hạ tầng công nghệ",
        "1. Chất ma túy là chất gây nghiện",
        "2. Tiền chất là hóa chất không thể thiếu",
        "a) điểm thứ nhất",
        "- gạch đầu dòng",
    ]


def test_sentence_offsets_are_stripped_spans() -> None:
    text = "  Câu một.  \n\n Câu hai.  "
    assert sentences(text) == [(2, 10), (15, 23)]
    assert sentences("") == []


@pytest.mark.parametrize(
    ("old", "new"),
    [("thoả", "thỏa"), ("uỷ", "ủy"), ("hoà", "hòa"), ("toà", "tòa"), ("khoẻ", "khỏe"), ("huỷ", "hủy"), ("quý", "qúy")],
)
def test_old_and_new_tone_mark_placements_are_one_term(old: str, new: str) -> None:
    assert syllables(old) == syllables(new) == syllables(old.upper()) == syllables(new.capitalize())
    assert lexical_tokens(f"{old} thuận") == lexical_tokens(f"{new} thuận")


def test_tone_marks_stay_where_no_variant_exists() -> None:
    assert syllables("hoàn thuyền khuya huýt múa") == ["hoàn", "thuyền", "khuya", "huýt", "múa"]


def test_a_query_in_one_placement_finds_text_in_the_other() -> None:
    index = LexicalIndex()
    index.append(["Hợp đồng được thoả thuận giữa các bên", "Uỷ ban nhân dân thành phố", "Báo cáo tài chính"])
    alive = np.ones(3, dtype=bool)
    assert int(np.argmax(index.scores("thỏa thuận", alive))) == 0
    assert int(np.argmax(index.scores("ủy ban", alive))) == 1
