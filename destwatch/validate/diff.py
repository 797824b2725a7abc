"""The Occtoo-aware document diff: two versions' facts in, classified changes out.

Each change has a stable id (`property-removed:products.brand`), a severity and a sentence for consumers.
A property's own filter, sort key, GET parameter, range and facet go with it (one change, not five); a
rename found in the live data (`renames`) replaces the removal and the addition it explains; and a change
made on every endpoint alike is said once (`get-parameter-removed:periodSince`).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass

from destwatch.validate.changes import Change, Severity
from destwatch.validate.facts import EndpointFacts, Field, VersionFacts

__all__ = ["Renames", "document_changes"]

# endpoint -> {old property: new property}
Renames = Mapping[str, Mapping[str, str]]

B, M, C = Severity.BREAKING, Severity.MAYBE_BREAKING, Severity.COMPATIBLE
# What a property brings with it, by the same name: removed or added together with the property.
_COMPANIONS = ("filter-key", "sort-key", "get-parameter", "range-property", "facet")
_POST_EQUIVALENT = {
    "periodSince": "POST `period.since`",
    "listIds": "POST `listIds`",
    "includeTotals": "POST `includeTotals`",
    "after": "POST `after`",
    "sortAsc": "POST `sortAsc`",
    "sortDesc": "POST `sortDesc`",
}


@dataclass(frozen=True)
class _Raw:
    kind: str
    endpoint: str
    name: str
    severity: Severity
    sentence: str
    migration: str = ""
    # The values an enum no longer takes (for `*-enum-narrowed`).
    values: tuple[str, ...] = ()


def document_changes(
    old: VersionFacts,
    new: VersionFacts,
    *,
    renames: Renames | None = None,
    facet_renames: Renames | None = None,
) -> list[Change]:
    """Every change from `old` to `new`, breaking first; `renames` and `facet_renames` (found in live
    data) each replace a removal and an addition with one rename."""
    renames = renames or {}
    facet_renames = facet_renames or {}
    raw: list[_Raw] = [*_version_changes(old, new)]
    common = sorted(set(old.endpoints) & set(new.endpoints))
    for name in sorted(set(old.endpoints) - set(new.endpoints)):
        raw.append(
            _Raw("endpoint-removed", "", name, B, f"the endpoint `/{name}` is gone", f"stop using `/{name}`")
        )
    for name in sorted(set(new.endpoints) - set(old.endpoints)):
        raw.append(_Raw("endpoint-added", "", name, C, f"a new endpoint `/{name}`"))
    gone_languages = {r.name for r in raw if r.kind == "language-removed"}
    for name in common:
        found = [
            change
            for change in _endpoint_changes(old.endpoints[name], new.endpoints[name])
            # The language enums shrink with the version's languages, said once already.
            if not (change.kind.endswith("-enum-narrowed") and set(change.values) <= gone_languages)
        ]
        found = _absorb(found, renames.get(name, {}), old.endpoints[name], new.endpoints[name])
        raw += _absorb_facets(found, facet_renames.get(name, {}), name)
    changes = _collapse(raw, common)
    order = {B: 0, M: 1, C: 2}
    return sorted(changes, key=lambda change: (order[change.severity], change.id))


def _version_changes(old: VersionFacts, new: VersionFacts) -> Iterator[_Raw]:
    for lang in old.languages:
        if new.languages and lang not in new.languages:
            yield _Raw(
                "language-removed", "", lang, B, f"the language `{lang}` is gone", f"stop asking for `{lang}`"
            )
    for lang in new.languages:
        if old.languages and lang not in old.languages:
            yield _Raw("language-added", "", lang, C, f"a new language `{lang}`")
    if old.default_language and new.default_language and old.default_language != new.default_language:
        yield _Raw(
            "default-language-changed",
            "",
            new.default_language,
            B,
            f"the default language is now `{new.default_language}` (was `{old.default_language}`)",
            f"ask for `language={old.default_language}` explicitly",
        )
    if new.protected and not old.protected:
        yield _Raw(
            "protection-added",
            "",
            "token",
            B,
            "requests now need a bearer token",
            "fetch a token for every call",
        )
    if old.protected and not new.protected:
        yield _Raw("protection-removed", "", "token", M, "requests no longer need a token (anyone can read)")


def _endpoint_changes(old: EndpointFacts, new: EndpointFacts) -> Iterator[_Raw]:
    ep = old.name
    yield from _fields("property", ep, old.properties, new.properties, response=True)
    yield from _fields("get-parameter", ep, old.get_parameters, new.get_parameters, response=False)
    yield from _fields("body-field", ep, old.body_fields, new.body_fields, response=False)
    for aspect, before, after, what in (
        ("filter-key", old.filters, new.filters, "filter"),
        ("sort-key", old.sort_keys, new.sort_keys, "sort key"),
        ("range-property", frozenset(old.ranges), frozenset(new.ranges), "range filter"),
        ("facet", frozenset(old.model.facets), frozenset(new.model.facets), "facet"),
    ):
        for name in sorted(before - after):
            yield _Raw(f"{aspect}-removed", ep, name, B, f"`/{ep}`: the {what} `{name}` is gone")
        for name in sorted(after - before):
            yield _Raw(f"{aspect}-added", ep, name, C, f"`/{ep}`: a new {what} `{name}`")
    for name in sorted(set(old.ranges) & set(new.ranges)):
        for operator in sorted(old.ranges[name] - new.ranges[name]):
            yield _Raw(
                "range-operator-removed",
                ep,
                f"{name}.{operator}",
                B,
                f"`/{ep}`: range `{operator}` on `{name}` is gone",
            )
    for name in sorted(set(old.model.facets) & set(new.model.facets)):
        before_size, after_size = old.model.facets[name], new.model.facets[name]
        if before_size is not None and after_size is not None and after_size < before_size:
            yield _Raw(
                "facet-size-lowered",
                ep,
                name,
                M,
                f"`/{ep}`: the facet `{name}` lists at most {after_size} values (was {before_size})",
            )
    if old.model.top_limit != new.model.top_limit:
        lowered = new.model.top_limit < old.model.top_limit
        yield _Raw(
            "max-top-lowered" if lowered else "max-top-raised",
            ep,
            "top",
            B if lowered else C,
            f"`/{ep}`: the largest `top` is {new.model.top_limit} (was {old.model.top_limit})",
            f"ask for at most {new.model.top_limit} results per page" if lowered else "",
        )
    if old.model.default_top != new.model.default_top:
        yield _Raw(
            "default-top-changed",
            ep,
            "top",
            M,
            f"`/{ep}`: without `top`, {new.model.default_top} results come back "
            f"(was {old.model.default_top})",
            f"send `top={old.model.default_top}` explicitly",
        )
    for key in sorted(old.envelope_required - new.envelope_required):
        yield _Raw("envelope-changed", ep, key, B, f"`/{ep}`: answers may lack `{key}` (it was always there)")


def _fields(
    aspect: str, ep: str, before: Mapping[str, Field], after: Mapping[str, Field], *, response: bool
) -> Iterator[_Raw]:
    what = {"property": "result property", "get-parameter": "GET parameter", "body-field": "POST body field"}[
        aspect
    ]
    for name in sorted(set(before) - set(after)):
        migration = ""
        if aspect == "get-parameter" and name in _POST_EQUIVALENT:
            migration = f"GET `{name}` is gone: use {_POST_EQUIVALENT[name]}"
        yield _Raw(f"{aspect}-removed", ep, name, B, f"`/{ep}`: the {what} `{name}` is gone", migration)
    for name in sorted(set(after) - set(before)):
        required = after[name].required and not response
        yield _Raw(
            f"{aspect}-added",
            ep,
            name,
            B if required else C,
            f"`/{ep}`: a new {'required ' if required else ''}{what} `{name}`",
            f"send `{name}`" if required else "",
        )
    for name in sorted(set(before) & set(after)):
        old, new = before[name], after[name]
        if old.type and new.type and old.type != new.type:
            yield _Raw(
                f"{aspect}-type-changed",
                ep,
                name,
                B,
                f"`/{ep}`: the {what} `{name}` is now {new.type} (was {old.type})",
                f"read `{name}` as {new.type}" if response else f"send `{name}` as {new.type}",
            )
        elif old.format != new.format:
            yield _Raw(
                f"{aspect}-format-changed",
                ep,
                name,
                M,
                f"`/{ep}`: the {what} `{name}` has format {new.format or 'none'} "
                f"(was {old.format or 'none'})",
            )
        if response and new.nullable and not old.nullable:
            yield _Raw(f"{aspect}-became-nullable", ep, name, M, f"`/{ep}`: `{name}` may now be null")
        if not response and new.required and not old.required:
            yield _Raw(
                f"{aspect}-became-required",
                ep,
                name,
                B,
                f"`/{ep}`: the {what} `{name}` is now required",
                f"send `{name}`",
            )
        narrowed = [value for value in old.enum if new.enum and value not in new.enum]
        if narrowed and not response:
            yield _Raw(
                f"{aspect}-enum-narrowed",
                ep,
                name,
                B,
                f"`/{ep}`: the {what} `{name}` no longer takes {', '.join(f'`{v}`' for v in narrowed)}",
                values=tuple(narrowed),
            )


def _absorb(
    raw: list[_Raw], renames: Mapping[str, str], old: EndpointFacts, new: EndpointFacts
) -> list[_Raw]:
    """One change per property: a rename, or a removal or addition, takes its companions with it."""
    ep = old.name
    kept: list[_Raw] = []
    renamed = {**renames, **{value: key for key, value in renames.items()}}
    removed = {r.name for r in raw if r.kind == "property-removed"}
    added = {r.name for r in raw if r.kind == "property-added"}
    for change in raw:
        # Enums of property names (sortAsc, searchOn...) shrink with the properties, said once already.
        if change.kind.endswith("-enum-narrowed") and set(change.values) <= set(old.properties):
            continue
        base = change.kind.rsplit("-", 1)[0] if change.kind.endswith(("-removed", "-added")) else ""
        if change.kind.startswith("property-") and change.name in renamed:
            continue
        if base in _COMPANIONS and change.name in renamed:
            continue
        if base in _COMPANIONS and change.kind.endswith("-removed") and change.name in removed:
            continue
        if base in _COMPANIONS and change.kind.endswith("-added") and change.name in added:
            continue
        kept.append(change)
    for before, after in sorted(renames.items()):
        kept.append(
            _Raw(
                "property-renamed",
                ep,
                f"{before}->{after}",
                B,
                f"`/{ep}`: the result property `{before}` is now `{after}` (same values)",
                f"read, filter, sort and facet on `{after}` instead of `{before}`",
            )
        )
    return kept


def _absorb_facets(raw: list[_Raw], renames: Mapping[str, str], ep: str) -> list[_Raw]:
    """A facet offered under another id, with the same values and counts, is one rename."""
    gone = {("facet-removed", old) for old in renames} | {("facet-added", new) for new in renames.values()}
    kept = [change for change in raw if (change.kind, change.name) not in gone]
    kept += [
        _Raw(
            "facet-renamed",
            ep,
            f"{before}->{after}",
            B,
            f"`/{ep}`: the facet `{before}` is now `{after}` (same values and counts)",
            f"read the facet `{after}` instead of `{before}`",
        )
        for before, after in sorted(renames.items())
    ]
    return kept


def _collapse(raw: list[_Raw], common: list[str]) -> list[Change]:
    """A change made alike on every common endpoint is one change, said once."""
    groups: dict[tuple[str, str, Severity], list[_Raw]] = {}
    for change in raw:
        groups.setdefault((change.kind, change.name, change.severity), []).append(change)
    changes: list[Change] = []
    for (kind, name, severity), members in groups.items():
        endpoints = {change.endpoint for change in members}
        if len(common) > 1 and endpoints == set(common):
            sentence = members[0].sentence.split(": ", 1)[-1]
            changes.append(
                Change(f"{kind}:{name}", severity, f"on every endpoint: {sentence}", members[0].migration)
            )
            continue
        for change in members:
            where = f"{change.endpoint}." if change.endpoint else ""
            changes.append(Change(f"{kind}:{where}{name}", severity, change.sentence, change.migration))
    return changes
