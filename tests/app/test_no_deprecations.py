"""No page uses a deprecated Streamlit API (issue 14: the server log had 84 ``use_container_width``
deprecation warnings).  Streamlit logs every deprecation through one logger; each page is run and the log
must stay empty of them."""

from __future__ import annotations

from typing import Any

import pytest
from streamlit import deprecation_util

from tests.app.helpers import OPTIONAL_PAGES, PAGES, go, start

ALL_PAGES = (*PAGES, *OPTIONAL_PAGES, "itdonyu", "plans")


@pytest.mark.parametrize("page", ALL_PAGES)
def test_page_uses_no_deprecated_api(page: str, monkeypatch: pytest.MonkeyPatch) -> None:
    said: list[str] = []

    def record(message: Any, *args: Any, **kwargs: Any) -> None:
        said.append(str(message))

    monkeypatch.setattr(deprecation_util._LOGGER, "warning", record)
    at = start()
    go(at, page)
    assert not said, said[:3]
