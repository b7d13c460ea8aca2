"""Writing files so that a reader, an interrupt or a full disk never leaves half of them.

- write_bytes_atomic / write_text_atomic: one file, through a temporary file in the same folder + os.replace.
- OutputSet: a command's whole set of outputs (the .sb3 and its side files, history, plots, ...). All of it
  is written into a hidden temporary folder beside the targets; only when everything is written are the
  files moved into place (renames in one file system: no disk space needed, Ctrl-C held back meanwhile, the
  main file last). An error or interrupt before that removes the temporary folder and any folder the set
  created, so the old set stays as it was. Adding a file to a set is one call: `out.write_bytes(name, data)`
  (or `out.write_text`, or `out.path(name)` for a writer that wants a path, or `out.folder` for one that
  wants a folder). No output replaces one of the command's inputs (`inputs`, compared by file identity) or
  another output of the same set (a main file named like a side file); SIGTERM and SIGHUP clean up as
  Ctrl-C does.
"""
from __future__ import annotations

import os
import shutil
import signal
import stat
import tempfile
from contextlib import contextmanager
from pathlib import Path

from sb3gen.errors import Sb3genError

STAGING_PREFIX = ".sb3gen-writing-"


def write_bytes_atomic(path: str | os.PathLike, data: bytes) -> None:
    """Write through a temporary file in the same folder, then os.replace; OSError on failure."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.chmod(tmp, 0o666 & ~current_umask())  # mkstemp makes 0600; give the file the usual mode
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_text_atomic(path: str | os.PathLike, text: str) -> None:
    write_bytes_atomic(path, text.encode("utf-8"))


def current_umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def refuse_non_file(path: Path, option: str, example: str | None = None) -> None:
    """An existing output must be a regular file: never replace a folder, a device (/dev/null) or a socket."""
    try:
        mode = os.lstat(path).st_mode
    except OSError:  # missing, or its folder is not one: creating the folder will say so
        return
    if stat.S_ISREG(mode) or stat.S_ISLNK(mode) and path.is_file():
        return
    if stat.S_ISDIR(mode):
        raise Sb3genError(f"{option} {path} is a folder; name the file to write, e.g. "
                          f"{path / (example or 'NAME')}")
    raise Sb3genError(f"{option} {path} exists and is not a regular file (a device or a link to one?); it "
                      "is not replaced: name another file")


class OutputSet:
    """`with OutputSet(folder, main="mnist.sb3", option="-o") as out: out.write_bytes(...)`.

    Entering checks what can be checked before any work: the folder can be created and written, and `main`, if
    it exists, is a regular file. Commit happens on leaving the block without an exception."""

    def __init__(self, folder: str | os.PathLike, *, main: str | None = None, option: str = "-o",
                 example: str | None = None, side: tuple[str, ...] = (),
                 inputs: list[tuple[str, Path | None]] | None = None) -> None:
        self.target = Path(folder)
        self.main = main
        self.option = option
        self.example = example or main  # a file name to suggest when `main` is a folder
        self.side = side  # the side files the command writes next to `main` (names known in advance)
        self.inputs = inputs or []  # (option, path) of what the command reads: never replaced
        self.folder = Path()  # the temporary folder, once entered
        self._created: list[Path] = []  # folders this set made, outermost first
        self._claimed: set[str] = set()  # names written or handed out: two outputs never share a name
        self._signals: dict[int, object] = {}

    def __enter__(self) -> OutputSet:
        if self.main is not None:
            self._check_main_name()
            refuse_non_file(self.target / self.main, self.option, self.example)
        self._check_inputs([self.main, *self.side] if self.main else list(self.side))
        missing = [p for p in (self.target, *self.target.parents) if not p.exists()]
        where = self.target
        try:
            for where in reversed(missing):
                where.mkdir()
                self._created.append(where)
            where = self.target
            self.folder = Path(tempfile.mkdtemp(dir=self.target, prefix=STAGING_PREFIX))
        except OSError as exc:
            self._remove_created()
            raise Sb3genError(f"cannot write to {where}: {exc.strerror or exc}; choose another "
                              f"{self.option}") from None
        self._signals = _terminate_as_interrupt()
        return self

    def _check_main_name(self) -> None:
        name = self.main or ""
        if name.startswith("."):
            raise Sb3genError(f"{self.option} {self.target / name}: sb3gen does not write hidden files (a "
                              "name starting with '.', like its own temporary files); choose another name")
        if name in self.side:
            raise Sb3genError(f"{self.option} {self.target / name}: the command also writes a side file "
                              f"named {name} there; name the output otherwise (e.g. {self.example})")

    def _check_inputs(self, names: list[str]) -> None:
        from sb3gen.untrusted import refuse_replacing

        refuse_replacing([self.target / name for name in names], self.inputs)

    def __exit__(self, kind, exc, tb) -> None:
        try:
            if kind is None:
                try:
                    self.commit()
                except BaseException as failed:
                    self.discard()
                    self._as_write_error(failed)
                    raise
            else:
                self.discard()
                self._as_write_error(exc)
        finally:
            _restore(self._signals)

    def _as_write_error(self, exc: BaseException | None) -> None:
        """A writer's OSError (a full disk, a read-only file system) becomes one line naming the output."""
        if not isinstance(exc, OSError):
            return
        if exc.filename is not None and self.folder not in Path(exc.filename).parents and \
                Path(exc.filename).parent != self.target:
            return  # not one of ours: an input's error, left to its reader's message
        raise Sb3genError(f"cannot write the outputs in {self.target}: {exc.strerror or exc}; nothing was "
                          "replaced") from None

    # -- adding files (each one call)
    def path(self, name: str) -> Path:
        if not name or Path(name).name != name or name.startswith("."):
            raise ValueError(f"an output is a plain file name, not {name!r}")
        if name in self._claimed:
            raise Sb3genError(f"two outputs would be written as {self.target / name} (the output and a side "
                              f"file of the same name); name the output otherwise")
        self._claimed.add(name)
        return self.folder / name

    def write_bytes(self, name: str, data: bytes) -> None:
        path = self.path(name)
        try:
            path.write_bytes(data)
        except OSError as exc:
            raise Sb3genError(f"cannot write {self.target / name}: {exc.strerror or exc}") from None

    def write_text(self, name: str, text: str) -> None:
        self.write_bytes(name, text.encode("utf-8"))

    # -- the end
    def names(self) -> list[str]:
        """The set: every finished file in the temporary folder (writers' own temporary files excluded)."""
        found = sorted(p.name for p in self.folder.iterdir() if p.is_file() and not p.name.startswith("."))
        if self.main in found:
            found.remove(self.main)
            found.append(self.main)  # last: a new main file means the whole new set is in place
        return found

    def commit(self) -> None:
        names = self.names()
        self._check_inputs(names)  # also the outputs no one declared in advance (plots, pages)
        for name in names:
            refuse_non_file(self.target / name, self.option if name == self.main else "output", name)
        mode = 0o666 & ~current_umask()
        with _interrupts_held():
            for name in names:
                os.chmod(self.folder / name, mode)
                os.replace(self.folder / name, self.target / name)
        shutil.rmtree(self.folder, ignore_errors=True)

    def discard(self) -> None:
        if self.folder != Path():
            shutil.rmtree(self.folder, ignore_errors=True)
        self._remove_created()

    def _remove_created(self) -> None:
        for folder in reversed(self._created):
            try:
                folder.rmdir()  # only if empty: never what someone else put there meanwhile
            except OSError:
                break
        self._created = []


TERMINATING = tuple(getattr(signal, name) for name in ("SIGTERM", "SIGHUP") if hasattr(signal, name))


def _raise_interrupt(_number, _frame) -> None:
    raise KeyboardInterrupt


def _terminate_as_interrupt() -> dict[int, object]:
    """SIGTERM and SIGHUP raise KeyboardInterrupt, so the set's temporary folder is removed as for Ctrl-C
    (their default kills the process on the spot). Returns the previous handlers, for _restore."""
    import threading

    if threading.current_thread() is not threading.main_thread():
        return {}
    return {number: signal.signal(number, _raise_interrupt) for number in TERMINATING}


def _restore(previous: dict[int, object]) -> None:
    for number, handler in previous.items():
        signal.signal(number, handler)
    previous.clear()


@contextmanager
def _interrupts_held():
    """Ctrl-C (SIGINT), SIGTERM and SIGHUP wait until the renames are done, then take effect."""
    import threading

    if threading.current_thread() is not threading.main_thread():
        yield
        return
    pending: list[int] = []
    previous = {sig: signal.signal(sig, lambda number, _frame: pending.append(number))
                for sig in (signal.SIGINT, *TERMINATING)}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        for number in pending[:1]:
            signal.raise_signal(number)
