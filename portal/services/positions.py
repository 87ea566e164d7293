"""Where things are: coordinates on the earth (sites, stations) and places on a floor map.

Both arrive from forms and scripts as numbers of any size, or as NaN and infinity, which
no map can show: one check for each, so sites, stations and floor maps refuse alike.
"""

from __future__ import annotations

from portal.errors import Invalid


def checked_coordinates(latitude: float | None, longitude: float | None
                        ) -> tuple[float | None, float | None]:
    """Both or neither; latitude -90..90 and longitude -180..180 (degrees, WGS 84)."""
    if latitude is None and longitude is None:
        return None, None
    if latitude is None or longitude is None:
        field = "latitude" if latitude is None else "longitude"
        raise Invalid("Give both latitude and longitude, or neither.", field=field)
    if not (-90 <= latitude <= 90):
        raise Invalid("Latitude must be between -90 and 90.", field="latitude")
    if not (-180 <= longitude <= 180):
        raise Invalid("Longitude must be between -180 and 180.", field="longitude")
    return latitude, longitude


def checked_fraction(value: object, field: str) -> float:
    """A place across or down a floor map: a number from 0 (left, top) to 1 (right, bottom)."""
    if isinstance(value, str):
        try:
            value = float(value)
        except ValueError:
            value = None
    # NaN compares false with everything: the range check refuses it, and infinities.
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 1:
        raise Invalid(f"{field} must be a number from 0 to 1.", field=field)
    return float(value)
