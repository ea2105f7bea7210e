"""The HTML pages over real HTTP (gunicorn `sistercities serve`), without a browser."""

from __future__ import annotations

import pytest
import requests

from html_helpers import elements, visible_text

pytestmark = pytest.mark.backends  # on every store backend (tests/backends.py)


def test_home_page_over_http(live_server: str) -> None:
    r = requests.get(live_server + "/", timeout=30)
    assert r.status_code == 200 and r.headers["Content-Type"].startswith("text/html")
    assert "Accept-Language" in r.headers["Vary"]
    assert elements(r.text, "form", action="/search", method="get")
    assert elements(r.text, "link", rel="alternate", type="text/turtle", href="/catalog")
    assert "Data CC BY 4.0" in visible_text(r.text)


def test_search_page_over_http(live_server: str) -> None:
    r = requests.get(live_server + "/search", params={"q": "Pucheon"}, headers={"Accept": "text/html"}, timeout=30)
    assert r.status_code == 200
    assert "Matched “Pucheon”, another name of Bucheon." in visible_text(r.text)


def test_city_page_follows_accept_language(live_server: str) -> None:
    r = requests.get(live_server + "/id/city/khabarovsk", headers={"Accept": "text/html", "Accept-Language": "ru, en;q=0.5"},
                     timeout=30)
    assert r.status_code == 200 and r.url.endswith(".html")
    assert "<title>Хабаровск — Sister Cities</title>" in r.text
