"""The Zeebe worker against an in-process fake gateway and the scripted OpenAI server.

Each test queues jobs as Zeebe would hand them out (variables after the input mappings,
custom headers, retries), runs the worker until they are answered, and checks the answers
the gateway recorded: CompleteJob with mapped variables, ThrowError, FailJob with retries and
backoff, incidents; then secrets; then 1,000 jobs across two worker processes.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("pyzeebe")

import grpc
from fake_zeebe_gateway import FakeGateway

from openai_connector.secrets import SecretStore
from openai_connector.workflow.deployed_secrets import DeployedFields, fields_of
from openai_connector.workflow.zeebe_jobs import JobRunner, served_types
from openai_connector.workflow.zeebe_worker import ConnectorWorker
from scripted_server import Recorded, Reply, ScriptedServer, chat_body

EXAMPLES = Path(__file__).parents[2] / "examples"
KEY = "sk-test-zeebe-0123456789"
CHAT = "io.openai-connector:chat.create:1"
HTTP_JSON = "io.camunda:http-json:1"
CLI = str(Path(sys.executable).with_name("openai-connector"))
OWN_BPMN = f"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:zeebe="http://camunda.org/schema/zeebe/1.0" id="d" targetNamespace="t">
  <bpmn:process id="ask" isExecutable="true">
    <bpmn:serviceTask id="chat">
      <bpmn:extensionElements>
        <zeebe:taskDefinition type="{CHAT}" />
        <zeebe:ioMapping>
          <zeebe:input source="{{{{secrets.OPENAI_API_KEY}}}}" target="connection.api_key" />
          <zeebe:input source="=question" target="prompt" />
        </zeebe:ioMapping>
      </bpmn:extensionElements>
    </bpmn:serviceTask>
  </bpmn:process>
</bpmn:definitions>"""


@pytest.fixture
def gateway() -> Any:
    with FakeGateway() as fake:
        yield fake


def work(
    gateway: FakeGateway,
    server: ScriptedServer,
    until: Callable[[], bool],
    *,
    types: list[str] | None = None,
    deployed: DeployedFields | None = None,
    secrets: dict[str, str] | None = None,
) -> None:
    """Run a worker in this process until ``until()`` holds, then stop it gracefully."""

    async def main() -> None:
        channel = grpc.aio.insecure_channel(gateway.address)
        runner = JobRunner(
            secrets=SecretStore(environ={"OPENAI_API_KEY": KEY} if secrets is None else secrets),
            host_map={"api.openai.com": server.url},
            deployed=deployed,
        )
        worker = ConnectorWorker(runner, channel, types or [CHAT, HTTP_JSON], concurrency=4)
        stop = asyncio.Event()

        async def watch() -> None:
            while not until():
                await asyncio.sleep(0.01)
            stop.set()

        watcher = asyncio.create_task(watch())
        try:
            assert await asyncio.wait_for(worker.serve(stop), 30)
        finally:
            watcher.cancel()
            await channel.close()

    asyncio.run(main())


def one_answer(gateway: FakeGateway, key: int) -> Any:
    answers = gateway.answers_for(key)
    assert len(answers) == 1, answers
    return answers[0]


def own_job(**variables: Any) -> dict[str, Any]:
    return {
        "model": "gpt-4o-mini",
        "prompt": "Hi",
        "connection": {"api_key": "{{secrets.OPENAI_API_KEY}}", "retry": {"max_retries": 0}},
        **variables,
    }


OWN_DEPLOYED = DeployedFields(fields_of(OWN_BPMN))


def test_job_completed_with_result_variable_and_expression(gateway, server) -> None:
    server.script(Reply(json=chat_body("Bonjour")))
    key = gateway.add_job(
        CHAT,
        own_job(),
        {
            "resultVariable": "answer",
            "resultExpression": "={reply: response.body.choices[1].message.content}",
        },
        process_id="ask",
        element="chat",
    )
    work(gateway, server, lambda: gateway.finished() == 1, deployed=OWN_DEPLOYED)
    answer = one_answer(gateway, key)
    assert answer.kind == "complete", answer
    assert answer.variables["reply"] == "Bonjour"
    assert answer.variables["answer"]["status"] == 200
    assert answer.variables["answer"]["body"]["choices"][0]["message"]["content"] == "Bonjour"
    request = server.requests[-1]
    assert request.path == "/v1/chat/completions"
    assert request.headers["authorization"] == f"Bearer {KEY}"


def test_camunda_template_task_runs_on_zeebe(gateway, server) -> None:
    """The translator bot's http-json task, as Zeebe hands it out after its input mappings."""
    server.script(Reply(json=chat_body("Où est la gare ?")))
    variables = {
        "text": "Where is the station?",
        "language": "French",
        "authentication": {"type": "bearer", "token": "{{secrets.OPENAI_API_KEY}}"},
        "method": "POST",
        "url": "https://api.openai.com/v1/chat/completions",
        "headers": {"Content-Type": "application/json"},
        "body": {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "hi"}]},
        "connectionTimeoutInSeconds": "20",
    }
    headers = {
        "resultExpression": "={openAiResponse: response.body}",
        "errorExpression": '=if is defined(error) and error.code = "401" then '
        'bpmnError("OPENAI_FAILED", error.message) else null',
        "retryBackoff": "PT30S",
    }
    key = gateway.add_job(
        HTTP_JSON, variables, headers, process_id="translator_bot", element="translate"
    )
    deployed = DeployedFields.read([EXAMPLES])
    work(gateway, server, lambda: gateway.finished() == 1, deployed=deployed)
    answer = one_answer(gateway, key)
    assert answer.kind == "complete"
    assert answer.variables == {"openAiResponse": chat_body("Où est la gare ?")}
    assert server.requests[-1].headers["authorization"] == f"Bearer {KEY}"

    server.script(Reply(status=401, json={"error": {"message": "bad key", "type": "auth"}}))
    key = gateway.add_job(
        HTTP_JSON, variables, headers, process_id="translator_bot", element="translate"
    )
    work(gateway, server, lambda: gateway.finished() == 2, deployed=deployed)
    answer = one_answer(gateway, key)
    assert (answer.kind, answer.code) == ("throw", "OPENAI_FAILED")
    assert "bad key" in answer.message


def test_bpmn_error_thrown_with_variables(gateway, server) -> None:
    server.script(Reply(json=chat_body("flagged content")))
    key = gateway.add_job(
        CHAT,
        own_job(),
        {
            "errorExpression": '=if contains(response.body.choices[1].message.content, "flagged") '
            'then bpmnError("FLAGGED", "the answer was flagged", {why: "flagged", n: 2}) else null'
        },
        process_id="ask",
        element="chat",
    )
    work(gateway, server, lambda: gateway.finished() == 1, deployed=OWN_DEPLOYED)
    answer = one_answer(gateway, key)
    assert (answer.kind, answer.code, answer.message) == (
        "throw",
        "FLAGGED",
        "the answer was flagged",
    )
    assert answer.variables == {"why": "flagged", "n": 2}


def test_failure_fails_the_job_with_one_retry_fewer_and_the_backoff(gateway, server) -> None:
    server.script(Reply(status=500, json={"error": {"message": "boom", "type": "server"}}))
    key = gateway.add_job(
        CHAT, own_job(), {"retryBackoff": "PT30S"}, retries=3, process_id="ask", element="chat"
    )
    work(gateway, server, lambda: bool(gateway.answers_for(key)), deployed=OWN_DEPLOYED)
    answer = one_answer(gateway, key)
    assert (answer.kind, answer.retries, answer.backoff_ms) == ("fail", 2, 30_000)
    assert "boom" in answer.message
    assert gateway.jobs[key].state == "ready"  # Zeebe hands it out again after the backoff


def test_job_error_sets_retries_backoff_and_variables(gateway, server) -> None:
    server.script(Reply(status=429, json={"error": {"message": "slow down", "type": "rate"}}))
    key = gateway.add_job(
        CHAT,
        own_job(),
        {
            "errorExpression": '=if error.code = "429" then '
            'jobError("rate limited", {waited: true}, 1, "PT5S") else null'
        },
        retries=3,
        process_id="ask",
        element="chat",
    )
    work(gateway, server, lambda: bool(gateway.answers_for(key)), deployed=OWN_DEPLOYED)
    answer = one_answer(gateway, key)
    assert (answer.kind, answer.retries, answer.backoff_ms) == ("fail", 1, 5_000)
    assert answer.message == "rate limited"
    assert answer.variables == {"waited": True}


def test_last_retry_failing_is_an_incident(gateway, server) -> None:
    server.script(Reply(status=500, json={"error": {"message": "boom", "type": "server"}}))
    key = gateway.add_job(CHAT, own_job(), retries=1, process_id="ask", element="chat")
    work(gateway, server, lambda: gateway.finished() == 1, deployed=OWN_DEPLOYED)
    assert one_answer(gateway, key).retries == 0
    assert gateway.jobs[key].state == "incident"


def test_broken_result_expression_is_an_incident(gateway, server) -> None:
    server.script(Reply(json=chat_body()))
    key = gateway.add_job(
        CHAT, own_job(), {"resultExpression": "={a: (}"}, process_id="ask", element="chat"
    )
    work(gateway, server, lambda: gateway.finished() == 1, deployed=OWN_DEPLOYED)
    answer = one_answer(gateway, key)
    assert (answer.kind, answer.retries) == ("fail", 0)
    assert "resultExpression" in answer.message or "(" in answer.message


# ------------------------------------------------------------------------ secrets


def refused(gateway: FakeGateway, key: int) -> str:
    answer = one_answer(gateway, key)
    assert (answer.kind, answer.retries) == ("fail", 0), answer
    assert gateway.jobs[key].state == "incident"
    return answer.message


def test_secret_in_a_variable_is_refused_without_the_deployed_bpmn(gateway, server) -> None:
    key = gateway.add_job(CHAT, own_job(), process_id="ask", element="chat")
    work(gateway, server, lambda: gateway.finished() == 1)
    assert "secrets." in refused(gateway, key)
    assert server.requests == []


def test_secret_not_written_in_that_field_is_refused(gateway, server) -> None:
    other = own_job(connection={"api_key": "{{secrets.OTHER_KEY}}"})
    smuggled = own_job(prompt="tell me {{secrets.OPENAI_API_KEY}}")
    keys = [
        gateway.add_job(CHAT, other, process_id="ask", element="chat"),
        gateway.add_job(CHAT, smuggled, process_id="ask", element="chat"),
        gateway.add_job(CHAT, own_job(), process_id="ask", element="another_task"),
    ]
    secrets = {"OPENAI_API_KEY": KEY, "OTHER_KEY": "sk-other-0123456789"}
    work(gateway, server, lambda: gateway.finished() == 3, deployed=OWN_DEPLOYED, secrets=secrets)
    for key in keys:
        assert "secrets." in refused(gateway, key)
    assert server.requests == []


def test_missing_secret_is_an_incident_naming_it(gateway, server) -> None:
    key = gateway.add_job(CHAT, own_job(), process_id="ask", element="chat")
    work(gateway, server, lambda: gateway.finished() == 1, deployed=OWN_DEPLOYED, secrets={})
    assert "OPENAI_API_KEY" in refused(gateway, key)


def test_secret_in_a_header_is_resolved_and_never_sent_back(gateway, server) -> None:
    server.script(Reply(json=chat_body()))
    key = gateway.add_job(
        CHAT,
        own_job(),
        {"resultExpression": '={seen: "{{secrets.OPENAI_API_KEY}}", n: 1}'},
        process_id="ask",
        element="chat",
    )
    work(gateway, server, lambda: gateway.finished() == 1, deployed=OWN_DEPLOYED)
    assert one_answer(gateway, key).variables == {"seen": "***", "n": 1}


def test_refused_host_is_an_incident(gateway, server) -> None:
    job = own_job(
        connection={"api_key": "{{secrets.OPENAI_API_KEY}}", "base_url": "http://evil.example/v1"}
    )
    key = gateway.add_job(CHAT, job, process_id="ask", element="chat")
    work(gateway, server, lambda: gateway.finished() == 1, deployed=OWN_DEPLOYED)
    assert "evil.example" in refused(gateway, key)


# ------------------------------------------------------------------ the command


def test_served_types_are_every_operation_and_http_json_when_asked() -> None:
    types = served_types(http_json=True)
    assert CHAT in types and HTTP_JSON in types
    assert "io.openai-connector:files.upload:1" in types
    assert served_types(["chat.create"]) == [CHAT]


def run_cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [CLI, *args],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
        check=False,
    )


def test_worker_without_a_gateway_says_how_to_give_one() -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ZEEBE_", "CAMUNDA_"))}
    done = run_cli("worker", env=env)
    assert done.returncode == 2
    assert "--gateway" in done.stderr and "ZEEBE_ADDRESS" in done.stderr


def test_worker_with_an_unknown_operation_exits_2() -> None:
    done = run_cli("worker", "--gateway", "127.0.0.1:1", "--operation", "chat.craete")
    assert done.returncode == 2
    assert "chat.create" in done.stderr


def test_thousand_jobs_across_two_worker_processes_none_lost_or_done_twice(gateway) -> None:
    server = ScriptedServer().start()
    try:
        server.default = lambda request: Reply(json=chat_body(_prompt(request)))
        keys = {
            gateway.add_job(
                CHAT,
                {
                    "model": "gpt-4o-mini",
                    "prompt": f"job-{n}",
                    "connection": {"api_key": "{{secrets.OPENAI_API_KEY}}"},
                },
                {"resultExpression": "={reply: response.body.choices[1].message.content}"},
                process_id="ask",
                element="chat",
            ): n
            for n in range(1000)
        }
        bpmn = Path(os.environ.get("TMPDIR", "/tmp")) / f"ask-{os.getpid()}.bpmn"
        bpmn.write_text(OWN_BPMN, encoding="utf-8")
        env = {**os.environ, "OPENAI_API_KEY": KEY}
        command = [
            CLI, "worker",
            "--gateway", gateway.address, "--operation", "chat.create", "--bpmn", str(bpmn),
            "--host-map", f"api.openai.com={server.url}", "--concurrency", "16",
        ]  # fmt: skip
        workers = [
            subprocess.Popen(
                [*command, "--name", f"w{i}"], env=env, stderr=subprocess.PIPE, text=True
            )
            for i in range(2)
        ]
        try:
            gateway.wait_for(lambda: gateway.finished() == 1000, timeout=45)
        finally:
            for process in workers:
                process.send_signal(signal.SIGTERM)
            errors = [process.communicate(timeout=20)[1] for process in workers]
            codes = [process.returncode for process in workers]
            bpmn.unlink()
    finally:
        server.stop()
    assert codes == [0, 0], errors
    completed = gateway.completed()
    assert len(completed) == 1000
    assert {answer.key for answer in completed} == set(keys)
    assert all(answer.variables == {"reply": f"job-{keys[answer.key]}"} for answer in completed)
    assert gateway.rejected == []
    assert all(job.activations == 1 for job in gateway.jobs.values())
    prompts = [_prompt(request) for request in server.requests]
    assert sorted(prompts) == sorted(f"job-{n}" for n in range(1000))  # each call made once
    assert {answer.worker for answer in completed} == {"w0", "w1"}  # both took their share


def _prompt(request: Recorded) -> str:
    return str(request.json["messages"][-1]["content"])


# ------------------------------------------------------------ where the gateway is


def channel_for(address: str | None, environ: dict[str, str], tls: bool = False) -> str:
    from openai_connector.workflow.zeebe_worker import gateway_channel

    async def make() -> str:
        channel, where = gateway_channel(address, tls=tls, environ=environ)
        await channel.close()
        return where

    return asyncio.run(make())


def test_gateway_from_the_option_or_camunda_variables() -> None:
    assert channel_for("10.0.0.5:26500", {"ZEEBE_ADDRESS": "other:1"}) == "10.0.0.5:26500"
    assert channel_for("10.0.0.5:26500", {}, tls=True) == "10.0.0.5:26500"
    assert channel_for(None, {"ZEEBE_ADDRESS": "zeebe:26500"}) == "zeebe:26500"
    saas = {"ZEEBE_CLIENT_ID": "id", "ZEEBE_CLIENT_SECRET": "s", "CAMUNDA_CLUSTER_ID": "abc"}
    assert channel_for(None, saas) == "abc.bru-2.zeebe.camunda.io:443"
    oauth = {
        "ZEEBE_ADDRESS": "gw.example:443",
        "CAMUNDA_CLIENT_ID": "id",
        "CAMUNDA_CLIENT_SECRET": "s",
        "CAMUNDA_OAUTH_URL": "https://login.example/token",
    }
    assert channel_for(None, oauth) == "gw.example:443"


def test_credentials_without_a_gateway_say_what_is_missing() -> None:
    from openai_connector.errors import ConfigError

    with pytest.raises(ConfigError) as caught:
        channel_for(None, {"ZEEBE_CLIENT_ID": "id", "ZEEBE_CLIENT_SECRET": "s"})
    assert "ZEEBE_ADDRESS" in (caught.value.hint or "")


def test_deployed_fields_from_a_folder_and_a_broken_file(tmp_path) -> None:
    from openai_connector.errors import ConfigError

    (tmp_path / "ask.bpmn").write_text(OWN_BPMN, encoding="utf-8")
    deployed = DeployedFields.read([tmp_path, EXAMPLES / "translator_bot.bpmn"])
    assert deployed.of("ask", "chat") == {"connection.api_key": frozenset({"OPENAI_API_KEY"})}
    assert deployed.of("translator_bot", "translate") == {
        "authentication.token": frozenset({"OPENAI_API_KEY"})
    }
    assert deployed.of("ask", "other") == {}
    (tmp_path / "broken.bpmn").write_text("<bpmn:definitions", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"broken\.bpmn"):
        DeployedFields.read([tmp_path])


def test_worker_gives_up_when_the_gateway_is_gone() -> None:
    """Nothing listens on the port: after its retries the worker says the gateway is lost."""
    import socket

    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        address = f"127.0.0.1:{probe.getsockname()[1]}"

    async def main() -> bool:
        channel = grpc.aio.insecure_channel(address)
        worker = ConnectorWorker(
            JobRunner(), channel, [CHAT], connection_retries=3, retry_pause=0.01, long_poll=0.2
        )
        try:
            return await asyncio.wait_for(worker.serve(asyncio.Event()), 30)
        finally:
            await channel.close()

    assert asyncio.run(main()) is False


def test_graceful_stop_answers_the_jobs_in_flight(gateway, server) -> None:
    """Stopped while calls are in flight: each is finished and answered, none taken after."""
    server.default = lambda request: Reply(json=chat_body("late"), delay=0.3)
    keys = [gateway.add_job(CHAT, own_job(), process_id="ask", element="chat") for _ in range(3)]
    work(gateway, server, lambda: len(server.requests) >= 1, deployed=OWN_DEPLOYED)
    answered = [key for key in keys if gateway.answers_for(key)]
    assert answered, "the jobs in flight were not answered"
    assert len(answered) == len(server.requests)  # every call made was answered, once
    assert all(one_answer(gateway, key).kind == "complete" for key in answered)


def test_numbers_beyond_64_bits_go_back_exactly(gateway, server) -> None:
    server.script(Reply(json=chat_body("Bonjour")))
    key = gateway.add_job(
        CHAT,
        own_job(),
        {"resultExpression": '={n: 123456789012345678901234567890, reply: "é"}'},
        process_id="ask",
        element="chat",
    )
    work(gateway, server, lambda: gateway.finished() == 1, deployed=OWN_DEPLOYED)
    assert one_answer(gateway, key).variables == {"n": 123456789012345678901234567890, "reply": "é"}


def test_numbers_beyond_64_bits_in_job_variables_reach_the_request_exactly(gateway, server) -> None:
    server.script(Reply(json=chat_body()))
    body = {"model": "m", "messages": [], "n": 123456789012345678901234567890, "t": 0.5}
    variables = {
        "authentication": {"type": "bearer", "token": "{{secrets.OPENAI_API_KEY}}"},
        "method": "POST",
        "url": "https://api.openai.com/v1/chat/completions",
        "body": body,
    }
    key = gateway.add_job(HTTP_JSON, variables, process_id="translator_bot", element="translate")
    work(gateway, server, lambda: gateway.finished() == 1, deployed=DeployedFields.read([EXAMPLES]))
    assert one_answer(gateway, key).kind == "complete"
    assert server.requests[-1].json == body


def test_jobs_of_one_task_with_the_same_headers_keep_their_own_retries(gateway, server) -> None:
    """Headers are read once per task; each job's retries still decide its FailJob."""
    server.default = Reply(status=500, json={"error": {"message": "boom", "type": "server"}})
    headers = {"retryBackoff": "PT2S"}
    job = own_job(connection={"api_key": "{{secrets.OPENAI_API_KEY}}", "retry": {"max_retries": 0}})
    keys = [
        gateway.add_job(CHAT, job, headers, retries=r, process_id="ask", element="chat")
        for r in (3, 1, 2)
    ]
    work(gateway, server, lambda: len(gateway.answers) == 3, deployed=OWN_DEPLOYED)
    left = [(one_answer(gateway, k).retries, one_answer(gateway, k).backoff_ms) for k in keys]
    assert left == [(2, 2000), (0, 2000), (1, 2000)]
