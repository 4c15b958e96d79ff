"""A fixed-window rate limit per client IP for the public pages, kept in the shared cache."""

from collections.abc import Callable
from functools import wraps

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

WINDOW_SECONDS = 60


def client_ip(request: HttpRequest) -> str:
    """Behind our own proxy every request comes from the proxy: then the address the proxy
    appended last to X-Forwarded-For is the client's (earlier entries are client-supplied)."""
    if settings.BEHIND_TLS_PROXY:
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")[-1].strip()
        if forwarded:
            return forwarded
    return request.META.get("REMOTE_ADDR", "")


def over_limit(scope: str, ip: str, limit: int) -> bool:
    window = int(timezone.now().timestamp()) // WINDOW_SECONDS
    key = f"ratelimit:{scope}:{ip}:{window}"
    if cache.add(key, 1, timeout=WINDOW_SECONDS * 2):
        return False
    try:
        return cache.incr(key) > limit
    except ValueError:  # expired between add and incr
        return False


def rate_limited(scope: str) -> Callable:
    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            if over_limit(scope, client_ip(request), settings.SEGMENTA_PUBLIC_RATE_LIMIT):
                response = render(request, "public/too_many.html", status=429)
                response["Retry-After"] = str(WINDOW_SECONDS)
                return response
            return view(request, *args, **kwargs)

        return wrapped

    return decorator
