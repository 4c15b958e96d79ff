"""POST /api/events: the shop's cart updates, page views and orders.

A request passes, in order: the API key, the rate limit, the body (type, size, JSON), the
validation of every event (nothing touches the database until the whole request is valid),
then one transaction that resolves the customers, stores the new events (the unique
(integration, event_id) index makes retries harmless, concurrent ones too) and applies them
to carts and orders. Each step works on the whole batch: a 500-event request costs about a
dozen queries, not thousands.
"""

import json
import math
from typing import Any

from django.conf import settings
from django.http import HttpRequest, JsonResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt

from segmentation.events import keys
from segmentation.events.errors import ApiError
from segmentation.events.models import ApiKey
from segmentation.events.validation import validate
from segmentation.events.writing import store
from segmentation.shared.ratelimit import WINDOW_SECONDS, over_limit


@csrf_exempt  # no cookies are involved: the bearer key is the credential
def events(request: HttpRequest) -> JsonResponse:
    try:
        if request.method != "POST":
            raise ApiError.plain(405, "Use POST.", Allow="POST")
        api_key = _authenticate(request)
        _check_rate(api_key)
        incoming = validate(_event_list(_read_json(request)), timezone.now())
        accepted, duplicates = store(api_key, incoming)
    except ApiError as refusal:
        return refusal.response()
    return JsonResponse({"accepted": accepted, "duplicates": duplicates})


def _authenticate(request: HttpRequest) -> ApiKey:
    api_key = keys.authenticate(request)
    if api_key is not None:
        return api_key
    if keys.bearer_token(request) is None:
        message = "Send your API key in the header 'Authorization: Bearer <key>'."
    else:
        message = "The API key is unknown, malformed or deactivated."
    raise ApiError.plain(401, message, **{"WWW-Authenticate": "Bearer"})


def _check_rate(api_key: ApiKey) -> None:
    """Per key and after authentication, so that nobody else can use up a shop's allowance."""
    limit = settings.SEGMENTA_API_RATE_LIMIT
    if over_limit("api-events", str(api_key.pk), limit):
        wait = WINDOW_SECONDS - int(timezone.now().timestamp()) % WINDOW_SECONDS
        message = f"More than {limit} requests in a minute; retry after {wait} seconds."
        raise ApiError.plain(429, message, **{"Retry-After": str(wait)})


def _read_json(request: HttpRequest) -> Any:
    if request.content_type.lower() != "application/json":
        raise ApiError.plain(400, "Send the events as JSON, with 'Content-Type: application/json'.")
    limit = settings.SEGMENTA_API_MAX_BODY_BYTES
    too_big = ApiError.plain(413, f"The body is larger than {limit} bytes; send smaller batches.")
    if _declared_length(request) > limit:
        raise too_big  # without reading it
    # Read the stream here: request.body would apply DATA_UPLOAD_MAX_MEMORY_SIZE instead.
    raw = request.read(limit + 1)
    if len(raw) > limit:
        raise too_big
    try:
        # parse_float keeps out 1e999 and parse_constant NaN: a JSON column cannot hold them.
        return json.loads(raw.decode("utf-8"), parse_constant=_refuse, parse_float=_finite)
    except UnicodeDecodeError:
        raise ApiError.plain(400, "The body is not UTF-8 text.") from None
    except (ValueError, RecursionError) as error:
        raise ApiError.plain(400, f"The body is not valid JSON: {error}.") from None


def _declared_length(request: HttpRequest) -> int:
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return 0


def _refuse(constant: str) -> float:
    raise ValueError(f"{constant} is not a JSON number")


def _finite(text: str) -> float:
    number = float(text)
    if not math.isfinite(number):
        raise ValueError(f"{text} is out of range")
    return number


def _event_list(payload: Any) -> list:
    if not isinstance(payload, dict):
        raise ApiError.plain(400, 'The body must be one event object or {"events": [...]}.')
    if "events" not in payload:
        return [payload]
    batch = payload["events"]
    if not isinstance(batch, list) or not batch:
        raise ApiError.plain(400, '"events" must be a non-empty list of event objects.')
    if len(batch) > settings.SEGMENTA_API_MAX_EVENTS:
        message = f"At most {settings.SEGMENTA_API_MAX_EVENTS} events in one request."
        raise ApiError.plain(400, message)
    return batch
