"""The answers waitress gives by itself, before the application sees a request (a head or
a body over its limit, a malformed request), with the documented JSON error body instead
of waitress's plain text."""

from __future__ import annotations

from typing import cast

from waitress.channel import HTTPChannel
from waitress.parser import HTTPRequestParser
from waitress.task import ErrorTask

from contract.server.http_io import JSON_TYPE, error_response


class _JsonErrorTask(ErrorTask):
    def execute(self) -> None:
        # An error task is handed the request parser that failed (typed otherwise).
        error, limits = cast("HTTPRequestParser", self.request).error, self.channel.adj
        if error is None:  # pragma: no cover - waitress makes error tasks for errors only
            super().execute()
            return
        if error.code == 413:
            # waitress refuses a body of max_request_body_size bytes or more.
            largest = limits.max_request_body_size - 1
            message = f"the body is over the limit of {largest} bytes"
        elif error.code == 431:
            largest = limits.max_request_header_size
            message = f"the request line and headers are over the limit of {largest} bytes"
        else:
            message = f"malformed request: {str(error.body).rstrip('.')}"
        response = error_response(error.code, message)
        self.status = response.status_line
        self.response_headers = [*self.response_headers, ("Content-Type", JSON_TYPE)]
        self.set_close_on_finish()
        self.content_length = len(response.body)
        self.write(response.body)


class JsonErrorChannel(HTTPChannel):
    """waitress's connection, answering its own errors with JSON bodies."""

    error_task_class = _JsonErrorTask
