"""Phase lines on stderr: one line per phase in a log, a redrawn line on a terminal."""

from __future__ import annotations

import io

import pytest

from sb3gen.progress import Progress


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_a_log_gets_one_line_per_phase_and_nothing_in_between():
    log = io.StringIO()
    progress = Progress(log)
    with progress.phase("copies", total=3) as phase:
        for done in range(1, 4):
            phase.update(done, "redrawn")
        phase.finish("6 copies of 3,600 images")
    with progress.phase("compiling"):
        pass
    lines = log.getvalue().splitlines()
    assert len(lines) == 2 and "\r" not in log.getvalue() and "\033" not in log.getvalue()
    assert lines[0].startswith("copies: 6 copies of 3,600 images (") and lines[0].endswith(" s)")
    assert lines[1].startswith("compiling: done (")


def test_a_failed_phase_leaves_the_error_message_alone():
    log, screen = io.StringIO(), Terminal()
    for stream in (log, screen):
        with pytest.raises(ValueError), Progress(stream).phase("data"):
            raise ValueError("bad data")
    assert log.getvalue() == "" and screen.getvalue() == "\rdata ...\033[K\r\033[K"  # erased


def test_a_terminal_gets_a_bar_redrawn_then_the_result():
    screen = Terminal()
    with Progress(screen).phase("training with Keras", total=4) as phase:
        phase.update(4, "loss 0.1")
        phase.finish("30 epochs")
    text = screen.getvalue()
    assert "\rtraining with Keras [####################] 4/4, loss 0.1 (" in text
    assert "\rtraining with Keras: 30 epochs (" in text
    assert text.endswith("\033[K\n") and text.count("\n") == 1


def test_verbose_puts_each_phase_on_lines_of_its_own_with_cpu_time():
    log = Terminal()
    with Progress(log, verbose=True).phase("training with Keras", total=2) as phase:
        phase.update(1)
        log.write("Keras' own line\n")
    lines = log.getvalue().splitlines()
    assert lines[:2] == ["training with Keras ...", "Keras' own line"]
    assert lines[2].startswith("training with Keras: done (") and lines[2].endswith(" s CPU)")
