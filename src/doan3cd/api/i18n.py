"""Bilingual text and `Accept-Language` negotiation (Vietnamese first, English on request)."""

from dataclasses import dataclass

from starlette.requests import HTTPConnection

DEFAULT_LANGUAGE = "vi"
SUPPORTED = ("vi", "en")


@dataclass(frozen=True, slots=True)
class Text:
    vi: str
    en: str

    def render(self, lang: str) -> str:
        return self.en if lang == "en" else self.vi

    def format(self, **values: object) -> "Text":
        return Text(self.vi.format(**values), self.en.format(**values))


def negotiate(accept_language: str | None) -> str:
    """Pick vi or en from an Accept-Language header by quality; anything else gets Vietnamese."""
    if not accept_language:
        return DEFAULT_LANGUAGE
    best, best_q = DEFAULT_LANGUAGE, -1.0
    for part in accept_language.split(","):
        tag, _, params = part.strip().partition(";")
        primary = tag.strip().lower().split("-")[0]
        if primary not in SUPPORTED:
            continue
        q = 1.0
        if params.strip().startswith("q="):
            try:
                q = float(params.strip()[2:])
            except ValueError:
                q = 0.0
        if q > best_q:
            best, best_q = primary, q
    return best


def request_language(conn: HTTPConnection) -> str:
    return negotiate(conn.headers.get("accept-language"))
