"""Business rules of the customs CEB messages that the schemas do not express, each with its basis.

From the specification (`spec`):
- `appType` is 1 (new), 2 (change) or 3 (delete); a cancellation (623, 605) is only ever 1;
  `appStatus` is 1 (stored) or 2 (declared); `appTime` is a real time `YYYYMMDDhhmmss`;
- the message `guid` is 36 characters in upper case (the schema's annotation; the official samples
  use lower case, so this is a warning);
- on the import side the currency is `142` (RMB) everywhere; the buyer's and payer's identity type
  is `1` (identity card);
- an import order (311) is of type `I`; an export order (303) of type `E`, `B` or `W`;
- a waybill (511) has `packNo` 1; a waybill status (513) is `S` (signed for);
- an import inventory (621) is `ieFlag` `I`, trade mode `9610` or `1210`; a bonded (1210)
  inventory names its account book (`emsNo`) and warehouse (`areaCode`) and ships from `142`; a
  direct-purchase (9610) inventory names its bill of lading (`billNo`); `declTime` is a real date;
- an export inventory (603) is `ieFlag` `E`, `statisticsFlag` `A` or `B`, trade mode `9610`,
  `1210`, `9710` or `9810`;
- item numbers (`gnum`) run 1, 2, 3 … in the order of the items;
- on an import inventory item, `qty2` is given exactly when `unit2` is, and is then above zero.

Derived by the platform from the specification's wording (`derived`, a pre-check):
- an item's `totalPrice` = `price` × `qty` (compared to 5 decimals);
- an import order's `acturalPaid` = `goodsValue` + `freight` + `taxTotal` − `discount`.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable
from decimal import MAX_PREC, Decimal, InvalidOperation, localcontext
from functools import cache

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from lxml import etree

from hanjiang.crossborder.messages import NS, Problem, path_of

FIVE = Decimal("0.00001")


def _five(value: Decimal) -> Decimal:
    """The value to 5 decimals, however many digits it has (the default context's 28 would
    refuse a product of two long amounts)."""
    with localcontext(prec=MAX_PREC):
        return value.quantize(FIVE)


PREFIX = f"{{{NS}}}"


def _is_time(text: str, digits: int) -> bool:
    """Whether `text` is a real date (8 digits) or time (14 digits, YYYYMMDDhhmmss)."""
    if len(text) != digits or not text.isdigit():
        return False
    clock = [int(text[i : i + 2]) for i in range(8, digits, 2)] + [0, 0, 0]
    try:
        # Only the form is checked: the customs times carry no zone.
        datetime.datetime(  # noqa: DTZ001
            int(text[0:4]), int(text[4:6]), int(text[6:8]), clock[0], clock[1], clock[2]
        )
    except ValueError:
        return False
    return True


class Fields:
    """A parent's child elements by local name (the first of each), read when first asked for."""

    def __init__(self, parent: etree._Element) -> None:
        self.parent = parent
        self.found: dict[str, etree._Element | None] = {}
        self.read = False

    @classmethod
    def of(cls, element: etree._Element) -> Fields:
        """The fields of the element's parent, with `element` already known."""
        found = cls(element.getparent())
        found.found[etree.QName(element).localname] = element
        return found

    def get(self, name: str) -> etree._Element | None:
        if not self.read:  # all children in one pass: cheaper than a lookup per name
            start = len(PREFIX)
            for child in self.parent:
                tag = child.tag
                if isinstance(tag, str) and tag.startswith(PREFIX):
                    self.found.setdefault(tag[start:], child)
            self.read = True
        return self.found.get(name)

    def text(self, name: str) -> str:
        """The element's text, stripped; empty when it is absent."""
        element = self.get(name)
        return (element.text or "").strip() if element is not None else ""

    def __getitem__(self, name: str) -> etree._Element:
        element = self.get(name)
        if element is None:
            raise KeyError(name)
        return element


def values_of(element: etree._Element) -> dict[str, str]:
    """The texts of an element's children by local name (the first of each), read in one pass:
    cheaper than a lookup per name on the items of a large message."""
    found: dict[str, str] = {}
    start = len(PREFIX)
    for child in element:
        tag = child.tag
        if isinstance(tag, str) and tag.startswith(PREFIX):
            name = tag[start:]
            if name not in found:
                found[name] = (child.text or "").strip()
    return found


def _children(parent: etree._Element, name: str) -> list[etree._Element]:
    return list(parent.iterchildren(f"{PREFIX}{name}"))


def fields(parent: etree._Element) -> Fields:
    return Fields(parent)


def _text(found: Fields, name: str) -> str:
    return found.text(name)


def _decimal(found: Fields, name: str) -> Decimal | None:
    try:
        return Decimal(_text(found, name))
    except InvalidOperation:
        return None  # the schema reports it


@cache
def _column(list_name: str, name: str) -> etree.XPath:
    return etree.XPath(
        f"ceb:{list_name}/ceb:{name}/text()", namespaces={"ceb": NS}, smart_strings=False
    )


@cache
def _first_texts(list_name: str, name: str) -> etree.XPath:
    return etree.XPath(
        f"ceb:{list_name}/ceb:{name}/text()[1]", namespaces={"ceb": NS}, smart_strings=False
    )


@cache
def _numbers_having(list_name: str, name: str) -> etree.XPath:
    return etree.XPath(
        f"ceb:{list_name}[ceb:{name}/text()]/ceb:gnum/text()",
        namespaces={"ceb": NS},
        smart_strings=False,
    )


def _item_table(
    block: etree._Element, list_name: str, names: tuple[str, ...]
) -> tuple[list[dict[str, str]], list[str] | None]:
    """The `list_name` items of a block as {name: text}, an absent or empty field left out: read
    a column per field by XPath, the columns of optional fields placed by item number (gnum);
    item by item when the numbers do not identify the items. With them, the items' numbers as
    written (None when every field was read, item by item)."""
    items = _children(block, list_name)
    numbers = _column(list_name, "gnum")(block)
    if len(numbers) != len(items) or len(set(numbers)) != len(items):
        return [{k: v for k, v in values_of(item).items() if v} for item in items], None
    rows: list[dict[str, str]] = [{"gnum": number.strip()} for number in numbers]
    _read_columns(block, list_name, names, rows, numbers)
    return rows, numbers


def _read_columns(
    block: etree._Element,
    list_name: str,
    names: Iterable[str],
    rows: list[dict[str, str]],
    numbers: list[str],
) -> None:
    """Adds the columns `names` to `rows` (the items, in order, numbered `numbers`)."""
    position: dict[str, int] = {}
    for name in names:
        values = _first_texts(list_name, name)(block)
        if len(values) == len(rows):
            for row, value in zip(rows, values, strict=True):
                if value := value.strip():
                    row[name] = value
            continue
        position = position or {number: index for index, number in enumerate(numbers)}
        for number, value in zip(_numbers_having(list_name, name)(block), values, strict=True):
            if value := value.strip():
                rows[position[number]][name] = value


class RowCache:
    """The items of a message's blocks (`_item_table`), each column read once whoever asks for it
    — the rules, the review against the records, the storing — and only when asked for."""

    def __init__(self) -> None:
        # (block, list name) → (rows, the items' numbers as written and the names read; None
        # when every field was read)
        self.tables: dict[
            tuple[etree._Element, str],
            tuple[list[dict[str, str]], tuple[list[str], set[str]] | None],
        ] = {}

    def get(
        self, block: etree._Element, list_name: str, names: Iterable[str]
    ) -> list[dict[str, str]]:
        key = (block, list_name)
        wanted = tuple(names)
        if key not in self.tables:
            rows, numbers = _item_table(block, list_name, wanted)
            self.tables[key] = (rows, None if numbers is None else (numbers, {"gnum", *wanted}))
            return rows
        rows, columns = self.tables[key]
        if columns is not None:
            numbers, read = columns
            missing = [name for name in wanted if name not in read]
            if missing:
                _read_columns(block, list_name, missing, rows, numbers)
                read.update(missing)
        return rows

    def update(self, other: RowCache) -> None:
        self.tables.update(other.tables)


def _item_field(block: etree._Element, list_name: str, index: int, name: str) -> etree._Element:
    item = _children(block, list_name)[index]
    found = fields(item).get(name)
    return found if found is not None else item


class Rules:
    """Collects the problems of one message. On a message the schema accepted, the items' values
    are read a column at a time (required elements are then all present and not empty)."""

    def __init__(self, schema_valid: bool = False, rows: RowCache | None = None) -> None:
        self.problems: list[Problem] = []
        self.schema_valid = schema_valid
        self.rows = rows if rows is not None else RowCache()

    def add(
        self,
        code: str,
        element: etree._Element,
        message: str | Promise,
        basis: str = "spec",
        severity: str = "error",
    ) -> None:
        self.problems.append(Problem(code, path_of(element), message, basis, severity))

    def equals(
        self,
        found: Fields,
        name: str,
        allowed: set[str],
        code: str = "invalid_code",
    ) -> None:
        element = found.get(name)
        if element is None:
            return  # the schema reports a missing element
        value = (element.text or "").strip()
        if value not in allowed:
            self.add(
                code,
                element,
                _("%(name)s is “%(value)s”; it must be %(allowed)s.")
                % {"name": name, "value": value, "allowed": " / ".join(sorted(allowed))},
            )

    def timestamp(self, found: Fields, name: str, digits: int) -> None:
        element = found.get(name)
        text = (element.text or "").strip() if element is not None else ""
        if element is not None and text and not _is_time(text, digits):
            self.add(
                "invalid_time",
                element,
                _("%(name)s “%(value)s” is not a real date or time.")
                % {"name": name, "value": element.text},
            )

    def required(
        self, parent: etree._Element, found: Fields, name: str, reason: str | Promise
    ) -> None:
        if not _text(found, name):
            element = found.get(name)
            self.add("required", element if element is not None else parent, reason)

    def items(
        self, block: etree._Element, list_name: str, currency: bool = False, total: bool = True
    ) -> None:
        """Item numbers in sequence, totals = price × qty and (`currency`) the currency 142 on
        every `list_name` item of the block."""
        names = ("gnum", "qty", "price", "totalPrice") + (("currency",) if currency else ())
        if self.schema_valid:
            rows = self.rows.get(block, list_name, names)
        else:  # element by element: the columns may not line up with the items
            rows = []
            for item in _children(block, list_name):
                found = fields(item)
                rows.append({name: _text(found, name) for name in names})
        for index, row in enumerate(rows):
            expected = str(index + 1)
            gnum = row.get("gnum", "")
            if gnum != expected:
                self.add(
                    "gnum_sequence",
                    _item_field(block, list_name, index, "gnum"),
                    _("Item numbers must run 1, 2, 3 …: expected %(expected)s, found “%(found)s”.")
                    % {"expected": expected, "found": gnum},
                )
            if currency and row.get("currency", "") != "142":
                self.add(
                    "currency",
                    _item_field(block, list_name, index, "currency"),
                    _("%(name)s is “%(value)s”; it must be %(allowed)s.")
                    % {"name": "currency", "value": row.get("currency", ""), "allowed": "142"},
                )
            if total:
                self._total(block, list_name, index, row)

    def _total(
        self, block: etree._Element, list_name: str, index: int, row: dict[str, str]
    ) -> None:
        try:
            price, qty, amount = (Decimal(row.get(n, "")) for n in ("price", "qty", "totalPrice"))
        except InvalidOperation:
            return  # the schema reports it
        product = price * qty
        if product == amount:
            return
        product = _five(product)
        if product != _five(amount):
            self.add(
                "total_price",
                _item_field(block, list_name, index, "totalPrice"),
                _("totalPrice %(amount)s is not price × qty = %(product)s.")
                % {"amount": amount, "product": product.normalize()},
                "derived",
            )

    def currency(self, found: Fields) -> None:
        self.equals(found, "currency", {"142"}, "currency")


def _head(block: etree._Element, name: str) -> Fields | None:
    """The fields of the block's head element `name`, or of the block itself when `name` is
    empty; None when the head is missing (the schema reports it)."""
    if not name:
        return fields(block)
    found = block.find(f"{PREFIX}{name}")
    return fields(found) if found is not None else None


def _order_311(rules: Rules, block: etree._Element) -> None:
    head = _head(block, "OrderHead")
    if head is None:
        return
    rules.equals(head, "orderType", {"I"})
    rules.currency(head)
    rules.equals(head, "buyerIdType", {"1"})
    goods, freight, tax, discount = (
        _decimal(head, n) for n in ("goodsValue", "freight", "taxTotal", "discount")
    )
    paid = _decimal(head, "acturalPaid")
    if (
        paid is not None
        and goods is not None
        and freight is not None
        and tax is not None
        and discount is not None
    ):
        expected = goods + freight + tax - discount
        if _five(expected) != _five(paid):
            rules.add(
                "actural_paid",
                head["acturalPaid"],
                _(
                    "acturalPaid %(paid)s is not goodsValue + freight + taxTotal − discount "
                    "= %(expected)s."
                )
                % {"paid": paid, "expected": expected.normalize()},
                "derived",
            )
    rules.items(block, "OrderList", currency=True)


def _payment_411(rules: Rules, block: etree._Element) -> None:
    head = _head(block, "PaymentHead")
    if head is None:
        return
    rules.currency(head)
    rules.equals(head, "payerIdType", {"1"})
    rules.timestamp(head, "payTime", 14)


def _waybill_511(rules: Rules, block: etree._Element) -> None:
    head = _head(block, "LogisticsHead")
    if head is None:
        return
    rules.currency(head)
    rules.equals(head, "packNo", {"1"})


def _status_513(rules: Rules, block: etree._Element) -> None:
    found = fields(block)
    rules.equals(found, "logisticsStatus", {"S"})
    rules.timestamp(found, "logisticsTime", 14)


def _inventory_621(rules: Rules, block: etree._Element) -> None:
    head_element = block.find(f"{PREFIX}InventoryHead")
    if head_element is None:
        return
    head = fields(head_element)
    rules.equals(head, "ieFlag", {"I"})
    rules.equals(head, "tradeMode", {"9610", "1210"})
    rules.equals(head, "buyerIdType", {"1"})
    rules.currency(head)
    rules.timestamp(head, "declTime", 8)
    mode = _text(head, "tradeMode")
    if mode == "1210":
        rules.required(
            head_element, head, "emsNo", _("A bonded (1210) inventory names its account book.")
        )
        rules.required(
            head_element, head, "areaCode", _("A bonded (1210) inventory names its warehouse.")
        )
        rules.equals(head, "country", {"142"})
    elif mode == "9610":
        rules.required(
            head_element,
            head,
            "billNo",
            _("A direct-purchase (9610) inventory names its bill of lading."),
        )
    rules.items(block, "InventoryList", currency=True)
    for item in _children(block, "InventoryList"):
        found = fields(item)
        unit2, qty2 = _text(found, "unit2"), _decimal(found, "qty2")
        qty2_element = found.get("qty2")
        if not unit2 and qty2_element is not None and _text(found, "qty2"):
            rules.add("unit2_qty2", qty2_element, _("qty2 is given without unit2."))
        elif unit2 and (qty2 is None or qty2 <= 0):
            rules.add(
                "unit2_qty2",
                qty2_element if qty2_element is not None else item,
                _("unit2 is given: qty2 must be above zero."),
            )


def _order_303(rules: Rules, block: etree._Element) -> None:
    head = _head(block, "OrderHead")
    if head is None:
        return
    rules.equals(head, "orderType", {"E", "B", "W"})
    rules.items(block, "OrderList")


def _inventory_603(rules: Rules, block: etree._Element) -> None:
    head = _head(block, "InventoryHead")
    if head is None:
        return
    rules.equals(head, "ieFlag", {"E"})
    rules.equals(head, "statisticsFlag", {"A", "B"})
    rules.equals(head, "tradeMode", {"9610", "1210", "9710", "9810"})
    rules.items(block, "InventoryList")


# Message code → (business block element, rule) for the messages with rules of their own.
RULES: dict[str, tuple[str, Callable[[Rules, etree._Element], None]]] = {
    "311": ("Order", _order_311),
    "411": ("Payment", _payment_411),
    "511": ("Logistics", _waybill_511),
    "513": ("LogisticsStatus", _status_513),
    "621": ("Inventory", _inventory_621),
    "303": ("Order", _order_303),
    "603": ("Inventory", _inventory_603),
}
# Declarations (enterprise → customs) carry appType, appStatus and appTime; cancellations are new
# applications only.
DECLARATIONS = frozenset(
    {"311", "411", "511", "513", "621", "623", "625", "711"}
    | {"303", "403", "505", "507", "509", "603", "605", "607", "213", "215", "701"}
)
CANCELLATIONS = frozenset({"623", "605"})


@cache
def _everywhere(name: str) -> etree.XPath:
    return etree.XPath(f"//ceb:{name}/text()", namespaces={"ceb": NS}, smart_strings=False)


def _common(rules: Rules, code: str, root: etree._Element) -> None:
    """appType, appStatus and appTime of every block, each field read in one call; the elements
    are looked up only to locate a problem."""
    allowed = {
        "appType": {"1"} if code in CANCELLATIONS else {"1", "2", "3"},
        "appStatus": {"1", "2"},
    }
    for name, values in allowed.items():
        if any(value.strip() not in values for value in _everywhere(name)(root)):
            for element in root.iter(f"{PREFIX}{name}"):
                rules.equals(Fields.of(element), name, values)
    if any(not _is_time(value.strip(), 14) for value in _everywhere("appTime")(root)):
        for element in root.iter(f"{PREFIX}appTime"):
            rules.timestamp(Fields.of(element), "appTime", 14)


def apply_rules(
    code: str, root: etree._Element, schema_valid: bool = False, rows: RowCache | None = None
) -> list[Problem]:
    """The problems the rules find in a message; on a message the schema accepted, the items'
    values are read into `rows` for those who read them next."""
    rules = Rules(schema_valid, rows)
    guid = root.get("guid", "")
    if guid and guid != guid.upper():
        # The schema's annotation asks for capitals; the official samples use lower case: a
        # warning, not a refusal.
        rules.add(
            "guid_case",
            root,
            _("The message guid should be in upper case."),
            severity="warning",
        )
    if code in DECLARATIONS:
        _common(rules, code, root)
    if code in RULES:
        block_name, rule = RULES[code]
        for block in _children(root, block_name):
            rule(rules, block)
    return rules.problems
