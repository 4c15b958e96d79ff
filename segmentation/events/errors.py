"""The events API's refusals: each becomes a JSON answer with its status and headers."""

from django.http import JsonResponse


class ApiError(Exception):
    """A refused request: answered with this status, JSON body and headers."""

    def __init__(self, status: int, body: dict, headers: dict | None = None) -> None:
        super().__init__(status)
        self.status, self.body, self.headers = status, body, headers or {}

    @classmethod
    def plain(cls, status: int, message: str, **headers: str) -> "ApiError":
        return cls(status, {"error": message}, headers)

    def response(self) -> JsonResponse:
        return JsonResponse(self.body, status=self.status, headers=self.headers)
