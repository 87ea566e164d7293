"""Floor maps: the plan of a floor as an image, and where each of its stations stands on it.

The image is checked by decoding it, never by its name or the content type a browser
claims: a text file renamed map.png, or a PNG cut short, is refused like a PDF. Positions
are fractions of the image's width and height, so they hold at any size it is shown.
"""

from __future__ import annotations

import io
import warnings

from PIL import Image, UnidentifiedImageError
from sqlalchemy import select

from portal.errors import Invalid, NotFound, TooLarge
from portal.extensions import db
from portal.models import Floor, Station
from portal.models.base import INTEGER_MAX
from portal.services import live, positions

MAX_BYTES = 2 * 1024 * 1024
CONTENT_TYPES = {"JPEG": "image/jpeg", "PNG": "image/png"}
# A few kilobytes of PNG can claim billions of pixels; a floor plan needs far fewer.
MAX_PIXELS = 40_000_000
FIELD = "floor_map"


def set_image(floor: Floor, content: bytes) -> None:
    """Keep `content` as the floor's map if it is a whole JPEG or PNG of at most 2 MB."""
    if len(content) > MAX_BYTES:
        raise TooLarge(f"The floor map is larger than {MAX_BYTES / 1024 / 1024:g} MB. Nothing "
                       "was stored.", field=FIELD)
    floor.floor_map_content_type = _content_type(content)
    floor.floor_map = content
    db.session.flush()


def _content_type(content: bytes) -> str:
    refused = Invalid("Choose a JPEG or PNG image; this file is not one (or it is damaged). "
                      "Nothing was stored.", field=FIELD)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(content)) as image:
                image.verify()  # the file's structure and checksums
            with Image.open(io.BytesIO(content)) as image:
                if image.format not in CONTENT_TYPES or image.width * image.height > MAX_PIXELS:
                    raise refused
                image.load()  # every pixel: a file cut short fails here
                return CONTENT_TYPES[image.format]
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError,
            Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise refused from None


def stations_of(floor: Floor) -> list[Station]:
    return list(db.session.scalars(select(Station).where(Station.floor_id == floor.id)
                                   .order_by(Station.charge_box_id)))


def place(floor: Floor, station_id: object, x: object, y: object) -> Station:
    """Put one of the floor's stations at (x, y), fractions of the map's width and height."""
    number = _id_of(station_id)
    station = db.session.get(Station, number) if number is not None else None
    if station is None or station.floor_id != floor.id:
        raise NotFound("No such station on this floor.", field="station_id")
    station.floor_x = positions.checked_fraction(x, "x")
    station.floor_y = positions.checked_fraction(y, "y")
    live.changed(floor.tenant_id)
    db.session.flush()
    return station


def _id_of(value: object) -> int | None:
    """A station id from JSON (a number) or a form (digits); None for anything else."""
    if isinstance(value, str) and value.isascii() and value.isdigit() and len(value) <= 10:
        value = int(value)
    if isinstance(value, int) and not isinstance(value, bool) and 0 < value <= INTEGER_MAX:
        return value
    return None
