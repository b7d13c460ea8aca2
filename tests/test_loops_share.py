"""The share rule: a pass over the images that would take more than about 10 minutes in the editor gets a
smaller share, unless the user chose the count."""

from __future__ import annotations

from sb3gen.loops.share import EDITOR_EVALUATIONS_PER_SECOND, EPOCH_LIMIT_SECONDS, share


def test_a_cheap_network_keeps_the_default() -> None:
    assert share(None, 4000, 50_000, "--train-images")[0] == 4000


def test_a_costly_network_gets_the_share_that_fits_ten_minutes() -> None:
    per_image = 30_000_000
    chosen, text = share(None, 4000, per_image, "--train-images")
    assert chosen == EPOCH_LIMIT_SECONDS * EDITOR_EVALUATIONS_PER_SECOND // per_image == 220
    assert chosen * per_image <= EPOCH_LIMIT_SECONDS * EDITOR_EVALUATIONS_PER_SECOND
    assert (chosen + 1) * per_image > EPOCH_LIMIT_SECONDS * EDITOR_EVALUATIONS_PER_SECOND
    assert "the build chose 220; --train-images chooses" in text and "182 min" in text


def test_a_requested_count_is_kept_and_its_time_told() -> None:
    chosen, text = share(3000, 4000, 30_000_000, "--train-images")
    assert chosen == 3000 and "about 136.4 min" in text and "chose" not in text
