"""Slots a straggling request gives up: the rule on answer times, and the slots themselves."""

from __future__ import annotations

import asyncio
import statistics

from hypothesis import given
from hypothesis import strategies as st

from cohere_medner.models.slots import FEWEST_ANSWERS, PATIENCE, AnswerTimes, Slots


@given(st.lists(st.floats(0.001, 100.0), max_size=200), st.integers(1, 80))
def test_a_request_straggles_after_patience_times_the_median_of_the_last_answers(
    seconds: list[float], keep: int
) -> None:
    times = AnswerTimes(keep)
    for one in seconds:
        times.add(one)
    last = seconds[-keep:]
    expected = PATIENCE * statistics.median(last) if len(last) >= FEWEST_ANSWERS else None
    assert times.straggling_after() == expected


def primed(size: int, seconds: float = 0.001) -> Slots:
    """Slots whose last answers took ``seconds``: a request straggles after five times that."""
    times = AnswerTimes()
    for _ in range(FEWEST_ANSWERS):
        times.add(seconds)
    return Slots(size, times)


async def hung(slots: Slots, never: asyncio.Event, held: asyncio.Event) -> None:
    async with slots.held() as slot:
        held.set()
        await slot.run(never.wait())


def test_a_hung_request_gives_its_slot_to_the_next() -> None:
    async def scenario() -> None:
        slots, never, held = primed(1), asyncio.Event(), asyncio.Event()
        stuck = asyncio.ensure_future(hung(slots, never, held))
        await held.wait()
        async with slots.held():  # without the hand-over: until the hung one's deadline
            pass
        assert not stuck.done()
        stuck.cancel()

    asyncio.run(asyncio.wait_for(scenario(), 60))


def test_never_more_than_twice_the_slots_in_flight() -> None:
    async def scenario() -> None:
        slots, never = primed(1), asyncio.Event()
        held = [asyncio.Event(), asyncio.Event()]
        stuck = [asyncio.ensure_future(hung(slots, never, h)) for h in held]
        for one in held:
            await one.wait()  # the first straggled into the spare slot, the second holds on
        waiting = asyncio.ensure_future(slots._slots.acquire())
        await asyncio.sleep(0.05)  # the second would have straggled by now, were there room
        assert slots._spare.locked() and not waiting.done()
        for task in (*stuck, waiting):
            task.cancel()

    asyncio.run(asyncio.wait_for(scenario(), 60))


def test_without_enough_answers_timed_nobody_straggles() -> None:
    async def scenario() -> None:
        slots, never, held = Slots(1, AnswerTimes()), asyncio.Event(), asyncio.Event()
        stuck = asyncio.ensure_future(hung(slots, never, held))
        await held.wait()
        await asyncio.sleep(0.05)
        assert slots._slots.locked() and not slots._spare.locked()
        stuck.cancel()

    asyncio.run(asyncio.wait_for(scenario(), 60))


def test_a_cancelled_request_cancels_its_attempt() -> None:
    async def scenario() -> None:
        slots = primed(1)
        attempt = asyncio.ensure_future(asyncio.Event().wait())

        async def request() -> None:
            async with slots.held() as slot:
                await slot.run(attempt)

        task = asyncio.ensure_future(request())
        await asyncio.sleep(0)
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        assert attempt.cancelled()
        assert not slots._slots.locked() and not slots._spare.locked()

    asyncio.run(asyncio.wait_for(scenario(), 60))
