"""The loopback server's errors: under FakeCohereError and exported by testing.

That every error is documented, words its message and pickles whole is tests/test_errors.py's,
for every MedNerError wherever its area keeps it.
"""

from __future__ import annotations

import inspect

import pytest

from cohere_medner import testing
from cohere_medner.errors import MedNerError
from cohere_medner.testing import errors

CLASSES = [
    cls
    for _, cls in inspect.getmembers(errors, inspect.isclass)
    if cls.__module__ == errors.__name__
]


@pytest.mark.parametrize("cls", CLASSES, ids=lambda c: c.__name__)
def test_every_error_is_a_fakecohereerror_exported_by_testing(cls: type[Exception]) -> None:
    assert issubclass(cls, errors.FakeCohereError) and issubclass(cls, MedNerError)
    assert getattr(testing, cls.__name__) is cls and cls.__name__ in testing.__all__
