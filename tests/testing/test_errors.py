"""The loopback server's errors: under FakeCohereError, documented, and pickling whole."""

from __future__ import annotations

import inspect
import pickle

import pytest

from cohere_medner import testing
from cohere_medner.errors import MedNerError
from cohere_medner.testing import errors

CLASSES = [
    cls
    for _, cls in inspect.getmembers(errors, inspect.isclass)
    if cls.__module__ == errors.__name__
]

# Errors whose constructor takes more than a message.
SPECIAL: dict[type[Exception], errors.FakeCohereError] = {
    errors.UnmappedPromptError: errors.UnmappedPromptError("Create a list " * 10),
}


def example(cls: type[Exception]) -> Exception:
    return SPECIAL.get(cls) or cls("something went wrong")


@pytest.mark.parametrize("cls", CLASSES, ids=lambda c: c.__name__)
def test_every_error_is_a_documented_fakecohereerror_exported_by_testing(
    cls: type[Exception],
) -> None:
    assert issubclass(cls, errors.FakeCohereError) and issubclass(cls, MedNerError)
    assert cls.__doc__ and cls.__doc__.strip()
    assert getattr(testing, cls.__name__) is cls and cls.__name__ in testing.__all__


@pytest.mark.parametrize("cls", CLASSES, ids=lambda c: c.__name__)
def test_every_error_pickles_whole(cls: type[Exception]) -> None:
    error = example(cls)
    copy = pickle.loads(pickle.dumps(error))
    assert type(copy) is cls
    assert str(copy) == str(error) and copy.args == error.args
    assert copy.__dict__ == error.__dict__


def test_an_unmapped_prompt_is_shortened_in_the_message() -> None:
    assert str(SPECIAL[errors.UnmappedPromptError]).endswith("...'")
