"""Versions and aliases: ``$LATEST``, published versions, aliases and weighted routing."""

from __future__ import annotations

import base64
import os
import random
import re
import shutil
import tempfile
import weakref
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from pytest_lambda.config import FunctionConfig
from pytest_lambda.errors import (
    InvalidParameterValueException,
    ResourceConflictException,
    ResourceNotFoundException,
    validation_error,
)
from pytest_lambda.service.ids import new_uuid

LATEST = "$LATEST"
#: Lambda's limit on a deployment package's unzipped size (250 MB).
UNZIPPED_LIMIT = 262_144_000
_ALIAS = re.compile(r"(?!^[0-9]+$)([a-zA-Z0-9-_]+)")
#: Left out of a version's code snapshot: tool caches and virtual environments, never code.
_SKIP = ("__pycache__", "*.pyc", ".git", ".hg", ".venv", "venv", ".tox", ".nox",
         ".mypy_cache", ".pytest_cache", ".ruff_cache", "*.egg-info")
#: Function-level settings: they do not make a new version when they change.
_FUNCTION_LEVEL = {"reserved_concurrent_executions": None, "maximum_retry_attempts": 2,
                   "maximum_event_age_in_seconds": 21600, "destination_config": None}


@dataclass(frozen=True)
class Version:
    """A published version: the code and configuration frozen when it was published."""

    version: str
    config: FunctionConfig
    code_sha256: str
    description: str = ""

    @property
    def arn(self) -> str:
        return f"{self.config.arn}:{self.version}"


@dataclass
class Alias:
    """A named pointer to a version, optionally splitting traffic with a second version."""

    name: str
    function_arn: str
    function_version: str
    routing: dict[str, float] = field(default_factory=dict)
    description: str = ""
    revision_id: str = field(default_factory=new_uuid)

    @property
    def arn(self) -> str:
        return f"{self.function_arn}:{self.name}"

    def as_dict(self) -> dict[str, Any]:
        """The alias as ``GetAlias`` returns it."""
        out: dict[str, Any] = {"AliasArn": self.arn, "Name": self.name,
                               "FunctionVersion": self.function_version,
                               "Description": self.description, "RevisionId": self.revision_id}
        if self.routing:
            out["RoutingConfig"] = {"AdditionalVersionWeights": dict(self.routing)}
        return out


@dataclass(frozen=True)
class Target:
    """What an invocation runs: the version chosen, its configuration and the ARN invoked."""

    version: str
    config: FunctionConfig
    invoked_arn: str
    qualifier: str | None


def code_sha256(root: Path) -> str:
    """A digest of the code directory (paths and contents), base64 like Lambda's CodeSha256."""
    import hashlib  # off the import path: OpenSSL loads in milliseconds

    digest = hashlib.sha256()
    size = 0
    for path in sorted(_files(root)):
        data = path.read_bytes()
        size += len(data)
        if size > UNZIPPED_LIMIT:
            raise InvalidParameterValueException(
                f"Unzipped size must be smaller than {UNZIPPED_LIMIT} bytes. The code directory "
                f"{str(root)!r} is larger; point code_dir at the function's own folder.")
        digest.update(path.relative_to(root).as_posix().encode() + b"\0")
        digest.update(data)
        digest.update(b"\0")
    return base64.b64encode(digest.digest()).decode()


def _files(root: Path) -> list[Path]:
    import fnmatch

    out: list[Path] = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = [d for d in dirnames if not any(fnmatch.fnmatch(d, p) for p in _SKIP)]
        out.extend(Path(dirpath, f) for f in filenames
                   if not any(fnmatch.fnmatch(f, p) for p in _SKIP))
    return out


def _comparable(config: FunctionConfig) -> FunctionConfig:
    return replace(config, code_dir=Path("/"), **_FUNCTION_LEVEL)  # type: ignore[arg-type]


class Versions:
    """A function's published versions and aliases.

    Publishing copies the code directory into a private snapshot, so later edits to the source
    do not reach the version, as on Lambda. The snapshots are removed by :meth:`close`, or when
    this object is collected or the interpreter exits (a function never closed).
    """

    def __init__(self, seed: int | None = None) -> None:
        self._versions: dict[str, Version] = {}
        self._aliases: dict[str, Alias] = {}
        self._last = 0
        self._snapshots: list[str] = []
        weakref.finalize(self, _remove_all, self._snapshots)
        self._rng = random.Random(None if seed is None else f"routing:{seed}")

    @property
    def versions(self) -> dict[str, Version]:
        """Published versions by number, oldest first."""
        return dict(self._versions)

    @property
    def aliases(self) -> dict[str, Alias]:
        return dict(self._aliases)

    def publish(self, config: FunctionConfig, description: str = "") -> Version:
        """``PublishVersion``: a new version, or the latest one when nothing changed since."""
        sha = code_sha256(config.code_dir)
        if self._last:
            last = self._versions[str(self._last)]
            if last.code_sha256 == sha and _comparable(last.config) == _comparable(config):
                return last
        number = str(self._last + 1)
        snapshot = tempfile.mkdtemp(prefix=f"pytest-lambda-{config.name}-v{number}-")
        self._snapshots.append(snapshot)
        task = Path(snapshot, "task")
        shutil.copytree(config.code_dir, task, ignore=shutil.ignore_patterns(*_SKIP))
        version = Version(number, replace(config, code_dir=task), sha, description)
        self._versions[number] = version
        self._last += 1
        return version

    def get_alias(self, name: str, function_arn: str) -> Alias:
        alias = self._aliases.get(name)
        if alias is None:
            raise ResourceNotFoundException(
                f"Alias not found: {function_arn}:{name}. Create it with create_alias().")
        return alias

    def create_alias(self, name: str, function_version: str, function_arn: str, *,
                     routing: dict[str, float] | None = None, description: str = "") -> Alias:
        """``CreateAlias`` with Lambda's checks on the name, the version and the routing."""
        if not isinstance(name, str) or not 1 <= len(name) <= 128 or not _ALIAS.fullmatch(name):
            raise validation_error(
                name, "name", "Member must satisfy regular expression pattern: "
                "(?!^[0-9]+$)([a-zA-Z0-9-_]+)",
                "Use 1-128 letters, digits, '-' or '_', not only digits.")
        if name in self._aliases:
            raise ResourceConflictException(
                f"Alias already exists: {function_arn}:{name}. Use update_alias() to change it.")
        self._check_target(function_version, routing or {}, function_arn)
        alias = Alias(name, function_arn, function_version, dict(routing or {}), description)
        self._aliases[name] = alias
        return alias

    def update_alias(self, name: str, function_arn: str, *, function_version: str | None = None,
                     routing: dict[str, float] | None = None,
                     description: str | None = None) -> Alias:
        """``UpdateAlias``: ``routing=None`` keeps the split, ``{}`` ends it."""
        alias = self.get_alias(name, function_arn)
        version = alias.function_version if function_version is None else function_version
        weights = alias.routing if routing is None else routing
        self._check_target(version, weights, function_arn)
        alias.function_version = version
        alias.routing = dict(weights)
        if description is not None:
            alias.description = description
        alias.revision_id = new_uuid()
        return alias

    def delete_alias(self, name: str, function_arn: str) -> None:
        self.get_alias(name, function_arn)
        del self._aliases[name]

    def _check_target(self, version: str, routing: dict[str, float], function_arn: str) -> None:
        if version != LATEST and version not in self._versions:
            raise ResourceNotFoundException(
                f"Function not found: {function_arn}:{version}. Publish it first "
                "(publish_version()) or point the alias at an existing version.")
        if not isinstance(routing, dict):
            raise InvalidParameterValueException(
                "routing must be a dict {version: weight}, the AdditionalVersionWeights map.")
        if len(routing) > 1:
            raise InvalidParameterValueException(
                f"Number of items in AdditionalVersionWeights cannot be greater than 1 (got "
                f"{len(routing)}: {routing}). An alias routes to its version and at most one "
                "other.")
        for extra, weight in routing.items():
            if version == LATEST or extra == LATEST:
                raise InvalidParameterValueException(
                    "$LATEST is not supported for an alias pointing to more than 1 version. "
                    "Route between two published versions.")
            if isinstance(weight, bool) or not isinstance(weight, int | float) or not (
                    0.0 <= weight <= 1.0):
                raise InvalidParameterValueException(
                    f"Invalid weight {weight!r} for version {extra} in AdditionalVersionWeights: "
                    "weights must be between 0.0 and 1.0.")
            if extra == version:
                raise InvalidParameterValueException(
                    f"Version {extra} is both the alias's FunctionVersion and in "
                    "AdditionalVersionWeights; name a different version.")
            if extra not in self._versions:
                raise ResourceNotFoundException(f"Function not found: {function_arn}:{extra}.")
            if (self._versions[extra].config.dead_letter_config
                    != self._versions[version].config.dead_letter_config):
                raise InvalidParameterValueException(
                    "Versions in an alias routing configuration must have the same "
                    "DeadLetterConfig.")

    def resolve(self, qualifier: str | None, latest: FunctionConfig) -> Target:
        """The version a request for ``qualifier`` runs (routing chosen per request)."""
        arn = latest.arn
        if qualifier is None:
            return Target(LATEST, latest, arn, None)
        if qualifier == LATEST:
            return Target(LATEST, latest, f"{arn}:{LATEST}", qualifier)
        if qualifier in self._versions:
            return Target(qualifier, self._versions[qualifier].config, f"{arn}:{qualifier}",
                          qualifier)
        alias = self._aliases.get(qualifier)
        if alias is None:
            raise ResourceNotFoundException(
                f"Function not found: {arn}:{qualifier}. Known qualifiers: "
                f"{', '.join([LATEST, *self._versions, *self._aliases])}.")
        chosen = alias.function_version
        draw = self._rng.random()
        for extra, weight in alias.routing.items():
            if draw < weight:
                chosen = extra
        config = latest if chosen == LATEST else self._versions[chosen].config
        return Target(chosen, config, alias.arn, qualifier)

    def close(self) -> None:
        """Remove the code snapshots."""
        _remove_all(self._snapshots)


def _remove_all(paths: list[str]) -> None:
    """Remove the snapshot folders in ``paths`` (emptied: a second call removes nothing)."""
    while paths:
        shutil.rmtree(paths.pop(), ignore_errors=True)


class VersionsMixin:
    """``LambdaFunction``'s version and alias API, delegated to :class:`Versions`."""

    config: FunctionConfig
    _versions: Versions

    def publish_version(self, description: str = "") -> Version:
        """``PublishVersion``: freeze the code and configuration as they are now.

        Returns the latest version unchanged when neither changed since it was published.
        """
        return self._versions.publish(self.config, description)

    @property
    def versions(self) -> dict[str, Version]:
        """Published versions by number."""
        return self._versions.versions

    @property
    def aliases(self) -> dict[str, Alias]:
        return self._versions.aliases

    def create_alias(self, name: str, version: str, *, routing: Mapping[str, float] | None = None,
                     description: str = "") -> Alias:
        """``CreateAlias``; ``routing={"2": 0.1}`` sends 10 % to version 2."""
        return self._versions.create_alias(
            name, str(version), self.config.arn, description=description,
            routing=None if routing is None else dict(routing))

    def update_alias(self, name: str, version: str | None = None, *,
                     routing: Mapping[str, float] | None = None,
                     description: str | None = None) -> Alias:
        """``UpdateAlias``: shift traffic; ``routing={}`` ends a split."""
        return self._versions.update_alias(
            name, self.config.arn, function_version=None if version is None else str(version),
            routing=None if routing is None else dict(routing), description=description)

    def delete_alias(self, name: str) -> None:
        self._versions.delete_alias(name, self.config.arn)


