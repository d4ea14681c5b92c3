"""Isolation of a student's process: the layers, what each needs, and which ones took hold.

The warm process prepares a ``Policy`` once (the paths a child may read are
listed then, and a Landlock ruleset built); each child enters the layers in
order, before any student code runs. A layer that the platform lacks is
recorded as missing with the reason, and grading goes on with the rest; the
report says which level was in force (``FULL``, ``PARTIAL`` or ``PROCESS``),
and the grader may refuse anything below ``FULL``.

Layers, in the order a child enters them:
  namespaces   own mount, PID, network, IPC and UTS namespaces (and a user
               namespace when the grader is not root); killing the child's
               PID 1 kills everything the student started
  private-fs   fresh /proc of its own PID namespace, a size-capped tmpfs as
               its scratch, hidden checks and solutions covered by empty mounts
  rlimits      address space, CPU seconds, file size, open files, processes
  user         a uid and gid of its own, no groups (when the grader is root; it keeps
               the right to read past file modes, for an interpreter under /root,
               only where Landlock then confines reading);
               otherwise no capabilities left in its user namespace
  no-new-privs setuid programs and file capabilities gain nothing
  landlock     read only the interpreter and its libraries, write only scratch;
               no TCP; no signals to processes outside the sandbox
  seccomp      no exec, no network sockets, no ptrace, no namespaces or mounts

And a floor that needs no kernel feature (grader/sandbox/student_side/file_modes.py):
  file-modes   the child, under a uid of its own without the right to read past file modes (the
               grader is root, Landlock missing), cannot enter hidden paths root closed to other
               users; the grader closes them before any student code runs when the first child
               finds them readable (grader/sandbox/warm_process.py)

Once in, the child tries to read a few real hidden files (``Policy.probe``): the report says which
layers keep hidden files unreadable, or that some were readable, and ``summary`` puts it in words
(``partial: no private mounts, no Landlock; hidden files protected by uid``).
"""
from __future__ import annotations

import os
import resource
import site
import sys
import sysconfig
from dataclasses import dataclass, field

from grader.sandbox.student_side import file_modes  # imported here: a child cannot read it once isolated

FULL, PARTIAL, PROCESS = "full", "partial", "process"
LEVELS = (PROCESS, PARTIAL, FULL)
LAYERS = ("namespaces", "private-fs", "rlimits", "user", "no-new-privs", "landlock", "seccomp")
FLOOR = "file-modes"  # not needed for FULL: mounts and Landlock hide the same files
LAYER_NAMES = {"namespaces": "namespaces", "private-fs": "private mounts", "rlimits": "rlimits", "user": "own uid",
               "no-new-privs": "no-new-privs", "landlock": "Landlock", "seccomp": "seccomp"}
HIDING = {"private-fs": "private mounts", "landlock": "Landlock", FLOOR: "uid"}  # the layers that hide files
FIRST_STUDENT_UID = 1_000_000  # far above any real account; one uid per child (its host pid added)


@dataclass(frozen=True)
class ResourceLimits:
    """Resource limits of one student process (and each of its check copies).

    memory_bytes: address space the child may add to what torch already maps.
    cpu_seconds: CPU time per process, a backstop behind the wall-clock limits.
    file_bytes: largest file it may write; scratch_bytes: its whole scratch.
    open_files, processes: descriptors per process; processes and threads in all.
    """

    memory_bytes: int = 2 << 30
    cpu_seconds: int = 600
    file_bytes: int = 64 << 20
    scratch_bytes: int = 128 << 20
    open_files: int = 256
    processes: int = 64


@dataclass(frozen=True)
class Readable:
    """Paths a child may read beneath (``trees``) and folders it may only list (``listable``:
    the import system lists a folder on the path before it finds a module in it)."""

    trees: tuple[str, ...] = ()
    listable: tuple[str, ...] = ()


@dataclass(frozen=True)
class Policy:
    """What the warm process decided for every child it forks.

    requested: ``auto`` (every layer the platform has) or ``none`` (a plain process, for
    debugging and for showing what the layers prevent).
    scratch_root: the one place children write (each mounts its own tmpfs inside).
    hidden: paths covered by empty mounts in the child (hidden checks, solutions, the repository's history).
    readable: paths the child may read beneath (the interpreter, its libraries, system libraries).
    probe: real files beneath the hidden paths (and those paths) the child tries to read once isolated.
    """

    requested: str
    scratch_root: str
    hidden: tuple[str, ...] = ()
    readable: Readable = field(default_factory=Readable)
    limits: ResourceLimits = field(default_factory=ResourceLimits)
    probe: tuple[str, ...] = ()


@dataclass(frozen=True)
class Report:
    """Which layers took hold in a child, and why the others did not.

    hidden_readable: which of the probed hidden paths the child could read, once isolated (empty: none).
    """

    entered: tuple[str, ...]
    missing: dict
    hidden_readable: tuple[str, ...] = ()

    @property
    def level(self) -> str:
        if all(layer in self.entered for layer in LAYERS):
            return FULL
        return PARTIAL if any(layer in self.entered for layer in LAYERS) else PROCESS

    @property
    def hidden_protected_by(self) -> tuple[str, ...]:
        """The layers in force that keep hidden files unreadable (empty when some were readable)."""
        if self.hidden_readable:
            return ()
        return tuple(name for layer, name in HIDING.items() if layer in self.entered)

    @property
    def summary(self) -> str:
        """The level and what it is made of, e.g. ``partial: no private mounts, no Landlock; hidden files
        protected by uid``."""
        if self.level == FULL:
            head = FULL
        else:
            absent = [LAYER_NAMES[layer] for layer in LAYERS if layer not in self.entered]
            head = f"{self.level}: " + ", ".join(f"no {name}" for name in absent)
        if self.hidden_readable:
            return f"{head}; hidden files READABLE by student code"
        by = self.hidden_protected_by
        return f"{head}; hidden files protected by {' and '.join(by)}" if by else head

    def to_wire(self) -> dict:
        return {"level": self.level, "summary": self.summary, "entered": list(self.entered),
                "missing": dict(self.missing), "hidden_readable": list(self.hidden_readable),
                "hidden_protected_by": list(self.hidden_protected_by)}


def readable_paths(package_dir: str, hidden=(), search_path=None, imported=None) -> Readable:
    """The interpreter's library and site-packages, and every other folder on the import path that the calling
    (warm) process imported from (another environment's site-packages that a ``.pth`` file adds, say), entry by
    entry, plus the system's shared libraries.

    Left out: the grader's own package (it holds the hidden checks when installed) and any folder holding it,
    the source checkout it runs from (its PYTHONPATH, beside the package: solutions, tests, maybe graded
    output), ``hidden`` paths and any folder holding one, and the working folder. ``search_path``: the import
    path (``sys.path``); ``imported``: the files and package folders of the modules imported (``sys.modules``).
    """
    roots = []
    package_dir = os.path.realpath(package_dir)
    hidden = tuple(os.path.realpath(p) for p in hidden)
    site_dirs = {os.path.realpath(p) for p in site.getsitepackages() + [site.getusersitepackages()]}
    stdlib_dirs = {os.path.realpath(sysconfig.get_paths()[k]) for k in ("stdlib", "platstdlib")}
    cwd = os.path.realpath(os.getcwd())

    def excluded(real):
        return (_inside(real, package_dir) or _inside(package_dir, real) or real in site_dirs
                or any(_inside(real, h) or _inside(h, real) for h in hidden))

    path_dirs = set()
    for real in _import_roots(sys.path if search_path is None else search_path,
                              _imported_files() if imported is None else imported, cwd):
        if real == cwd or _is_checkout(real, package_dir) or any(_inside(real, d) for d in stdlib_dirs | site_dirs):
            continue  # the working folder, the grader's checkout, or readable already (lib-dynload)
        if any(_inside(real, h) for h in hidden) or _inside(real, package_dir):
            continue
        if os.path.isdir(real):
            path_dirs.add(real)
        elif not excluded(real):  # a zip archive on the path
            roots.append(real)
    listable = tuple(sorted(stdlib_dirs | site_dirs | path_dirs))
    for directory in listable:
        try:
            entries = sorted(os.listdir(directory))
        except OSError:
            continue
        for entry in entries:
            path = os.path.join(directory, entry)
            if excluded(os.path.realpath(path)):
                continue
            roots.append(path)
    roots += ["/usr/lib", "/usr/lib64", "/usr/share", "/lib", "/lib64",
              "/etc/ld.so.cache", "/etc/localtime", "/dev/urandom", "/dev/random", "/dev/zero",
              "/sys/devices/system/cpu"]
    return Readable(tuple(roots), listable)


def _inside(path: str, folder: str) -> bool:
    return path == folder or path.startswith(folder.rstrip(os.sep) + os.sep)


def _imported_files() -> list[str]:
    """The file of every imported module, and the folders of namespace packages."""
    files = []
    for module in list(sys.modules.values()):
        file = getattr(module, "__file__", None)
        if isinstance(file, str):
            files.append(file)
        elif file is None:
            files.extend(p for p in getattr(module, "__path__", None) or () if isinstance(p, str))
    return files


def _import_roots(search_path, imported, cwd: str) -> set[str]:
    """The entries of ``search_path`` (resolved) that hold one of the ``imported`` files: for each file, the
    longest entry holding it. A module's file name starts with the entry it was found in, so paths are
    compared as given first, and resolved only for a file under none."""
    given = {}
    for entry in search_path:
        if isinstance(entry, str) and os.path.exists(entry or cwd):
            given[os.path.abspath(entry or cwd)] = os.path.realpath(entry or cwd)
    longest_first = sorted(given, key=len, reverse=True)
    resolved = sorted(set(given.values()), key=len, reverse=True)
    roots = set()
    for folder in {os.path.dirname(f) for f in imported if os.path.isabs(f)}:
        holder = next((given[e] for e in longest_first if _inside(folder, e)), None)
        if holder is None:
            real = os.path.realpath(folder)
            holder = next((e for e in resolved if _inside(real, e)), None)
        if holder is not None:
            roots.add(holder)
    return roots


def _is_checkout(folder: str, package_dir: str) -> bool:
    """Whether ``folder`` is the source checkout holding the grader's package (as grader/sandbox/warm_process.py's
    hidden_paths tells one), not a site-packages the package was installed into."""
    return folder == os.path.dirname(package_dir) and os.path.isfile(os.path.join(folder, "pyproject.toml"))


class Isolation:
    """Enters the layers in a freshly forked child. One instance per child."""

    def __init__(self, policy: Policy, ruleset=None, uid: int = FIRST_STUDENT_UID):
        self.policy = policy
        self.ruleset = ruleset
        self.uid = uid
        self.entered: list[str] = []
        self.missing: dict[str, str] = {}

    def _layer(self, name, step, *args):
        if self.policy.requested == "none":
            self.missing[name] = "not requested"
            return
        try:
            why_not = step(*args)
        except (OSError, ValueError, RuntimeError) as exc:
            why_not = f"{type(exc).__name__}: {exc}"
        if why_not:
            self.missing[name] = why_not
        else:
            self.entered.append(name)

    # --- before the fork that makes the child PID 1 -------------------------
    def enter_namespaces(self) -> bool:
        from grader.sandbox.student_side import namespaces

        def step():
            namespaces.unshare_all()
        self._layer("namespaces", step)
        return "namespaces" in self.entered

    # --- in the child that serves the notebook ------------------------------
    def enter_rest(self, scratch: str) -> Report:
        self._layer("private-fs", self._private_fs, scratch)
        self._layer("rlimits", self._rlimits)
        self._layer("user", self._user, scratch, self.uid)
        self._layer("no-new-privs", self._no_new_privs)
        self._layer("landlock", self._landlock)
        self._layer("seccomp", self._seccomp)
        if self._file_modes_hold():
            self.entered.append(FLOOR)
        return Report(tuple(self.entered), dict(self.missing), file_modes.readable(self.policy.probe))

    def _file_modes_hold(self) -> bool:
        """This child runs as a uid of its own that did not keep the right to read past file modes (it keeps
        it only where Landlock confines reading): paths root closed to others are closed to it."""
        return (self.policy.requested != "none" and os.getuid() == self.uid != 0 and "user" in self.entered
                and "landlock" not in self.entered)

    def _private_fs(self, scratch):
        if "namespaces" not in self.entered:
            return "needs namespaces"
        from grader.sandbox.student_side import namespaces

        namespaces.private_mounts(scratch, self.policy.limits.scratch_bytes, list(self.policy.hidden))
        return None

    def _rlimits(self):
        limits = self.policy.limits
        with open("/proc/self/statm") as f:
            mapped = int(f.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
        for kind, value in ((resource.RLIMIT_AS, mapped + limits.memory_bytes),
                            (resource.RLIMIT_CPU, limits.cpu_seconds),
                            (resource.RLIMIT_FSIZE, limits.file_bytes),
                            (resource.RLIMIT_NOFILE, limits.open_files),
                            (resource.RLIMIT_NPROC, limits.processes),
                            (resource.RLIMIT_CORE, 0)):
            resource.setrlimit(kind, (value, value))
        return None

    def _user(self, scratch, uid):
        from grader.sandbox.student_side import namespaces

        if os.getuid() != 0:
            # Already unprivileged; drop the capabilities the user namespace lent us for the mounts.
            namespaces.drop_capabilities()
            return None
        os.chown(scratch, uid, uid)
        namespaces.drop_to(uid, uid, keep_read_search=self.ruleset is not None)
        return None

    def _no_new_privs(self):
        from grader.sandbox.student_side import namespaces

        namespaces.no_new_privs()
        return None

    def _landlock(self):
        if self.ruleset is None:
            return "Landlock is not available (this kernel lacks it, or a seccomp filter denies it)"
        try:
            self.ruleset.restrict_self()
        except BaseException:
            if os.getuid() != 0 and "user" in self.entered:
                from grader.sandbox.student_side import namespaces

                namespaces.drop_capabilities()  # the read-past-modes right was kept for Landlock to confine
            raise
        return None

    def _seccomp(self):
        from grader.sandbox.student_side import syscall_filter

        why_not = syscall_filter.available()
        if why_not:
            return why_not
        syscall_filter.install_notebook_filter()
        return None


def build_ruleset(policy: Policy):
    """The Landlock ruleset every child applies, built once (None where Landlock is missing)."""
    if policy.requested == "none":
        return None
    from grader.sandbox.student_side import landlock

    abi = landlock.abi_version()
    if abi < 1:
        return None
    ruleset = landlock.Ruleset(abi)
    for path in policy.readable.trees:
        ruleset.allow(path, landlock.READ)
    for path in policy.readable.listable:
        ruleset.allow(path, landlock.READ_DIR)
    ruleset.allow("/dev/null", landlock.READ_FILE | landlock.WRITE_FILE)
    everything = ruleset.handled_fs & ~landlock.EXECUTE
    ruleset.allow(policy.scratch_root, everything)
    return ruleset
