"""FEEL tokens to a syntax tree (recursive descent, FEEL's precedence from loosest to tightest):

``if``/``for``/``some``/``every``/``function`` < ``or`` < ``and`` < comparison
(``= != < <= > >=``, ``between``, ``in``, ``instance of``) < ``+ -`` < ``* /`` < ``**`` <
unary ``-`` < path ``.``, filter ``[ ]``, call ``( )`` < literals and names.

Names are one word each in the lexer; the parser joins words into one name where FEEL allows
spaces: a known function name before ``(`` (``string length(s)``), a known parameter name before
``:`` in a call, a context key before ``:``, and type names after ``instance of``.
"""

from __future__ import annotations

from collections.abc import Collection
from decimal import Decimal

from . import nodes as n
from .errors import SyntaxProblem
from .lexer import Token, tokenize
from .values import parse_temporal

KEYWORDS = frozenset(
    ["if", "then", "else", "for", "in", "return", "some", "every", "satisfies", "and", "or",
     "between", "instance", "of", "true", "false", "null", "function"]
)  # fmt: skip
TYPE_NAMES = ("date and time", "days and time duration", "years and months duration", "number",
              "string", "boolean", "list", "context", "date", "time", "range", "function",
              "null", "Any", "Null")  # fmt: skip
_COMPARISONS = frozenset(["=", "!=", "<", "<=", ">", ">="])


def parse(text: str, phrases: Collection[str]) -> n.Node:
    """Parse ``text``; ``phrases`` are the multi-word function and parameter names."""
    return _Parser(tokenize(text), phrases).parse_all()


class _Parser:
    def __init__(self, tokens: list[Token], phrases: Collection[str]) -> None:
        self.tokens = tokens
        self.at = 0
        self.phrases = phrases

    # ------------------------------------------------------------------ helpers

    @property
    def token(self) -> Token:
        return self.tokens[self.at]

    def peek(self, offset: int = 1) -> Token:
        return self.tokens[min(self.at + offset, len(self.tokens) - 1)]

    def is_symbol(self, symbol: str, token: Token | None = None) -> bool:
        token = token or self.token
        return token.kind == "symbol" and token.text == symbol

    def is_word(self, word: str, token: Token | None = None) -> bool:
        token = token or self.token
        return token.kind == "name" and token.text == word

    def advance(self) -> Token:
        token = self.token
        if token.kind != "end":
            self.at += 1
        return token

    def expect_symbol(self, symbol: str) -> Token:
        if not self.is_symbol(symbol):
            raise self.unexpected(f"'{symbol}'")
        return self.advance()

    def expect_word(self, word: str) -> Token:
        if not self.is_word(word):
            raise self.unexpected(f"'{word}'")
        return self.advance()

    def unexpected(self, wanted: str) -> SyntaxProblem:
        token = self.token
        found = "the end of the expression" if token.kind == "end" else repr(token.text)
        return SyntaxProblem(f"expected {wanted} but found {found}", token.position)

    def phrase(self, follower: str) -> str | None:
        """The longest known multi-word name starting here and followed by ``follower``."""
        words: list[str] = []
        offset = 0
        while self.peek(offset).kind == "name":
            words.append(self.peek(offset).text)
            offset += 1
        for size in range(len(words), 1, -1):
            candidate = " ".join(words[:size])
            if candidate in self.phrases and self.is_symbol(follower, self.peek(size)):
                self.at += size
                return candidate
        return None

    # ------------------------------------------------------------- expressions

    def parse_all(self) -> n.Node:
        if self.tokens[0].kind == "end":
            raise SyntaxProblem("the expression is empty", 0)
        node = self.expression()
        if self.token.kind != "end":
            raise self.unexpected("an operator or the end of the expression")
        return node

    def expression(self) -> n.Node:
        token = self.token
        if token.kind == "name" and not self.is_symbol("(", self.peek()):
            if token.text == "if":
                self.advance()
                condition = self.expression()
                self.expect_word("then")
                then = self.expression()
                self.expect_word("else")
                return n.If(token.position, condition, then, self.expression())
            if token.text in ("for", "some", "every"):
                return self.iteration()
        if self.is_word("function") and self.is_symbol("(", self.peek()):
            return self.function_definition()
        return self.disjunction()

    def iteration(self) -> n.Node:
        start = self.advance()
        bindings: list[tuple[str, n.Node]] = []
        while True:
            name = self.advance()
            if name.kind != "name" or name.text in KEYWORDS:
                self.at -= 1
                raise self.unexpected("a variable name")
            self.expect_word("in")
            source = self.comparison_operand()
            if self.is_symbol(".."):
                self.advance()
                high = self.comparison_operand()
                source = n.RangeNode(source.position, source, high, True, True)
            bindings.append((name.text, source))
            if not self.is_symbol(","):
                break
            self.advance()
        self.expect_word("return" if start.text == "for" else "satisfies")
        return n.Iteration(start.position, start.text, bindings, self.expression())

    def function_definition(self) -> n.Node:
        start = self.advance()
        self.expect_symbol("(")
        parameters: list[str] = []
        while not self.is_symbol(")"):
            if self.token.kind != "name":
                raise self.unexpected("a parameter name")
            parameters.append(self.advance().text)
            if not self.is_symbol(")"):
                self.expect_symbol(",")
        self.advance()
        return n.FunctionDefinition(start.position, parameters, self.expression())

    def disjunction(self) -> n.Node:
        node = self.conjunction()
        while self.is_word("or"):
            position = self.advance().position
            node = n.Binary(position, "or", node, self.conjunction())
        return node

    def conjunction(self) -> n.Node:
        node = self.comparison()
        while self.is_word("and"):
            position = self.advance().position
            node = n.Binary(position, "and", node, self.comparison())
        return node

    def comparison(self) -> n.Node:
        node = self.comparison_operand()
        token = self.token
        if token.kind == "symbol" and token.text in _COMPARISONS:
            self.advance()
            return n.Binary(token.position, token.text, node, self.comparison_operand())
        if self.is_word("between"):
            self.advance()
            low = self.comparison_operand()
            self.expect_word("and")
            return n.Between(token.position, node, low, self.comparison_operand())
        if self.is_word("in"):
            self.advance()
            return n.In(token.position, node, self.positive_unary_tests())
        if self.is_word("instance") and self.is_word("of", self.peek()):
            self.at += 2
            return n.InstanceOf(token.position, node, self.type_name())
        return node

    def type_name(self) -> str:
        for candidate in TYPE_NAMES:
            words = candidate.split(" ")
            if all(self.is_word(word, self.peek(i)) for i, word in enumerate(words)):
                self.at += len(words)
                return candidate
        raise self.unexpected("a type name (number, string, boolean, list, context, ...)")

    def positive_unary_tests(self) -> list[n.Node]:
        if not self.is_symbol("("):
            return [self.positive_unary_test()]
        open_token = self.advance()
        tests = [self.positive_unary_test()]
        if self.is_symbol("..") and not isinstance(tests[0], n.UnaryTest):
            self.advance()
            high = self.comparison_operand()
            closed = self.close_range()
            return [n.RangeNode(open_token.position, tests[0], high, False, closed)]
        while self.is_symbol(","):
            self.advance()
            tests.append(self.positive_unary_test())
        self.expect_symbol(")")
        return tests

    def positive_unary_test(self) -> n.Node:
        token = self.token
        if token.kind == "symbol" and token.text in _COMPARISONS:
            self.advance()
            return n.UnaryTest(token.position, token.text, self.comparison_operand())
        return self.comparison_operand()

    def comparison_operand(self) -> n.Node:
        node = self.term()
        while self.token.kind == "symbol" and self.token.text in ("+", "-"):
            token = self.advance()
            node = n.Binary(token.position, token.text, node, self.term())
        return node

    def term(self) -> n.Node:
        node = self.power()
        while self.token.kind == "symbol" and self.token.text in ("*", "/"):
            token = self.advance()
            node = n.Binary(token.position, token.text, node, self.power())
        return node

    def power(self) -> n.Node:
        node = self.unary()
        while self.is_symbol("**"):
            token = self.advance()
            node = n.Binary(token.position, "**", node, self.unary())
        return node

    def unary(self) -> n.Node:
        if self.is_symbol("-"):
            token = self.advance()
            operand = self.unary()
            if isinstance(operand, n.Literal) and isinstance(operand.value, Decimal):
                return n.Literal(token.position, -operand.value)
            return n.Negation(token.position, operand)
        return self.postfix()

    def postfix(self) -> n.Node:
        node = self.primary()
        while True:
            if self.is_symbol("."):
                self.advance()
                if self.token.kind not in ("name", "string"):
                    raise self.unexpected("a name after '.'")
                name = self.advance()
                node = n.Path(name.position, node, name.text)
            elif self.is_symbol("["):
                token = self.advance()
                condition = self.expression()
                self.expect_symbol("]")
                node = n.Filter(token.position, node, condition)
            else:
                return node

    # ------------------------------------------------------------------ atoms

    def primary(self) -> n.Node:
        token = self.token
        if token.kind == "number":
            self.advance()
            return n.Literal(token.position, Decimal(token.text))
        if token.kind == "string":
            self.advance()
            return n.Literal(token.position, token.text)
        if token.kind == "temporal":
            value = parse_temporal(token.text)
            if value is None:
                raise SyntaxProblem(
                    f"@{token.text!r} is not a date, time or duration", token.position
                )
            self.advance()
            return n.Literal(token.position, value)
        if token.kind == "name":
            return self.name_or_call()
        if self.is_symbol("("):
            self.advance()
            node = self.expression()
            if self.is_symbol(".."):
                self.advance()
                high = self.comparison_operand()
                return n.RangeNode(token.position, node, high, False, self.close_range())
            self.expect_symbol(")")
            return node
        if self.is_symbol("["):
            return self.list_or_range()
        if self.is_symbol("]"):  # ]a..b] is a range open at its low end
            self.advance()
            low = self.comparison_operand()
            self.expect_symbol("..")
            high = self.comparison_operand()
            return n.RangeNode(token.position, low, high, False, self.close_range())
        if self.is_symbol("{"):
            return self.context()
        raise self.unexpected("a value, a name or '('")

    def close_range(self) -> bool:
        if self.is_symbol("]"):
            self.advance()
            return True
        if self.is_symbol(")") or self.is_symbol("["):
            self.advance()
            return False
        raise self.unexpected("']' or ')' to close the range")

    def name_or_call(self) -> n.Node:
        token = self.token
        phrase = self.phrase("(")
        if phrase is not None:
            return self.call(token, phrase)
        words = self.plain_words()
        if len(words) > 1 and self.is_symbol("(", self.peek(len(words))):
            name = " ".join(words)
            raise SyntaxProblem(f"unknown function {name}()", token.position, unknown_function=True)
        word = token.text
        if word in ("true", "false"):
            self.advance()
            return n.Literal(token.position, word == "true")
        if word == "null":
            self.advance()
            return n.Literal(token.position, None)
        self.advance()
        if self.is_symbol("(") and (word not in KEYWORDS or word in ("and", "or")):
            return self.call(token, word)
        if word in KEYWORDS:
            self.at -= 1
            raise self.unexpected("a value or a name")
        return n.Name(token.position, word)

    def plain_words(self) -> list[str]:
        """The run of non-keyword words starting here (a would-be multi-word name)."""
        words: list[str] = []
        while self.peek(len(words)).kind == "name" and self.peek(len(words)).text not in KEYWORDS:
            words.append(self.peek(len(words)).text)
        return words

    def call(self, token: Token, name: str) -> n.Node:
        self.expect_symbol("(")
        arguments: list[n.Node] = []
        named: dict[str, n.Node] = {}
        while not self.is_symbol(")"):
            key_position = self.token.position
            key = self.phrase(":")
            if key is None and self.token.kind == "name" and self.is_symbol(":", self.peek()):
                key = self.advance().text
            if key is not None:
                self.expect_symbol(":")
                if key in named:
                    raise SyntaxProblem(f"parameter {key!r} is given twice", key_position)
                named[key] = self.expression()
            elif named:
                raise self.unexpected("a named argument (positional ones cannot follow them)")
            else:
                arguments.append(self.expression())
            if not self.is_symbol(")"):
                self.expect_symbol(",")
        self.advance()
        return n.Call(token.position, name, arguments, named or None)

    def list_or_range(self) -> n.Node:
        start = self.advance()
        items: list[n.Node] = []
        while not self.is_symbol("]"):
            items.append(self.expression())
            if len(items) == 1 and self.is_symbol(".."):
                self.advance()
                high = self.comparison_operand()
                return n.RangeNode(start.position, items[0], high, True, self.close_range())
            if not self.is_symbol("]"):
                self.expect_symbol(",")
        self.advance()
        return n.ListNode(start.position, items)

    def context(self) -> n.Node:
        start = self.advance()
        entries: list[tuple[str, n.Node]] = []
        seen: set[str] = set()
        while not self.is_symbol("}"):
            key_token = self.token
            if key_token.kind == "string":
                key = self.advance().text
            elif key_token.kind == "name":
                words = [self.advance().text]
                while self.token.kind == "name":
                    words.append(self.advance().text)
                key = " ".join(words)
            else:
                raise self.unexpected("a context key (a name or a string)")
            if key in seen:
                raise SyntaxProblem(f"context key {key!r} appears twice", key_token.position)
            seen.add(key)
            self.expect_symbol(":")
            entries.append((key, self.expression()))
            if not self.is_symbol("}"):
                self.expect_symbol(",")
        self.advance()
        return n.ContextNode(start.position, entries)
