"""Token checks that stay in Python for the values Python already holds.

``Token.is_unresolved(x)`` is a round trip to Node each time it is called, and the validators
call it for every account id, region and name they check, thousands of times in a large
organization. A ``str``, a number or a list that Python holds can carry an unresolved token only
in one of aws-cdk-lib's encodings, so for those :func:`is_unresolved` applies aws-cdk-lib's own
test (``unresolved()`` in ``core/lib/private/encoding.js``, aws-cdk-lib 2.275.0) here:

- a string is unresolved if it contains ``Token[`` and an encoded token ``${Token[<key>]}``
  (key of ``a-zA-Z0-9:._-``) or a stringified number token (``-1.<10 to 16 digits>e+289``);
- a number is unresolved if its IEEE 754 double has the token marker in its upper 16 bits;
- a one-element list is unresolved if its element is a string containing ``#{Token[<key>]}``;
  other lists are not.

Anything else (``IResolvable`` objects, other jsii proxies, dicts) is asked of
``Token.is_unresolved``, and so are tuples, which jsii cannot pass: they fail there as before.
"""

from __future__ import annotations

import re
import struct

from aws_cdk import Token

_ANY_TOKEN_MARKER = "Token["
_VALID_KEY_CHARS = "a-zA-Z0-9:._-"
_STRING_TOKEN = re.compile(
    rf"\$\{{Token\[[{_VALID_KEY_CHARS}]+\]\}}|-1\.\d{{10,16}}e\+289", re.ASCII
)
_LIST_TOKEN = re.compile(rf"#\{{Token\[[{_VALID_KEY_CHARS}]+\]\}}", re.ASCII)
_DOUBLE_TOKEN_MARKER_BITS = 0xFBFF0000
"""``DOUBLE_TOKEN_MARKER_BITS`` (-67174400 as a signed 32-bit integer): the upper 16 bits of
the high word of every number token."""


def is_unresolved(value: object) -> bool:
    """Whether ``value`` is, or holds, an unresolved token: ``Token.is_unresolved(value)``
    without a call into Node for strings, numbers and lists."""
    if isinstance(value, str):
        return _ANY_TOKEN_MARKER in value and _STRING_TOKEN.search(value) is not None
    if isinstance(value, bool) or value is None:
        return False
    if isinstance(value, int | float):
        return _is_token_double(value)
    if isinstance(value, list):
        if len(value) != 1:
            return False
        element = value[0]
        return isinstance(element, str) and _LIST_TOKEN.search(element) is not None
    return bool(Token.is_unresolved(value))


def _is_token_double(value: int | float) -> bool:
    try:
        # Node reads an integer as the nearest double, as ``float`` does.
        double = float(value)
    except OverflowError:
        # Beyond a double's range: Node reads Infinity, never a token.
        return False
    high_word = int.from_bytes(struct.pack("<d", double)[4:], "little")
    return high_word & 0xFFFF0000 == _DOUBLE_TOKEN_MARKER_BITS
