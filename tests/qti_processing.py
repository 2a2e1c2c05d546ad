"""QTI 2.1 response processing, evaluated as the specification defines it (IMS QTI 2.1
Information Model, "Response Processing" and "Expressions"), for the rules and
expressions exgen's items use — written from the specification, not from qti.py, so a
test reads what a delivery engine does with an item.

- a response is NULL until the candidate types something; a typed text becomes the
  declared base type (`integer`: a 32-bit whole number, `float`, `string`,
  `identifier`), and a text that is not a number of a numeric type stays NULL;
- an expression with a NULL operand is NULL (`and` is false as soon as one operand is
  false); a `responseIf` whose condition is NULL does not apply;
- `match`: equal values of one base type; `equal`: toleranceMode exact, or absolute
  (y − t0 ≤ x ≤ y + t1, both bounds included by default); `patternMatch`: the whole
  text matches the pattern as an XML Schema regular expression — here libxml2's XML
  Schema engine (through lxml) matches it, not Python's `re`;
- setting a variable that the item does not declare is an error, as it is for an engine.
"""

from __future__ import annotations

import re
from functools import lru_cache
from xml.sax.saxutils import quoteattr

from lxml import etree

NS = {"q": "http://www.imsglobal.org/xsd/imsqti_v2p1"}
VARIABLE = f"{{{NS['q']}}}variable"
INTEGER_LIMIT = 2**31 - 1


class Undeclared(AssertionError):
    """A rule sets or reads a variable the item does not declare."""


def _local(element) -> str:
    return etree.QName(element).localname


@lru_cache(maxsize=None)
def _schema(pattern: str) -> etree.XMLSchema:
    """A one-type XML Schema whose type is a string restricted to `pattern`."""
    return etree.XMLSchema(etree.fromstring(
        '<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema">'
        '<xs:element name="v"><xs:simpleType><xs:restriction base="xs:string">'
        f'<xs:pattern value={quoteattr(pattern)}/>'
        '</xs:restriction></xs:simpleType></xs:element></xs:schema>'))


def pattern_matches(pattern: str, text: str) -> bool:
    """XML Schema's regular expression, matched against the whole text by libxml2."""
    element = etree.Element("v")
    element.text = text
    return _schema(pattern).validate(etree.ElementTree(element))


def typed(text: str | None, base_type: str):
    """A candidate's text as a value of the response's base type; None is NULL."""
    if text is None or text == "":
        return None
    if base_type in ("string", "identifier"):
        return text
    if base_type == "integer":
        if not re.fullmatch(r"[-+]?[0-9]+", text.strip()):
            return None
        value = int(text)
        assert abs(value) <= INTEGER_LIMIT, f"{text} does not fit a QTI integer"
        return value
    assert base_type == "float", base_type
    try:
        return float(text)
    except ValueError:
        return None


class Item:
    """An assessmentItem: its declarations, and its response processing run on a set of
    typed responses."""

    def __init__(self, content: bytes):
        self.root = etree.fromstring(content)
        self.identifier = self.root.get("identifier")
        self.responses = {d.get("identifier"): d for d in
                          self.root.findall("q:responseDeclaration", NS)}
        self.outcomes = {d.get("identifier"): d for d in
                         self.root.findall("q:outcomeDeclaration", NS)}

    def base_type(self, identifier: str) -> str:
        return self.responses[identifier].get("baseType")

    def process(self, given: dict[str, str]) -> dict:
        """The outcomes after response processing, the candidate having typed `given`
        (response identifier → text; the others left empty)."""
        unknown = set(given) - set(self.responses)
        assert not unknown, f"{self.identifier} has no responses {unknown}"
        variables = {i: typed(given.get(i), self.base_type(i)) for i in self.responses}
        for identifier, declaration in self.outcomes.items():
            default = declaration.findtext("q:defaultValue/q:value", namespaces=NS)
            cardinality = declaration.get("cardinality")
            variables[identifier] = [] if cardinality == "multiple" else \
                typed(default, declaration.get("baseType"))
        for rule in self.root.find("q:responseProcessing", NS):
            self._rule(rule, variables)
        return {i: variables[i] for i in self.outcomes}

    def holds(self, condition, given: dict[str, str]):
        """One expression of the item (True, False or None for NULL) on typed responses."""
        variables = {i: typed(given.get(i), self.base_type(i)) for i in self.responses}
        return self._value(condition, variables)

    # ------------------------------------------------------------ rules

    def _rule(self, rule, variables: dict) -> None:
        kind = _local(rule)
        if kind == "responseCondition":
            for branch in rule:
                if _local(branch) == "responseElse" or \
                        self._value(branch[0], variables) is True:
                    body = branch if _local(branch) == "responseElse" else branch[1:]
                    for inner in body:
                        self._rule(inner, variables)
                    return
            return
        assert kind == "setOutcomeValue", f"a rule this evaluator does not know: {kind}"
        identifier = rule.get("identifier")
        if identifier not in self.outcomes:
            raise Undeclared(f"{self.identifier} sets the undeclared outcome {identifier}")
        variables[identifier] = self._value(rule[0], variables)

    # ------------------------------------------------------------ expressions

    def _value(self, expression, variables: dict):
        kind = _local(expression)
        operands = lambda: [self._value(e, variables) for e in expression]   # noqa: E731
        if kind == "variable":
            identifier = expression.get("identifier")
            if identifier not in variables:
                raise Undeclared(f"{self.identifier} reads the undeclared {identifier}")
            return variables[identifier]
        if kind == "correct":
            identifier = expression.get("identifier")
            return typed(self.responses[identifier].findtext(
                "q:correctResponse/q:value", namespaces=NS), self.base_type(identifier))
        if kind == "baseValue":
            return typed(expression.text, expression.get("baseType"))
        if kind == "multiple":
            values = []
            for value in operands():
                if value is not None:
                    values.extend(value if isinstance(value, list) else [value])
            return values
        if kind == "and":
            values = operands()
            return False if False in values else None if None in values else True
        values = operands()
        if any(v is None for v in values):
            return None
        if kind == "not":
            return not values[0]
        if kind == "sum":
            return float(sum(values))
        if kind == "divide":
            return None if values[1] == 0 else values[0] / values[1]
        if kind == "match":
            return values[0] == values[1]
        if kind == "equal":
            x, y = values
            if expression.get("toleranceMode", "exact") == "exact":
                return x == y
            assert expression.get("toleranceMode") == "absolute"
            bounds = [float(t) for t in expression.get("tolerance").split()]
            t0, t1 = bounds if len(bounds) == 2 else bounds * 2
            return y - t0 <= x <= y + t1
        if kind == "patternMatch":
            return pattern_matches(expression.get("pattern"), values[0])
        raise AssertionError(f"an expression this evaluator does not know: {kind}")

    # ------------------------------------------------------------ the item's rules

    def scoring_rules(self) -> dict[str, object]:
        """Per response, the condition under which RAW gains its weight."""
        rules = {}
        for condition in self.root.iterfind(".//q:responseIf", NS):
            if condition.find("q:setOutcomeValue", NS).get("identifier") == "RAW":
                names = {v.get("identifier") for v in condition[0].iter(VARIABLE)}
                (identifier,) = names
                rules[identifier] = condition[0]
        return rules

    def mistake_rules(self) -> dict[str, list[tuple[str, object]]]:
        """Per response, each (mistake, condition) that adds a mistake to FEEDBACK."""
        rules: dict[str, list] = {}
        for condition in self.root.iterfind(".//q:responseIf", NS):
            action = condition.find("q:setOutcomeValue", NS)
            if action.get("identifier") != "FEEDBACK":
                continue
            names = {v.get("identifier") for v in condition[0].iter(VARIABLE)}
            (identifier,) = names
            shown = action.find("q:multiple/q:baseValue", NS).text
            rules.setdefault(identifier, []).append(
                (shown.removeprefix("MISTAKE_"), condition[0]))
        return rules

    def feedbacks(self) -> set[str]:
        """The modal feedbacks the item has."""
        return {f.get("identifier") for f in self.root.findall("q:modalFeedback", NS)}
