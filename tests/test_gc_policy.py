"""The garbage-collection policy of a batch of renders (renderer/gc_policy.py)."""

from __future__ import annotations

import gc

import pytest

from renderer.gc_policy import BATCH_THRESHOLDS, batch_rendering


def test_a_batch_freezes_what_is_loaded_and_collects_less_often():
    before = gc.get_threshold()
    kept = [object() for _ in range(100)]  # something loaded before the batch
    with batch_rendering():
        assert gc.get_threshold() == BATCH_THRESHOLDS
        assert gc.get_freeze_count() >= len(kept)
    assert gc.get_threshold() == before
    assert gc.get_freeze_count() == 0


def test_the_policy_comes_back_when_a_render_raises():
    before = gc.get_threshold()
    with pytest.raises(ValueError), batch_rendering():
        raise ValueError("a render failed")
    assert gc.get_threshold() == before
    assert gc.get_freeze_count() == 0


def test_cycles_made_in_a_batch_are_still_collected():
    class Node:
        pass

    with batch_rendering():
        node = Node()
        node.self = node  # a reference cycle, garbage once the name is gone
        del node
        assert gc.collect() >= 1
