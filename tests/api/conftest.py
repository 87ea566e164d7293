"""The OCPP fixtures (a company on the live server, its connected station CP1), for the
API's commands as a station answers them."""

from tests.ocpp.conftest import company, cp1  # noqa: F401
