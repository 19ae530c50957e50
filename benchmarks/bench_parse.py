"""Parse + to_bytes throughput against naive baselines measured in the same process.

Run: ``python benchmarks/bench_parse.py``.  Prints lines per second for ipo46xx and for
its baseline, and the ratio (how many times slower ipo46xx is).  Targets: (a) within
5x of ``splitlines`` plus a prefix check of each line; (b) within 10x of a plain ``re``
line classifier.  Best of several runs each, so that a busy machine skews less.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable

import ipo46xx

REPEATS = 7


def template_like() -> bytes:
    """(a) ~1 MB, ~15,000 CRLF lines like Avaya's template: comments, ~200 statements."""
    lines = []
    for i in range(15_000):
        if i % 75 == 0:
            lines.append(f'SET SETTING{i} "value {i}"')
        elif i % 75 == 1:
            lines.append(f"## SET SETTING{i} commented-out example value")
        else:
            lines.append(
                f"## {i:05d} The template\u2019s notes \u2013 what this setting does, its range,"
                " and its default"
            )
    return "\r\n".join(lines).encode("cp1252") + b"\r\n"


def statement_dense() -> bytes:
    """(b) 32,000 distinct SET / IF / GOTO / tag lines, LF."""
    lines = []
    for i in range(8_000):
        lines.append(f"IF $MODEL4 SEQ {9600 + i} GOTO SECTION{i}")
        lines.append(f'SET TRUSTCERTS "Root-CA-{i:08X}.pem,WebRootCA.pem"')
        lines.append(f"# SECTION{i}")
        lines.append(f"GOTO END{i}")
    return "\n".join(lines).encode("ascii") + b"\n"


_PREFIXES = (b"SET ", b"IF ", b"GOTO ", b"GET ", b"ADD ", b"# ")


def baseline_prefix(data: bytes) -> int:
    """splitlines plus a prefix check of each line."""
    count = 0
    for line in data.splitlines():
        if line.startswith(_PREFIXES):
            count += 1
    return count


_CLASSIFIER = re.compile(
    rb"(?P<set>SET\s+\S+(?:\s+\S.*)?)|(?P<if>IF\s+\$\S+\s+SEQ\s+\S+\s+GOTO\s+\S+)"
    rb"|(?P<goto>GOTO\s+\S+)|(?P<get>GET\s+\S+)|(?P<tag># \S+\s*$)",
    re.IGNORECASE,
)


def baseline_regex(data: bytes) -> int:
    """A plain ``re`` classifier: one match per line, its kind from ``lastgroup``."""
    kinds: list[str | None] = []
    match = _CLASSIFIER.match
    for line in data.splitlines():
        m = match(line)
        kinds.append(m.lastgroup if m else None)
    return len(kinds)


def ipo46xx_round_trip(data: bytes) -> int:
    doc = ipo46xx.parse(data)
    assert doc.to_bytes() == data
    return len(doc)


def best(function: Callable[[bytes], int], data: bytes) -> float:
    times = []
    for _ in range(REPEATS):
        start = time.perf_counter()
        function(data)
        times.append(time.perf_counter() - start)
    return min(times)


def report(label: str, data: bytes, baseline: Callable[[bytes], int], target: float) -> float:
    lines = data.count(b"\n")
    ours = best(ipo46xx_round_trip, data)
    base = best(baseline, data)
    ratio = ours / base
    verdict = "ok" if ratio <= target else "OVER TARGET"
    print(f"{label}: {lines:,} lines, {len(data) / 1e6:.2f} MB")
    print(f"  ipo46xx parse+to_bytes {lines / ours:>12,.0f} lines/s  ({ours * 1e3:.1f} ms)")
    print(
        f"  baseline {baseline.__name__:<14} {lines / base:>11,.0f} lines/s  ({base * 1e3:.1f} ms)"
    )
    print(f"  ratio {ratio:.2f}x (target <= {target:g}x) {verdict}")
    return ratio


def report_evaluation(label: str, data: bytes) -> None:
    """Evaluate every model and protocol of MODEL_FAMILIES once; time the whole table."""
    doc = ipo46xx.parse(data)
    phones = [
        ipo46xx.Phone(model, sig=sig)
        for _family, models, sigs in ipo46xx.MODEL_FAMILIES
        for model in models
        for sig in sigs
    ]
    seconds = min(
        _timed(lambda: [ipo46xx.evaluate(doc, phone) for phone in phones]) for _ in range(3)
    )
    print(
        f"{label}: evaluate {len(phones)} phone profiles in {seconds * 1e3:.1f} ms "
        f"({seconds / len(phones) * 1e3:.2f} ms each; target: all well under 1 s)"
    )


def _timed(work: Callable[[], object]) -> float:
    start = time.perf_counter()
    work()
    return time.perf_counter() - start


def trustcerts_dense() -> bytes:
    """(c) 20,000 active TRUSTCERTS lines among comments, CRLF: every one gets edited."""
    lines = []
    for i in range(20_000):
        lines.append(f"## section {i}")
        lines.append(f'SET TRUSTCERTS "Root-CA-{i:08X}.pem,WebRootCA.pem"')
    return "\r\n".join(lines).encode("ascii") + b"\r\n"


def report_edit(label: str, data: bytes, target: float) -> float:
    """Time ``blank_trustcerts`` and ``replace_trustcerts`` against the parse itself."""
    doc = ipo46xx.parse(data)
    parse = min(_timed(lambda: ipo46xx.parse(data)) for _ in range(REPEATS))
    blank = min(_timed(lambda: ipo46xx.blank_trustcerts(doc)) for _ in range(REPEATS))
    mapping = {"WebRootCA.pem": "OtherRootCA.pem"}
    replace = min(_timed(lambda: ipo46xx.replace_trustcerts(doc, mapping)) for _ in range(REPEATS))
    changed = len(ipo46xx.blank_trustcerts(doc).changes)
    print(f"{label}: {len(doc):,} lines, {changed:,} of them edited")
    print(f"  parse               {parse * 1e3:8.1f} ms")
    worst = 0.0
    for name, seconds in (("blank_trustcerts", blank), ("replace_trustcerts", replace)):
        ratio = seconds / parse
        worst = max(worst, ratio)
        verdict = "ok" if ratio <= target else "OVER TARGET"
        print(
            f"  {name:<19} {seconds * 1e3:8.1f} ms  ratio to parse {ratio:.2f}x "
            f"(target <= {target:g}x) {verdict}"
        )
    return worst


def main() -> None:
    report("(a) template-like", template_like(), baseline_prefix, 5)
    report("(b) statement-dense", statement_dense(), baseline_regex, 10)
    report_evaluation("(a) template-like", template_like())
    report_evaluation("(b) statement-dense", statement_dense())
    report_edit("(c) TRUSTCERTS-dense", trustcerts_dense(), 3)


if __name__ == "__main__":
    main()
