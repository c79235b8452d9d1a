"""Which refusals stop a run, what they say, and how the stop reaches waiting requests."""

from __future__ import annotations

import asyncio

import httpx
import pytest
from cohere.core.api_error import ApiError
from hypothesis import given
from hypothesis import strategies as st

from cohere_medner.errors import (
    AuthenticationError,
    ForbiddenError,
    InvalidRequestError,
    ModelNotFoundError,
    RequestRejectedError,
    RetriesExhaustedError,
    ServerUnreachableError,
)
from cohere_medner.models.refusals import (
    Refusals,
    about_the_prompt,
    refusal_scope,
    request_error,
)
from cohere_medner.testing.wire import too_many_tokens, unknown_model

SERVER = "http://127.0.0.1:8"
MODEL = "command-r-08-2024"


def refused(status: int, message: str, *, model: str | None = MODEL) -> Exception:
    answer = ApiError(status_code=status, body={"message": message})
    return request_error(answer, model=model, server=SERVER, reached=True)


# Which 400s are about one prompt ------------------------------------------------------------

_PARAMETERS = st.from_regex(r"[a-z]{2,12}(_[a-z]{2,8})?", fullmatch=True).filter(
    lambda name: not about_the_prompt(name)
)


@given(limit=st.integers(1, 10**6), received=st.integers(1, 10**7))
def test_a_prompt_over_the_limit_is_about_the_prompt(limit: int, received: int) -> None:
    assert about_the_prompt(too_many_tokens(limit, received))
    assert about_the_prompt(f"too many tokens: size limit exceeded by {received} tokens.")


@given(tokens=st.integers(1, 9))
def test_an_empty_prompt_is_about_the_prompt(tokens: int) -> None:
    assert about_the_prompt(f"message must be at least {tokens} token long.")
    assert about_the_prompt(f"invalid request: prompt must be at least {tokens} tokens long.")


@given(
    parameter=_PARAMETERS,
    rule=st.sampled_from(
        [
            "{} must be a non-negative integer.",
            "invalid request: {} must be between 0 and 1.",
            "{} is not a valid parameter for this model",
            "unknown field: {}",
        ]
    ),
)
def test_a_refused_setting_is_not_about_the_prompt(parameter: str, rule: str) -> None:
    message = rule.format(parameter)
    assert not about_the_prompt(message)
    assert type(refused(400, message)) is RequestRejectedError
    assert type(refused(422, message)) is RequestRejectedError


def test_a_prompt_too_long_fails_its_document_only() -> None:
    error = refused(400, too_many_tokens(128_000, 150_000))
    assert type(error) is InvalidRequestError and "too many tokens" in str(error)


def test_a_refused_setting_says_it_is_not_the_documents_fault() -> None:
    error = refused(400, "invalid request: max_tokens must be a non-negative integer.")
    assert isinstance(error, InvalidRequestError)  # what callers caught before
    assert "every request is refused" in str(error) and "max_tokens" in str(error)


# What each fatal refusal says ----------------------------------------------------------------


def test_a_refused_key_says_to_check_co_api_key() -> None:
    error = refused(401, "invalid api token")
    assert type(error) is AuthenticationError
    assert "the API key was refused: check CO_API_KEY" in str(error)
    assert refusal_scope(error, MODEL) is None  # every request uses the key


def test_a_forbidden_model_is_named() -> None:
    error = refused(403, "no access")
    assert type(error) is ForbiddenError
    assert f"may not use model {MODEL!r}" in str(error) and "no access" in str(error)
    assert refusal_scope(error, MODEL) == MODEL


def test_an_unknown_model_is_named_with_where_to_find_the_right_one() -> None:
    error = refused(404, unknown_model("command-x"), model="command-x")
    assert type(error) is ModelNotFoundError
    assert "model 'command-x' not found" in str(error) and "dashboard" in str(error)
    assert refusal_scope(error, "command-x") == "command-x"


def test_an_unknown_path_points_at_the_address() -> None:
    error = refused(404, "404 page not found")
    assert type(error) is ModelNotFoundError
    assert "no such endpoint" in str(error) and "CO_API_URL" in str(error)


def test_nothing_listening_names_the_address_unless_it_once_answered() -> None:
    refused_connection = httpx.ConnectError("All connection attempts failed")
    never = request_error(refused_connection, model=MODEL, server=SERVER, reached=False)
    assert type(never) is ServerUnreachableError
    assert f"nothing answers at {SERVER}" in str(never) and "CO_API_URL" in str(never)
    assert refusal_scope(never, MODEL) is None
    gone = request_error(refused_connection, model=MODEL, server=SERVER, reached=True)
    assert type(gone) is RetriesExhaustedError and SERVER in str(gone)  # an outage


# The stop -------------------------------------------------------------------------------------


def test_a_refusal_stops_the_requests_waiting_in_its_scope_only() -> None:
    refusals = Refusals()
    waiting, other_model, everyone = (refusals.waiter(m) for m in (MODEL, "other", None))
    refusals.refuse(MODEL, ModelNotFoundError("gone", 404))
    later = refusals.waiter(MODEL)
    with pytest.raises(ModelNotFoundError, match="gone"):
        waiting.check()
    other_model.check()
    everyone.check()
    later.check()  # made after the refusal: sent, and may find the model fixed
    refusals.refuse(None, AuthenticationError("refused", 401))
    for waiter in (other_model, everyone, later):
        with pytest.raises(AuthenticationError):
            waiter.check()


def test_a_refusal_cuts_a_wait_short() -> None:
    async def scenario() -> None:
        refusals = Refusals()
        waiter = refusals.waiter(MODEL)
        sleeping = asyncio.ensure_future(waiter.sleep(3600.0))
        await asyncio.sleep(0)
        refusals.refuse(MODEL, ForbiddenError("no", 403))
        with pytest.raises(ForbiddenError):
            await sleeping

    asyncio.run(asyncio.wait_for(scenario(), 60))


def test_each_stopped_request_raises_its_own_copy() -> None:
    refusals = Refusals()
    first, second = refusals.waiter(None), refusals.waiter(None)
    original = AuthenticationError("refused", 401)
    refusals.refuse(None, original)
    raised = []
    for waiter in (first, second):
        with pytest.raises(AuthenticationError) as caught:
            waiter.check()
        raised.append(caught.value)
    assert raised[0] is not raised[1] is not original
    assert str(raised[0]) == str(original)
