"""What answers a prompt, and everything that talks to Cohere to get the answer.

The :class:`~.base.Model` protocol (a request in, a :class:`~cohere_medner.types.Completion`
out) with its implementations: Cohere's models (:mod:`.cohere_api`), the offline baseline
(:mod:`.lexicon`), and names to models (:mod:`.registry`). Under them the retrying,
rate-limited client, the answer cache, embeddings and nearest-neighbour examples, and the
folders ``batches/`` and ``finetuning/``. Only this folder imports the ``cohere`` SDK.
"""
