"""What a run tests: targets.toml read once, the selection resolved and checked, nothing started.

A `Selection` is plain and complete: the selected destination versions with their URLs, settings and
credentials, the configured versions the cross-version clauses may compare them with (`peers`), the seed,
and the embedded reference as chosen (fault, variant, candidate). Resolving it needs no server: the
embedded reference's ids and demo credentials are known without starting it, and its versions' URLs begin
`embedded/` until an `Environment` binds them. The processes of a parallel run receive it as data
(`to_data`), not by reading targets.toml again.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from destwatch.config import Targets, VersionTarget, did_you_mean, load_targets
from destwatch.consumers.model import Consumer, load_consumers
from destwatch.errors import ConfigError
from destwatch.reference.candidates import CANDIDATES
from destwatch.reference.embedded import Embedded
from destwatch.reference.faults import FAULTS
from destwatch.reference.variants import VARIANTS

__all__ = ["RunOptions", "Selection"]


@dataclass(frozen=True)
class RunOptions:
    """What the command line selected on top of targets.toml."""

    targets: Path
    names: tuple[str, ...] = ()
    versions: tuple[str, ...] = ()
    seed: int | None = None
    fault: str | None = None
    variant: str | None = None
    candidate: str | None = None
    reports_dir: Path | None = None
    # The versions cross-version checks may use besides the selection; None: every configured version. A
    # validation names its baseline, so the suites on the candidate mention only the two versions compared.
    peers: tuple[str, ...] | None = None


@dataclass(frozen=True)
class Selection:
    """The destination versions a run tests, resolved (see the module's words)."""

    options: RunOptions
    targets: tuple[VersionTarget, ...]
    # Configured versions outside the selection that cross-version clauses may compare with (those whose
    # credentials are set: testing one version never needs the secrets of another).
    peers: tuple[VersionTarget, ...]
    # The run's seed: the command line's, else targets.toml's default.
    seed: int
    reference: Embedded = field(default_factory=Embedded)
    # The consumer files of targets.toml's `consumers_dir`, validated against its destinations and versions.
    consumers: tuple[Consumer, ...] = ()

    @classmethod
    def resolve(cls, options: RunOptions) -> Selection:
        """Read `options.targets` and resolve; `ConfigError` for any mistake, before anything starts."""
        return cls.of(load_targets(options.targets), options)

    @classmethod
    def of(cls, config: Targets, options: RunOptions) -> Selection:
        """The selection `options` make of an already read targets.toml."""
        reference = _embedded(config, options)
        targets = config.version_targets(options.names, options.versions, embedded=reference)
        chosen = {target.id for target in targets}
        peers = []
        for name in config.version_names():
            if name in chosen or (options.peers is not None and name not in options.peers):
                continue
            try:
                peers += config.version_targets([name], embedded=reference)
            except ConfigError:
                continue
        seed = options.seed if options.seed is not None else config.defaults.seed
        consumers: tuple[Consumer, ...] = ()
        if config.consumers_dir is not None:
            consumers = load_consumers(config.consumers_dir, config.configured_versions())
        return cls(options, tuple(targets), tuple(peers), seed, reference, consumers)

    @property
    def uses_reference(self) -> bool:
        """Whether a version of the run is the embedded reference's (so the run must serve it)."""
        return any(target.embedded for target in (*self.targets, *self.peers))

    def seed_of(self, target: VersionTarget) -> int:
        """The fuzz seed of `target`: the command line's, else the version's `seed` setting."""
        return self.options.seed if self.options.seed is not None else target.settings.seed

    def versions_of(
        self, destination: str, among: Sequence[VersionTarget] | None = None
    ) -> list[VersionTarget]:
        """The selected versions of `destination` and its peers, oldest first."""
        every = among if among is not None else (*self.targets, *self.peers)
        mine = [target for target in every if target.destination == destination]
        return sorted(mine, key=lambda target: int(target.version[1:]))

    def consumers_of(self, target: VersionTarget) -> list[Consumer]:
        """The consumers that use `target` today."""
        return [consumer for consumer in self.consumers if consumer.uses(target.destination, target.version)]

    def to_data(self) -> dict[str, Any]:
        """This selection as plain data, for another process of the same run."""
        options = self.options
        return {
            "options": {
                "targets": str(options.targets),
                "names": list(options.names),
                "versions": list(options.versions),
                "seed": options.seed,
                "fault": options.fault,
                "variant": options.variant,
                "candidate": options.candidate,
                "peers": list(options.peers) if options.peers is not None else None,
            },
            "targets": [target.to_data() for target in self.targets],
            "peers": [target.to_data() for target in self.peers],
            "seed": self.seed,
            "reference": self.reference.server_settings(),
            "consumers": [consumer.to_data() for consumer in self.consumers],
        }

    @classmethod
    def from_data(cls, data: Mapping[str, Any]) -> Selection:
        """The selection `to_data` gave (its reports folder stays with the process that writes reports)."""
        given = data["options"]
        options = RunOptions(
            targets=Path(given["targets"]),
            names=tuple(given["names"]),
            versions=tuple(given["versions"]),
            seed=given["seed"],
            fault=given["fault"],
            variant=given["variant"],
            candidate=given["candidate"],
            peers=tuple(given["peers"]) if given["peers"] is not None else None,
        )
        return cls(
            options,
            tuple(VersionTarget.from_data(target) for target in data["targets"]),
            tuple(VersionTarget.from_data(target) for target in data["peers"]),
            data["seed"],
            Embedded(**data["reference"]),
            tuple(Consumer.from_data(consumer) for consumer in data.get("consumers", ())),
        )


def _embedded(config: Targets, options: RunOptions) -> Embedded:
    """The embedded reference as configured: names checked against the catalogues, with the line at fault."""
    reference = config.reference
    chosen = {
        "fault": (options.fault, reference.fault, FAULTS),
        "variant": (options.variant, reference.variant, VARIANTS),
        "candidate": (options.candidate, reference.candidate, CANDIDATES),
    }
    names: dict[str, str | None] = {}
    for what, (given, configured, catalogue) in chosen.items():
        name = given if given is not None else configured
        if name and name not in catalogue:
            problem = f"unknown {what} {name!r}"
            fix = f"choose one of {', '.join(sorted(catalogue))}{did_you_mean(name, catalogue)}"
            if given is not None:
                raise ConfigError(problem, key=f"--{what}", fix=fix)
            raise config.error(("reference", what), problem, fix)
        names[what] = name or None
    try:
        return Embedded(
            fault=names["fault"],
            variant=names["variant"],
            candidate=names["candidate"],
            token_ttl=reference.token_ttl,
            rate_limit=(reference.rate_limit.requests, reference.rate_limit.per)
            if reference.rate_limit
            else None,
        )
    except ValueError as exc:  # a candidate the chosen variant cannot show
        fix = "choose another candidate or variant"
        if options.candidate is not None:
            raise ConfigError(str(exc), key="--candidate", fix=fix) from None
        raise config.error(("reference", "candidate"), str(exc), fix) from None
