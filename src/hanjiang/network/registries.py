"""The network's facility registries — parks and their residents, express and postal services to
villages, cold-chain facilities, A-level scenic spots, platforms and the presences on them —
each described once as data (`Registry`) and served by one set of rules for reading, writing,
Excel and the API.

Rules every registry follows:
- a field is checked by its kind (dates `YYYY-MM-DD`, whole numbers, decimals, choices given by
  code or by their Chinese or English name, divisions by statistical code and level,
  organisations by credit code, records of another registry by name); every problem is reported
  at once, with its field and, in a batch, its row;
- a period never ends before it starts; names that must be unique are unique, in the database
  and within one batch;
- who sees what: administrators and reviewers everything; a county officer the records placed in
  its county (registries that are city-wide lists, such as platforms, in full); an enterprise
  user the records it operates or holds;
- who writes what: administrators everything; a county officer records placed in its county
  where the registry allows it; an enterprise user its own records where the registry allows it;
- every change is audited in its transaction; the registry's figures are published again after
  the transaction commits; a batch is applied whole or not at all.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from hanjiang.accounts.models import Role
from hanjiang.accounts.scoping import Scope, scope_of
from hanjiang.core.audit import audit_record, snapshot
from hanjiang.core.errors import ErrorItem, PermissionDeniedError, ValidationFailed
from hanjiang.core.fields import date_field
from hanjiang.core.models import AuditAction, AuditChannel
from hanjiang.registry.models import Division, Organisation
from hanjiang.registry.selectors import normalize_division_code

TRUE_WORDS = {"1", "true", "yes", "y", "是", "on", "t"}
FALSE_WORDS = {"", "0", "false", "no", "n", "否", "off", "f"}


@dataclass(frozen=True)
class Field:
    """One field of a registry, as forms, sheets and the API name it (`key`)."""

    key: str
    label: str | Promise
    kind: str = "text"  # text, note, date, int, decimal, positive (a float above zero), choice,
    # bool, division, organisation, ref, coordinate
    required: bool = False
    attr: str = ""  # the model attribute, when it differs from the key
    choices: Any = None  # a Choices class
    levels: tuple[str, ...] = ()  # division levels allowed
    target: Any = None  # the model a `ref` names
    lookup: tuple[str, ...] = ("name",)  # fields a `ref` is found by
    in_list: bool = False
    minimum: int = 0

    @property
    def name(self) -> str:
        return self.attr or self.key


Check = Callable[[dict[str, Any], Any, Sequence[dict[str, Any]], int | None], list[ErrorItem]]


@dataclass(frozen=True)
class Registry:
    slug: str
    model: Any
    title: str | Promise
    noun: str | Promise
    fields: tuple[Field, ...]
    intro: str | Promise = ""
    territory: tuple[str, ...] = ()  # ORM paths of the division code placing a record
    owners: tuple[str, ...] = ()  # ORM paths of the organisation an enterprise user owns
    place: Callable[[dict[str, Any]], str] = lambda cleaned: ""
    owner: Callable[[dict[str, Any]], int | None] = lambda cleaned: None
    county_writes: bool = True
    enterprise_writes: bool = False
    period: tuple[str, str] | None = None
    unique_name: bool = False
    search: tuple[str, ...] = ("name",)
    filter_field: str = ""
    checks: tuple[Check, ...] = ()
    warnings: Callable[[Any], list[str]] = lambda record: []
    publish: Callable[[datetime.date], int] | None = None
    related: tuple[str, ...] = ()  # select_related paths
    children: tuple[tuple[str, str], ...] = ()  # (registry slug, foreign key to this one)
    title_field: str = "name"

    def field(self, key: str) -> Field:
        return next(item for item in self.fields if item.key == key)

    @property
    def list_fields(self) -> list[Field]:
        return [item for item in self.fields if item.in_list]


REGISTRIES: dict[str, Registry] = {}


def register(registry: Registry) -> Registry:
    REGISTRIES[registry.slug] = registry
    return registry


# Reading -----------------------------------------------------------------------------------------


def _any(paths: Sequence[str], value: Any, suffix: str) -> Q:
    query = Q(pk__in=[])
    for path in paths:
        query |= Q(**{f"{path}{suffix}": value})
    return query


def in_scope(registry: Registry, user: Any) -> QuerySet[Any]:
    scope = scope_of(user)
    records: QuerySet[Any] = registry.model.objects.select_related(*registry.related)
    if scope.reads_everything:
        return records
    if scope.role == Role.COUNTY_OFFICER:
        if not registry.territory:
            return records
        return records.filter(_any(registry.territory, scope.county_prefix or "-", "__startswith"))
    if scope.role == Role.ENTERPRISE:
        if registry.owners:
            return records.filter(_any(registry.owners, scope.organisation_id or 0, ""))
        return records if not registry.territory else records.none()
    return records.none()


def in_county(registry: Registry, records: QuerySet[Any], county_code: str) -> QuerySet[Any]:
    if not registry.territory:
        return records
    return records.filter(_any(registry.territory, county_code[:6], "__startswith"))


def may_write(registry: Registry, scope: Scope) -> bool:
    return (
        scope.role == Role.CITY_ADMIN
        or (scope.role == Role.COUNTY_OFFICER and registry.county_writes)
        or (scope.role == Role.ENTERPRISE and registry.enterprise_writes)
    )


def display(record: Any, item: Field) -> Any:
    """A field's value as a page or a sheet shows it."""
    value = getattr(record, item.name)
    if value is None or value == "":
        return ""
    if item.kind == "choice":
        return getattr(record, f"get_{item.name}_display")()
    if item.kind == "bool":
        return _("Yes") if value else _("No")
    if item.kind == "division":
        return value.short_code
    if item.kind == "organisation":
        return value.uscc
    if item.kind == "date":
        return value.isoformat()
    return str(value)


def as_data(registry: Registry, record: Any) -> dict[str, Any]:
    """A record as the API returns it: codes, not labels."""
    data: dict[str, Any] = {"id": record.pk}
    for item in registry.fields:
        value = getattr(record, item.name)
        if item.kind == "division":
            data[item.key] = value.short_code if value else None
        elif item.kind == "organisation":
            data[item.key] = value.uscc if value else None
        elif item.kind == "ref":
            data[item.key] = str(value) if value else None
        elif item.kind == "date":
            data[item.key] = value.isoformat() if value else None
        elif item.kind in {"decimal", "coordinate"} and value is not None:
            data[item.key] = str(value)
        else:
            data[item.key] = value
    return data


# Checking ----------------------------------------------------------------------------------------


def _error(code: str, message: Any, item: Field | str, row: int | None) -> ErrorItem:
    return ErrorItem(code, message, field=item if isinstance(item, str) else item.key, row=row)


def _choice(item: Field, text: str) -> Any:
    lookup: dict[str, Any] = {}
    for value, label in item.choices.choices:
        lookup[str(value).lower()] = value
        lookup[str(label).lower()] = value
        lookup[str(label).split("(")[-1].rstrip(")").lower()] = value
    return lookup.get(text.lower())


def _number(item: Field, text: str, model: Any, row: int | None, errors: list[ErrorItem]) -> Any:
    try:
        number = Decimal(text) if item.kind != "int" or text.isascii() else Decimal("NaN")
    except InvalidOperation:
        number = Decimal("NaN")
    column = model._meta.get_field(item.name)
    if item.kind == "coordinate":
        limit = 90 if item.key == "latitude" else 180
        if not number.is_finite() or abs(number) > limit:
            errors.append(
                _error(
                    "invalid_coordinate",
                    _("“%(value)s” is not a valid coordinate.") % {"value": text},
                    item,
                    row,
                )
            )
            return None
        return number.quantize(Decimal("0.000001"))
    if item.kind == "positive":
        if not number.is_finite() or number <= 0:
            errors.append(
                _error(
                    "invalid_number",
                    _("“%(value)s” is not a number above zero.") % {"value": text},
                    item,
                    row,
                )
            )
            return None
        return float(number)
    if item.kind == "int":
        if not number.is_finite() or number != number.to_integral_value() or number < item.minimum:
            errors.append(
                _error(
                    "invalid_number",
                    _("“%(value)s” is not a whole number of at least %(minimum)s.")
                    % {"value": text, "minimum": item.minimum},
                    item,
                    row,
                )
            )
            return None
        return int(number)
    places = Decimal(1).scaleb(-column.decimal_places)
    if (
        not number.is_finite()
        or number < 0
        or len(number.quantize(places).as_tuple().digits) > column.max_digits
    ):
        errors.append(
            _error(
                "invalid_number",
                _("“%(value)s” is not a number of zero or more.") % {"value": text},
                item,
                row,
            )
        )
        return None
    return number.quantize(places)


def _value(
    registry: Registry, item: Field, raw: Any, row: int | None, errors: list[ErrorItem]
) -> Any:
    text = "" if raw is None else str(raw).strip()
    if item.kind == "bool":
        if isinstance(raw, bool):
            return raw
        if text.lower() in TRUE_WORDS or text in {str(_("Yes"))}:
            return True
        if text.lower() in FALSE_WORDS or text in {str(_("No"))}:
            return False
        errors.append(_error("invalid_choice", _("Answer yes or no."), item, row))
        return None
    if not text:
        if item.required:
            errors.append(_error("required", _("This field is required."), item, row))
        return "" if item.kind in {"text", "note"} else None
    if item.kind == "date":
        return date_field(text, item.key, row, errors)
    if item.kind in {"int", "decimal", "coordinate", "positive"}:
        return _number(item, text, registry.model, row, errors)
    if item.kind == "choice":
        value = _choice(item, text)
        if value is None:
            errors.append(
                _error(
                    "invalid_choice",
                    _("“%(value)s” is not one of the choices.") % {"value": text},
                    item,
                    row,
                )
            )
        return value
    if item.kind == "division":
        code = normalize_division_code(text)
        division = Division.objects.filter(code=code).first() if code else None
        if division is None:
            errors.append(
                _error(
                    "unknown_division",
                    _("There is no division with code %(code)s.") % {"code": text},
                    item,
                    row,
                )
            )
        elif item.levels and division.level not in item.levels:
            errors.append(
                _error(
                    "wrong_level",
                    _("“%(name)s” is not a division of the level this field needs.")
                    % {"name": division.name},
                    item,
                    row,
                )
            )
            return None
        return division
    if item.kind == "organisation":
        organisation = (
            Organisation.objects.select_related("division").filter(uscc=text.upper()).first()
        )
        if organisation is None:
            errors.append(
                _error(
                    "unknown_organisation",
                    _("No organisation with credit code %(code)s.") % {"code": text},
                    item,
                    row,
                )
            )
        return organisation
    if item.kind == "ref":
        found = item.target.objects.filter(_any(item.lookup, text, "")).first()
        if found is None:
            errors.append(
                _error(
                    "unknown_record",
                    _("There is no %(what)s named “%(value)s”.")
                    % {"what": item.target._meta.verbose_name, "value": text},
                    item,
                    row,
                )
            )
        return found
    column = registry.model._meta.get_field(item.name)
    if column.max_length and len(text) > column.max_length:
        errors.append(
            _error(
                "too_long",
                _("At most %(limit)s characters.") % {"limit": column.max_length},
                item,
                row,
            )
        )
    return text


def clean(
    registry: Registry,
    actor: Any,
    data: Mapping[str, Any],
    *,
    instance: Any = None,
    row: int | None = None,
    pending: Sequence[dict[str, Any]] = (),
) -> dict[str, Any]:
    """The record's values from `data`, or ValidationFailed with every problem."""
    errors: list[ErrorItem] = []
    cleaned = {
        item.name: _value(registry, item, data.get(item.key), row, errors)
        for item in registry.fields
    }
    if registry.period:
        start, end = registry.period
        if cleaned.get(start) and cleaned.get(end) and cleaned[end] < cleaned[start]:
            errors.append(
                _error(
                    "ends_before_start",
                    _("“%(end)s” cannot be before “%(start)s”.")
                    % {"end": registry.field(end).label, "start": registry.field(start).label},
                    end,
                    row,
                )
            )
    if registry.unique_name and cleaned.get("name"):
        taken = registry.model.objects.filter(name=cleaned["name"])
        if instance is not None:
            taken = taken.exclude(pk=instance.pk)
        if taken.exists() or any(other.get("name") == cleaned["name"] for other in pending):
            errors.append(
                _error(
                    "duplicate",
                    _("“%(name)s” is already registered.") % {"name": cleaned["name"]},
                    "name",
                    row,
                )
            )
    if not errors:
        for check in registry.checks:
            errors.extend(check(cleaned, instance, pending, row))
    if not errors:
        scope = scope_of(actor)
        if scope.role == Role.COUNTY_OFFICER and not scope.covers_code(registry.place(cleaned)):
            errors.append(
                _error(
                    "outside_scope",
                    _("You may only register records in your own county."),
                    registry.fields[0],
                    row,
                )
            )
        if scope.role == Role.ENTERPRISE and registry.owner(cleaned) != scope.organisation_id:
            errors.append(
                _error(
                    "outside_scope",
                    _("You may only register your own organisation's records."),
                    registry.fields[0],
                    row,
                )
            )
    if errors:
        raise ValidationFailed(errors)
    return cleaned


# Writing -----------------------------------------------------------------------------------------


def _require_writer(registry: Registry, actor: Any) -> None:
    if not may_write(registry, scope_of(actor)):
        raise PermissionDeniedError(
            "forbidden",
            _("Your role may not change the %(registry)s.") % {"registry": registry.title},
        )


def _store(
    registry: Registry,
    actor: Any,
    cleaned: dict[str, Any],
    instance: Any,
    channel: AuditChannel,
) -> Any:
    before = snapshot(instance) if instance is not None else None
    record = instance or registry.model()
    for name, value in cleaned.items():
        setattr(record, name, value)
    record.save()
    audit_record(
        actor=actor,
        action=AuditAction.CREATE if before is None else AuditAction.UPDATE,
        instance=record,
        before=before,
        after=snapshot(record),
        channel=channel,
    )
    return record


def _republish(registry: Registry) -> None:
    if registry.publish is not None:
        publish = registry.publish
        transaction.on_commit(lambda: publish(timezone.localdate()))


@dataclass
class Saved:
    record: Any
    warnings: list[str] = field(default_factory=list)


def record_save(
    registry: Registry,
    *,
    actor: Any,
    data: Mapping[str, Any],
    instance: Any = None,
    channel: AuditChannel = AuditChannel.WEB,
) -> Saved:
    """Create a record, or update `instance`; the flags it raises come back as warnings."""
    _require_writer(registry, actor)
    if instance is not None and not in_scope(registry, actor).filter(pk=instance.pk).exists():
        raise PermissionDeniedError("forbidden", _("This record lies outside your scope."))
    cleaned = clean(registry, actor, data, instance=instance)
    with transaction.atomic():
        record = _store(registry, actor, cleaned, instance, channel)
        _republish(registry)
    return Saved(record, [str(text) for text in registry.warnings(record)])


@dataclass
class Imported:
    count: int
    warnings: list[str] = field(default_factory=list)


def records_import(
    registry: Registry, *, actor: Any, rows: Sequence[tuple[int, Mapping[str, Any]]]
) -> Imported:
    """Create every row's record, or none; errors name their row and field."""
    _require_writer(registry, actor)
    errors: list[ErrorItem] = []
    accepted: list[dict[str, Any]] = []
    for row, data in rows:
        try:
            accepted.append(clean(registry, actor, data, row=row, pending=accepted))
        except ValidationFailed as failure:
            errors.extend(failure.errors)
    if errors:
        raise ValidationFailed(errors)
    warnings: list[str] = []
    with transaction.atomic():
        for cleaned in accepted:
            record = _store(registry, actor, cleaned, None, AuditChannel.IMPORT)
            warnings.extend(str(text) for text in registry.warnings(record))
        _republish(registry)
    return Imported(len(accepted), sorted(set(warnings)))


def name_column(item: Field) -> Any:
    """The header of the export-only column naming a field's division or organisation."""
    return _("Division") if item.kind == "division" else _("Organisation")


def active(records: QuerySet[Any], start: str, end: str, day: datetime.date) -> QuerySet[Any]:
    """Records whose period covers the day: started on or before it and not yet ended."""
    return records.filter(Q(**{f"{start}__lte": day}) | Q(**{f"{start}__isnull": True})).filter(
        Q(**{f"{end}__isnull": True}) | Q(**{f"{end}__gt": day})
    )


def overlapping(
    model: Any,
    same: dict[str, Any],
    start: str,
    end: str,
    cleaned: dict[str, Any],
    instance: Any,
    pending: Sequence[dict[str, Any]],
) -> bool:
    """Whether another record (stored or earlier in the batch) with the same `same` values has a
    period overlapping the cleaned one."""
    begin, finish = cleaned[start], cleaned[end]
    stored = model.objects.filter(**same)
    if instance is not None:
        stored = stored.exclude(pk=instance.pk)
    if finish is not None:
        stored = stored.filter(**{f"{start}__lt": finish})
    stored = stored.filter(Q(**{f"{end}__isnull": True}) | Q(**{f"{end}__gt": begin}))
    if stored.exists():
        return True
    for other in pending:
        same_record = all(other.get(key) == value for key, value in same.items())
        if (
            same_record
            and (finish is None or other[start] < finish)
            and (other[end] is None or other[end] > begin)
        ):
            return True
    return False
