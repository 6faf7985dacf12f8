"""How long the FEEL interpreter takes for the expressions Camunda's OpenAI templates write.

Prints, per expression, the time to compile it (once, at load time) and to evaluate it
(per service task), best of five runs. Target (issue 8): a typical template expression
evaluates in well under 100 µs.

    python benchmarks/feel.py
"""

from __future__ import annotations

import timeit
from functools import partial
from typing import Any

from openai_connector.workflow.feel import compile_mapping

CASES: dict[str, tuple[str, dict[str, Any]]] = {
    "azure url": (
        '="https://" + resource + ".openai.azure.com/openai/deployments/" + deployment'
        ' + "/chat/completions?api-version=" + version',
        {"resource": "acme", "deployment": "gpt4o", "version": "2024-06-01"},
    ),
    "chat body": (
        '={model: model, messages: append(history, {role: "user", content: prompt})}',
        {"model": "gpt-4o", "history": [{"role": "system", "content": "x"}], "prompt": "Hi"},
    ),
    "optional": ("=if is defined(temperature) then temperature else null", {"temperature": 0.7}),
    "number": (
        "=if temperature = null then null else number(temperature)",
        {"temperature": "0.2"},
    ),
    "drop nulls": (
        "=context(get entries({model: model, temperature: temperature, n: n})[item.value != null])",
        {"model": "gpt", "n": 2},
    ),
    "result": (
        "={openAiResponse: response.body}",
        {"response": {"status": 200, "body": {"id": "c1", "choices": [{"index": 0}]}}},
    ),
    "error": (
        '=if error.code = "429" then bpmnError("RATE_LIMITED", error.message) else null',
        {"error": {"code": "429", "message": "slow down"}},
    ),
}


def main() -> None:
    print(f"{'expression':12s} {'compile µs':>11s} {'evaluate µs':>12s}")
    worst = 0.0
    for name, (text, variables) in CASES.items():
        expression = compile_mapping(text)
        runs = 20_000
        evaluate = min(
            timeit.repeat(partial(expression.evaluate, variables), number=runs, repeat=5)
        )
        compile_ = min(timeit.repeat(partial(compile_mapping, text), number=500, repeat=3))
        per_call = evaluate / runs * 1e6
        worst = max(worst, per_call)
        print(f"{name:12s} {compile_ / 500 * 1e6:11.1f} {per_call:12.1f}")
    print(f"slowest evaluation: {worst:.1f} µs (target: well under 100 µs)")


if __name__ == "__main__":
    main()
