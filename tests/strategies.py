"""Hypothesis strategies that build settings-file lines the way people write them."""

from __future__ import annotations

import re

from hypothesis import strategies as st

blanks = st.text(alphabet=" \t", min_size=1, max_size=3)
maybe_blanks = st.text(alphabet=" \t", max_size=2)
word = st.text(
    alphabet=st.characters(min_codepoint=33, max_codepoint=126, blacklist_characters='"'),
    min_size=1,
    max_size=12,
)
name = (
    st.sampled_from(
        ["TRUSTCERTS", "trustcerts", "SIPDOMAIN", "HTTPSRVR", "OBSCURE_PREFERENCES", "X"]
    )
    | word
)
cert = st.builds(
    lambda prefix, stem: f"{prefix}{stem}.pem",
    st.sampled_from(["Root-CA-", "", "My", "Web"]),
    st.text(alphabet="ABCDEF0123456789abcxyz-_.", min_size=1, max_size=12),
)
cert_list = st.lists(cert, max_size=4).map(",".join)


def cased(keyword: str) -> st.SearchStrategy[str]:
    return st.sampled_from([keyword, keyword.lower(), keyword.capitalize()])


value = st.one_of(
    st.just(""),
    cert_list.map(lambda v: f'"{v}"'),
    st.text(
        alphabet=st.characters(min_codepoint=32, max_codepoint=126, blacklist_characters='"'),
        max_size=20,
    ).map(lambda v: f'"{v}"'),
    word,
    cert_list.filter(bool),
    st.just('"unterminated value'),
)
trailing = st.sampled_from(["", " ", "\t", "  # note", " extra words"])


@st.composite
def assignment(draw: st.DrawFn, keyword: str = "SET") -> str:
    head = draw(maybe_blanks) + draw(cased(keyword)) + draw(blanks) + draw(name)
    v = draw(value)
    if not v:
        return head + draw(st.sampled_from(["", " "]))
    return head + draw(blanks) + v + draw(trailing)


@st.composite
def if_line(draw: st.DrawFn) -> str:
    return (
        draw(maybe_blanks)
        + draw(cased("IF"))
        + draw(blanks)
        + draw(st.sampled_from(["$MODEL4", "$SIG_IN_USE", "$GROUP", "$MACADDR"]))
        + draw(blanks)
        + draw(cased("SEQ"))
        + draw(blanks)
        + draw(word | word.map(lambda w: f'"{w}"'))
        + draw(blanks)
        + draw(cased("GOTO"))
        + draw(blanks)
        + draw(word)
        + draw(trailing)
    )


tag = st.builds(
    lambda w, t: f"# {w}{t}",
    word,
    st.text(alphabet=" \t", max_size=3)
    | st.sampled_from([" download and selection", "   ##", "\tnote "]),
)
goto = st.builds(lambda k, s, w: f"{k}{s}{w}", cased("GOTO"), blanks, word)
get = st.builds(lambda k, s, w: f"{k}{s}{w}", cased("GET"), blanks, word)
free_text = st.text(
    alphabet=st.characters(blacklist_characters="\r\n", blacklist_categories=("Cs",)),
    max_size=40,
)
comment = st.one_of(
    st.just(""),
    st.just("#"),
    st.builds(lambda t: "##" + t, free_text),
    st.builds(lambda t: "#SET TRUSTCERTS " + t, word),
    st.builds(lambda t: "#  " + t, word),
    free_text,
)
malformed = st.sampled_from(["SET", "GOTO", "GET", "IF", "IF $MODEL4 SEQ 9611", "ADD"])
line = st.one_of(
    assignment("SET"), assignment("ADD"), if_line(), tag, goto, get, comment, malformed
)
ending = st.sampled_from(["\n", "\r\n", "\r"])


@st.composite
def settings_text(draw: st.DrawFn) -> str:
    lines = draw(st.lists(st.tuples(line, ending), max_size=20))
    text = "".join(a + b for a, b in lines)
    if draw(st.booleans()):
        text += draw(line)
    return text


@st.composite
def with_trustcerts(draw: st.DrawFn) -> tuple[str, str]:
    """A generated file with one more active TRUSTCERTS line, and one name it trusts."""
    text = draw(settings_text())
    names = draw(st.lists(cert, min_size=1, max_size=4))
    value = ",".join(names)
    line = draw(cased("SET")) + draw(blanks) + draw(cased("TRUSTCERTS")) + draw(blanks)
    line += draw(st.sampled_from([value, f'"{value}"'])) + draw(trailing)
    # Not str.splitlines: it also breaks at \x0c, \x1c and friends, which phones do not.
    lines = re.findall(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+\Z", text)
    at = draw(st.integers(0, len(lines)))
    if at == len(lines) and lines and not lines[-1].endswith(("\r", "\n")):
        lines[-1] += "\n"
    lines.insert(at, line + draw(ending))
    return "".join(lines), draw(st.sampled_from(names))
