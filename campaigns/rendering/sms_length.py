"""How long a text message is, as the network counts it."""

# GSM 03.38: the basic table (one septet each) and the extension table (escape + septet: two).
GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENSION = frozenset("\f^{}\\[~]|€")
# (one message, each part of a concatenated one): the rest of a part carries its header.
SMS_LIMITS = {"GSM-7": (160, 153), "UCS-2": (70, 67)}


def sms_segments(text: str) -> tuple[str, int, int]:
    """(encoding, characters as the network counts them, segments). One character outside
    GSM-7 makes the whole message UCS-2, where characters beyond U+FFFF count twice. A
    two-unit character never straddles two parts."""
    if all(char in GSM7_BASIC or char in GSM7_EXTENSION for char in text):
        encoding, weights = "GSM-7", [2 if char in GSM7_EXTENSION else 1 for char in text]
    else:
        encoding, weights = "UCS-2", [2 if ord(char) > 0xFFFF else 1 for char in text]
    total = sum(weights)
    single, part = SMS_LIMITS[encoding]
    if total <= single:
        return encoding, total, 1 if total else 0
    segments, used = 1, 0
    for weight in weights:
        if used + weight > part:
            segments, used = segments + 1, 0
        used += weight
    return encoding, total, segments
