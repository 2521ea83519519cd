"""CSV exports, streamed row by row from the same models the JSON API returns,
so a CSV row and its JSON item carry the same text for every field."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator

from fastapi.responses import StreamingResponse
from pydantic import BaseModel

CSV_MEDIA_TYPE = "text/csv; charset=utf-8"


def _line(values: Iterable[object]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerow(
        "" if value is None else value for value in values
    )
    return buffer.getvalue()


def csv_rows(model: type[BaseModel], items: Iterable[BaseModel]) -> Iterator[str]:
    columns = list(model.model_fields)
    # A byte-order mark: spreadsheet programs then read the Chinese text as UTF-8.
    yield "\ufeff" + _line(columns)
    for item in items:
        data = item.model_dump(mode="json")
        yield _line(data[column] for column in columns)


def csv_response(
    model: type[BaseModel], items: Iterable[BaseModel], name: str
) -> StreamingResponse:
    return StreamingResponse(
        csv_rows(model, items),
        media_type=CSV_MEDIA_TYPE,
        headers={"Content-Disposition": f'attachment; filename="{name}.csv"'},
    )
