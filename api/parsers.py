"""The API's JSON parser: DRF's, refusing a body nested deeper than config.json_depth allows
with a 400 in the API's error shape instead of a RecursionError (a 500)."""

import io
from typing import Any

from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser

from config.json_depth import MAX_DEPTH, json_too_deep


class DepthLimitedJSONParser(JSONParser):
    def parse(self, stream: Any, media_type: Any = None, parser_context: Any = None) -> Any:
        body = stream.read() if stream is not None else b""
        if json_too_deep(body):
            raise ParseError(f"JSON parse error - nested deeper than {MAX_DEPTH} levels.")
        try:
            return super().parse(io.BytesIO(body), media_type, parser_context)
        except RecursionError:  # (a limit above what this Python can parse)
            raise ParseError("JSON parse error - nested too deeply.") from None
