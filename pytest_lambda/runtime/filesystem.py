"""The execution environment's file system: a read-only task root and a private, sized /tmp.

On Lambda, ``/var/task`` (``LAMBDA_TASK_ROOT``) is read-only: writing there fails with
``[Errno 30] Read-only file system``; the only writable place is ``/tmp``, sized by the
function's ``ephemeral_storage`` (512-10,240 MB), where a write past the size fails with
``[Errno 28] No space left on device``. (AWS docs: "Lambda execution environment" - "/tmp
... between 512 MB and 10,240 MB"; "Configuring ephemeral storage".)

:class:`EnvironmentFiles` gives each environment its own temporary directory (``TMPDIR`` and
``tempfile.gettempdir()`` during its phases), removed when the environment is discarded (a
reset environment's is kept for the runtime Lambda starts again in it: :meth:`detach`), and,
during each phase, patches the Python-level ways to open and change files (``open``,
``io.open``, ``pathlib``, ``os.open``, ``os.mkdir``, ``os.remove``/``unlink``/``rename``/
``replace``/``rmdir``/``chmod``/``chown``/``utime``/``truncate``/``mkfifo``/``mknod``/
``symlink``/``link``) so that writes into the code directory and the layers (``/opt``) fail
with ``EROFS`` and writes into the temporary directory past its size fail with ``ENOSPC``. C
code and child processes are not covered.
"""

from __future__ import annotations

import builtins
import errno
import io
import os
import shutil
import tempfile
import weakref
from collections.abc import Callable
from typing import Any

__all__ = ["EnvironmentFiles"]

_WRITE_MODES = frozenset("wax+")
#: shutil's switches for copying between descriptors in the kernel (``os.sendfile``, and
#: ``copy_file_range`` where it has one), which bypass the file objects that count what goes
#: into /tmp: off during a phase, so ``shutil.copyfile``/``copy``/``copy2``/``copytree`` write
#: through those objects.
_SHUTIL_FAST_COPY = tuple(n for n in ("_USE_CP_SENDFILE", "_USE_CP_COPY_FILE_RANGE")
                          if hasattr(shutil, n))
_CHANGERS = tuple(name for name in (
    "mkdir", "remove", "unlink", "rename", "replace", "rmdir", "chmod", "chown", "utime",
    "truncate", "mkfifo", "mknod", "symlink", "link") if hasattr(os, name))
#: Of those, the ones whose first argument is only read (the link's target): the second is
#: what they change.
_SECOND_ONLY = frozenset(("symlink", "link"))
#: The keyword naming the directory descriptor each changed argument is relative to (first,
#: second): ``os.unlink(name, dir_fd=fd)`` changes ``name`` inside ``fd``'s folder, not the
#: working directory's (shutil.rmtree works this way).
_DIR_FD = {"rename": ("src_dir_fd", "dst_dir_fd"), "replace": ("src_dir_fd", "dst_dir_fd"),
           "link": ("src_dir_fd", "dst_dir_fd"), "symlink": ("", "dir_fd")}
_WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_TRUNC | os.O_APPEND


def _path(file: Any, dir_fd: int | None = None) -> str | None:
    """The absolute path ``file`` names (relative to ``dir_fd``'s folder when one is given),
    or None when it cannot be told (a descriptor, a folder descriptor that /proc cannot name)."""
    if isinstance(file, int):
        return None
    try:
        path = os.fsdecode(os.fspath(file))
    except TypeError:
        return None
    if dir_fd is not None and not os.path.isabs(path):
        try:
            base = os.readlink(f"/proc/self/fd/{dir_fd}")
        except (OSError, TypeError):
            return None
        return os.path.normpath(os.path.join(base, path))
    return os.path.abspath(path)


def _fd_path(fd: int) -> str | None:
    """The path the descriptor ``fd`` is open on (an unlinked file's former path), or None."""
    try:
        target = os.readlink(f"/proc/self/fd/{fd}")
    except OSError:
        return None
    return target.removesuffix(" (deleted)") if target.startswith(os.sep) else None


def _test_temp_root() -> str:
    """The test process's temporary folder, read without caching it in ``tempfile.tempdir``."""
    cached = tempfile.tempdir
    try:
        return tempfile.gettempdir()
    finally:
        tempfile.tempdir = cached


#: Where environments' temporary folders go: the test process's temporary folder, read when
#: the plugin is imported (outside any phase), not the running function's /tmp (a function a
#: handler invokes in-process starts its environment during the caller's phase).
_TEMP_ROOT = _test_temp_root()


def _usage(root: str) -> int:
    total = 0
    for folder, _, files in os.walk(root):
        for name in files:
            try:
                total += os.lstat(os.path.join(folder, name)).st_size
            except OSError:
                pass
    return total


class _SizedWriter:
    """A file opened for writing in the sized temporary directory: refuses to grow past it."""

    def __init__(self, raw: Any, files: EnvironmentFiles, path: str) -> None:
        self._raw = raw
        self._limit = files.limit_bytes
        self._path = path
        # What the directory held when the file was opened (this file included), plus what
        # this handle wrote since: other handles writing at the same time are not counted.
        self._used = _usage(files.tmp_dir)

    def write(self, data: Any) -> Any:
        size = len(data.encode() if isinstance(data, str) else data)
        if self._used + size > self._limit:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), self._path)
        self._used += size
        return self._raw.write(data)

    def writelines(self, lines: Any) -> None:
        for line in lines:
            self.write(line)

    def __enter__(self) -> _SizedWriter:
        self._raw.__enter__()
        return self

    def __exit__(self, *exc: object) -> Any:
        return self._raw.__exit__(*exc)

    def __iter__(self) -> Any:
        return iter(self._raw)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._raw, name)


class TmpDir:
    """An execution environment's /tmp: a new directory, or a reset environment's it adopts
    (Lambda keeps /tmp for the runtime it initialises again).

    Removed by :meth:`remove`, or when ``owner`` is collected or the interpreter exits (a
    LambdaFunction used without ``with`` or ``close()``); :meth:`keep` leaves it to whoever
    takes the path.
    """

    __slots__ = ("_remove", "adopted", "path")

    def __init__(self, owner: object, adopted: str | None = None) -> None:
        self.adopted = adopted is not None
        self.path = adopted or tempfile.mkdtemp(prefix="pytest-lambda-tmp-", dir=_TEMP_ROOT)
        self._remove = weakref.finalize(owner, shutil.rmtree, self.path, ignore_errors=True)

    def keep(self) -> str:
        self._remove.detach()
        return self.path

    def remove(self) -> None:
        self._remove()  # once: nothing after keep()

    def abandon(self) -> None:
        """The environment did not start: an adopted directory stays its giver's."""
        if self.adopted:
            self.keep()
        else:
            self.remove()


class EnvironmentFiles:
    """One environment's temporary directory and the file-system rules of its phases."""

    def __init__(self, code_dir: str, ephemeral_storage_mb: int,
                 tmp_dir: str | None = None, layers: tuple[str, ...] = ()) -> None:
        self.code_dir = os.path.abspath(code_dir)
        #: Read-only like the task root: the layers, which Lambda extracts into /opt ("a
        #: read-only file system"; Lambda developer guide, "Packaging your layer content").
        self._layers = tuple(dict.fromkeys(
            p for layer in layers for p in (os.path.abspath(layer), os.path.realpath(layer))))
        self._tmp = TmpDir(self, tmp_dir)
        self.tmp_dir = self._tmp.path
        self.limit_bytes = ephemeral_storage_mb * 1024 * 1024
        self._real: dict[str, Callable[..., Any]] = {}
        self._tempdir: str | None = None
        self._fast_copy: list[Any] = []
        self._entered = False
        self._build()

    def _read_only(self, path: str | None) -> bool:
        if path is None or path.startswith(self.tmp_dir + os.sep):
            return False
        root = self.code_dir
        if path == root or path.startswith(root + os.sep):
            return True
        return any(path == layer or path.startswith(layer + os.sep) for layer in self._layers)

    def _in_tmp(self, path: str | None) -> bool:
        return path is not None and path.startswith(self.tmp_dir + os.sep)

    def _refuse(self, file: Any) -> OSError:
        return OSError(errno.EROFS, os.strerror(errno.EROFS), os.fsdecode(os.fspath(file)))

    def _build(self) -> None:
        """The stand-ins, built once; they call whatever was installed when the phase began."""

        def guarded_open(file: Any, mode: str = "r", *args: Any, **kwargs: Any) -> Any:
            real_open = self._real["open"]
            if _WRITE_MODES.intersection(mode):
                opener = args[5] if len(args) > 5 else kwargs.get("opener")
                if isinstance(file, int) or opener is not None:
                    # A descriptor, or an opener that decides what is opened (tempfile's
                    # files: ``open(folder, opener=...)``, ``os.fdopen``): judged by the file
                    # the result is open on (the opener's own os.open is guarded).
                    raw = real_open(file, mode, *args, **kwargs)
                    opened = _fd_path(raw.fileno())
                    if opened is not None and self._in_tmp(opened):
                        return _SizedWriter(raw, self, opened)
                    return raw
                path = _path(file)
                if self._read_only(path):
                    raise self._refuse(file)
                if self._in_tmp(path):
                    assert path is not None
                    return _SizedWriter(real_open(file, mode, *args, **kwargs), self, path)
            return real_open(file, mode, *args, **kwargs)

        def guarded_os_open(path: Any, flags: int, *args: Any, **kwargs: Any) -> Any:
            if flags & _WRITE_FLAGS and self._read_only(_path(path, kwargs.get("dir_fd"))):
                raise self._refuse(path)
            return self._real["os.open"](path, flags, *args, **kwargs)

        def changer(name: str) -> Callable[..., Any]:
            first = 1 if name in _SECOND_ONLY else 0
            fd_keywords = _DIR_FD.get(name, ("dir_fd",))

            def guarded(*args: Any, **kwargs: Any) -> Any:
                for index in range(first, min(len(args), 2)):
                    target = args[index]
                    keyword = fd_keywords[index] if index < len(fd_keywords) else ""
                    dir_fd = kwargs.get(keyword) if keyword else None
                    if not isinstance(target, int) \
                            and self._read_only(_path(target, dir_fd)):
                        raise self._refuse(target)
                return self._real[name](*args, **kwargs)
            return guarded

        self._stand_ins: dict[str, Callable[..., Any]] = {
            "open": guarded_open, "os.open": guarded_os_open,
            **{name: changer(name) for name in _CHANGERS}}
        self._changer_stand_ins = {name: self._stand_ins[name] for name in _CHANGERS}

    def enter(self) -> None:
        """Install the rules for a phase (the phase's own thread and any other)."""
        real = self._real
        real["open"], real["io.open"], real["os.open"] = builtins.open, io.open, os.open
        for name in _CHANGERS:
            real[name] = getattr(os, name)
        self._tempdir = tempfile.tempdir
        self._fast_copy = [getattr(shutil, n) for n in _SHUTIL_FAST_COPY]
        self._entered = True
        stand_ins = self._stand_ins
        builtins.open = io.open = stand_ins["open"]
        os.open = stand_ins["os.open"]
        # A module's setattr stores in its __dict__ (ModuleType has no descriptor for these
        # names): one update from a prepared dict stores the same values, in one C call.
        os.__dict__.update(self._changer_stand_ins)
        tempfile.tempdir = self.tmp_dir
        for name in _SHUTIL_FAST_COPY:
            setattr(shutil, name, False)

    def exit(self) -> None:
        """Put the real functions back."""
        if not self._entered:
            return
        self._entered = False
        real = self._real
        builtins.open = real["open"]
        io.open = real["io.open"]
        os.open = real["os.open"]
        for name in _CHANGERS:
            setattr(os, name, real[name])
        tempfile.tempdir = self._tempdir
        for name, value in zip(_SHUTIL_FAST_COPY, self._fast_copy, strict=True):
            setattr(shutil, name, value)

    def detach(self) -> str:
        """Keep the temporary directory when the environment ends; returns its path (whoever
        takes it removes it)."""
        return self._tmp.keep()

    def close(self) -> None:
        """Remove the temporary directory (the environment has ended), unless detached."""
        self._tmp.remove()
