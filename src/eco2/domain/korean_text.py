"""Korean text normalisation for matching what residents type against the knowledge base."""

from __future__ import annotations

import re
import unicodedata

_HANGUL_BASE = 0xAC00
_HANGUL_LAST = 0xD7A3
_CHOSEONG = "ㄱㄲㄴㄷㄸㄹㅁㅂㅃㅅㅆㅇㅈㅉㅊㅋㅌㅍㅎ"
_JUNGSEONG = "ㅏㅐㅑㅒㅓㅔㅕㅖㅗㅘㅙㅚㅛㅜㅝㅞㅟㅠㅡㅢㅣ"
_JONGSEONG = ["", *"ㄱㄲㄳㄴㄵㄶㄷㄹㄺㄻㄼㄽㄾㄿㅀㅁㅂㅄㅅㅆㅇㅈㅊㅋㅌㅍㅎ"]

# Keep Hangul, Latin letters and digits; everything else (punctuation, emoji) separates words.
_NON_WORD = re.compile(r"[^0-9a-z\uac00-\ud7a3\u3131-\u318e]+")

# Particles and endings stripped from the end of a word, longest first.
_SUFFIXES = tuple(
    sorted(
        {
            "은요", "는요", "이요", "가요", "을요", "를요", "에요", "예요", "이에요", "인가요", "인데요",
            "은", "는", "이", "가", "을", "를", "에", "에서", "에다", "에다가", "으로", "로", "도", "만",
            "의", "와", "과", "랑", "이랑", "하고", "까지", "부터", "처럼", "같은", "이나", "나", "요",
            "인가", "인데", "이야", "야", "이지", "지", "이면", "면", "들", "들은", "들도", "류", "거",
            "건", "건요", "거는", "것", "것은", "이랑은", "같은거", "같은건",
        },
        key=len,
        reverse=True,
    )
)

# Words that ask how to dispose rather than name the thing itself.
STOPWORDS = frozenset(
    {
        "어떻게", "어떡해", "어케", "어찌", "버려", "버려요", "버리", "버리는", "버리나요", "버릴", "버리면",
        "버려야", "버려도", "버리기", "버림", "버립니까", "방법", "법", "어디", "어디에", "어디로", "어디다",
        "분리수거", "분리배출", "배출", "배출해", "배출하나요", "하나요", "해요", "해야", "해야해", "돼", "되나요",
        "돼요", "되요", "되는", "되죠", "할까", "할까요", "하죠", "하는", "하면", "줘", "주세요", "알려줘",
        "알려주세요", "궁금해", "궁금해요", "뭐야", "뭐예요", "무엇", "뭐", "좀", "이거", "이건", "저거", "그거",
        "그럼", "그러면", "그리고", "혹시", "근데", "쓰레기", "재활용", "수거", "처리", "처리해", "처리하나요",
        "맞아", "맞나요", "맞아요", "인가요", "건가요", "가능", "가능해", "되나", "넣어", "넣어도", "넣으면",
        "how", "do", "i", "to", "the", "a", "an", "of", "dispose", "throw", "away", "where", "should",
        "can", "recycle", "what", "is", "it", "my", "with", "in", "into", "which", "bin", "out", "old",
        "please", "you", "get", "rid", "does", "go", "goes",
    }
)


def normalize(text: str) -> str:
    """NFKC, lower case, punctuation and emoji to spaces, single spaces."""
    text = unicodedata.normalize("NFKC", text).casefold()
    return " ".join(_NON_WORD.sub(" ", text).split())


def compact(text: str) -> str:
    """Spacing never matters for matching: "스티로폼 박스" == "스티로폼박스"."""
    return normalize(text).replace(" ", "")


def strip_particle(word: str) -> str:
    for suffix in _SUFFIXES:
        if len(word) > len(suffix) and word.endswith(suffix) and _is_hangul(word[-1]):
            return word[: -len(suffix)]
    return word


def content_words(text: str) -> list[str]:
    """Words that name things: particles stripped, question words dropped."""
    words = []
    for word in normalize(text).split():
        if word in STOPWORDS:
            continue
        stem = strip_particle(word)
        if stem and stem not in STOPWORDS:
            words.append(stem)
    return words


def to_jamo(text: str) -> str:
    """Decompose syllables so a one-jamo typo ("페트벙") costs one edit, not one syllable."""
    out = []
    for ch in text:
        code = ord(ch)
        if _HANGUL_BASE <= code <= _HANGUL_LAST:
            index = code - _HANGUL_BASE
            lead, rest = divmod(index, 588)
            vowel, tail = divmod(rest, 28)
            out.append(_CHOSEONG[lead])
            out.append(_JUNGSEONG[vowel])
            out.append(_JONGSEONG[tail])
        else:
            out.append(ch)
    return "".join(out)


def _is_hangul(ch: str) -> bool:
    return _HANGUL_BASE <= ord(ch) <= _HANGUL_LAST


def has_batchim(word: str) -> bool:
    """Whether the last syllable ends in a consonant (decides 은/는, 이/가, 을/를)."""
    for ch in reversed(word.strip()):
        code = ord(ch)
        if _HANGUL_BASE <= code <= _HANGUL_LAST:
            return (code - _HANGUL_BASE) % 28 != 0
        if ch.isalnum():
            return ch.lower() in "136780lmnr"
    return False


def josa(word: str, with_batchim: str, without: str) -> str:
    """Attach the particle form that fits the word: josa("생수병", "은", "는") -> "생수병은"."""
    return word + (with_batchim if has_batchim(word) else without)


def josa_ro(word: str) -> str:
    """으로/로: words ending in a vowel or ㄹ take 로."""
    last = word.strip()[-1:] if word.strip() else ""
    if last and _HANGUL_BASE <= ord(last) <= _HANGUL_LAST:
        tail = (ord(last) - _HANGUL_BASE) % 28
        return word + ("로" if tail in (0, 8) else "으로")
    return word + "(으)로"


# Colloquial spellings and English condition words rewritten to the forms the knowledge base uses.
_VARIANTS = (
    ("봉다리", "봉지"), ("밧데리", "배터리"), ("빳데리", "배터리"), ("바떼리", "배터리"), ("배러리", "배터리"),
    ("후라이팬", "프라이팬"), ("후라이펜", "프라이팬"), ("쇼파", "소파"), ("스뎅", "스테인리스"),
    ("패트병", "페트병"), ("펫트병", "페트병"), ("스치로폼", "스티로폼"), ("스티로폴", "스티로폼"),
    ("greasy", "기름"), ("oily", "기름"), ("dirty", "오염"), ("broken", "깨진"), ("cracked", "깨진"),
)


def standardize(text: str) -> str:
    """Rewrite colloquial variants in normalised text ("보조밧데리" -> "보조배터리")."""
    for variant, standard in _VARIANTS:
        if variant in text:
            text = text.replace(variant, standard)
    return text
