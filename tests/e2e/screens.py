"""Screenshots of the browser journeys, for people reviewing the pages (not asserted on)."""

import os
import tempfile

SCREENSHOTS = os.environ.get("SEGMENTA_SCREENSHOTS", tempfile.gettempdir())


def shot(page, name: str) -> None:
    page.screenshot(path=os.path.join(SCREENSHOTS, f"segmenta-{name}.png"), full_page=True)
