"""Helpers for the headless page tests (Streamlit AppTest): open a page as a link would, and read what
it shows. AppTest has no typed accessor for Vega-Lite charts, so their specs and data sets are read
from the protobuf (Streamlit ships data sets as Arrow bytes)."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Iterator

import pandas as pd
from streamlit.dataframe_util import convert_arrow_bytes_to_pandas_df
from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parent.parent
TIMEOUT = 180  # generous: the test machine may be busy training


def open_page(path: str | Path, model: str | None = "dates", timeout: float = TIMEOUT, **params: str) -> AppTest:
    """Run a page (path from the repository root) as a link with these query parameters would open it:
    on the dates model unless told otherwise (None: no model in the link)."""
    app = AppTest.from_file(str(ROOT / path), default_timeout=timeout)
    for name, value in (({"model": model} if model else {}) | params).items():
        app.query_params[name] = value
    return app.run()


def no_exception(app: AppTest) -> AppTest:
    assert not app.exception, [e.value for e in app.exception]
    return app


def texts(app: AppTest) -> list[str]:
    return [m.value for m in app.markdown] + [c.value for c in app.caption]


def shown(app: AppTest, fragment: str) -> bool:
    return any(fragment in text for text in texts(app))


def charts(app: AppTest) -> list[dict]:
    """Vega-Lite specs of the Altair charts on the page, in page order."""
    return [json.loads(chart.proto.spec) for chart in app.get("vega_lite_chart")]


def chart_frames(app: AppTest, column: str, chart: int | None = None) -> Iterator[tuple[dict, pd.DataFrame]]:
    """(spec, data set) of every data set with `column`, of every chart in page order (or of chart number
    `chart` only)."""
    found = app.get("vega_lite_chart")
    for element in found if chart is None else [found[chart]]:
        for data in element.proto.datasets:
            frame = convert_arrow_bytes_to_pandas_df(data.data.data)
            if column in frame.columns:
                yield json.loads(element.proto.spec), frame


def chart_data(app: AppTest, column: str, chart: int | None = None) -> pd.DataFrame:
    """The first data set with `column` (of any chart, or of chart number `chart`)."""
    for _, frame in chart_frames(app, column, chart):
        return frame
    raise AssertionError(f"no chart data with column {column!r}")


def table_with(app: AppTest, column: str) -> pd.DataFrame:
    return next(d.value for d in app.dataframe if column in getattr(d.value, "columns", []))
