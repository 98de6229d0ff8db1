"""The few words our page templates say, in the languages stories are told in.

Names of languages, countries and dates come from CLDR (Babel); these are the rest. A story
page reads in its own language; a language missing here falls back to English.
"""

from __future__ import annotations

STRINGS: dict[str, dict[str, str]] = {
    "ar": {
        "By": "بقلم",
        "min read": "دقائق للقراءة",
        "Place": "المكان",
        "From": "من",
        "Also in": "متوفرة أيضًا بـ",
        "Themes": "المواضيع",
        "Content warning": "تنبيه بشأن المحتوى",
        "Related stories": "قصص ذات صلة",
        "Preview only": "معاينة فقط",
        "and": "و",
        "Share this story": "شارك هذه القصة",
        "E-mail": "البريد الإلكتروني",
        "Copy link": "انسخ الرابط",
        "Link copied": "تم نسخ الرابط",
        "to": "إلى",
    },
}


def translate(text: str, lang: str) -> str:
    return STRINGS.get(lang.split("-")[0], {}).get(text, text)
