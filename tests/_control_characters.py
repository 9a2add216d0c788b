"""Control characters a header value may not hold (HTAB is the one it may), each with the
name egress's error messages give it: shared by the header and cookie tests."""

import pytest

CONTROL_CHARACTERS = [
    pytest.param("\x1b", "ESC (0x1B)", id="ESC"),
    pytest.param("\x7f", "DEL (0x7F)", id="DEL"),
    pytest.param("\x01", "SOH (0x01)", id="SOH"),
    pytest.param("\x0b", "VT (0x0B)", id="VT"),
    pytest.param("\x0c", "FF (0x0C)", id="FF"),
    pytest.param("\r", "CR (0x0D)", id="CR"),
    pytest.param("\n", "LF (0x0A)", id="LF"),
    pytest.param("\x00", "NUL (0x00)", id="NUL"),
]
