"""What the fine-tuning tests share: a key, quick polling, one create, what was sent."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from cohere_medner.models.finetuning._finetune import FinetuneResult, Polling, create_finetune
from cohere_medner.testing import FakeCohere

KEY = "test-key"
FAST = Polling(interval=0.001, max_interval=0.01)


def create(
    server: FakeCohere, train: Path, held: Path | None = None, **options: Any
) -> FinetuneResult:
    options.setdefault("name", "bc5cdr-chemicals")
    options.setdefault("polling", FAST)
    return create_finetune(train, held, api_key=KEY, base_url=server.url, **options)


def sent(server: FakeCohere) -> tuple[int, int]:
    """Upload and create requests the server received (refused ones included)."""
    counts = server.endpoint_counts
    return counts["datasets.create"], counts["finetuning.create"]
