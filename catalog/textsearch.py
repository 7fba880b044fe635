"""Search keys for Japanese catalog text (pure).

One normal form for what is stored and what is typed: NFKC (full-width digits and
letters, half-width kana), case-folded, hiragana folded to katakana, spaces removed.
So ボールペン, ﾎﾞｰﾙﾍﾟﾝ and ぼーるぺん all find 油性ボールペン黒.
"""
import re
import unicodedata

_HIRAGANA_TO_KATAKANA = {code: code + 0x60 for code in range(0x3041, 0x3097)}
_SPACES = re.compile(r"\s+")


def search_key(text: str) -> str:
    text = unicodedata.normalize("NFKC", text or "").casefold()
    return _SPACES.sub("", text.translate(_HIRAGANA_TO_KATAKANA))
